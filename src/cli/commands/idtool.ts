/**
 * `tierzero idtool`: zerotier-idtool's commands with its outputs, messages and exit codes
 * (spec cli.md 2), plus `initplanet` and `mkworld` so a private planet needs no compiler.
 *
 * Arguments are taken positionally as the reference does, so the dispatcher parses them itself
 * rather than through commander. I/O goes through IdtoolIo so tests can also run it in process.
 * Deliberate differences: invalid JSON and bad fields in genmoon are reported (exit 1) instead
 * of aborting or producing a world with empty entries.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addressToString } from '../../core/vl1/address.js';
import { bytesToHex, hexToBytes, isHex } from '../../core/vl1/bytes.js';
import { c25519Generate } from '../../core/vl1/c25519.js';
import { ZT_WORLD_MAX_ROOTS, ZT_WORLD_TYPE_MOON, ZT_WORLD_TYPE_PLANET } from '../../core/vl1/constants.js';
import { Identity } from '../../core/vl1/identity.js';
import { decodeWorld, serializeWorld, verifyWorld } from '../../core/vl1/world.js';
import { formatWorldJson, moonFileName, parseWorldId, WorldJsonError, worldFromJson, worldTemplate } from '../../tools/world-json.js';

const TIERZERO_VERSION = '0.1.0';

export interface IdtoolIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** File contents, or undefined if it cannot be read. */
  readFile(path: string): Uint8Array | undefined;
  /** False if it cannot be written. */
  writeFile(path: string, data: string | Uint8Array, secret?: boolean): boolean;
  now(): number;
  generateIdentity(): Identity;
}

export const processIo: IdtoolIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readFile: (path) => {
    try {
      return new Uint8Array(readFileSync(path));
    } catch {
      return undefined;
    }
  },
  writeFile: (path, data, secret) => {
    try {
      writeFileSync(path, data, secret ? { mode: 0o600 } : {});
      return true;
    } catch {
      return false;
    }
  },
  now: () => Date.now(),
  generateIdentity: () => Identity.generate(),
};

export function idtoolHelp(): string {
  return [
    'ZeroTier One version 1.14.1',
    `TierZero ${TIERZERO_VERSION}: a ZeroTier-compatible network hypervisor in TypeScript.`,
    'MIT license; an independent implementation, not affiliated with the makers of ZeroTier.',
    'Usage: tierzero idtool <command> [<args>]',
    '',
    'Commands:',
    '  generate [<identity.secret>] [<identity.public>] [<vanity>]',
    '  validate <identity.secret/public>',
    '  getpublic <identity.secret>',
    '  sign <identity.secret> <file>',
    '  verify <identity.secret/public> <file> <signature>',
    '  initmoon <identity.public of first seed>',
    '  genmoon <moon json>',
    '  initplanet <identity.public of each root>... [--id <world id>]',
    '  mkworld <planet json> [-o <output file, default: planet>] [--timestamp <ms>]',
    '',
  ].join('\n');
}

export function registerIdtool(program: Command): void {
  program
    .command('idtool')
    .description('identities and worlds, as zerotier-idtool: generate, validate, getpublic, sign, verify, initmoon, genmoon, initplanet, mkworld')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action((args: string[]) => {
      process.exitCode = runIdtool(args, processIo);
    });
}

/** Runs one idtool command; returns the exit code. */
export function runIdtool(args: string[], io: IdtoolIo): number {
  const help = (code: number) => {
    io.stdout(idtoolHelp());
    return code;
  };
  const [command, ...rest] = args;
  switch (command) {
    case 'generate':
      return generate(rest, io);
    case 'validate':
      return rest.length < 1 ? help(1) : validate(rest[0], io);
    case 'getpublic':
      return rest.length < 1 ? help(1) : getPublic(rest[0], io);
    case 'sign':
      return rest.length < 2 ? help(1) : signFile(rest[0], rest[1], io);
    case 'verify':
      return rest.length < 3 ? help(1) : verifyFile(rest[0], rest[1], rest[2], io);
    case 'initmoon':
      return rest.length < 1 ? help(0) : initMoon(rest[0], io);
    case 'genmoon':
      return rest.length < 1 ? help(0) : genMoon(rest[0], io);
    case 'initplanet':
      return initPlanet(rest, io, help);
    case 'mkworld':
      return mkWorld(rest, io, help);
    default:
      return help(1);
  }
}

/** An argument longer than 32 characters with ':' at index 10 is an identity; else a file. */
function identityFromArg(arg: string, io: IdtoolIo): Identity | undefined {
  let text = arg;
  if (!(arg.length > 32 && arg[10] === ':')) {
    const data = io.readFile(arg);
    if (!data) return undefined;
    text = Buffer.from(data).toString('utf8');
  }
  const parsed = Identity.fromString(text);
  return parsed.ok ? parsed.value : undefined;
}

