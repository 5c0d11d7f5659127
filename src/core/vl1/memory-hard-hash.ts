/**
 * The identity proof of work (spec vl1.md 3.3): SHA-512 of the public key, then a 2 MiB buffer
 * filled by a Salsa20/20 CBC-like chain and walked with data-dependent swaps into the digest.
 * An address is the last 5 bytes of this digest, and a key is acceptable only if its first byte
 * is below 17, so both generation and validation run it.
 *
 * This is the hottest pure-TS code in identity handling (163,840 Salsa20/20 blocks per call), so:
 * one scratch buffer reused across calls (JS is single-threaded and the function does not yield),
 * 32-bit word views for the chain, the swaps and the keystream XOR, no allocation in the loops.
 */
import { createHash } from 'node:crypto';
import { Salsa20 } from './salsa20.js';
import { ZT_IDENTITY_MEMORY_HARD_BYTES } from './constants.js';

const WORDS64 = ZT_IDENTITY_MEMORY_HARD_BYTES / 8; // 262,144 eight-byte words
const WORD_INDEX_MASK = WORDS64 - 1; // 18 bits

let scratch: Uint8Array | undefined;
let scratch32: Uint32Array | undefined;

/** Computes the 64-byte memory-hard digest of a 64-byte public key. */
export function memoryHardDigest(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== 64) throw new RangeError('memoryHardDigest needs a 64-byte public key');
  // D lives in its own aligned buffer so it can be viewed as 32-bit words for the swaps.
  const digest = new Uint8Array(64);
  digest.set(createHash('sha512').update(publicKey).digest());
  const digest32 = new Uint32Array(digest.buffer, 0, 16);

  if (!scratch) {
    scratch = new Uint8Array(ZT_IDENTITY_MEMORY_HARD_BYTES);
    scratch32 = new Uint32Array(scratch.buffer);
  }
  const mem = scratch;
  const mem32 = scratch32!;

  const salsa = new Salsa20(digest.subarray(0, 32), digest.subarray(32, 40), 20);

  // Chain: block 0 is pure keystream, every next block is the previous one encrypted again.
  mem32.fill(0, 0, 16);
  salsa.xorBlockIntoWords(mem32, 0);
  for (let w = 16; w < mem32.length; w += 16) {
    for (let j = 0; j < 16; j++) mem32[w + j] = mem32[w - 16 + j];
    salsa.xorBlockIntoWords(mem32, w);
  }

  // Walk: word pairs (k, k+1) pick which digest word is swapped with which buffer word; both
  // indices come from big-endian words, i.e. from their last bytes.
  for (let k = 0; k < WORDS64; k += 2) {
    const o = k * 8;
    const idx1 = mem[o + 7] & 7;
    const idx2 = (((mem[o + 13] << 16) | (mem[o + 14] << 8) | mem[o + 15]) & WORD_INDEX_MASK);
    const m = idx2 * 2;
    const d = idx1 * 2;
    const t0 = mem32[m];
    const t1 = mem32[m + 1];
    mem32[m] = digest32[d];
    mem32[m + 1] = digest32[d + 1];
    digest32[d] = t0;
    digest32[d + 1] = t1;
    salsa.xorBlockIntoWords(digest32, 0);
  }
  return digest;
}
