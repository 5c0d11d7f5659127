/**
 * zerotier-cli's commands against a node's local API (cli.md §1.3–§1.5), shared by both ways of
 * calling them: `tierzero <command>` (commander, registered here) and the `tierzero-cli`
 * personality (zerotier-cli's own argument rules, ../zerotier-cli.ts).
 *
 * Stdout is byte-for-byte what zerotier-cli prints, and exit codes are its codes, so scripts
 * keep working. TierZero's additions never change stdout unless asked: hints (service not
 * running, token refused, a setting `set` cannot change) go to stderr; `--table` prints
 * readable tables; `--watch [s]` redraws peers/listpeers/listnetworks until interrupted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { SOFTWARE_VERSION } from '../../core/vl1/constants.js';
import { type ApiResponse, type ApiTarget, type ClientFlags, apiRequest, hintFor, locateService } from '../api-client.js';
import {
  LISTNETWORKS_HEADER,
  LISTPEERS_HEADER,
  UNKNOWN_PROPERTY,
  getProperty,
  infoLine,
  infoReadable,
  listbonds,
  listnetworksLine,
  listpeersLine,
  networksReadable,
  peersReadable,
  peersTable,
  prettyJson,
  str,
} from '../formats.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export const ZT_VERSION = `${SOFTWARE_VERSION.major}.${SOFTWARE_VERSION.minor}.${SOFTWARE_VERSION.revision}`;

export const CONNECT_ERROR =
  'Error connecting to the ZeroTier service: connection failed\n\nPlease check that the service is running and that TCP port 9993 can be contacted via 127.0.0.1.\n';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  request(t: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: string): Promise<ApiResponse>;
  /** Wall clock for path ages (default Date.now). */
  now?(): number;
  /** Where `dump` writes zerotier_dump.txt (default: the current directory). */
  cwd?(): string;
  writeFile?(path: string, text: string): void;
}

export const processCliIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  request: apiRequest,
};

export interface NodeCliFlags extends ClientFlags {
  json?: boolean;
  /** Readable tables instead of zerotier-cli's lines. */
  table?: boolean;
}

/** What a command needs besides its words: where it was called from, for messages. */
export interface CommandContext {
  flags: NodeCliFlags;
  io: CliIo;
  /** Prefix of error messages (`tierzero`, `tierzero-cli`, `zerotier-cli`). */
  program: string;
  /** Shown after a usage error (zerotier-cli prints its help). */
  help(): string;
}

type Runner = (ctx: CommandContext, arg1: string | undefined, arg2: string | undefined, command: string) => Promise<number>;

const now = (io: CliIo) => (io.now ? io.now() : Date.now());

function locate(ctx: CommandContext): ApiTarget | undefined {
  const found = locateService(ctx.flags, ctx.program);
  if (found.ok) return found.target;
  ctx.io.stderr(`${found.message}\n${found.hint}\n`);
  return undefined;
}

function hint(ctx: CommandContext, t: ApiTarget, status: number): void {
  const h = hintFor(t, status, ctx.program);
  if (h) ctx.io.stderr(`${h}\n`);
}

/** `<status> <command> <body>` (connection failures included, as status 0), exit 1. */
function failure(ctx: CommandContext, t: ApiTarget, command: string, r: ApiResponse): number {
  ctx.io.stdout(`${r.status} ${command} ${r.body}\n`);
  hint(ctx, t, r.status);
  return EXIT_FAILED;
}

/**
 * GET for the display commands: a connection failure is the reference's "Error connecting"
 * text, another status `<status> <command> <body>`, a body that is not JSON
 * `<status> <command> invalid JSON response (<reason>)`; all exit 1.
 */
async function getJson(ctx: CommandContext, command: string, path: string): Promise<{ ok: true; value: unknown; body: string } | { ok: false; code: number }> {
  const t = locate(ctx);
  if (!t) return { ok: false, code: EXIT_USAGE };
  const r = await ctx.io.request(t, 'GET', path);
  if (r.status === 0) {
    ctx.io.stdout(CONNECT_ERROR);
    hint(ctx, t, 0);
    return { ok: false, code: EXIT_FAILED };
  }
  if (r.status !== 200) return { ok: false, code: failure(ctx, t, command, r) };
  try {
    return { ok: true, value: JSON.parse(r.body), body: r.body };
  } catch (e) {
    ctx.io.stdout(`${r.status} ${command} invalid JSON response (${(e as Error).message})\n`);
    return { ok: false, code: EXIT_FAILED };
  }
}

