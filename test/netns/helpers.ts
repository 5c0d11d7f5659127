/**
 * Shared pieces of the kernel tests: the lab's life cycle (namespaces, a bridge, a work
 * directory, everything removed at the end), a private planet made with the idtool commands,
 * node homes, `tierzero` processes inside lab namespaces with their log tails and log records
 * kept for failure reports and timings, a node's local API from inside its namespace, waiting
 * with a deadline, and a clean stop.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { type IdtoolIo, runIdtool } from '../../src/cli/commands/idtool.js';
import { addressToString } from '../../src/core/vl1/address.js';
import { Identity } from '../../src/core/vl1/identity.js';
import type { StatusSnapshot } from '../../src/service/status-snapshot.js';
import { Lab, labUnavailableReason, removeLeftovers } from './lab.js';

export const TIERZERO_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A pino log record of a process (JSON line; `time` is the wall clock in ms, shared with the test). */
export interface LogRecord {
  time: number;
  msg: string;
  from?: string;
  kind?: string;
  id?: string;
}

export interface Proc {
  name: string;
  child: ChildProcess;
  statusFile: string;
  /** Last lines of its output, for failure reports. */
  output: string[];
  /** Its log records, for timings. */
  records: LogRecord[];
  exit: Promise<number | null>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const VERSION_SWITCH: Record<string, string> = { ping: '-V', python3: '--version' };

/** Why the kernel tests cannot run here (opt-out, no lab, a missing tool), or undefined. */
export function netnsSkipReason(tools: string[] = []): string | undefined {
  if (process.env.TIERZERO_SKIP_NETNS) return 'TIERZERO_SKIP_NETNS is set';
  const lab = labUnavailableReason();
  if (lab) return lab;
  for (const tool of tools) {
    if (spawnSync(tool, [VERSION_SWITCH[tool] ?? '--version'], { stdio: 'ignore' }).status !== 0) return `\`${tool}\` is not installed`;
  }
  return undefined;
}

/** Diagnostics stamped with the seconds since the test began. */
export function stopwatch(t: TestContext): (what: string) => void {
  const t0 = Date.now();
  return (what) => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
}

export interface LabRun {
  lab: Lab;
  /** A fresh temporary directory for homes, status files and scripts. */
  work: string;
  /** `tierzero` processes: stopped (SIGTERM, then SIGKILL) at the end. */
  procs: Proc[];
  /** Other child processes (servers, captures): killed at the end. */
  extras: ChildProcess[];
}

/** Runs `body` in a new lab; whatever happens, stops every process and removes the lab and its files. */
export async function withLab(workPrefix: string, body: (run: LabRun) => Promise<void>): Promise<void> {
  removeLeftovers();
  const run: LabRun = { lab: new Lab(), work: mkdtempSync(join(tmpdir(), workPrefix)), procs: [], extras: [] };
  try {
    await body(run);
  } finally {
    for (const c of run.extras) if (c.exitCode === null) c.kill('SIGKILL');
    await stopAll(run.procs);
    run.lab.destroy();
    rmSync(run.work, { recursive: true, force: true });
  }
}

/** A hub namespace with bridge `br0`, and one namespace per role plugged into it at `ip[role]/16`. */
export function bridgedNamespaces(lab: Lab, ip: Record<string, string>): void {
  for (const role of ['hub', ...Object.keys(ip)]) lab.addNamespace(role);
  lab.addBridge('hub', 'br0');
  for (const [role, address] of Object.entries(ip)) lab.plugIntoBridge('hub', 'br0', `p-${role}`, role, 'eth0', `${address}/16`);
}

/** idtool run in-process, files in `cwd`, stdout returned. */
export function idtool(args: string[], cwd: string): string {
  let out = '';
  let err = '';
  const io: IdtoolIo = {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    readFile: (p) => {
      try {
        return new Uint8Array(readFileSync(join(cwd, p)));
      } catch {
        return undefined;
      }
    },
    writeFile: (p, data) => (writeFileSync(join(cwd, p), data), true),
    now: () => Date.now(),
    generateIdentity: () => Identity.generate(),
  };
  const code = runIdtool(args, io);
  assert.equal(code, 0, `idtool ${args.join(' ')} failed: ${err}`);
  return out;
}

/** A planet whose only root is `root`, reachable at `endpoint` (`ip/port`). */
export function makePlanet(work: string, root: Identity, endpoint: string): Uint8Array {
  writeFileSync(join(work, 'root.public'), root.toString(false));
  const template = JSON.parse(idtool(['initplanet', 'root.public'], work));
  template.roots[0].stableEndpoints = [endpoint];
  writeFileSync(join(work, 'planet.json'), JSON.stringify(template));
  idtool(['mkworld', 'planet.json', '-o', 'planet'], work);
  return new Uint8Array(readFileSync(join(work, 'planet')));
}

export function prepareHome(work: string, name: string, identity: Identity, planet: Uint8Array): string {
  const home = join(work, name);
  mkdirSync(home);
  writeFileSync(join(home, 'identity.secret'), identity.toString(true), { mode: 0o600 });
  writeFileSync(join(home, 'planet'), planet);
  return home;
}

export interface Nodes<R extends string> {
  ids: Record<'root' | R, Identity>;
  /** ZeroTier addresses (10 hex digits). */
  addr: Record<'root' | R, string>;
  homes: Record<'root' | R, string>;
}

/** New identities for the root and `roles`, a planet with the root at `rootIp/9993`, and a home each. */
export function makeNodes<R extends string>(work: string, roles: readonly R[], rootIp: string): Nodes<R> {
  const all = ['root', ...roles] as ('root' | R)[];
  const ids = Object.fromEntries(all.map((r) => [r, Identity.generate()])) as Record<'root' | R, Identity>;
  const planet = makePlanet(work, ids.root, `${rootIp}/9993`);
  return {
    ids,
    addr: Object.fromEntries(all.map((r) => [r, addressToString(ids[r].address)])) as Record<'root' | R, string>,
    homes: Object.fromEntries(all.map((r) => [r, prepareHome(work, r, ids[r], planet)])) as Record<'root' | R, string>,
  };
}

/** `tierzero <args>` inside the namespace of `role`, with a status file and verbose logs kept. */
export function startProcess(lab: Lab, role: string, args: string[], statusFile: string, name = role): Proc {
  const child = spawn('ip', ['netns', 'exec', lab.ns(role), process.execPath, TIERZERO_MAIN, ...args, '--status-file', statusFile, '--verbose'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const records: LogRecord[] = [];
  let partial = '';
  const keep = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      output.push(line);
      try {
        const r = JSON.parse(line) as LogRecord;
        if (typeof r.time === 'number' && records.length < 20_000) records.push(r);
      } catch {
        // not a log record (a stack trace, say): kept in `output` only
      }
    }
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { name, child, statusFile, output, records, exit };
}

/** Starts the root (first, so the others find it) and waits until it runs as a root. */
export async function startRoot(lab: Lab, home: string, statusFile: string, procs: Proc[], what = 'the root to run'): Promise<Proc> {
  const root = startProcess(lab, 'root', ['root', home], statusFile);
  procs.push(root);
  await waitFor(what, 20_000, () => status(root)?.isRoot === true, procs);
  return root;
}

/** Time of the first log record of `p` at or after `since` that matches. */
export function firstRecord(p: Proc, since: number, match: (r: LogRecord) => boolean): number | undefined {
  return p.records.find((r) => r.time >= since && match(r))?.time;
}

export function status(p: Proc): StatusSnapshot | undefined {
  if (!existsSync(p.statusFile)) return undefined;
  try {
    return JSON.parse(readFileSync(p.statusFile, 'utf8')) as StatusSnapshot;
  } catch {
    return undefined;
  }
}

/**
 * Polls `check` every `pollMs` until it holds and returns when it did (wall clock ms); fails with
 * the processes' log tails (and `describe()`) if it does not in time, or if a process exits.
 */
export async function waitFor(what: string, timeoutMs: number, check: () => boolean, procs: Proc[], describe?: () => string, pollMs = 250): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const p of procs) {
      if (p.child.exitCode !== null) assert.fail(`${p.name} exited (${p.child.exitCode}) while waiting for ${what}:\n${p.output.slice(-30).join('\n')}`);
    }
    if (check()) return Date.now();
    await sleep(pollMs);
  }
  const dump = procs.map((p) => `--- ${p.name} log tail:\n${p.output.slice(-20).join('\n')}`);
  assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe ? `${describe()}\n` : ''}${dump.join('\n')}`);
}

/** SIGTERM, then SIGKILL after 8 s; resolves with the exit codes (null = killed). */
export async function stopAll(procs: Proc[]): Promise<(number | null)[]> {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  return Promise.all(
    procs.map(async (p) => {
      if (p.child.exitCode !== null) return p.child.exitCode;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 8000)));
      // The timer is cleared so that it does not keep the test process alive for 8 s.
      const code = await Promise.race([p.exit, timeout]).finally(() => clearTimeout(timer));
      if (code === 'timeout') {
        p.child.kill('SIGKILL');
        return null;
      }
      return code;
    }),
  );
}

/** `cmd args` inside the namespace of `role`, to completion. */
export function runIn(lab: Lab, role: string, cmd: string, args: string[], timeout = 20_000) {
  return spawnSync('ip', ['netns', 'exec', lab.ns(role), cmd, ...args], { encoding: 'utf8', timeout });
}

/** A request to a node's local API from inside its namespace (token and port from its home). */
const API_SCRIPT = `
import { readFileSync } from 'node:fs';
const [home, method, path, body] = process.argv.slice(2);
const port = readFileSync(home + '/zerotier-one.port', 'utf8').trim();
const token = readFileSync(home + '/authtoken.secret', 'utf8').trim();
try {
  const r = await fetch('http://127.0.0.1:' + port + path, { method, headers: { 'X-ZT1-Auth': token }, body: body || undefined });
  process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() }));
} catch (e) {
  process.stdout.write(JSON.stringify({ status: 0, body: String(e) }));
}
`;

export interface ApiResult {
  status: number;
  body: string;
}

/** What GET /network/<nwid> answers (the fields the tests read). */
export interface NetworkJson {
  nwid: string;
  mac: string;
  status: string;
  portDeviceName: string;
  assignedAddresses: string[];
  netconfRevision: number;
}

export interface LocalApi<R extends string> {
  /** `method path [body]` on the local API of `role`; status -1 with stderr if the request did not run. */
  api(role: R, method: string, path: string, body?: unknown): ApiResult;
  /** The member's view of a network, or undefined unless it answers 200. */
  network(role: R, nwid: string): NetworkJson | undefined;
}

/** The local API of the nodes in `homes`, called from inside their namespaces (script in `work`). */
export function localApi<R extends string>(lab: Lab, work: string, homes: Record<R, string>): LocalApi<R> {
  const script = join(work, 'api.mjs');
  writeFileSync(script, API_SCRIPT);
  const api = (role: R, method: string, path: string, body?: unknown): ApiResult => {
    const r = runIn(lab, role, process.execPath, [script, homes[role], method, path, ...(body === undefined ? [] : [JSON.stringify(body)])]);
    try {
      return JSON.parse(r.stdout) as ApiResult;
    } catch {
      return { status: -1, body: r.stderr };
    }
  };
  const network = (role: R, nwid: string): NetworkJson | undefined => {
    const r = api(role, 'GET', `/network/${nwid}`);
    return r.status === 200 ? (JSON.parse(r.body) as NetworkJson) : undefined;
  };
  return { api, network };
}
