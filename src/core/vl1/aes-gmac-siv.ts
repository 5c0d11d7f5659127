/**
 * AES-GMAC-SIV, ZeroTier's cipher suite 3 (spec 7.3), on Node's native AES.
 *
 *   G   = GMAC(K0, iv8 || 0^4, aad11 || 0^5 || P)           (AES-256-GCM, empty plaintext)
 *   T   = AES-256-ECB(K1, iv8 || (G[0..7] XOR G[8..15]))     (the 16-byte tag)
 *   C   = AES-256-CTR(K1, T with bit 7 of byte 12 cleared, P)
 *
 * Cost model on Node 20: every native call has a fixed price of about half a microsecond and
 * every new Cipheriv about one and a half, while the AES work itself is cheap. So: the two ECB
 * contexts live as long as the key; GCM needs a fresh context per message (Node cannot re-IV
 * one), its AAD is laid out once in a shared scratch buffer (setAAD may be called only once);
 * and CTR is done as ECB over a run of counter blocks on the long-lived ECB context, XORed a
 * 32-bit word at a time onto an aligned copy of the payload, which saves a context per message.
 * What remains per message is one GCM context and five native calls: about 5 us for a
 * 1,400-byte payload, most of it fixed cost.
 *
 * The scratch buffers are module-level: JavaScript runs one call at a time, and no call keeps
 * a reference to them after it returns.
 */
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import type { Cipher, Decipher, KeyObject } from 'node:crypto';

/** Bytes of the AAD block: 11 bytes of header plus 5 zero bytes of padding. */
const AAD_BLOCK = 16;
const INITIAL_SCRATCH = 10240;

/**
 * GMAC input laid out as aad11 || 0^5 || P, with P word-aligned at byte 16 so the CTR keystream
 * can be XORed onto it a word at a time. Grown on demand (to whole blocks), never shrunk.
 */
let gmacInput = new Uint8Array(AAD_BLOCK + INITIAL_SCRATCH);
let gmacWords = new Int32Array(gmacInput.buffer);
/** Counter blocks fed to ECB to make the CTR keystream. */
let counters = new Uint8Array(INITIAL_SCRATCH);
let counterView = new DataView(counters.buffer);
/** The keystream copied to an aligned buffer: a memcpy is cheaper than byte-wise XOR. */
let keystream = new Uint8Array(INITIAL_SCRATCH);
let keystreamWords = new Int32Array(keystream.buffer);
const gcmIv = new Uint8Array(12);
const block = new Uint8Array(16);

function ensureScratch(length: number): void {
  const padded = (length + 15) & ~15;
  if (counters.length >= padded) return;
  const size = padded + 1024;
  gmacInput = new Uint8Array(AAD_BLOCK + size);
  gmacWords = new Int32Array(gmacInput.buffer);
  counters = new Uint8Array(size);
  counterView = new DataView(counters.buffer);
  keystream = new Uint8Array(size);
  keystreamWords = new Int32Array(keystream.buffer);
}

/** The CTR starting block: the tag with bit 7 of byte 12 cleared (so the low 32 bits never wrap). */
export function ctrIvFromTag(tag: Uint8Array, offset = 0): Uint8Array {
  const iv = tag.slice(offset, offset + 16);
  iv[12] &= 0x7f;
  return iv;
}

export class AesGmacSiv {
  private readonly k0: KeyObject;
  private readonly ecbEncrypt: Cipher;
  private readonly ecbDecrypt: Decipher;

  constructor(k0: Uint8Array, k1: Uint8Array) {
    if (k0.length !== 32 || k1.length !== 32) throw new RangeError('AES-GMAC-SIV keys must be 32 bytes each');
    this.k0 = createSecretKey(k0);
    const k1Key = createSecretKey(k1);
    // ECB holds no state between blocks, so one context serves every message for this key.
    this.ecbEncrypt = createCipheriv('aes-256-ecb', k1Key, null).setAutoPadding(false);
    this.ecbDecrypt = createDecipheriv('aes-256-ecb', k1Key, null).setAutoPadding(false);
  }

  /** The raw 16-byte GCM tag of `input` (already laid out as aad11 || 0^5 || P) under iv8 || 0^4. */
  gmac(iv8: Uint8Array, ivOffset: number, input: Uint8Array): Uint8Array {
    for (let i = 0; i < 8; i++) gcmIv[i] = iv8[ivOffset + i];
    const gcm = createCipheriv('aes-256-gcm', this.k0, gcmIv);
    gcm.setAAD(input);
    gcm.final();
    return gcm.getAuthTag();
  }

  /** One AES-256 block under K1 (the SIV tag from iv8 || mac8). */
  encryptBlock(input16: Uint8Array): Uint8Array {
    return this.ecbEncrypt.update(input16);
  }

  /** The inverse of encryptBlock (recovers iv8 || mac8 from a tag). */
  decryptBlock(input16: Uint8Array): Uint8Array {
    return this.ecbDecrypt.update(input16);
  }