const asObject = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

const info: Runner = async (ctx, _a1, _a2, command) => {
  const r = await getJson(ctx, command, '/status');
  if (!r.ok) return r.code;
  const status = asObject(r.value);
  ctx.io.stdout(ctx.flags.json ? prettyJson(r.value) : ctx.flags.table ? infoReadable(status) : infoLine(status));
  return EXIT_OK;
};

const listpeers: Runner = async (ctx, _a1, _a2, command) => {
  const r = await getJson(ctx, command, '/peer');
  if (!r.ok) return r.code;
  const t = now(ctx.io);
  if (ctx.flags.json) ctx.io.stdout(prettyJson(r.value));
  else if (ctx.flags.table) ctx.io.stdout(peersReadable(r.value, t));
  else ctx.io.stdout(LISTPEERS_HEADER + (Array.isArray(r.value) ? r.value.map((p) => listpeersLine(asObject(p), t)).join('') : ''));
  return EXIT_OK;
};

const peers: Runner = async (ctx, _a1, _a2, command) => {
  const r = await getJson(ctx, command, '/peer');
  if (!r.ok) return r.code;
  const t = now(ctx.io);
  ctx.io.stdout(ctx.flags.json ? prettyJson(r.value) : ctx.flags.table ? peersReadable(r.value, t) : peersTable(r.value, t));
  return EXIT_OK;
};

const listnetworks: Runner = async (ctx, _a1, _a2, command) => {
  const r = await getJson(ctx, command, '/network');
  if (!r.ok) return r.code;
  if (ctx.flags.json) ctx.io.stdout(prettyJson(r.value));
  else if (ctx.flags.table) ctx.io.stdout(networksReadable(r.value));
  else ctx.io.stdout(LISTNETWORKS_HEADER + (Array.isArray(r.value) ? r.value.map((n) => listnetworksLine(asObject(n), now(ctx.io))).join('') : ''));
  return EXIT_OK;
};

/** join and leave: the id must be 16 characters (not otherwise checked, as the reference). */
function joinOrLeave(method: 'POST' | 'DELETE'): Runner {
  return async (ctx, nwid, _a2, command) => {
    if (nwid === undefined || nwid.length !== 16) {
      ctx.io.stdout('invalid network id\n');
      return EXIT_USAGE;
    }
    const t = locate(ctx);
    if (!t) return EXIT_USAGE;
    const r = method === 'POST' ? await ctx.io.request(t, 'POST', `/network/${nwid}`, '{}') : await ctx.io.request(t, 'DELETE', `/network/${nwid}`);
    if (r.status !== 200) return failure(ctx, t, command, r);
    ctx.io.stdout(ctx.flags.json ? r.body : `200 ${command} OK\n`);
    return EXIT_OK;
  };
}

const SETTABLE = new Set(['allowManaged', 'allowGlobal', 'allowDefault', 'allowDNS']);

const set: Runner = async (ctx, nwid, assignment, command) => {
  if (nwid === undefined || nwid.length !== 16) {
    ctx.io.stderr('invalid format: must be a 16-digit (network) ID\n');
    return EXIT_USAGE;
  }
  if (assignment === undefined || assignment === '') {
    ctx.io.stderr('invalid format: include a property name to set\n');
    return EXIT_USAGE;
  }
  const eq = assignment.indexOf('=');
  if (eq < 0) {
    ctx.io.stderr(ctx.help());
    return EXIT_USAGE;
  }
  const name = assignment.slice(0, eq);
  const value = assignment.slice(eq + 1);
  if (!SETTABLE.has(name)) {
    ctx.io.stderr(`${ctx.program}: hint: set changes only ${[...SETTABLE].join(', ')} (nothing was changed)\n`);
    return EXIT_OK;
  }
  const t = locate(ctx);
  if (!t) return EXIT_USAGE;
  const on = value.startsWith('t') || value.startsWith('1');
  const r = await ctx.io.request(t, 'POST', `/network/${nwid}`, JSON.stringify({ [name]: on }));
  if (r.status !== 200) return failure(ctx, t, command, r);
  ctx.io.stdout(r.body);
  return EXIT_OK;
};

