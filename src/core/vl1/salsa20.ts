/**
 * Salsa20 (DJB's original: 256-bit key, 64-bit nonce, 64-bit little-endian block counter) with
 * 12 rounds for packet armor and 20 rounds for the identity proof of work.
 *
 * Like ZeroTier's implementation, every crypt() call starts at a fresh 64-byte block: the unused
 * tail of a partly used block is discarded. Node's crypto has no Salsa20, so this is plain
 * TypeScript written for V8: state in locals, no allocation per block.
 */

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

export class Salsa20 {
  private readonly state = new Uint32Array(16);
  private readonly block = new Uint32Array(16);
  private readonly blockBytes = new Uint8Array(this.block.buffer);
  private readonly doubleRounds: number;

  constructor(key: Uint8Array, iv: Uint8Array, rounds: 12 | 20) {
    if (key.length !== 32) throw new RangeError('Salsa20 key must be 32 bytes');
    if (iv.length !== 8) throw new RangeError('Salsa20 IV must be 8 bytes');
    this.doubleRounds = rounds >> 1;
    this.rekey(key, 0, iv, 0);
  }

  /**
   * Restarts with key[keyOffset..+32) and iv[ivOffset..+8) at block 0, keeping the round count.
   * Lets per-packet users reuse one instance instead of allocating a new one per packet.
   */
  rekey(key: Uint8Array, keyOffset: number, iv: Uint8Array, ivOffset: number): void {
    if (keyOffset < 0 || keyOffset + 32 > key.length) throw new RangeError('Salsa20 key must be 32 bytes');
    if (ivOffset < 0 || ivOffset + 8 > iv.length) throw new RangeError('Salsa20 IV must be 8 bytes');
    const s = this.state;
    s[0] = 0x61707865;
    s[1] = u32le(key, keyOffset);
    s[2] = u32le(key, keyOffset + 4);
    s[3] = u32le(key, keyOffset + 8);
    s[4] = u32le(key, keyOffset + 12);
    s[5] = 0x3320646e;
    s[6] = u32le(iv, ivOffset);
    s[7] = u32le(iv, ivOffset + 4);
    s[8] = 0;
    s[9] = 0;
    s[10] = 0x79622d32;
    s[11] = u32le(key, keyOffset + 16);
    s[12] = u32le(key, keyOffset + 20);
    s[13] = u32le(key, keyOffset + 24);
    s[14] = u32le(key, keyOffset + 28);
    s[15] = 0x6b206574;
  }

  /** XORs the keystream onto input[0..len) into output (may be the same buffer). */
  crypt(input: Uint8Array, output: Uint8Array = input, length = input.length): void {
    const ks = this.blockBytes;
    let o = 0;
    while (o < length) {
      this.nextBlock();
      const n = Math.min(64, length - o);
      for (let i = 0; i < n; i++) output[o + i] = input[o + i] ^ ks[i];
      o += n;
    }
  }

  /** XORs one keystream block onto buf[offset..offset+64) in place. */
  cryptBlockInPlace(buf: Uint8Array, offset: number): void {
    this.nextBlock();
    const ks = this.blockBytes;
    for (let i = 0; i < 64; i++) buf[offset + i] ^= ks[i];
  }

  /** Copies the next keystream block (the encryption of 64 zero bytes) into out[offset..). */
  keystreamBlock(out: Uint8Array, offset = 0): void {
    this.nextBlock();
    out.set(this.blockBytes, offset);
  }

  /**
   * XORs the next keystream block onto words[offset..offset+16): the same result as
   * cryptBlockInPlace on those 64 bytes, but word-wide, for callers that keep their data in a
   * Uint32Array (the identity proof of work runs 163,840 blocks per evaluation).
   */
  xorBlockIntoWords(words: Uint32Array, offset: number): void {
    if (LITTLE_ENDIAN_HOST) this.nextBlockInto(words, offset, true);
    else this.cryptBlockInPlace(new Uint8Array(words.buffer, words.byteOffset + offset * 4, 64), 0);
  }

  /** Computes the next keystream block into this.block and advances the counter. */
  private nextBlock(): void {
    this.nextBlockInto(this.block, 0, false);
    if (!LITTLE_ENDIAN_HOST) {
      const b = this.block;
      for (let i = 0; i < 16; i++) {
        const v = b[i];
        b[i] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
      }
    }
  }

