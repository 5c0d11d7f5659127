/**
 * Worlds (spec vl1.md 10): signed lists of root servers. A node has one planet (type 1) and any
 * number of moons (type 127). This module is the codec, the signing form, signature checks and
 * the update rule; which worlds a node holds is the topology's business.
 *
 * Signatures cover a re-serialization, so decoding keeps everything the signed bytes contain in
 * order (roots and endpoints are never re-sorted here). What a decoder drops: a moon's attached
 * dictionary (the reference skips it and signs a zero length) and endpoint entries that carry no
 * usable address (nil or reserved types); a world containing those will not verify, as with the
 * reference for dictionaries.
 */
import { DecodeError, decodeGuard, type Result } from '../errors.js';
import { BufferReader, BufferWriter } from './buffer-reader.js';
import { c25519Sign, c25519Verify } from './c25519.js';
import {
  ZT_C25519_PUBLIC_KEY_LEN,
  ZT_C25519_SIGNATURE_LEN,
  ZT_WORLD_MAX_ROOTS,
  ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT,
  ZT_WORLD_TYPE_MOON,
  ZT_WORLD_TYPE_PLANET,
} from './constants.js';
import { Identity } from './identity.js';
import { readInetAddress, writeInetAddress, type InetAddress } from './inet-address.js';

export { DEFAULT_PLANET } from './default-planet.js';

export type WorldType = typeof ZT_WORLD_TYPE_PLANET | typeof ZT_WORLD_TYPE_MOON;

export interface WorldRoot {
  identity: Identity;
  stableEndpoints: InetAddress[];
}

export interface World {
  type: WorldType;
  /** Planets: an arbitrary 64-bit id (ZeroTier's is 149604618); moons: the seed root's address. */
  id: bigint;
  /** Milliseconds; the revision number. */
  timestamp: bigint;
  /** 64-byte C25519 public key that must sign the next revision. */
  updatesMustBeSignedBy: Uint8Array;
  signature: Uint8Array;
  roots: WorldRoot[];
}

const SIGNING_PREFIX_BYTE = 0x7f;
const SIGNING_SUFFIX_BYTE = 0xf7;
const SIGNING_WRAP_LENGTH = 8;
/** The largest world the codec can produce: 4 roots x 32 IPv6 endpoints, plus header. */
export const ZT_WORLD_MAX_SERIALIZED_LENGTH =
  1 + 8 + 8 + ZT_C25519_PUBLIC_KEY_LEN + ZT_C25519_SIGNATURE_LEN + 1 + ZT_WORLD_MAX_ROOTS * (71 + 1 + ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT * 19) + 2;

/**
 * The full serialization, or with forSigning the signed message: 8 x 0x7f, the world without its
 * signature, 8 x 0xf7.
 */
export function serializeWorld(w: Omit<World, 'signature'> & { signature?: Uint8Array }, forSigning = false): Uint8Array {
  const out = new BufferWriter(1024);
  if (forSigning) for (let i = 0; i < SIGNING_WRAP_LENGTH; i++) out.u8(SIGNING_PREFIX_BYTE);
  out.u8(w.type).u64(w.id).u64(w.timestamp).bytes(w.updatesMustBeSignedBy);
  if (!forSigning) {
    if (!w.signature || w.signature.length !== ZT_C25519_SIGNATURE_LEN) throw new RangeError('world signature must be 96 bytes');
    out.bytes(w.signature);
  }
  if (w.roots.length > ZT_WORLD_MAX_ROOTS) throw new RangeError(`a world holds at most ${ZT_WORLD_MAX_ROOTS} roots`);
  out.u8(w.roots.length);
  for (const root of w.roots) {
    if (root.stableEndpoints.length > ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT) {
      throw new RangeError(`a world root holds at most ${ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT} endpoints`);
    }
    root.identity.write(out, false);
    out.u8(root.stableEndpoints.length);
    for (const ep of root.stableEndpoints) writeInetAddress(out, ep);
  }
  if (w.type === ZT_WORLD_TYPE_MOON) out.u16(0); // attached dictionary: always empty
  if (forSigning) for (let i = 0; i < SIGNING_WRAP_LENGTH; i++) out.u8(SIGNING_SUFFIX_BYTE);
  return out.toBytes();
}

/** Reads one world; throws DecodeError (for use inside other decoders such as OK(HELLO)). */
export function readWorld(r: BufferReader): World {
  const type = r.u8('world type');
  if (type !== ZT_WORLD_TYPE_PLANET && type !== ZT_WORLD_TYPE_MOON) throw new DecodeError('bad_type', `unknown world type ${type}`);
  const id = r.u64('world id');
  const timestamp = r.u64('world timestamp');
  const updatesMustBeSignedBy = r.bytesCopy(ZT_C25519_PUBLIC_KEY_LEN, 'world updatesMustBeSignedBy');
  const signature = r.bytesCopy(ZT_C25519_SIGNATURE_LEN, 'world signature');
  const rootCount = r.u8('world root count');
  if (rootCount > ZT_WORLD_MAX_ROOTS) throw new DecodeError('too_many_roots', `world lists ${rootCount} roots (max ${ZT_WORLD_MAX_ROOTS})`);
  const roots: WorldRoot[] = [];
  for (let i = 0; i < rootCount; i++) {
    const identity = Identity.read(r).publicOnly();
    const endpointCount = r.u8('root endpoint count');
    if (endpointCount > ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT) {
      throw new DecodeError('too_many_endpoints', `world root lists ${endpointCount} endpoints (max ${ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT})`);
    }
    const stableEndpoints: InetAddress[] = [];
    for (let e = 0; e < endpointCount; e++) {
      const ep = readInetAddress(r);
      if (ep) stableEndpoints.push(ep);
    }
    roots.push({ identity, stableEndpoints });
  }
  if (type === ZT_WORLD_TYPE_MOON) r.skip(r.u16('moon dictionary length'), 'moon dictionary');
  return { type, id, timestamp, updatesMustBeSignedBy, signature, roots };
}

/** Decodes a world at the start of bytes (a planet or .moon file holds exactly one). */
export function decodeWorld(bytes: Uint8Array): Result<{ world: World; length: number }> {
  return decodeGuard(() => {
    const r = new BufferReader(bytes);
    const world = readWorld(r);
    return { world, length: r.offset };
  });
}

/** Signs with the key pair whose public half the previous revision named (or this one, at first). */
export function signWorld(unsigned: Omit<World, 'signature'>, signingPrivateKey64: Uint8Array): World {
  const signature = c25519Sign(signingPrivateKey64, serializeWorld(unsigned, true));
  return {
    type: unsigned.type,
    id: unsigned.id,
    timestamp: unsigned.timestamp,
    updatesMustBeSignedBy: unsigned.updatesMustBeSignedBy,
    signature,
    roots: unsigned.roots,
  };
}

/** Checks the signature with publicKey64 (default: the world's own updatesMustBeSignedBy). */
export function verifyWorld(w: World, publicKey64: Uint8Array = w.updatesMustBeSignedBy): boolean {
  return c25519Verify(publicKey64, serializeWorld(w, true), w.signature);
}

/**
 * The update rule (spec 10.3): anything replaces nothing; otherwise the update needs the same id
 * and type, a strictly newer timestamp, and a signature by the current updatesMustBeSignedBy.
 */
export function shouldReplaceWorld(current: World | undefined, update: World): boolean {
  if (!current) return true;
  if (update.id !== current.id || update.type !== current.type || update.timestamp <= current.timestamp) return false;
  return verifyWorld(update, current.updatesMustBeSignedBy);
}
