/**
 * Certificate of membership (spec vl2.md §6.1): a controller-signed list of qualifiers
 * `(id, value, maxDelta)` sorted by id. Two members may talk on a private network when their
 * COMs agree: every qualifier of mine is present in theirs within my maxDelta, and the identity
 * hash qualifiers (ids 3..6) match the identity the peer actually presented.
 *
 * Wire: `u8 1 ‖ u16 count ‖ count × (u64 id, u64 value, u64 maxDelta) ‖ 5 signedBy ‖ 96 sig`
 * (the signature only when signedBy is non-zero). The signed message is the qualifiers alone.
 */
import { createHash } from 'node:crypto';
import { DecodeError, type Result } from '../../errors.js';
import type { Address } from '../../vl1/address.js';
import { BufferWriter, type BufferReader } from '../../vl1/buffer-reader.js';
import { bytesEqual, readU64, writeU40 } from '../../vl1/bytes.js';
import { ZT_C25519_SIGNATURE_LEN } from '../../vl1/constants.js';
import type { Identity } from '../../vl1/identity.js';
import { ZT_NETWORK_COM_MAX_QUALIFIERS } from '../constants.js';
import type { NetworkId } from '../network-id.js';
import {
  asInt64,
  controllerOf,
  decodeCredential,
  emptySignature,
  invalid,
  verifySignature,
  type SignerSource,
  type VerifyResult,
} from './credential.js';

export const COM_QUALIFIER = {
  TIMESTAMP: 0n,
  NETWORK_ID: 1n,
  ISSUED_TO: 2n,
  /** Ids 3..6 carry the SHA-384 of the member's identity, bytes 0..31, as four u64. */
  IDENTITY_HASH_FIRST: 3n,
  IDENTITY_HASH_LAST: 6n,
} as const;

const COM_FORMAT_VERSION = 1;
const U64_MAX = 0xffffffffffffffffn;

export interface ComQualifier {
  readonly id: bigint;
  readonly value: bigint;
  readonly maxDelta: bigint;
}

export interface CertificateOfMembership {
  /** Non-decreasing ids, at most 8. */
  readonly qualifiers: readonly ComQualifier[];
  /** 0 = unsigned. */
  readonly signedBy: Address;
  /** 96 bytes; zeros while unsigned. */
  readonly signature: Uint8Array;
}

/**
 * The COM a 1.14 controller issues: timestamp within ±maxDelta, network ID, issued-to address
 * and the issued-to identity's hash. Unsigned; see signCom.
 */
export function createCom(timestamp: bigint, timestampMaxDelta: bigint, networkId: NetworkId, issuedTo: Identity): CertificateOfMembership {
  const hash = identityHashQualifiers(issuedTo);
  return {
    qualifiers: [
      { id: COM_QUALIFIER.TIMESTAMP, value: BigInt.asUintN(64, timestamp), maxDelta: BigInt.asUintN(64, timestampMaxDelta) },
      { id: COM_QUALIFIER.NETWORK_ID, value: networkId, maxDelta: 0n },
      { id: COM_QUALIFIER.ISSUED_TO, value: BigInt(issuedTo.address), maxDelta: U64_MAX },
      ...hash.map((value, i) => ({ id: COM_QUALIFIER.IDENTITY_HASH_FIRST + BigInt(i), value, maxDelta: U64_MAX })),
    ],
    signedBy: 0,
    signature: emptySignature(),
  };
}

const identityHashCache = new WeakMap<Identity, readonly bigint[]>();

/** SHA-384(address ‖ public key), first 32 bytes as four big-endian u64 (qualifiers 3..6). */
export function identityHashQualifiers(identity: Identity): readonly bigint[] {
  let hash = identityHashCache.get(identity);
  if (!hash) {
    const address = new Uint8Array(5);
    writeU40(address, 0, identity.address);
    const digest = createHash('sha384').update(address).update(identity.publicKey).digest();
    hash = [0, 8, 16, 24].map((o) => readU64(digest, o));
    identityHashCache.set(identity, hash);
  }
  return hash;
}

function qualifierValue(com: CertificateOfMembership, id: bigint): bigint | undefined {
  for (const q of com.qualifiers) if (q.id === id) return q.value;
  return undefined;
}

/** The timestamp qualifier as the signed ms value it is (0 if absent). */
export function comTimestamp(com: CertificateOfMembership): bigint {
  return asInt64(qualifierValue(com, COM_QUALIFIER.TIMESTAMP) ?? 0n);
}

export function comNetworkId(com: CertificateOfMembership): NetworkId {
  return qualifierValue(com, COM_QUALIFIER.NETWORK_ID) ?? 0n;
}

/** The issued-to qualifier cut to 40 bits (0 if absent). */
export function comIssuedTo(com: CertificateOfMembership): Address {
  return Number((qualifierValue(com, COM_QUALIFIER.ISSUED_TO) ?? 0n) & 0xffffffffffn);
}

export function comSignedMessage(com: CertificateOfMembership): Uint8Array {
  const w = new BufferWriter(com.qualifiers.length * 24);
  for (const q of com.qualifiers) w.u64(q.id).u64(q.value).u64(q.maxDelta);
  return w.toBytes();
}

