/**
 * Worlds described as JSON, the format `zerotier-idtool initmoon` prints and `genmoon` reads
 * (spec vl1.md 10.5), used for moons and, with worldType "planet", for private planets:
 *
 *   { "id", "objtype": "world", "worldType": "moon" | "planet",
 *     "roots": [ { "identity": "<public identity>", "stableEndpoints": ["ip/port", ...] } ],
 *     "signingKey", "signingKey_SECRET", "updatesMustBeSignedBy" }
 *
 * Pure (no files, no clock): the CLI and the service pass text in and bytes out. Unlike the
 * reference, which silently turns a typo into a nil endpoint or an empty identity, every problem
 * is reported with the name of the offending field.
 */
import { fail, ok, type Result } from '../core/errors.js';
import { addressToString } from '../core/vl1/address.js';
import { bytesToHex, hexToBytes, bytesEqual } from '../core/vl1/bytes.js';
import { c25519PublicFromPrivate, type C25519KeyPair } from '../core/vl1/c25519.js';
import { ZT_WORLD_MAX_ROOTS, ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT, ZT_WORLD_TYPE_MOON, ZT_WORLD_TYPE_PLANET } from '../core/vl1/constants.js';
import { Identity } from '../core/vl1/identity.js';
import { compareInetAddressesLikeReference, parseInetAddress, type InetAddress } from '../core/vl1/inet-address.js';
import { signWorld, type World, type WorldRoot, type WorldType } from '../core/vl1/world.js';

export interface WorldJsonRoot {
  identity: string;
  stableEndpoints: string[];
}

export interface WorldJson {
  id: string;
  objtype: 'world';
  roots: WorldJsonRoot[];
  signingKey: string;
  signingKey_SECRET: string;
  updatesMustBeSignedBy: string;
  worldType: 'moon' | 'planet';
}

/** A problem in a world description; `field` is a JSON path such as `roots[1].identity`. */
export class WorldJsonError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'WorldJsonError';
  }
}

export interface BuildWorldOptions {
  /** The revision; genmoon uses the current time in ms. */
  timestamp: bigint;
  /**
   * How to read `id`: 'hex' is genmoon's rule (always base 16); 'auto' reads a JSON number or an
   * all-digit string as decimal and `0x...` or a string with a-f as hex (planet ids are usually
   * written in decimal, like ZeroTier's 149604618).
   */
  idFormat?: 'hex' | 'auto';
  /** Require world type: mkworld builds planets only. */
  requireType?: WorldType;
  /** Run each root's proof-of-work check (~25 ms each). Default true. */
  validateIdentities?: boolean;
}

export interface BuiltWorld {
  world: World;
  signingKey: C25519KeyPair;
}

const UINT64_MAX = (1n << 64n) - 1n;

/** Builds and signs the world a JSON description asks for; roots and endpoints get sorted. */
export function worldFromJson(json: unknown, options: BuildWorldOptions): Result<BuiltWorld, WorldJsonError> {
  try {
    return ok(build(json, options));
  } catch (e) {
    if (e instanceof WorldJsonError) return fail(e);
    throw e;
  }
}

function build(json: unknown, options: BuildWorldOptions): BuiltWorld {
  if (!isObject(json)) throw new WorldJsonError('(document)', 'must be a JSON object');

  const type = worldTypeOf(json.worldType);
  if (options.requireType !== undefined && type !== options.requireType) {
    throw new WorldJsonError('worldType', `must be ${JSON.stringify(typeName(options.requireType))} here`);
  }
  const id = parseWorldId(json.id, options.idFormat ?? 'hex');

  const publicKey = hexKey(json.signingKey, 'signingKey');
  const privateKey = hexKey(json.signingKey_SECRET, 'signingKey_SECRET');
  const updatesMustBeSignedBy = hexKey(json.updatesMustBeSignedBy, 'updatesMustBeSignedBy');
  if (!bytesEqual(c25519PublicFromPrivate(privateKey), publicKey)) {
    throw new WorldJsonError('signingKey_SECRET', 'is not the private half of signingKey');
  }

  if (!Array.isArray(json.roots)) throw new WorldJsonError('roots', 'must be an array of roots');
  if (json.roots.length === 0) throw new WorldJsonError('roots', 'a world needs at least one root');
  if (json.roots.length > ZT_WORLD_MAX_ROOTS) throw new WorldJsonError('roots', `a world holds at most ${ZT_WORLD_MAX_ROOTS} roots, found ${json.roots.length}`);
  const roots = json.roots.map((r, i) => rootFromJson(r, `roots[${i}]`, options.validateIdentities ?? true));
  for (let i = 1; i < roots.length; i++) {
    for (let j = 0; j < i; j++) {
      if (roots[i].identity.address === roots[j].identity.address) {
        throw new WorldJsonError(`roots[${i}].identity`, `same address as roots[${j}] (${addressToString(roots[i].identity.address)})`);
      }
    }
  }
  roots.sort(compareRoots);

  const world = signWorld({ type, id, timestamp: options.timestamp, updatesMustBeSignedBy, roots }, privateKey);
  return { world, signingKey: { publicKey, privateKey } };
}

