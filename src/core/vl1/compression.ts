/**
 * Packet payload compression (spec vl1.md 5.6): bytes 28..end become one LZ4 block and the verb
 * byte gets flag 0x80. Compression runs on the plaintext before armor; decompression after
 * dearmor. Which verbs are worth compressing is the sender's choice, not decided here.
 */
import { DecodeError, fail, ok, type Result } from '../errors.js';
import { lz4CompressBound, lz4DecodeInto, lz4EncodeInto } from './lz4.js';
import {
  ZT_COMPRESSION_MIN_PACKET_LENGTH,
  ZT_PACKET_IDX_PAYLOAD,
  ZT_PACKET_IDX_VERB,
  ZT_PROTO_MAX_PACKET_LENGTH,
  ZT_PROTO_MIN_PACKET_LENGTH,
  ZT_PROTO_VERB_FLAG_COMPRESSED,
} from './constants.js';

/** The largest payload a decompressed packet may carry: it must fit the reference's buffer. */
export const MAX_DECOMPRESSED_PAYLOAD = ZT_PROTO_MAX_PACKET_LENGTH - ZT_PACKET_IDX_PAYLOAD;

// Packets are built here (header + block) and then copied out at their exact size.
let scratch = new Uint8Array(ZT_PACKET_IDX_PAYLOAD + lz4CompressBound(ZT_PROTO_MAX_PACKET_LENGTH));

/**
 * The packet with its payload compressed and the verb flag set, or `packet` itself (unchanged)
 * if it is too small to bother (<= 92 bytes), already compressed, or would not shrink.
 */
export function compressPacket(packet: Uint8Array): Uint8Array {
  if (packet.length <= ZT_COMPRESSION_MIN_PACKET_LENGTH) return packet;
  if ((packet[ZT_PACKET_IDX_VERB] & ZT_PROTO_VERB_FLAG_COMPRESSED) !== 0) return packet;
  const payloadLength = packet.length - ZT_PACKET_IDX_PAYLOAD;
  const need = ZT_PACKET_IDX_PAYLOAD + lz4CompressBound(payloadLength);
  if (scratch.length < need) scratch = new Uint8Array(need);
  const blockLength = lz4EncodeInto(packet.subarray(ZT_PACKET_IDX_PAYLOAD), scratch, ZT_PACKET_IDX_PAYLOAD);
  if (blockLength >= payloadLength) return packet;
  const out = new Uint8Array(ZT_PACKET_IDX_PAYLOAD + blockLength);
  out.set(packet.subarray(0, ZT_PACKET_IDX_PAYLOAD));
  out[ZT_PACKET_IDX_VERB] |= ZT_PROTO_VERB_FLAG_COMPRESSED;
  out.set(scratch.subarray(ZT_PACKET_IDX_PAYLOAD, ZT_PACKET_IDX_PAYLOAD + blockLength), ZT_PACKET_IDX_PAYLOAD);
  return out;
}

/**
 * A dearmored packet with its payload decompressed and the flag cleared (a new buffer), or the
 * packet itself if it was not compressed. Fails with 'bad_compression' on an invalid block, on
 * an empty result, or on a payload over 9,996 bytes, as the reference drops those packets.
 * A flagged packet with no payload at all is accepted with the flag cleared, as the reference
 * does.
 */
export function decompressPacket(packet: Uint8Array): Result<Uint8Array> {
  if (packet.length < ZT_PROTO_MIN_PACKET_LENGTH) {
    return fail(new DecodeError('truncated', `packet of ${packet.length} bytes is shorter than the header`));
  }
  if ((packet[ZT_PACKET_IDX_VERB] & ZT_PROTO_VERB_FLAG_COMPRESSED) === 0) return ok(packet);
  const need = ZT_PACKET_IDX_PAYLOAD + MAX_DECOMPRESSED_PAYLOAD;
  if (scratch.length < need) scratch = new Uint8Array(need);
  let payloadLength = 0;
  if (packet.length > ZT_PACKET_IDX_PAYLOAD) {
    const r = lz4DecodeInto(packet.subarray(ZT_PACKET_IDX_PAYLOAD), scratch, ZT_PACKET_IDX_PAYLOAD, MAX_DECOMPRESSED_PAYLOAD);
    if (typeof r === 'string') return fail(new DecodeError('bad_compression', r));
    if (r === 0) return fail(new DecodeError('bad_compression', 'compressed payload decodes to nothing'));
    payloadLength = r;
  }
  scratch.set(packet.subarray(0, ZT_PACKET_IDX_PAYLOAD));
  scratch[ZT_PACKET_IDX_VERB] &= ~ZT_PROTO_VERB_FLAG_COMPRESSED;
  return ok(scratch.slice(0, ZT_PACKET_IDX_PAYLOAD + payloadLength));
}
