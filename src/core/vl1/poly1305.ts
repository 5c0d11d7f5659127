/**
 * Poly1305 one-time authenticator (RFC 8439 section 2.5), used by cipher suites 0 and 1.
 *
 * Node's crypto has no stand-alone Poly1305, so this is plain TypeScript tuned for V8. The
 * accumulator and r are held in six 22-bit limbs as float64 values (limb i weighs 2^(22i), 132
 * bits in all; 2^132 = 4 * 2^130 is congruent to 20 mod 2^130 - 5, hence the factor 20 on
 * wrapped products). Between blocks the accumulator limbs are balanced, within +-2^21 plus a
 * little, so with a message limb added they stay below 2^22.6; r is below 2^22 and 20r below
 * 2^26.4, so every column sum of six products is below 2^51.5 and float64 arithmetic is exact.
 * Carries use the add-and-subtract-a-large-constant rounding trick, done twice over all six
 * limbs in parallel rather than as one long dependent chain: the float pipeline stays busy.
 * No BigInt, no Math.imul, no allocation per block.
 */

const LIMB = 4194304; // 2^22
const INV_LIMB = 1 / LIMB;
const WRAP_CARRY = 20 * INV_LIMB; // a carry out of limb 5 re-enters limb 0 times 20
/** x + ROUND - ROUND rounds any |x| < 2^73 to the nearest multiple of 2^22 (float64 ulp there). */
const ROUND = 3 * 2 ** 73;
const MASK22 = 0x3fffff;
const HIBIT = 262144; // 2^128 lands on bit 18 of limb 5
const TWO32 = 4294967296;

/** Padded copy of a final partial block; module-level so no call allocates. */
const lastBlock = new Uint8Array(16);