const get: Runner = async (ctx, nwid, property, command) => {
  if (nwid === undefined || nwid.length !== 16) {
    ctx.io.stderr('invalid format: must be a 16-digit (network) ID\n');
    return EXIT_USAGE;
  }
  if (property === undefined || property === '') {
    ctx.io.stderr('invalid format: include a property name to get\n');
    return EXIT_USAGE;
  }
  const r = await getJson(ctx, command, '/network');
  if (!r.ok) return r.code;
  const network = (Array.isArray(r.value) ? r.value : []).map(asObject).find((n) => str(n.nwid).toLowerCase() === nwid.toLowerCase());
  if (!network) {
    ctx.io.stderr('unknown network ID, check that you are a member of the network\n');
    return EXIT_OK;
  }
  const out = getProperty(network, property);
  ctx.io.stdout(out);
  if (out === UNKNOWN_PROPERTY) ctx.io.stderr(`${ctx.program}: hint: properties are the keys of \`${ctx.program} -j listnetworks\`, or ip, ip4, ip6, ip6plane, ip6prefix\n`);
  return EXIT_OK;
};

const listmoons: Runner = async (ctx, _a1, _a2, command) => {
  const r = await getJson(ctx, command, '/moon');
  if (!r.ok) return r.code;
  ctx.io.stdout(prettyJson(r.value));
  return EXIT_OK;
};

/** A hex number as zerotier-cli reads it (strtoull base 16: leading hex digits, else 0). */
function hexValue(text: string | undefined): bigint {
  const m = /^\s*(?:0x)?([0-9a-fA-F]+)/.exec(text ?? '');
  return m ? BigInt(`0x${m[1]}`) : 0n;
}

const orbit: Runner = async (ctx, world, seed, command) => {
  if (hexValue(world) === 0n || hexValue(seed) === 0n) {
    ctx.io.stderr(`${ctx.program}: hint: usage: orbit <world ID, 10 hex digits> <seed: the address of one of its roots>\n`);
    return EXIT_OK;
  }
  const t = locate(ctx);
  if (!t) return EXIT_USAGE;
  const r = await ctx.io.request(t, 'POST', `/moon/${world}`, JSON.stringify({ seed }));
  if (r.status !== 200) return failure(ctx, t, command, r);
  ctx.io.stdout(ctx.flags.json ? r.body : `200 ${command} OK\n`);
  return EXIT_OK;
};

const deorbit: Runner = async (ctx, world, _a2, command) => {
  if (world === undefined || world === '') {
    ctx.io.stderr(ctx.help());
    return EXIT_USAGE;
  }
  const t = locate(ctx);
  if (!t) return EXIT_USAGE;
  const r = await ctx.io.request(t, 'DELETE', `/moon/${world}`);
  if (r.status !== 200) return failure(ctx, t, command, r);
  ctx.io.stdout(ctx.flags.json ? r.body : `200 ${command} OK\n`);
  return EXIT_OK;
};

/** Local interfaces for `dump` (loopback skipped), MTU from sysfs. */
function interfacesText(): string {
  let out = '';
  let i = 0;
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (!addrs || addrs.every((a) => a.internal)) continue;
    let mtu = '';
    try {
      mtu = readFileSync(`/sys/class/net/${name}/mtu`, 'utf8').trim();
    } catch {
      mtu = '0';
    }
    out += `Interface ${i}\n${'-'.repeat(`Interface ${i}`.length)}\nName: ${name}\nMTU: ${mtu}\nMAC: ${addrs[0]!.mac}\nAddresses: \n`;
    for (const a of addrs) out += `${a.address}\n`;
    i++;
  }
  return out;
}

