/**
 * Packet armor (spec 7): authenticate and encrypt a whole VL1 packet in place with one of the
 * cipher suites, and the reverse. Also the trusted-path marking (suite 2) and the HELLO field
 * encryption (7.5).
 *
 *   suite 0  Poly1305 over the clear payload            (HELLO)
 *   suite 1  Salsa20/12, then Poly1305 over ciphertext  (peers below protocol 12)
 *   suite 2  no crypto; MAC field = trusted path ID     (configured trusted paths only)
 *   suite 3  AES-GMAC-SIV; tag in bytes 0..7 and 19..26 (protocol 12 peers)
 *
 * Everything from byte 27 (the verb) to the end is the payload region. Hop bits (byte 18, low
 * three bits) are excluded from authentication so relays can count hops; every other header bit
 * is covered. Dearmor never throws on packet content: it returns a drop reason.
 *
 * Per-packet work reuses module-level scratch (one Salsa20 instance, key and tag buffers, an
 * aligned buffer for word-wide XOR); JavaScript runs one call at a time and none keeps them.
 * Suite 3 goes to the installed suite-3 backend when there is one (suite3-backend.ts).
 */
import type { DropReason } from '../errors.js';
import type { PeerKey } from './peer-key.js';
import { Salsa20 } from './salsa20.js';
import { poly1305Into } from './poly1305.js';
import { readU64, writeU64 } from './bytes.js';
import { suite3Backend } from './suite3-backend.js';
import {
  ZT_PACKET_IDX_FLAGS,
  ZT_PACKET_IDX_MAC,
  ZT_PACKET_IDX_VERB,
  ZT_PROTO_CIPHER_SUITE__AES_GMAC_SIV,
  ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE,
  ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012,
  ZT_PROTO_CIPHER_SUITE__NONE,
  ZT_PROTO_FLAG_ENCRYPTED,
  ZT_PROTO_FLAG_FRAGMENTED,
  ZT_PROTO_HOPS_MASK,
  ZT_PROTO_MAX_PACKET_LENGTH,
  ZT_PROTO_MIN_PACKET_LENGTH,
} from './constants.js';

export type ArmorCipherSuite = 0 | 1 | 3;

/** Flags byte without the hop count: what both ends authenticate. */
const FLAGS_MASK_NO_HOPS = 0xff & ~ZT_PROTO_HOPS_MASK;
/** Flags bits armor keeps (fragmented flag and hops); cipher bits and 0x80 are rewritten. */
const FLAGS_KEPT = ZT_PROTO_FLAG_FRAGMENTED | ZT_PROTO_HOPS_MASK;

const salsa = new Salsa20(new Uint8Array(32), new Uint8Array(8), 12);
const perPacketKey = new Uint8Array(32);
const polyKey = new Uint8Array(64);
const mac = new Uint8Array(16);
const sivTag = new Uint8Array(16);
const fieldNonce = new Uint8Array(8);
/** Payload copy for word-wide Salsa20 XOR; a multiple of 64 bytes, grown on demand. */
let xorWords = new Uint32Array(((ZT_PROTO_MAX_PACKET_LENGTH + 63) & ~63) >>> 2);
let xorBytes = new Uint8Array(xorWords.buffer);

export function cipherSuiteOf(packet: Uint8Array): number {
  return (packet[ZT_PACKET_IDX_FLAGS] >>> 3) & 7;
}

/**
 * Armors packet (header included, bytes 0..7 a fresh random packet ID) in place: sets the cipher
 * bits and the legacy 0x80 flag of byte 18, keeps the fragmented flag and hops, encrypts (suites
 * 1 and 3) and writes the MAC. Suite 3 replaces bytes 0..7 with half of its tag: that is the
 * packet ID as sent. Throws RangeError on a packet outside 28..10,024 bytes (a caller bug).
 */
