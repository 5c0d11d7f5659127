/**
 * Revocation (spec vl2.md §6.5): the controller declares one member's credentials of a type
 * (and, except for COMs, an id) with timestamp ≤ threshold void.
 *
 * Wire: `u32 0 ‖ u32 id ‖ u64 nwid ‖ u32 0 ‖ u32 credentialId ‖ i64 threshold ‖ u64 flags ‖
 * 5 target ‖ 5 signedBy ‖ u8 credentialType ‖ signature field ‖ u16 extra length + bytes`.
 * The reserved words are ignored on receipt and always written (and signed) as zero.
 * Signed message: everything through credentialType, then `0000`, wrapped in 0x7f×8.
 */
import type { Result } from '../../errors.js';
import type { Address } from '../../vl1/address.js';
import { BufferWriter, type BufferReader } from '../../vl1/buffer-reader.js';
import type { Identity } from '../../vl1/identity.js';
import { ZT_REVOCATION_FLAG_FAST_PROPAGATE } from '../constants.js';
import type { NetworkId } from '../network-id.js';
import {
  asInt64,
  decodeCredential,
  emptySignature,
  readSignatureTail,
  signAsController,
  verifyControllerSigned,
  wrappedSignedMessage,
  writeI64,
  writeSignatureTail,
  type SignerSource,
  type VerifyResult,
} from './credential.js';

export interface Revocation {
  /** u32, random: identifies the revocation itself. */
  readonly id: number;
  readonly networkId: NetworkId;
  /** u32: id of the revoked credential (0 for a COM). */
  readonly credentialId: number;
  /** ms, signed 64-bit: credentials with timestamp ≤ threshold are revoked. */
  readonly threshold: bigint;
  /** u64: ZT_REVOCATION_FLAG_FAST_PROPAGATE. */
  readonly flags: bigint;
  /** The member whose credential is revoked. */
  readonly target: Address;
  /** 0 = unsigned. */
  readonly signedBy: Address;
  /** CREDENTIAL_TYPE of the revoked credential (u8). */
  readonly type: number;
  readonly signature: Uint8Array;
}

export interface RevocationFields {
  id: number;
  networkId: NetworkId;
  credentialId: number;
  threshold: bigint;
  flags: bigint;
  target: Address;
  type: number;
}

export function createRevocation(f: RevocationFields): Revocation {
  return {
    id: f.id >>> 0,
    networkId: f.networkId,
    credentialId: f.credentialId >>> 0,
    threshold: asInt64(f.threshold),
    flags: BigInt.asUintN(64, f.flags),
    target: f.target,
    signedBy: 0,
    type: f.type & 0xff,
    signature: emptySignature(),
  };
}

export function isFastPropagate(rev: Revocation): boolean {
  return (rev.flags & ZT_REVOCATION_FLAG_FAST_PROPAGATE) !== 0n;
}

function writeBody(w: BufferWriter, rev: Revocation): void {
  w.u32(0).u32(rev.id).u64(rev.networkId).u32(0).u32(rev.credentialId);
  writeI64(w, rev.threshold);
  w.u64(rev.flags).u40(rev.target).u40(rev.signedBy).u8(rev.type);
}

export function revocationSignedMessage(rev: Revocation): Uint8Array {
  return wrappedSignedMessage(80, writeBody, rev);
}

export function signRevocation(rev: Revocation, signer: Identity): Revocation {
  return signAsController(rev, signer, revocationSignedMessage);
}

export function verifyRevocation(rev: Revocation, signers: SignerSource): VerifyResult {
  return verifyControllerSigned(rev, signers, revocationSignedMessage);
}

export function writeRevocation(w: BufferWriter, rev: Revocation): void {
  writeBody(w, rev);
  writeSignatureTail(w, rev.signature);
}

export function encodeRevocation(rev: Revocation): Uint8Array {
  const w = new BufferWriter(160);
  writeRevocation(w, rev);
  return w.toBytes();
}

/** Reads one revocation; throws DecodeError (use inside decodeGuard). */
export function readRevocation(r: BufferReader): Revocation {
  r.skip(4, 'revocation reserved');
  const id = r.u32('revocation id');
  const networkId = r.u64('revocation network ID');
  r.skip(4, 'revocation reserved');
  const credentialId = r.u32('revoked credential id');
  const threshold = asInt64(r.u64('revocation threshold'));
  const flags = r.u64('revocation flags');
  const target = r.u40('revocation target');
  const signedBy = r.u40('revocation signer');
  const type = r.u8('revoked credential type');
  const signature = readSignatureTail(r);
  return { id, networkId, credentialId, threshold, flags, target, signedBy, type, signature };
}

export function decodeRevocation(bytes: Uint8Array, offset = 0): Result<{ revocation: Revocation; length: number }> {
  return decodeCredential(bytes, offset, 'revocation', readRevocation);
}