function rootFromJson(json: unknown, path: string, validate: boolean): WorldRoot {
  if (!isObject(json)) throw new WorldJsonError(path, 'must be an object with "identity" and "stableEndpoints"');
  if (typeof json.identity !== 'string') throw new WorldJsonError(`${path}.identity`, 'must be a public identity string');
  const parsed = Identity.fromString(json.identity);
  if (!parsed.ok) throw new WorldJsonError(`${path}.identity`, `not a valid identity (${parsed.error.message})`);
  const identity = parsed.value.publicOnly();
  if (validate && !identity.locallyValidate()) {
    throw new WorldJsonError(`${path}.identity`, `identity ${addressToString(identity.address)} fails validation (address does not match its key)`);
  }
  const list = json.stableEndpoints ?? [];
  if (!Array.isArray(list)) throw new WorldJsonError(`${path}.stableEndpoints`, 'must be an array of "ip/port" strings');
  if (list.length > ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT) {
    throw new WorldJsonError(`${path}.stableEndpoints`, `a root holds at most ${ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT} endpoints, found ${list.length}`);
  }
  const stableEndpoints = list.map((e, i) => endpointFromJson(e, `${path}.stableEndpoints[${i}]`));
  stableEndpoints.sort(compareInetAddressesLikeReference);
  return { identity, stableEndpoints };
}

function endpointFromJson(json: unknown, path: string): InetAddress {
  if (typeof json !== 'string') throw new WorldJsonError(path, 'must be an "ip/port" string');
  const parsed = parseInetAddress(json);
  if (!parsed.ok) throw new WorldJsonError(path, `${JSON.stringify(json)} is not an "ip/port" address`);
  if (parsed.value.port === 0) throw new WorldJsonError(path, `${JSON.stringify(json)} has no port (write ip/port, e.g. 10.1.2.3/9993)`);
  return parsed.value;
}

function worldTypeOf(v: unknown): WorldType {
  if (v === 'moon') return ZT_WORLD_TYPE_MOON;
  if (v === 'planet') return ZT_WORLD_TYPE_PLANET;
  throw new WorldJsonError('worldType', 'must be "moon" or "planet"');
}

function typeName(t: WorldType): 'moon' | 'planet' {
  return t === ZT_WORLD_TYPE_MOON ? 'moon' : 'planet';
}

/** Reads a world id (see BuildWorldOptions.idFormat); never 0, at most 64 bits. */
export function parseWorldId(v: unknown, format: 'hex' | 'auto'): bigint {
  let id: bigint | undefined;
  if (typeof v === 'number' && format === 'auto' && Number.isSafeInteger(v)) id = BigInt(v);
  else if (typeof v === 'string') {
    const t = v.trim();
    if (/^0x[0-9a-fA-F]{1,16}$/.test(t)) id = BigInt(t);
    else if (format === 'auto' && /^[0-9]{1,20}$/.test(t)) id = BigInt(t);
    else if (/^[0-9a-fA-F]{1,16}$/.test(t)) id = BigInt(`0x${t}`);
  }
  if (id === undefined || id <= 0n || id > UINT64_MAX) {
    const how = format === 'hex' ? 'a non-zero hex world id (a moon id is its seed root address)' : 'a non-zero world id, decimal or hex (0x...)';
    throw new WorldJsonError('id', `must be ${how}`);
  }
  return id;
}

function hexKey(v: unknown, field: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{128}$/.test(v)) throw new WorldJsonError(field, 'must be 128 hex digits (a 64-byte C25519 key)');
  return hexToBytes(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Roots sort by address, then public key (spec 10.5). */
export function compareRoots(a: WorldRoot, b: WorldRoot): number {
  if (a.identity.address !== b.identity.address) return a.identity.address < b.identity.address ? -1 : 1;
  const pa = a.identity.publicKey;
  const pb = b.identity.publicKey;
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/**
 * A description to fill in, as `initmoon` prints it: the given roots without endpoints and a
 * fresh signing key that also signs the next revision. Moon ids are the first root's address.
 */
export function worldTemplate(type: WorldType, roots: Identity[], signingKey: C25519KeyPair, id?: bigint): WorldJson {
  if (roots.length === 0) throw new RangeError('a world template needs at least one root');
  const key = bytesToHex(signingKey.publicKey);
  const idText = type === ZT_WORLD_TYPE_MOON ? addressToString(roots[0].address) : (id ?? 0n).toString(10);
  return {
    id: idText,
    objtype: 'world',
    roots: roots.map((r) => ({ identity: r.toString(false), stableEndpoints: [] })),
    signingKey: key,
    signingKey_SECRET: bytesToHex(signingKey.privateKey),
    updatesMustBeSignedBy: key,
    worldType: typeName(type),
  };
}

/** Pretty JSON as the reference prints it: keys sorted, one-space indent. */
export function formatWorldJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 1);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

/** genmoon's file name: the world id as 16 hex digits, `.moon` (whatever the type). */
export function moonFileName(world: World): string {
  return `${world.id.toString(16).padStart(16, '0')}.moon`;
}
