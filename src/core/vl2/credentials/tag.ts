/**
 * Tag (spec vl2.md §6.2): a controller-signed `(id, value)` pair held by one member, matched by
 * the rules engine's tag rules.
 *
 * Wire: `u64 nwid ‖ i64 timestamp ‖ u32 id ‖ u32 value ‖ 5 issuedTo ‖ 5 signedBy ‖ signature
 * field ‖ u16 extra length + bytes`. Signed message: the same without the signature field,
 * wrapped in eight 0x7f bytes on each side.
 */
import type { Result } from '../../errors.js';
import type { Address } from '../../vl1/address.js';
import { BufferWriter, type BufferReader } from '../../vl1/buffer-reader.js';
import type { Identity } from '../../vl1/identity.js';
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

export interface Tag {
  readonly networkId: NetworkId;
  /** ms, signed 64-bit. */
  readonly timestamp: bigint;
  /** u32 */
  readonly id: number;
  /** u32 */
  readonly value: number;
  readonly issuedTo: Address;
  /** 0 = unsigned. */
  readonly signedBy: Address;
  readonly signature: Uint8Array;
}

export function createTag(networkId: NetworkId, timestamp: bigint, issuedTo: Address, id: number, value: number): Tag {
  return { networkId, timestamp: asInt64(timestamp), id: id >>> 0, value: value >>> 0, issuedTo, signedBy: 0, signature: emptySignature() };
}

function writeBody(w: BufferWriter, tag: Tag): void {
  w.u64(tag.networkId);
  writeI64(w, tag.timestamp);
  w.u32(tag.id).u32(tag.value).u40(tag.issuedTo).u40(tag.signedBy);
}

export function tagSignedMessage(tag: Tag): Uint8Array {
  return wrappedSignedMessage(64, writeBody, tag);
}

/** Sets signedBy to the signer, then signs (the signer's address is part of the message). */
export function signTag(tag: Tag, signer: Identity): Tag {
  return signAsController(tag, signer, tagSignedMessage);
}

export function verifyTag(tag: Tag, signers: SignerSource): VerifyResult {
  return verifyControllerSigned(tag, signers, tagSignedMessage);
}

export function writeTag(w: BufferWriter, tag: Tag): void {
  writeBody(w, tag);
  writeSignatureTail(w, tag.signature);
}

export function encodeTag(tag: Tag): Uint8Array {
  const w = new BufferWriter(136);
  writeTag(w, tag);
  return w.toBytes();
}

/** Reads one tag; throws DecodeError (use inside decodeGuard). */
export function readTag(r: BufferReader): Tag {
  const networkId = r.u64('tag network ID');
  const timestamp = asInt64(r.u64('tag timestamp'));
  const id = r.u32('tag id');
  const value = r.u32('tag value');
  const issuedTo = r.u40('tag issued-to');
  const signedBy = r.u40('tag signer');
  const signature = readSignatureTail(r);
  return { networkId, timestamp, id, value, issuedTo, signedBy, signature };
}

export function decodeTag(bytes: Uint8Array, offset = 0): Result<{ tag: Tag; length: number }> {
  return decodeCredential(bytes, offset, 'tag', readTag);
}