function generate(rest: string[], io: IdtoolIo): number {
  const [secretPath, publicPath, vanityText] = rest;
  const vanity = parseVanity(vanityText ?? '');
  let id: Identity;
  for (;;) {
    id = io.generateIdentity();
    if (vanityMatches(id.address, vanity)) {
      if (vanity.bits > 0) io.stderr(`vanity address: found ${addressToString(id.address)} !\n`);
      break;
    }
    io.stderr(`vanity address: tried ${addressToString(id.address)} looking for first ${vanity.bits} bits of ${vanityPrefixText(vanity)}\n`);
  }
  if (secretPath === undefined) {
    io.stdout(id.toString(true));
    return 0;
  }
  if (!io.writeFile(secretPath, id.toString(true), true)) {
    io.stderr(`Error writing to ${secretPath}\n`);
    return 1;
  }
  io.stdout(`${secretPath} written\n`);
  if (publicPath !== undefined) {
    if (!io.writeFile(publicPath, id.toString(false))) {
      io.stderr(`Error writing to ${publicPath}\n`);
      return 1;
    }
    io.stdout(`${publicPath} written\n`);
  }
  return 0;
}

export interface Vanity {
  /** Leading address bits to match: 4 per character given, at most 40. */
  bits: number;
  /** The wanted value of those bits. */
  value: bigint;
}

/** Like the reference: the hex digits given (a leading 0x allowed), 4 bits per character. */
export function parseVanity(text: string): Vanity {
  const bits = Math.min(4 * text.length, 40);
  const digits = /^(?:0[xX])?([0-9a-fA-F]*)/.exec(text.trim())![1];
  const value = digits ? BigInt(`0x${digits}`) & 0xffffffffffn : 0n;
  return { bits, value };
}

export function vanityMatches(address: number, v: Vanity): boolean {
  return BigInt(address) >> BigInt(40 - v.bits) === v.value;
}

function vanityPrefixText(v: Vanity): string {
  return ((v.value << BigInt(40 - v.bits)) & 0xffffffffffffffffn).toString(16).padStart(10, '0');
}

function validate(arg: string, io: IdtoolIo): number {
  const id = identityFromArg(arg, io);
  if (!id) {
    io.stderr(`Identity argument invalid or file unreadable: ${arg}\n`);
    return 1;
  }
  if (!id.locallyValidate()) {
    io.stderr(`${arg} FAILED validation.\n`);
    return 1;
  }
  io.stdout(`${arg} is a valid identity\n`);
  return 0;
}

function getPublic(arg: string, io: IdtoolIo): number {
  const id = identityFromArg(arg, io);
  if (!id) {
    io.stderr(`Identity argument invalid or file unreadable: ${arg}\n`);
    return 1;
  }
  io.stdout(id.toString(false));
  return 0;
}

function signFile(idArg: string, file: string, io: IdtoolIo): number {
  const id = identityFromArg(idArg, io);
  if (!id) {
    io.stderr(`Identity argument invalid or file unreadable: ${idArg}\n`);
    return 1;
  }
  if (!id.hasPrivate()) {
    io.stderr(`${idArg} does not contain a private key (must use private to sign)\n`);
    return 1;
  }
  const data = io.readFile(file);
  if (!data) {
    io.stderr(`${file} is not readable\n`);
    return 1;
  }
  io.stdout(bytesToHex(id.sign(data)));
  return 0;
}

/** The signature argument is hex, or else the path of a file holding the hex. */
function verifyFile(idArg: string, file: string, signatureArg: string, io: IdtoolIo): number {
  const id = identityFromArg(idArg, io);
  if (!id) {
    io.stderr(`Identity argument invalid or file unreadable: ${idArg}\n`);
    return 1;
  }
  const data = io.readFile(file);
  if (!data) {
    io.stderr(`${file} is not readable\n`);
    return 1;
  }
  const candidates: string[] = [signatureArg];
  const sigFile = io.readFile(signatureArg);
  if (sigFile) candidates.push(Buffer.from(sigFile).toString('utf8').trim());
  for (const hex of candidates) {
    if (isHex(hex) && hex.length > 0 && id.verify(data, hexToBytes(hex))) {
      io.stdout(`${file} signature valid\n`);
      return 0;
    }
  }
  io.stderr(`${file} signature check FAILED\n`);
  return 1;
}

function initMoon(arg: string, io: IdtoolIo): number {
  const id = identityFromArg(arg, io);
  if (!id) {
    io.stderr(`${arg} is not a valid identity\n`);
    return 1;
  }
  io.stdout(`${formatWorldJson(worldTemplate(ZT_WORLD_TYPE_MOON, [id.publicOnly()], c25519Generate()))}\n`);
  return 0;
}

function readJsonFile(path: string, io: IdtoolIo): { ok: true; json: unknown } | { ok: false } {
  const data = io.readFile(path);
  if (!data) {
    io.stderr(`cannot read ${path}\n`);
    return { ok: false };
  }
  try {
    return { ok: true, json: JSON.parse(Buffer.from(data).toString('utf8')) };
  } catch (e) {
    io.stderr(`${path} is not valid JSON: ${(e as Error).message}\n`);
    return { ok: false };
  }
}