function u32le(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

function putU32le(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/**
 * Writes the 16-byte tag of msg[offset..offset+length) under key[keyOffset..keyOffset+32)
 * into out[outOffset..outOffset+16). No allocation; out may not overlap key.
 */
export function poly1305Into(
  key: Uint8Array,
  keyOffset: number,
  msg: Uint8Array,
  offset: number,
  length: number,
  out: Uint8Array,
  outOffset: number,
): void {
  if (keyOffset < 0 || keyOffset + 32 > key.length) throw new RangeError('Poly1305 key must be 32 bytes');
  if (offset < 0 || length < 0 || offset + length > msg.length) throw new RangeError('Poly1305 message out of range');
  if (outOffset < 0 || outOffset + 16 > out.length) throw new RangeError('Poly1305 output out of range');

  // r, clamped as RFC 8439 requires, split into 22-bit limbs (r < 2^124, so r5 < 2^14).
  const t0 = u32le(key, keyOffset) & 0x0fffffff;
  const t1 = u32le(key, keyOffset + 4) & 0x0ffffffc;
  const t2 = u32le(key, keyOffset + 8) & 0x0ffffffc;
  const t3 = u32le(key, keyOffset + 12) & 0x0ffffffc;
  const r0 = t0 & MASK22;
  const r1 = ((t0 >>> 22) | (t1 << 10)) & MASK22;
  const r2 = ((t1 >>> 12) | (t2 << 20)) & MASK22;
  const r3 = (t2 >>> 2) & MASK22;
  const r4 = ((t2 >>> 24) | (t3 << 8)) & MASK22;
  const r5 = t3 >>> 14;
  const s1 = r1 * 20, s2 = r2 * 20, s3 = r3 * 20, s4 = r4 * 20, s5 = r5 * 20;

  let h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0;
  const tail = length & 15;
  let m = msg;
  let o = offset;
  let end = offset + length - tail;
  let hibit = HIBIT;
  for (;;) {
    if (o >= end) {
      if (hibit === 0 || tail === 0) break;
      // Final partial block: the message bytes, a 1 byte, then zeros; no 2^128 bit.
      lastBlock.fill(0);
      for (let i = 0; i < tail; i++) lastBlock[i] = msg[end + i];
      lastBlock[tail] = 1;
      m = lastBlock;
      o = 0;
      end = 16;
      hibit = 0;
    }
    const w0 = u32le(m, o), w1 = u32le(m, o + 4), w2 = u32le(m, o + 8), w3 = u32le(m, o + 12);
    h0 += w0 & MASK22;
    h1 += ((w0 >>> 22) | (w1 << 10)) & MASK22;
    h2 += ((w1 >>> 12) | (w2 << 20)) & MASK22;
    h3 += (w2 >>> 2) & MASK22;
    h4 += ((w2 >>> 24) | (w3 << 8)) & MASK22;
    h5 += (w3 >>> 14) + hibit;

    // h *= r (mod 2^130 - 5): columns of the schoolbook product, wrapped terms scaled by 20.
    const d0 = (h0 * r0 + h1 * s5) + (h2 * s4 + h3 * s3) + (h4 * s2 + h5 * s1);
    const d1 = (h0 * r1 + h1 * r0) + (h2 * s5 + h3 * s4) + (h4 * s3 + h5 * s2);
    const d2 = (h0 * r2 + h1 * r1) + (h2 * r0 + h3 * s5) + (h4 * s4 + h5 * s3);
    const d3 = (h0 * r3 + h1 * r2) + (h2 * r1 + h3 * r0) + (h4 * s5 + h5 * s4);
    const d4 = (h0 * r4 + h1 * r3) + (h2 * r2 + h3 * r1) + (h4 * r0 + h5 * s5);
    const d5 = (h0 * r5 + h1 * r4) + (h2 * r3 + h3 * r2) + (h4 * r1 + h5 * r0);

    // Two rounds of parallel carries: the first leaves carries up to 2^30 in each limb, the
    // second brings every limb back within +-2^21 + 2^13.
    const q0 = d0 + ROUND - ROUND, q1 = d1 + ROUND - ROUND, q2 = d2 + ROUND - ROUND;
    const q3 = d3 + ROUND - ROUND, q4 = d4 + ROUND - ROUND, q5 = d5 + ROUND - ROUND;
    const e0 = d0 - q0 + q5 * WRAP_CARRY, e1 = d1 - q1 + q0 * INV_LIMB, e2 = d2 - q2 + q1 * INV_LIMB;
    const e3 = d3 - q3 + q2 * INV_LIMB, e4 = d4 - q4 + q3 * INV_LIMB, e5 = d5 - q5 + q4 * INV_LIMB;
    const p0 = e0 + ROUND - ROUND, p1 = e1 + ROUND - ROUND, p2 = e2 + ROUND - ROUND;
    const p3 = e3 + ROUND - ROUND, p4 = e4 + ROUND - ROUND, p5 = e5 + ROUND - ROUND;
    h0 = e0 - p0 + p5 * WRAP_CARRY;
    h1 = e1 - p1 + p0 * INV_LIMB;
    h2 = e2 - p2 + p1 * INV_LIMB;
    h3 = e3 - p3 + p2 * INV_LIMB;
    h4 = e4 - p4 + p3 * INV_LIMB;
    h5 = e5 - p5 + p4 * INV_LIMB;

    o += 16;
  }

  // Make the limbs canonical digits in [0, 2^22): floor carries handle the negative ones; a
  // negative total wraps once through the factor-20 fold, after which it is positive.
  for (let pass = 0; pass < 3; pass++) {
    let c = Math.floor(h0 * INV_LIMB); h0 -= c * LIMB; h1 += c;
    c = Math.floor(h1 * INV_LIMB); h1 -= c * LIMB; h2 += c;
    c = Math.floor(h2 * INV_LIMB); h2 -= c * LIMB; h3 += c;
    c = Math.floor(h3 * INV_LIMB); h3 -= c * LIMB; h4 += c;
    c = Math.floor(h4 * INV_LIMB); h4 -= c * LIMB; h5 += c;
    c = Math.floor(h5 * INV_LIMB); h5 -= c * LIMB; h0 += c * 20;
  }

  // Now h < 2^132; fold what is at or above 2^130 (bit 20 of limb 5) back in as *5. Three
  // passes: the second can fold at most 5 into limb 0, the third leaves every limb normal.
  let a0 = h0 | 0, a1 = h1 | 0, a2 = h2 | 0, a3 = h3 | 0, a4 = h4 | 0, a5 = h5 | 0;
  for (let pass = 0; pass < 3; pass++) {
    a1 += a0 >>> 22; a0 &= MASK22;
    a2 += a1 >>> 22; a1 &= MASK22;
    a3 += a2 >>> 22; a2 &= MASK22;
    a4 += a3 >>> 22; a3 &= MASK22;
    a5 += a4 >>> 22; a4 &= MASK22;
    a0 += (a5 >>> 20) * 5; a5 &= 0xfffff;
  }

  // h is now below 2^130 + small; subtract p if h >= p, i.e. if h + 5 reaches 2^130.
  let g0 = a0 + 5;
  let g1 = a1 + (g0 >>> 22); g0 &= MASK22;
  let g2 = a2 + (g1 >>> 22); g1 &= MASK22;
  let g3 = a3 + (g2 >>> 22); g2 &= MASK22;
  let g4 = a4 + (g3 >>> 22); g3 &= MASK22;
  let g5 = a5 + (g4 >>> 22); g4 &= MASK22;
  const useG = -(g5 >>> 20); // all ones when h >= p
  g5 &= 0xfffff;
  const keep = ~useG;
  a0 = (a0 & keep) | (g0 & useG);
  a1 = (a1 & keep) | (g1 & useG);
  a2 = (a2 & keep) | (g2 & useG);
  a3 = (a3 & keep) | (g3 & useG);
  a4 = (a4 & keep) | (g4 & useG);
  a5 = (a5 & keep) | (g5 & useG);

  // tag = (h + s) mod 2^128, little-endian.
  const x0 = (a0 | (a1 << 22)) >>> 0;
  const x1 = ((a1 >>> 10) | (a2 << 12)) >>> 0;
  const x2 = ((a2 >>> 20) | (a3 << 2) | (a4 << 24)) >>> 0;
  const x3 = ((a4 >>> 8) | (a5 << 14)) >>> 0;
  let f = x0 + (u32le(key, keyOffset + 16) >>> 0);
  putU32le(out, outOffset, f);
  f = x1 + (u32le(key, keyOffset + 20) >>> 0) + (f >= TWO32 ? 1 : 0);
  putU32le(out, outOffset + 4, f);
  f = x2 + (u32le(key, keyOffset + 24) >>> 0) + (f >= TWO32 ? 1 : 0);
  putU32le(out, outOffset + 8, f);
  f = x3 + (u32le(key, keyOffset + 28) >>> 0) + (f >= TWO32 ? 1 : 0);
  putU32le(out, outOffset + 12, f);
}

/** Returns the 16-byte Poly1305 tag of message under a 32-byte one-time key. */
export function poly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError('Poly1305 key must be 32 bytes');
  const tag = new Uint8Array(16);
  poly1305Into(key, 0, message, 0, message.length, tag, 0);
  return tag;
}