const dump: Runner = async (ctx) => {
  const t = locate(ctx);
  if (!t) return EXIT_USAGE;
  const bodies: string[] = [];
  for (const path of ['/status', '/network', '/peer']) {
    const r = await ctx.io.request(t, 'GET', path);
    if (r.status !== 200) {
      ctx.io.stdout(CONNECT_ERROR);
      hint(ctx, t, r.status);
      return EXIT_FAILED;
    }
    bodies.push(r.body);
  }
  let localConf = 'None Present';
  try {
    localConf = readFileSync(join(t.home, 'local.conf'), 'utf8');
  } catch {
    // Reported as "None Present", as the reference does.
  }
  const text = [
    'platform: Linux',
    `zerotier version: ${ZT_VERSION}`,
    '',
    'status',
    '------',
    bodies[0],
    '',
    'networks',
    '--------',
    bodies[1],
    '',
    'peers',
    '-----',
    bodies[2],
    '',
    'local.conf',
    '----------',
    localConf,
    '',
    'Network Interfaces',
    '------------------',
    '',
  ].join('\n');
  const path = resolve(ctx.io.cwd ? ctx.io.cwd() : process.cwd(), 'zerotier_dump.txt');
  const content = text + interfacesText();
  if (ctx.io.writeFile) ctx.io.writeFile(path, content);
  else writeFileSync(path, content);
  ctx.io.stdout(`Writing dump to: ${path}\n`);
  return EXIT_OK;
};

const listbondsRunner: Runner = async (ctx, _a1, _a2, command) => {
  const r = await getJson(ctx, command, '/peer');
  if (!r.ok) return r.code;
  ctx.io.stdout(ctx.flags.json ? prettyJson(r.value) : listbonds(r.value));
  return EXIT_OK;
};

/** `bond list`, `bond <peer> show|rotate`; TierZero has no bonding, so show/rotate report the API's 400. */
export async function runBond(ctx: CommandContext, words: string[]): Promise<number> {
  const [a, b] = words;
  if (a === 'list') return listbondsRunner(ctx, undefined, undefined, 'bond');
  if (a === undefined || b === undefined || !/^[0-9a-fA-F]{10}$/.test(a) || (b !== 'show' && b !== 'rotate')) {
    ctx.io.stdout('(bond) command is missing required arguments\n');
    return EXIT_USAGE;
  }
  const t = locate(ctx);
  if (!t) return EXIT_USAGE;
  const r = b === 'show' ? await ctx.io.request(t, 'GET', `/bond/show/${a}`) : await ctx.io.request(t, 'POST', `/bond/rotate/${a}`, '{}');
  if (r.status === 0 && b === 'show') {
    ctx.io.stdout(CONNECT_ERROR);
    return EXIT_FAILED;
  }
  if (r.status !== 200) return failure(ctx, t, 'bond', r);
  ctx.io.stdout(b === 'rotate' ? '200 rotate OK\n' : prettyJson(JSON.parse(r.body)));
  return EXIT_OK;
}

/** `/<path>`: a raw GET; 200 prints the body as it is. */
export async function runRawPath(ctx: CommandContext, path: string): Promise<number> {
  const t = locate(ctx);
  if (!t) return EXIT_USAGE;
  const r = await ctx.io.request(t, 'GET', path);
  if (r.status !== 200) return failure(ctx, t, path, r);
  ctx.io.stdout(r.body);
  return EXIT_OK;
}

export const NODE_COMMANDS: Readonly<Record<string, Runner>> = {
  info,
  status: info,
  listpeers,
  peers,
  listnetworks,
  join: joinOrLeave('POST'),
  leave: joinOrLeave('DELETE'),
  set,
  get,
  listmoons,
  orbit,
  deorbit,
  dump,
  listbonds: listbondsRunner,
};

/** Runs one of NODE_COMMANDS; undefined if `command` is not one. */
export function runNodeCommand(ctx: CommandContext, command: string, arg1?: string, arg2?: string): Promise<number> | undefined {
  const run = NODE_COMMANDS[command];
  return run ? run(ctx, arg1, arg2, command) : undefined;
}

// ---- `tierzero <command>` (commander) -------------------------------------------------------

const WATCHABLE = new Set(['peers', 'listpeers', 'listnetworks', 'info', 'status']);

function parseApiPort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new InvalidArgumentError('expected a TCP port 1..65535');
  return Number(text);
}

function nonEmpty(text: string): string {
  if (text === '') throw new InvalidArgumentError('must not be empty');
  return text;
}

function parseSeconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0.2 || n > 3600) throw new InvalidArgumentError('expected seconds between 0.2 and 3600');
  return n;
}