export function armor(packet: Uint8Array, key: PeerKey, cipherSuite: ArmorCipherSuite): void {
  const length = packet.length;
  if (length < ZT_PROTO_MIN_PACKET_LENGTH || length > ZT_PROTO_MAX_PACKET_LENGTH) {
    throw new RangeError(`cannot armor a ${length}-byte packet`);
  }
  const kept = packet[ZT_PACKET_IDX_FLAGS] & FLAGS_KEPT;
  if (cipherSuite === ZT_PROTO_CIPHER_SUITE__AES_GMAC_SIV) {
    packet[ZT_PACKET_IDX_FLAGS] = kept | (ZT_PROTO_CIPHER_SUITE__AES_GMAC_SIV << 3);
    armorAesGmacSiv(packet, key);
  } else if (cipherSuite === ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012) {
    packet[ZT_PACKET_IDX_FLAGS] = kept | ZT_PROTO_FLAG_ENCRYPTED | (ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012 << 3);
    startSalsaPoly(packet, key);
    salsaXorPayload(packet);
    writePolyMac(packet);
  } else if (cipherSuite === ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE) {
    packet[ZT_PACKET_IDX_FLAGS] = kept;
    startSalsaPoly(packet, key);
    writePolyMac(packet);
  } else {
    throw new RangeError(`cannot armor with cipher suite ${cipherSuite as number}`);
  }
}

/**
 * Authenticates packet with key and, for suites 1 and 3, decrypts its payload in place.
 * Returns undefined on success, else why the packet must be dropped (then the packet is left
 * as received). Any hop count is accepted. Suite 2 is reported as 'bad_cipher_suite': trusted
 * paths are checked by the caller, which knows the source address (see trustedPathIdOf).
 */
export function dearmor(packet: Uint8Array, key: PeerKey): DropReason | undefined {
  const length = packet.length;
  if (length < ZT_PROTO_MIN_PACKET_LENGTH) return 'truncated';
  if (length > ZT_PROTO_MAX_PACKET_LENGTH) return 'oversized';
  switch (cipherSuiteOf(packet)) {
    case ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE:
      startSalsaPoly(packet, key);
      return polyMacMatches(packet) ? undefined : 'bad_mac';
    case ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012:
      startSalsaPoly(packet, key);
      if (!polyMacMatches(packet)) return 'bad_mac';
      salsaXorPayload(packet);
      return undefined;
    case ZT_PROTO_CIPHER_SUITE__AES_GMAC_SIV:
      return dearmorAesGmacSiv(packet, key) ? undefined : 'bad_mac';
    default:
      return 'bad_cipher_suite';
  }
}

/** Marks packet as sent over a trusted path: suite 2, no encryption, MAC field = the path ID. */
export function setTrusted(packet: Uint8Array, trustedPathId: bigint): void {
  if (packet.length < ZT_PROTO_MIN_PACKET_LENGTH) throw new RangeError(`cannot mark a ${packet.length}-byte packet`);
  packet[ZT_PACKET_IDX_FLAGS] = (packet[ZT_PACKET_IDX_FLAGS] & FLAGS_KEPT) | (ZT_PROTO_CIPHER_SUITE__NONE << 3);
  writeU64(packet, ZT_PACKET_IDX_MAC, BigInt.asUintN(64, trustedPathId));
}

/** The trusted path ID of a suite-2 packet (its MAC field, u64 big-endian). */
export function trustedPathIdOf(packet: Uint8Array): bigint {
  if (packet.length < ZT_PROTO_MIN_PACKET_LENGTH) throw new RangeError(`no MAC field in a ${packet.length}-byte packet`);
  return readU64(packet, ZT_PACKET_IDX_MAC);
}

/**
 * HELLO field encryption (7.5): XORs Salsa20/12 keystream under key48[0..31] and nonce = packet
 * ID with the low 3 bits of byte 7 cleared onto packet[start..start+length). Its own inverse.
 * Throws RangeError if the field does not lie within the packet.
 */
export function cryptField(key: PeerKey, packet: Uint8Array, start: number, length: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > packet.length) {
    throw new RangeError(`field ${start}+${length} outside a ${packet.length}-byte packet`);
  }
  for (let i = 0; i < 8; i++) fieldNonce[i] = packet[i];
  fieldNonce[7] &= 0xf8;
  salsa.rekey(key.salsaKey, 0, fieldNonce, 0);
  salsaXor(packet, start, length);
}

/**
 * Keys the shared Salsa20/12 with the per-packet key (7.2: key48[0..31] XOR packet ID,
 * addresses, flags without hops and the packet length) and takes block 0 as the Poly1305 key.
 */
