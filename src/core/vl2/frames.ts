/**
 * FRAME (verb 0x06) and EXT_FRAME (verb 0x07) payloads (spec vl2.md §10.1, §10.2).
 *
 *   FRAME:     u64 nwid ‖ u16 ethertype ‖ frame
 *   EXT_FRAME: u64 nwid ‖ u8 flags ‖ [COM if 0x01] ‖ 6 dest MAC ‖ 6 source MAC ‖ u16 ethertype ‖ frame
 *
 * FRAME implies the MACs (sender's member MAC to receiver's); EXT_FRAME carries them, for
 * bridged traffic and for the copies the rules engine makes (TEE, WATCH, REDIRECT). Decoded
 * frames are views into the packet.
 */
import { DecodeError, decodeGuard, fail, ok, type Result } from '../errors.js';
import { BufferReader } from '../vl1/buffer-reader.js';
import { readU16, readU64, writeU16, writeU64 } from '../vl1/bytes.js';
import { encodeCom, readCom, type CertificateOfMembership } from './credentials/com.js';
import { macFromBytes, writeMac, type MAC } from './mac.js';
import type { NetworkId } from './network-id.js';

export const FRAME_HEADER_LENGTH = 10;

/** EXT_FRAME flags. Bits 0x02..0x08 are the copy subtype (§8.8), which receivers ignore. */
export const EXT_FRAME_FLAG_COM_ATTACHED = 0x01;
export const EXT_FRAME_FLAG_ACK_REQUESTED = 0x10;

export interface Frame {
  networkId: NetworkId;
  etherType: number;
  /** Ethernet payload (a view). */
  frame: Uint8Array;
}

/** FRAME payload for `length` bytes of `data` from `offset`. */
export function encodeFrame(networkId: NetworkId, etherType: number, data: Uint8Array, offset = 0, length = data.length - offset): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_LENGTH + length);
  writeU64(out, 0, networkId);
  writeU16(out, 8, etherType);
  out.set(data.subarray(offset, offset + length), FRAME_HEADER_LENGTH);
  return out;
}

export function decodeFrame(payload: Uint8Array): Result<Frame> {
  if (payload.length < FRAME_HEADER_LENGTH) return fail(new DecodeError('truncated', `FRAME payload of ${payload.length} bytes`));
  return ok({ networkId: readU64(payload, 0), etherType: readU16(payload, 8), frame: payload.subarray(FRAME_HEADER_LENGTH) });
}

export interface ExtFrame {
  networkId: NetworkId;
  flags: number;
  /** The deprecated inline COM (flag 0x01). */
  com: CertificateOfMembership | undefined;
  destMac: MAC;
  sourceMac: MAC;
  etherType: number;
  frame: Uint8Array;
}

export function encodeExtFrame(
  networkId: NetworkId,
  flags: number,
  destMac: MAC,
  sourceMac: MAC,
  etherType: number,
  data: Uint8Array,
  offset = 0,
  length = data.length - offset,
  com?: CertificateOfMembership,
): Uint8Array {
  const comBytes = com && (flags & EXT_FRAME_FLAG_COM_ATTACHED) !== 0 ? encodeCom(com) : undefined;
  const headerLength = 9 + (comBytes?.length ?? 0) + 14;
  const out = new Uint8Array(headerLength + length);
  writeU64(out, 0, networkId);
  out[8] = comBytes ? flags : flags & ~EXT_FRAME_FLAG_COM_ATTACHED;
  let p = 9;
  if (comBytes) {
    out.set(comBytes, p);
    p += comBytes.length;
  }
  writeMac(out, p, destMac);
  writeMac(out, p + 6, sourceMac);
  writeU16(out, p + 12, etherType);
  out.set(data.subarray(offset, offset + length), headerLength);
  return out;
}

export function decodeExtFrame(payload: Uint8Array): Result<ExtFrame> {
  return decodeGuard(() => {
    const r = new BufferReader(payload);
    const networkId = r.u64('network ID');
    const flags = r.u8('flags');
    const com = (flags & EXT_FRAME_FLAG_COM_ATTACHED) !== 0 ? readCom(r) : undefined;
    const destMac = macFromBytes(r.bytesView(6, 'destination MAC'));
    const sourceMac = macFromBytes(r.bytesView(6, 'source MAC'));
    const etherType = r.u16('ethertype');
    return { networkId, flags, com, destMac, sourceMac, etherType, frame: r.rest() };
  });
}