export function withClientOptions(cmd: Command): Command {
  return cmd
    .option('-j, --json', 'print the raw JSON (keys sorted, as zerotier-cli -j)')
    .option('-D, --home <path>', 'home directory of the service, to find its port and token (default: as `tierzero service`)', nonEmpty)
    .option('-p, --port <port>', 'API port (default: from <home>/zerotier-one.port)', parseApiPort)
    .option('-T, --token <token>', 'auth token (default: from <home>/authtoken.secret)', nonEmpty)
    .option('-H, --host <ip>', 'API host (default 127.0.0.1)', nonEmpty);
}

interface CommanderFlags extends NodeCliFlags {
  watch?: number | true;
}

const DESCRIPTIONS: [string, string, string][] = [
  ['info', '', 'show the node address, version and ONLINE/OFFLINE (alias: status)'],
  ['listpeers', '', 'list peers, one `200 listpeers` line each'],
  ['peers', '', 'list peers as a table (zerotier-cli peers)'],
  ['listnetworks', '', 'list joined networks, one `200 listnetworks` line each'],
  ['join', '<nwid>', 'join a network (16 hex digits)'],
  ['leave', '<nwid>', 'leave a network'],
  ['set', '<nwid> <setting=value>', 'set allowManaged, allowGlobal, allowDefault or allowDNS (1/0, true/false)'],
  ['get', '<nwid> <property>', 'print one property of a joined network (also ip, ip4, ip6, ip6plane, ip6prefix)'],
  ['listmoons', '', 'list the moons this node orbits (JSON)'],
  ['orbit', '<world> <seed>', 'orbit a moon (world id: 10 hex digits) through one of its roots'],
  ['deorbit', '<world>', 'stop orbiting a moon'],
  ['dump', '', 'write zerotier_dump.txt (status, networks, peers, local.conf, interfaces) here'],
  ['listbonds', '', 'list bonded peers (TierZero has no bonding yet: NONE)'],
];

export function registerNodeCommands(program: Command): void {
  const make = (name: string, argsSpec: string, description: string, aliases: string[] = []) => {
    const cmd = withClientOptions(program.command(name).description(description));
    for (const a of aliases) cmd.alias(a);
    for (const a of argsSpec.split(' ').filter(Boolean)) cmd.argument(a.replace('<', '[').replace('>', ']'));
    if (['info', 'listpeers', 'peers', 'listnetworks'].includes(name)) cmd.option('--table', 'readable table (not the zerotier-cli format)');
    if (WATCHABLE.has(name)) cmd.addOption(new Option('--watch [seconds]', 'redraw every few seconds (default 2) until Ctrl-C').argParser(parseSeconds));
    cmd.action(async (...params: unknown[]) => {
      const words = params.filter((p): p is string => typeof p === 'string');
      const flags = params.find((p) => p !== null && typeof p === 'object' && !(p as { commands?: unknown }).commands) as CommanderFlags;
      const ctx: CommandContext = { flags, io: processCliIo, program: 'tierzero', help: () => cmd.helpInformation() };
      if (flags.watch !== undefined) {
        const seconds = flags.watch === true ? 2 : flags.watch;
        for (;;) {
          let screen = '';
          const code = await runNodeCommand({ ...ctx, io: { ...processCliIo, stdout: (t) => (screen += t) } }, name, words[0], words[1])!;
          process.stdout.write(`\x1b[2J\x1b[H${screen}`);
          if (code === EXIT_USAGE) process.exit(code);
          await new Promise((r) => setTimeout(r, seconds * 1000));
        }
      }
      process.exit(await runNodeCommand(ctx, name, words[0], words[1])!);
    });
  };
  for (const [name, args, description] of DESCRIPTIONS) make(name, args, description, name === 'info' ? ['status'] : []);
  const api = withClientOptions(program.command('api').description('GET a raw API path and print the body (zerotier-cli /<path>; `tierzero /status` works too)').argument('<path>'));
  api.action(async (path: string, flags: NodeCliFlags) => {
    const ctx: CommandContext = { flags, io: processCliIo, program: 'tierzero', help: () => api.helpInformation() };
    process.exit(await runRawPath(ctx, path.startsWith('/') ? path : `/${path}`));
  });
  const bond = withClientOptions(program.command('bond').description('bond list | bond <peer> show | bond <peer> rotate').argument('[words...]'));
  bond.action(async (words: string[], flags: NodeCliFlags) => {
    const ctx: CommandContext = { flags, io: processCliIo, program: 'tierzero', help: () => bond.helpInformation() };
    process.exit(await runBond(ctx, words));
  });
}