  /**
   * Encrypts src[srcOffset..+length) into dst[dstOffset..) (which may be the same bytes) and
   * writes the 16-byte tag to tagOut[tagOffset..). aad is aad[aadOffset..+11).
   */
  encryptInto(
    iv8: Uint8Array, ivOffset: number,
    aad: Uint8Array, aadOffset: number,
    src: Uint8Array, srcOffset: number, length: number,
    dst: Uint8Array, dstOffset: number,
    tagOut: Uint8Array, tagOffset: number,
  ): void {
    const input = layOutGmacInput(aad, aadOffset, src, srcOffset, length);
    const g = this.gmac(iv8, ivOffset, input);
    for (let i = 0; i < 8; i++) {
      block[i] = iv8[ivOffset + i];
      block[8 + i] = g[i] ^ g[8 + i];
    }
    const tag = this.ecbEncrypt.update(block);
    for (let i = 0; i < 16; i++) tagOut[tagOffset + i] = tag[i];
    // GMAC is done with the plaintext, so encrypt it where it lies, then copy it out.
    this.ctrInPlace(tag, length);
    dst.set(gmacInput.subarray(AAD_BLOCK, AAD_BLOCK + length), dstOffset);
  }

  /**
   * Decrypts and authenticates src[srcOffset..+length) under the 16-byte tag at tag[tagOffset..).
   * Only when the tag verifies is the plaintext written to dst[dstOffset..) (which may alias src);
   * on failure dst is untouched and false is returned.
   */
  decryptInto(
    tag: Uint8Array, tagOffset: number,
    aad: Uint8Array, aadOffset: number,
    src: Uint8Array, srcOffset: number, length: number,
    dst: Uint8Array, dstOffset: number,
  ): boolean {
    for (let i = 0; i < 16; i++) block[i] = tag[tagOffset + i];
    const input = layOutGmacInput(aad, aadOffset, src, srcOffset, length);
    this.ctrInPlace(block, length);
    const opened = this.ecbDecrypt.update(block); // iv8' || mac8'
    const g = this.gmac(opened, 0, input);
    let diff = 0;
    for (let i = 0; i < 8; i++) diff |= (g[i] ^ g[8 + i]) ^ opened[8 + i];
    if (diff !== 0) return false;
    dst.set(gmacInput.subarray(AAD_BLOCK, AAD_BLOCK + length), dstOffset);
    return true;
  }

  /** Allocating form of encryptInto, for tests and cold paths. */
  encrypt(iv8: Uint8Array, aad11: Uint8Array, plaintext: Uint8Array): { tag: Uint8Array; ciphertext: Uint8Array } {
    if (iv8.length !== 8 || aad11.length !== 11) throw new RangeError('AES-GMAC-SIV needs an 8-byte IV and 11 bytes of AAD');
    const tag = new Uint8Array(16);
    const ciphertext = new Uint8Array(plaintext.length);
    this.encryptInto(iv8, 0, aad11, 0, plaintext, 0, plaintext.length, ciphertext, 0, tag, 0);
    return { tag, ciphertext };
  }

  /** Allocating form of decryptInto: the plaintext, or undefined if authentication fails. */
  decrypt(tag16: Uint8Array, aad11: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (tag16.length !== 16 || aad11.length !== 11) throw new RangeError('AES-GMAC-SIV needs a 16-byte tag and 11 bytes of AAD');
    const plaintext = new Uint8Array(ciphertext.length);
    return this.decryptInto(tag16, 0, aad11, 0, ciphertext, 0, ciphertext.length, plaintext, 0) ? plaintext : undefined;
  }

  /**
   * AES-256-CTR under K1 over the payload in gmacInput (from byte 16), starting at the counter
   * block derived from tag16: ECB over a run of counter blocks, XORed a word at a time. Bytes
   * past the payload, up to the next block boundary, are scratch and get garbage.
   */
  private ctrInPlace(tag16: Uint8Array, length: number): void {
    if (length === 0) return;
    const blocks = (length + 15) >>> 4;
    const view = counterView;
    const t0 = (tag16[0] << 24) | (tag16[1] << 16) | (tag16[2] << 8) | tag16[3];
    const t1 = (tag16[4] << 24) | (tag16[5] << 16) | (tag16[6] << 8) | tag16[7];
    const t2 = (tag16[8] << 24) | (tag16[9] << 16) | (tag16[10] << 8) | tag16[11];
    // Only the last 32 bits count (big-endian); bit 31 starts clear, so they never wrap.
    const start = ((tag16[12] & 0x7f) << 24) | (tag16[13] << 16) | (tag16[14] << 8) | tag16[15];
    for (let b = 0, o = 0; b < blocks; b++, o += 16) {
      view.setInt32(o, t0);
      view.setInt32(o + 4, t1);
      view.setInt32(o + 8, t2);
      view.setInt32(o + 12, start + b);
    }
    keystream.set(this.ecbEncrypt.update(counters.subarray(0, blocks << 4)), 0);
    const ks = keystreamWords;
    const data = gmacWords;
    const words = blocks << 2;
    for (let i = 0, j = AAD_BLOCK >>> 2; i < words; i++, j++) data[j] ^= ks[i];
  }
}

/** Writes aad11 || 0^5 || src[srcOffset..+length) into gmacInput and returns that view. */
function layOutGmacInput(aad: Uint8Array, aadOffset: number, src: Uint8Array, srcOffset: number, length: number): Uint8Array {
  ensureScratch(length);
  const input = gmacInput;
  for (let i = 0; i < 11; i++) input[i] = aad[aadOffset + i];
  input[11] = input[12] = input[13] = input[14] = input[15] = 0;
  input.set(src.subarray(srcOffset, srcOffset + length), AAD_BLOCK);
  return input.subarray(0, AAD_BLOCK + length);
}