function startSalsaPoly(packet: Uint8Array, key: PeerKey): void {
  const k = key.salsaKey;
  const length = packet.length;
  for (let i = 0; i < 18; i++) perPacketKey[i] = k[i] ^ packet[i];
  perPacketKey[18] = k[18] ^ (packet[ZT_PACKET_IDX_FLAGS] & FLAGS_MASK_NO_HOPS);
  perPacketKey[19] = k[19] ^ (length & 0xff);
  perPacketKey[20] = k[20] ^ ((length >>> 8) & 0xff);
  for (let i = 21; i < 32; i++) perPacketKey[i] = k[i];
  salsa.rekey(perPacketKey, 0, packet, 0);
  salsa.keystreamBlock(polyKey, 0);
}

function writePolyMac(packet: Uint8Array): void {
  poly1305Into(polyKey, 0, packet, ZT_PACKET_IDX_VERB, packet.length - ZT_PACKET_IDX_VERB, mac, 0);
  for (let i = 0; i < 8; i++) packet[ZT_PACKET_IDX_MAC + i] = mac[i];
}

function polyMacMatches(packet: Uint8Array): boolean {
  poly1305Into(polyKey, 0, packet, ZT_PACKET_IDX_VERB, packet.length - ZT_PACKET_IDX_VERB, mac, 0);
  let diff = 0;
  for (let i = 0; i < 8; i++) diff |= mac[i] ^ packet[ZT_PACKET_IDX_MAC + i];
  return diff === 0;
}

/** XORs the payload region with the keystream from block 1 on (block 0 made the Poly1305 key). */
function salsaXorPayload(packet: Uint8Array): void {
  salsaXor(packet, ZT_PACKET_IDX_VERB, packet.length - ZT_PACKET_IDX_VERB);
}

/**
 * XORs the shared Salsa20's next keystream blocks onto buf[start..start+length). Payloads sit
 * at odd offsets, so they are copied into an aligned buffer and XORed a word at a time there:
 * two memcpys are much cheaper than a byte loop.
 */
function salsaXor(buf: Uint8Array, start: number, length: number): void {
  if (length === 0) return;
  const padded = (length + 63) & ~63;
  if (xorBytes.length < padded) {
    xorWords = new Uint32Array(padded >>> 2);
    xorBytes = new Uint8Array(xorWords.buffer);
  }
  const view = buf.subarray(start, start + length);
  xorBytes.set(view, 0);
  for (let w = 0; w < padded >>> 2; w += 16) salsa.xorBlockIntoWords(xorWords, w);
  view.set(xorBytes.subarray(0, length), 0);
}

function armorAesGmacSiv(packet: Uint8Array, key: PeerKey): void {
  const backend = suite3Backend();
  if (backend !== undefined) {
    if (!backend.armor(key.suite3HandleFor(backend), packet)) throw new Error(`suite-3 backend ${backend.name} failed to armor`);
    return;
  }
  // Authenticate the flags without hops, as the receiver will (identical when hops are 0).
  const flags = packet[ZT_PACKET_IDX_FLAGS];
  packet[ZT_PACKET_IDX_FLAGS] = flags & FLAGS_MASK_NO_HOPS;
  const payloadLength = packet.length - ZT_PACKET_IDX_VERB;
  key.aes.encryptInto(packet, 0, packet, 8, packet, ZT_PACKET_IDX_VERB, payloadLength, packet, ZT_PACKET_IDX_VERB, sivTag, 0);
  packet[ZT_PACKET_IDX_FLAGS] = flags;
  for (let i = 0; i < 8; i++) {
    packet[i] = sivTag[i];
    packet[ZT_PACKET_IDX_MAC + i] = sivTag[8 + i];
  }
}

function dearmorAesGmacSiv(packet: Uint8Array, key: PeerKey): boolean {
  const backend = suite3Backend();
  if (backend !== undefined) return backend.dearmor(key.suite3HandleFor(backend), packet);
  for (let i = 0; i < 8; i++) {
    sivTag[i] = packet[i];
    sivTag[8 + i] = packet[ZT_PACKET_IDX_MAC + i];
  }
  const flags = packet[ZT_PACKET_IDX_FLAGS];
  packet[ZT_PACKET_IDX_FLAGS] = flags & FLAGS_MASK_NO_HOPS;
  const payloadLength = packet.length - ZT_PACKET_IDX_VERB;
  const ok = key.aes.decryptInto(sivTag, 0, packet, 8, packet, ZT_PACKET_IDX_VERB, payloadLength, packet, ZT_PACKET_IDX_VERB);
  packet[ZT_PACKET_IDX_FLAGS] = flags;
  return ok;
}
