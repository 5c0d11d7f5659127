/**
 * Shared pieces of the kernel tests: a private planet made with the idtool commands, node homes,
 * `tierzero` processes inside lab namespaces with their log tails kept for failure reports,
 * waiting with a deadline, and a clean stop.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IdtoolIo, runIdtool } from '../../src/cli/commands/idtool.js';
import { Identity } from '../../src/core/vl1/identity.js';
import type { StatusSnapshot } from '../../src/service/status-snapshot.js';
import type { Lab } from './lab.js';

export const TIERZERO_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface Proc {
  name: string;
  child: ChildProcess;
  statusFile: string;
  output: string[];
  exit: Promise<number | null>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** `tierzero <args>` inside the namespace of `role`, with a status file and verbose logs kept. */
export function startProcess(lab: Lab, role: string, args: string[], statusFile: string, name = role): Proc {
  const child = spawn('ip', ['netns', 'exec', lab.ns(role), process.execPath, TIERZERO_MAIN, ...args, '--status-file', statusFile, '--verbose'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { name, child, statusFile, output, exit };
}

export function status(p: Proc): StatusSnapshot | undefined {
  if (!existsSync(p.statusFile)) return undefined;
  try {
    return JSON.parse(readFileSync(p.statusFile, 'utf8')) as StatusSnapshot;
  } catch {
    return undefined;
  }
}

/** Polls `check` until it holds; fails with the processes' log tails if it does not in time. */
export async function waitFor(what: string, timeoutMs: number, check: () => boolean, procs: Proc[], describe?: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const p of procs) {
      if (p.child.exitCode !== null) assert.fail(`${p.name} exited (${p.child.exitCode}) while waiting for ${what}:\n${p.output.slice(-30).join('\n')}`);
    }
    if (check()) return;
    await sleep(250);
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
      const code = await Promise.race([p.exit, sleep(8000).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        p.child.kill('SIGKILL');
        return null;
      }
      return code;
    }),
  );
}
