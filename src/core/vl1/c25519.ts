/**
 * ZeroTier's "C25519" key pairs (spec vl1.md 3.1, 3.5, 3.6): a 64-byte public key
 * X25519 (32) || Ed25519 (32) and a 64-byte private key X25519 scalar (32) || Ed25519 seed (32).
 * Both curves are standard, so node:crypto does the work: raw keys are wrapped in the fixed
 * PKCS#8 / SPKI DER prefixes to become KeyObjects.
 *
 * Signatures are 96 bytes: an Ed25519 signature over h = SHA-512(m)[0..31], followed by h.
 * Key agreement yields key48 = SHA-512(X25519(priv, pub))[0..47].
 *
 * Identities and long-lived holders cache KeyObjects through the *KeyObject helpers; the plain
 * byte-array functions here keep a small bounded cache of public keys (world and credential
 * verification see the same few keys again and again).
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes as nodeRandomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { bytesToHex, concatBytes, constantTimeEqual } from './bytes.js';
import { ZT_C25519_PRIVATE_KEY_LEN, ZT_C25519_PUBLIC_KEY_LEN, ZT_C25519_SIGNATURE_LEN, ZT_SYMMETRIC_KEY_SIZE } from './constants.js';

export type RandomBytes = (n: number) => Uint8Array;

export interface C25519KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

const X25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const ED25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const X25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);
const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const SPKI_PREFIX_LENGTH = 12;

const defaultRandomBytes: RandomBytes = (n) => new Uint8Array(nodeRandomBytes(n));

function der(prefix: Uint8Array, raw: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(prefix.length + 32);
  b.set(prefix, 0);
  b.set(raw.subarray(0, 32), prefix.length);
  return b;
}

export function x25519PrivateKeyObject(scalar32: Uint8Array): KeyObject {
  return createPrivateKey({ key: der(X25519_PKCS8_PREFIX, scalar32), format: 'der', type: 'pkcs8' });
}

export function ed25519PrivateKeyObject(seed32: Uint8Array): KeyObject {
  return createPrivateKey({ key: der(ED25519_PKCS8_PREFIX, seed32), format: 'der', type: 'pkcs8' });
}

export function x25519PublicKeyObject(raw32: Uint8Array): KeyObject {
  return createPublicKey({ key: der(X25519_SPKI_PREFIX, raw32), format: 'der', type: 'spki' });
}

export function ed25519PublicKeyObject(raw32: Uint8Array): KeyObject {
  return createPublicKey({ key: der(ED25519_SPKI_PREFIX, raw32), format: 'der', type: 'spki' });
}

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX_LENGTH, SPKI_PREFIX_LENGTH + 32));
}

export function x25519PublicFromPrivate(scalar32: Uint8Array): Uint8Array {
  return rawPublicKey(x25519PrivateKeyObject(scalar32));
}

export function ed25519PublicFromSeed(seed32: Uint8Array): Uint8Array {
  return rawPublicKey(ed25519PrivateKeyObject(seed32));
}

/** The 64-byte public key that belongs to a 64-byte private key. */
export function c25519PublicFromPrivate(privateKey64: Uint8Array): Uint8Array {
  checkLength(privateKey64, ZT_C25519_PRIVATE_KEY_LEN, 'C25519 private key');
  return concatBytes(x25519PublicFromPrivate(privateKey64.subarray(0, 32)), ed25519PublicFromSeed(privateKey64.subarray(32, 64)));
}

export function c25519Generate(randomBytes: RandomBytes = defaultRandomBytes): C25519KeyPair {
  const privateKey = randomBytes(ZT_C25519_PRIVATE_KEY_LEN).slice(0, ZT_C25519_PRIVATE_KEY_LEN);
  checkLength(privateKey, ZT_C25519_PRIVATE_KEY_LEN, 'random private key');
  return { publicKey: c25519PublicFromPrivate(privateKey), privateKey };
}

/** The 32-byte value actually signed: the first half of SHA-512(message). */
export function signedDigest(message: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(message).digest().subarray(0, 32));
}

/** Signs with a cached Ed25519 private KeyObject (the seed half of a C25519 private key). */
export function c25519SignWithKey(ed25519PrivateKey: KeyObject, message: Uint8Array): Uint8Array {
  const h = signedDigest(message);
  const out = new Uint8Array(ZT_C25519_SIGNATURE_LEN);
  out.set(sign(null, h, ed25519PrivateKey), 0);
  out.set(h, 64);
  return out;
}

/** Verifies with a cached Ed25519 public KeyObject; never throws on hostile input. */
export function c25519VerifyWithKey(ed25519PublicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ZT_C25519_SIGNATURE_LEN) return false;
  const h = signedDigest(message);
  if (!constantTimeEqual(h, signature.subarray(64, 96))) return false;
  try {
    return verify(null, h, ed25519PublicKey, signature.subarray(0, 64));
  } catch {
    return false;
  }
}

/**
 * key48 from cached X25519 KeyObjects. OpenSSL refuses a shared secret of all zeros (a low-order
 * peer key); the reference computes it anyway, so we do the same: hashing 32 zero bytes.
 */
export function c25519AgreeWithKeys(x25519PrivateKey: KeyObject, x25519PublicKey: KeyObject): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = diffieHellman({ privateKey: x25519PrivateKey, publicKey: x25519PublicKey });
  } catch {
    raw = new Uint8Array(32);
  }
  return new Uint8Array(createHash('sha512').update(raw).digest().subarray(0, ZT_SYMMETRIC_KEY_SIZE));
}

export function c25519Sign(privateKey64: Uint8Array, message: Uint8Array): Uint8Array {
  checkLength(privateKey64, ZT_C25519_PRIVATE_KEY_LEN, 'C25519 private key');
  return c25519SignWithKey(ed25519PrivateKeyObject(privateKey64.subarray(32, 64)), message);
}

export function c25519Verify(publicKey64: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey64.length !== ZT_C25519_PUBLIC_KEY_LEN) return false;
  const key = cachedEd25519PublicKey(publicKey64.subarray(32, 64));
  return key !== undefined && c25519VerifyWithKey(key, message, signature);
}

export function c25519Agree(privateKey64: Uint8Array, publicKey64: Uint8Array): Uint8Array {
  checkLength(privateKey64, ZT_C25519_PRIVATE_KEY_LEN, 'C25519 private key');
  checkLength(publicKey64, ZT_C25519_PUBLIC_KEY_LEN, 'C25519 public key');
  return c25519AgreeWithKeys(x25519PrivateKeyObject(privateKey64.subarray(0, 32)), x25519PublicKeyObject(publicKey64.subarray(0, 32)));
}

// Bounded: cleared wholesale when full, which is cheap and enough for a handful of hot keys.
const PUBLIC_KEY_CACHE_MAX = 256;
const ed25519PublicCache = new Map<string, KeyObject>();

function cachedEd25519PublicKey(raw32: Uint8Array): KeyObject | undefined {
  const id = bytesToHex(raw32);
  let key = ed25519PublicCache.get(id);
  if (key) return key;
  try {
    key = ed25519PublicKeyObject(raw32);
  } catch {
    return undefined;
  }
  if (ed25519PublicCache.size >= PUBLIC_KEY_CACHE_MAX) ed25519PublicCache.clear();
  ed25519PublicCache.set(id, key);
  return key;
}

function checkLength(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, got ${b.length}`);
}
