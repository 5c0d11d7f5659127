/**
 * VL1 packet header: verb and error numbers, accessors over a raw packet buffer, a builder for
 * plaintext packets, and classification of received UDP datagrams (spec vl1.md 4, 5).
 *
 * Invariant: the header accessors read fixed offsets and assume `packet.length >=
 * ZT_PROTO_MIN_PACKET_LENGTH` (28). Untrusted bytes must pass `checkPacketLength` (or
 * `classifyDatagram(...) === 'packet'`) first; after that no accessor can read out of bounds.
 */
import { DecodeError, fail, ok, type Result } from '../errors.js';
import { readU40, readU64, writeU40 } from './bytes.js';
import {
  ZT_PACKET_FRAGMENT_IDX_INDICATOR,
  ZT_PACKET_FRAGMENT_INDICATOR,
  ZT_PACKET_IDX_DEST,
  ZT_PACKET_IDX_FLAGS,
  ZT_PACKET_IDX_IV,
  ZT_PACKET_IDX_PAYLOAD,
  ZT_PACKET_IDX_SOURCE,
  ZT_PACKET_IDX_VERB,
  ZT_PROTO_CIPHER_SUITE_MASK,
  ZT_PROTO_FLAG_FRAGMENTED,
  ZT_PROTO_HOPS_MASK,
  ZT_PROTO_MAX_PACKET_LENGTH,
  ZT_PROTO_MIN_FRAGMENT_LENGTH,
  ZT_PROTO_MIN_PACKET_LENGTH,
  ZT_PROTO_VERB_FLAG_COMPRESSED,
  ZT_PROTO_VERB_MASK,
} from './constants.js';

/** Verb numbers (low 5 bits of byte 27), ZeroTier's names. 0x0f and 0x11 are unused. */
export const VERB = {
  NOP: 0x00,
  HELLO: 0x01,
  ERROR: 0x02,
  OK: 0x03,
  WHOIS: 0x04,
  RENDEZVOUS: 0x05,
  FRAME: 0x06,
  EXT_FRAME: 0x07,
  ECHO: 0x08,
  MULTICAST_LIKE: 0x09,
  NETWORK_CREDENTIALS: 0x0a,
  NETWORK_CONFIG_REQUEST: 0x0b,
  NETWORK_CONFIG: 0x0c,
  MULTICAST_GATHER: 0x0d,
  MULTICAST_FRAME: 0x0e,
  PUSH_DIRECT_PATHS: 0x10,
  ACK: 0x12,
  QOS_MEASUREMENT: 0x13,
  USER_MESSAGE: 0x14,
  REMOTE_TRACE: 0x15,
  PATH_NEGOTIATION_REQUEST: 0x16,
} as const;
export type VerbName = keyof typeof VERB;
export type Verb = (typeof VERB)[VerbName];

const VERB_NAMES: ReadonlyMap<number, VerbName> = new Map(
  (Object.entries(VERB) as [VerbName, number][]).map(([name, n]) => [n, name]),
);

/** The verb's name for logs and traces, or `UNKNOWN_0x..` (unknown verbs are treated like NOP). */
export function verbName(verb: number): string {
  return VERB_NAMES.get(verb) ?? `UNKNOWN_0x${verb.toString(16).padStart(2, '0')}`;
}

/** ERROR payload codes (spec 9.3), ZeroTier's names without the ERROR_ prefix. */
export const ERROR_CODE = {
  NONE: 0x00,
  INVALID_REQUEST: 0x01,
  BAD_PROTOCOL_VERSION: 0x02,
  OBJ_NOT_FOUND: 0x03,
  IDENTITY_COLLISION: 0x04,
  UNSUPPORTED_OPERATION: 0x05,
  NEED_MEMBERSHIP_CERTIFICATE: 0x06,
  NETWORK_ACCESS_DENIED: 0x07,
  UNWANTED_MULTICAST: 0x08,
  NETWORK_AUTHENTICATION_REQUIRED: 0x09,
} as const;
export type ErrorCode = (typeof ERROR_CODE)[keyof typeof ERROR_CODE];

// ---- Length validation ------------------------------------------------------------------

/** Accepts a buffer as a packet if its length lies in [28, 10024]; nothing else is checked. */
export function checkPacketLength(packet: Uint8Array): Result<Uint8Array> {
  if (packet.length < ZT_PROTO_MIN_PACKET_LENGTH) {
    return fail(new DecodeError('truncated', `packet of ${packet.length} bytes is shorter than the ${ZT_PROTO_MIN_PACKET_LENGTH}-byte header`));
  }
  if (packet.length > ZT_PROTO_MAX_PACKET_LENGTH) {
    return fail(new DecodeError('oversized', `packet of ${packet.length} bytes exceeds ${ZT_PROTO_MAX_PACKET_LENGTH}`));
  }
  return ok(packet);
}

// ---- Header accessors (precondition: length >= 28) -----------------------------------------