function genMoon(path: string, io: IdtoolIo): number {
  const read = readJsonFile(path, io);
  if (!read.ok) return 1;
  const now = io.now();
  const built = worldFromJson(read.json, { timestamp: BigInt(now), idFormat: 'hex' });
  if (!built.ok) {
    io.stderr(`${worldJsonErrorText(built.error, path)}\n`);
    return 1;
  }
  const name = moonFileName(built.value.world);
  if (!io.writeFile(name, serializeWorld(built.value.world))) {
    io.stderr(`Error writing to ${name}\n`);
    return 1;
  }
  io.stdout(`wrote ${name} (signed world with timestamp ${now})\n`);
  return 0;
}

/** The reference's messages for id and worldType; a field path and reason for the rest. */
function worldJsonErrorText(e: WorldJsonError, path: string): string {
  if (e.field === 'id') return `ID in ${path} is invalid`;
  if (e.field === 'worldType') return 'invalid worldType';
  return `${path}: ${e.message}`;
}

interface Options {
  positional: string[];
  values: Map<string, string>;
  error?: string;
}

/** Splits `-o X`, `--name X` and `--name=X` out of the positional arguments. */
function parseOptions(args: string[], names: Record<string, string>): Options {
  const out: Options = { positional: [], values: new Map() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    const name = names[flag];
    if (!name) return { ...out, error: `unknown option ${flag}` };
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') return { ...out, error: `option ${flag} needs a value` };
    out.values.set(name, value);
  }
  return out;
}

function initPlanet(args: string[], io: IdtoolIo, help: (code: number) => number): number {
  const opts = parseOptions(args, { '--id': 'id' });
  if (opts.error) {
    io.stderr(`${opts.error}\n`);
    return 1;
  }
  if (opts.positional.length === 0) return help(1);
  if (opts.positional.length > ZT_WORLD_MAX_ROOTS) {
    io.stderr(`a planet holds at most ${ZT_WORLD_MAX_ROOTS} roots, got ${opts.positional.length}\n`);
    return 1;
  }
  const roots: Identity[] = [];
  for (const arg of opts.positional) {
    const id = identityFromArg(arg, io);
    if (!id) {
      io.stderr(`${arg} is not a valid identity\n`);
      return 1;
    }
    roots.push(id.publicOnly());
  }
  let worldId: bigint;
  try {
    worldId = opts.values.has('id') ? parseWorldId(opts.values.get('id'), 'auto') : randomPlanetId();
  } catch (e) {
    if (!(e instanceof WorldJsonError)) throw e;
    io.stderr(`invalid --id: ${e.message.replace(/^id: /, '')}\n`);
    return 1;
  }
  io.stdout(`${formatWorldJson(worldTemplate(ZT_WORLD_TYPE_PLANET, roots, c25519Generate(), worldId))}\n`);
  return 0;
}

/** A fresh 64-bit planet id, so a private planet is never mistaken for another one. */
function randomPlanetId(): bigint {
  for (;;) {
    const b = c25519Generate().privateKey.subarray(0, 8);
    const id = BigInt(`0x${bytesToHex(b)}`);
    if (id !== 0n) return id;
  }
}

function mkWorld(args: string[], io: IdtoolIo, help: (code: number) => number): number {
  const opts = parseOptions(args, { '-o': 'output', '--output': 'output', '--timestamp': 'timestamp' });
  if (opts.error) {
    io.stderr(`${opts.error}\n`);
    return 1;
  }
  if (opts.positional.length !== 1) return help(1);
  const path = opts.positional[0];
  const output = opts.values.get('output') ?? 'planet';
  const timestampText = opts.values.get('timestamp');
  if (timestampText !== undefined && !/^[0-9]{1,19}$/.test(timestampText)) {
    io.stderr(`invalid --timestamp ${timestampText}: milliseconds since the epoch expected\n`);
    return 1;
  }
  const timestamp = timestampText !== undefined ? BigInt(timestampText) : BigInt(io.now());
  const read = readJsonFile(path, io);
  if (!read.ok) return 1;
  const built = worldFromJson(read.json, { timestamp, idFormat: 'auto', requireType: ZT_WORLD_TYPE_PLANET });
  if (!built.ok) {
    io.stderr(`${path}: ${built.error.message}\n`);
    return 1;
  }
  const bytes = serializeWorld(built.value.world);
  // Check what we are about to hand to every node: it must decode and carry a valid signature.
  const check = decodeWorld(bytes);
  if (!check.ok || !verifyWorld(check.value.world, built.value.signingKey.publicKey)) {
    io.stderr(`internal error: the planet built from ${path} does not verify\n`);
    return 1;
  }
  if (!io.writeFile(output, bytes)) {
    io.stderr(`Error writing to ${output}\n`);
    return 1;
  }
  io.stdout(`wrote ${output} (signed planet ${built.value.world.id} with timestamp ${timestamp}, ${built.value.world.roots.length} roots)\n`);
  return 0;
}