/** Signs with `signer` (needs its private key); the result names the signer. */
export function signCom(com: CertificateOfMembership, signer: Identity): CertificateOfMembership {
  return { ...com, signedBy: signer.address, signature: signer.sign(comSignedMessage(com)) };
}

/** Signed by the controller of the network named in the COM, with a good signature. */
export function verifyCom(com: CertificateOfMembership, signers: SignerSource): VerifyResult {
  if (com.signedBy === 0) return invalid('unsigned');
  if (com.qualifiers.length > ZT_NETWORK_COM_MAX_QUALIFIERS) return invalid('too many qualifiers');
  if (com.signedBy !== controllerOf(comNetworkId(com))) return invalid('not signed by the network controller');
  return verifySignature(signers, com.signedBy, comSignedMessage(com), com.signature);
}

/**
 * Whether `theirs` (presented by `theirIdentity`) agrees with `mine`: the network gate of
 * private networks. Values compare as u64 with my maxDelta; with duplicate ids in theirs, the
 * last one counts (as the reference's map does).
 */
export function comAgreesWith(mine: CertificateOfMembership, theirs: CertificateOfMembership, theirIdentity: Identity): boolean {
  if (mine.qualifiers.length === 0 || theirs.qualifiers.length === 0) return false;
  const theirValues = new Map<bigint, bigint>();
  for (const q of theirs.qualifiers) theirValues.set(q.id, q.value);
  let checkIdentityHash = false;
  for (const q of mine.qualifiers) {
    if (q.id >= COM_QUALIFIER.IDENTITY_HASH_FIRST && q.id <= COM_QUALIFIER.IDENTITY_HASH_LAST) checkIdentityHash = true;
    const theirs = theirValues.get(q.id);
    if (theirs === undefined) return false;
    const delta = q.value >= theirs ? q.value - theirs : theirs - q.value;
    if (delta > q.maxDelta) return false;
  }
  // A COM carrying the identity hash binds the certificate to that identity, not just its address.
  if (checkIdentityHash) {
    const hash = identityHashQualifiers(theirIdentity);
    for (let i = 0; i < hash.length; i++) {
      if (theirValues.get(COM_QUALIFIER.IDENTITY_HASH_FIRST + BigInt(i)) !== hash[i]) return false;
    }
  }
  return true;
}

/** Same qualifiers, signer and signature (a re-sent COM is redundant). */
export function comsEqual(a: CertificateOfMembership, b: CertificateOfMembership): boolean {
  if (a.signedBy !== b.signedBy || a.qualifiers.length !== b.qualifiers.length) return false;
  for (let i = 0; i < a.qualifiers.length; i++) {
    const x = a.qualifiers[i];
    const y = b.qualifiers[i];
    if (x.id !== y.id || x.value !== y.value || x.maxDelta !== y.maxDelta) return false;
  }
  return bytesEqual(a.signature, b.signature);
}

export function writeCom(w: BufferWriter, com: CertificateOfMembership): void {
  w.u8(COM_FORMAT_VERSION).u16(com.qualifiers.length);
  for (const q of com.qualifiers) w.u64(q.id).u64(q.value).u64(q.maxDelta);
  w.u40(com.signedBy);
  if (com.signedBy !== 0) w.bytes(com.signature);
}

export function encodeCom(com: CertificateOfMembership): Uint8Array {
  const w = new BufferWriter(8 + com.qualifiers.length * 24 + ZT_C25519_SIGNATURE_LEN);
  writeCom(w, com);
  return w.toBytes();
}

/** Reads one COM; throws DecodeError (use inside decodeGuard). */
export function readCom(r: BufferReader): CertificateOfMembership {
  const version = r.u8('COM version');
  if (version !== COM_FORMAT_VERSION) throw new DecodeError('bad_type', `COM format ${version}, expected 1`);
  const count = r.u16('COM qualifier count');
  const qualifiers: ComQualifier[] = [];
  let lastId = 0n;
  for (let i = 0; i < count; i++) {
    const id = r.u64('COM qualifier id');
    if (id < lastId) throw new DecodeError('bad_field', 'COM qualifier ids out of order');
    lastId = id;
    if (qualifiers.length === ZT_NETWORK_COM_MAX_QUALIFIERS) throw new DecodeError('oversized', `COM has ${count} qualifiers, max ${ZT_NETWORK_COM_MAX_QUALIFIERS}`);
    qualifiers.push({ id, value: r.u64('COM qualifier value'), maxDelta: r.u64('COM qualifier max delta') });
  }
  const signedBy = r.u40('COM signer');
  const signature = signedBy !== 0 ? r.bytesCopy(ZT_C25519_SIGNATURE_LEN, 'COM signature') : emptySignature();
  return { qualifiers, signedBy, signature };
}

/** Decodes the COM at `offset`; `length` is how many bytes it took (trailing bytes are not read). */
export function decodeCom(bytes: Uint8Array, offset = 0): Result<{ com: CertificateOfMembership; length: number }> {
  return decodeCredential(bytes, offset, 'com', readCom);
}
