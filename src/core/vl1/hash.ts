/**
 * Hashes used by VL1: SHA-512 (key agreement, identities), SHA-384 and HMAC-SHA-384, and the
 * KBKDF that derives the AES-GMAC-SIV keys from a peer key (spec 3.6, 3.7). All native.
 */
import { createHash, createHmac } from 'node:crypto';

function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function sha512(data: Uint8Array): Uint8Array {
  return asBytes(createHash('sha512').update(data).digest());
}

export function sha384(data: Uint8Array): Uint8Array {
  return asBytes(createHash('sha384').update(data).digest());
}

export function hmacSha384(key: Uint8Array, message: Uint8Array): Uint8Array {
  return asBytes(createHmac('sha384', key).update(message).digest());
}

/** Label of K0 (AES-GMAC-SIV GMAC key) and K1 (its ECB/CTR key). */
export const KBKDF_LABEL_AES_GMAC_SIV_K0 = 0x30;
export const KBKDF_LABEL_AES_GMAC_SIV_K1 = 0x31;

/**
 * The 13-byte message ZeroTier's KBKDF feeds to HMAC-SHA-384: counter 0, "ZT", label, 0x00,
 * context 0, and the output length in bits (384), all big-endian.
 */
export function kbkdfMessage(label: number, context = 0): Uint8Array {
  return Uint8Array.of(0, 0, 0, 0, 0x5a, 0x54, label & 0xff, 0, context & 0xff, 0, 0, 0x01, 0x80);
}

/** KBKDF-HMAC-SHA-384 (NIST SP 800-108 counter mode, one iteration) over a 48-byte key. */
export function kbkdfHmacSha384(key48: Uint8Array, label: number): Uint8Array {
  if (key48.length !== 48) throw new RangeError('KBKDF key must be 48 bytes');
  return hmacSha384(key48, kbkdfMessage(label));
}