  /** Writes (or XORs) the next block's 16 words, in host order, into out[o..o+16). */
  private nextBlockInto(out: Uint32Array, o: number, xor: boolean): void {
    const s = this.state;
    const j0 = s[0], j1 = s[1], j2 = s[2], j3 = s[3], j4 = s[4], j5 = s[5], j6 = s[6], j7 = s[7];
    const j8 = s[8], j9 = s[9], j10 = s[10], j11 = s[11], j12 = s[12], j13 = s[13], j14 = s[14], j15 = s[15];
    let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
    let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
    let u: number;
    for (let r = this.doubleRounds; r > 0; r--) {
      // column round
      u = (x0 + x12) | 0; x4 ^= (u << 7) | (u >>> 25);
      u = (x4 + x0) | 0; x8 ^= (u << 9) | (u >>> 23);
      u = (x8 + x4) | 0; x12 ^= (u << 13) | (u >>> 19);
      u = (x12 + x8) | 0; x0 ^= (u << 18) | (u >>> 14);
      u = (x5 + x1) | 0; x9 ^= (u << 7) | (u >>> 25);
      u = (x9 + x5) | 0; x13 ^= (u << 9) | (u >>> 23);
      u = (x13 + x9) | 0; x1 ^= (u << 13) | (u >>> 19);
      u = (x1 + x13) | 0; x5 ^= (u << 18) | (u >>> 14);
      u = (x10 + x6) | 0; x14 ^= (u << 7) | (u >>> 25);
      u = (x14 + x10) | 0; x2 ^= (u << 9) | (u >>> 23);
      u = (x2 + x14) | 0; x6 ^= (u << 13) | (u >>> 19);
      u = (x6 + x2) | 0; x10 ^= (u << 18) | (u >>> 14);
      u = (x15 + x11) | 0; x3 ^= (u << 7) | (u >>> 25);
      u = (x3 + x15) | 0; x7 ^= (u << 9) | (u >>> 23);
      u = (x7 + x3) | 0; x11 ^= (u << 13) | (u >>> 19);
      u = (x11 + x7) | 0; x15 ^= (u << 18) | (u >>> 14);
      // row round
      u = (x0 + x3) | 0; x1 ^= (u << 7) | (u >>> 25);
      u = (x1 + x0) | 0; x2 ^= (u << 9) | (u >>> 23);
      u = (x2 + x1) | 0; x3 ^= (u << 13) | (u >>> 19);
      u = (x3 + x2) | 0; x0 ^= (u << 18) | (u >>> 14);
      u = (x5 + x4) | 0; x6 ^= (u << 7) | (u >>> 25);
      u = (x6 + x5) | 0; x7 ^= (u << 9) | (u >>> 23);
      u = (x7 + x6) | 0; x4 ^= (u << 13) | (u >>> 19);
      u = (x4 + x7) | 0; x5 ^= (u << 18) | (u >>> 14);
      u = (x10 + x9) | 0; x11 ^= (u << 7) | (u >>> 25);
      u = (x11 + x10) | 0; x8 ^= (u << 9) | (u >>> 23);
      u = (x8 + x11) | 0; x9 ^= (u << 13) | (u >>> 19);
      u = (x9 + x8) | 0; x10 ^= (u << 18) | (u >>> 14);
      u = (x15 + x14) | 0; x12 ^= (u << 7) | (u >>> 25);
      u = (x12 + x15) | 0; x13 ^= (u << 9) | (u >>> 23);
      u = (x13 + x12) | 0; x14 ^= (u << 13) | (u >>> 19);
      u = (x14 + x13) | 0; x15 ^= (u << 18) | (u >>> 14);
    }
    if (xor) {
      out[o] ^= x0 + j0; out[o + 1] ^= x1 + j1; out[o + 2] ^= x2 + j2; out[o + 3] ^= x3 + j3;
      out[o + 4] ^= x4 + j4; out[o + 5] ^= x5 + j5; out[o + 6] ^= x6 + j6; out[o + 7] ^= x7 + j7;
      out[o + 8] ^= x8 + j8; out[o + 9] ^= x9 + j9; out[o + 10] ^= x10 + j10; out[o + 11] ^= x11 + j11;
      out[o + 12] ^= x12 + j12; out[o + 13] ^= x13 + j13; out[o + 14] ^= x14 + j14; out[o + 15] ^= x15 + j15;
    } else {
      out[o] = x0 + j0; out[o + 1] = x1 + j1; out[o + 2] = x2 + j2; out[o + 3] = x3 + j3;
      out[o + 4] = x4 + j4; out[o + 5] = x5 + j5; out[o + 6] = x6 + j6; out[o + 7] = x7 + j7;
      out[o + 8] = x8 + j8; out[o + 9] = x9 + j9; out[o + 10] = x10 + j10; out[o + 11] = x11 + j11;
      out[o + 12] = x12 + j12; out[o + 13] = x13 + j13; out[o + 14] = x14 + j14; out[o + 15] = x15 + j15;
    }
    // 64-bit block counter in words 8 (low) and 9 (high)
    s[8] = (s[8] + 1) >>> 0;
    if (s[8] === 0) s[9] = (s[9] + 1) >>> 0;
  }
}