/** The 8 packet-ID bytes as a view (they are the IV for suites 0/1, the tag half for suite 3). */
export function packetIdBytes(packet: Uint8Array): Uint8Array {
  return packet.subarray(ZT_PACKET_IDX_IV, ZT_PACKET_IDX_IV + 8);
}

/** Packet ID as an unsigned 64-bit integer (bytes 0..7 big-endian). */
export function packetId(packet: Uint8Array): bigint {
  return readU64(packet, ZT_PACKET_IDX_IV);
}

export function destination(packet: Uint8Array): number {
  return readU40(packet, ZT_PACKET_IDX_DEST);
}

export function source(packet: Uint8Array): number {
  return readU40(packet, ZT_PACKET_IDX_SOURCE);
}

/** The whole byte 18: legacy-encrypted flag, fragmented flag, cipher suite, hops. */
export function flags(packet: Uint8Array): number {
  return packet[ZT_PACKET_IDX_FLAGS];
}

export function cipherSuite(packet: Uint8Array): number {
  return (packet[ZT_PACKET_IDX_FLAGS] & ZT_PROTO_CIPHER_SUITE_MASK) >> 3;
}

export function hops(packet: Uint8Array): number {
  return packet[ZT_PACKET_IDX_FLAGS] & ZT_PROTO_HOPS_MASK;
}

/** Rewrites the hop count (the only header field a relay may change); wraps modulo 8. */
export function setHops(packet: Uint8Array, hopCount: number): void {
  const b = packet[ZT_PACKET_IDX_FLAGS];
  packet[ZT_PACKET_IDX_FLAGS] = (b & ~ZT_PROTO_HOPS_MASK) | (hopCount & ZT_PROTO_HOPS_MASK);
}

/** True if this is the head (fragment 0) of a fragmented packet. */
export function isFragmented(packet: Uint8Array): boolean {
  return (packet[ZT_PACKET_IDX_FLAGS] & ZT_PROTO_FLAG_FRAGMENTED) !== 0;
}

/** Verb number. Only meaningful on a plaintext (dearmored) packet: byte 27 is encrypted. */
export function verb(packet: Uint8Array): number {
  return packet[ZT_PACKET_IDX_VERB] & ZT_PROTO_VERB_MASK;
}

/** Payload is LZ4-compressed. Only meaningful on a plaintext (dearmored) packet. */
export function isCompressed(packet: Uint8Array): boolean {
  return (packet[ZT_PACKET_IDX_VERB] & ZT_PROTO_VERB_FLAG_COMPRESSED) !== 0;
}

/** The verb-specific payload (bytes 28..end) as a view. */
export function payload(packet: Uint8Array): Uint8Array {
  return packet.subarray(ZT_PACKET_IDX_PAYLOAD);
}

// ---- Building ---------------------------------------------------------------------------

/**
 * A plaintext packet ready for (optional) compression and armor: flags 0 (suite 0, no hops,
 * not fragmented), MAC field zero. `packetId8` must come from a CSPRNG (spec 5.4); it is the
 * caller's job because the core takes randomness from its host.
 */
export function buildPacket(packetId8: Uint8Array, dest: number, src: number, verbNumber: number, body: Uint8Array): Uint8Array {
  if (packetId8.length !== 8) throw new RangeError(`packet ID must be 8 bytes, got ${packetId8.length}`);
  const out = new Uint8Array(ZT_PACKET_IDX_PAYLOAD + body.length);
  out.set(packetId8, ZT_PACKET_IDX_IV);
  writeU40(out, ZT_PACKET_IDX_DEST, dest);
  writeU40(out, ZT_PACKET_IDX_SOURCE, src);
  out[ZT_PACKET_IDX_VERB] = verbNumber & ZT_PROTO_VERB_MASK;
  out.set(body, ZT_PACKET_IDX_PAYLOAD);
  return out;
}

// ---- Datagram classification --------------------------------------------------------------

export type DatagramClass = 'beacon' | 'fragment' | 'packet' | 'ignored';

/** Length of the legacy LAN beacon (8-byte packet ID + 5-byte address). */
const BEACON_LENGTH = 13;

/**
 * What a received UDP datagram is, tested in the reference's order (spec 4). Datagrams over
 * 10,024 bytes are 'ignored' too: the reference cannot even hold them.
 */
export function classifyDatagram(bytes: Uint8Array): DatagramClass {
  const n = bytes.length;
  if (n === BEACON_LENGTH) return 'beacon';
  if (n <= ZT_PROTO_MIN_FRAGMENT_LENGTH || n > ZT_PROTO_MAX_PACKET_LENGTH) return 'ignored';
  if (bytes[ZT_PACKET_FRAGMENT_IDX_INDICATOR] === ZT_PACKET_FRAGMENT_INDICATOR) return 'fragment';
  if (n >= ZT_PROTO_MIN_PACKET_LENGTH) return 'packet';
  return 'ignored';
}

// Compression lives in its own module; re-exported so packet users find it here too.
export { compressPacket, decompressPacket } from './compression.js';
