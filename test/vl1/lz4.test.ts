import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lz4CompressBlock, lz4CompressBound, lz4DecompressBlock } from '../../src/core/vl1/lz4.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_packets.json');

// ---- A slow, obvious reference decoder for differential tests -----------------------------

interface Sequence {
  literals: number[];
  offset?: number;
  matchLength?: number;
}

/** Parses a block into sequences, or returns an error string; no cleverness, no fast paths. */
function parseBlock(block: Uint8Array): Sequence[] | string {
  if (block.length === 0) return 'empty';
  const seqs: Sequence[] = [];
  let i = 0;
  for (;;) {
    const token = block[i++];
    let lit = token >> 4;
    if (lit === 15) {
      for (;;) {
        if (i >= block.length) return 'truncated literal length';
        const b = block[i++];
        lit += b;
        if (b !== 255) break;
      }
    }
    if (i + lit > block.length) return 'literals overrun';
    const literals = Array.from(block.subarray(i, i + lit));
    i += lit;
    if (i === block.length) {
      seqs.push({ literals });
      return seqs;
    }
    if (i + 2 > block.length) return 'truncated offset';
    const offset = block[i] + 256 * block[i + 1];
    i += 2;
    let ml = token & 15;
    if (ml === 15) {
      for (;;) {
        if (i >= block.length) return 'truncated match length';
        const b = block[i++];
        ml += b;
        if (b !== 255) break;
      }
    }
    seqs.push({ literals, offset, matchLength: ml + 4 });
    if (i === block.length) return 'ends with a match';
  }
}

function referenceDecode(block: Uint8Array, maxOutput: number): number[] | string {
  const seqs = parseBlock(block);
  if (typeof seqs === 'string') return seqs;
  const out: number[] = [];
  for (const s of seqs) {
    out.push(...s.literals);
    if (out.length > maxOutput) return 'overflow';
    if (s.offset !== undefined) {
      if (s.offset === 0 || s.offset > out.length) return 'bad offset';
      for (let k = 0; k < s.matchLength!; k++) out.push(out[out.length - s.offset]);
      if (out.length > maxOutput) return 'overflow';
    }
  }
  return out;
}

/** The end-of-block rules every LZ4 decoder (the reference's included) relies on. */
function assertWellFormedEncoding(block: Uint8Array, inputLength: number): void {
  const seqs = parseBlock(block);
  assert.ok(Array.isArray(seqs), `encoder produced an invalid block: ${seqs}`);
  let pos = 0;
  for (const s of seqs) {
    pos += s.literals.length;
    if (s.offset !== undefined) {
      assert.ok(s.offset >= 1 && s.offset <= 65535 && s.offset <= pos);
      assert.ok(pos <= inputLength - 12, `match starts at ${pos}, within the last 12 bytes of ${inputLength}`);
      pos += s.matchLength!;
      assert.ok(pos <= inputLength - 5, `match ends at ${pos}, within the last 5 bytes of ${inputLength}`);
    }
  }
  assert.equal(pos, inputLength);
}

function roundTrip(data: Uint8Array): Uint8Array {
  const block = lz4CompressBlock(data);
  assert.ok(block.length <= lz4CompressBound(data.length));
  assertWellFormedEncoding(block, data.length);
  const r = lz4DecompressBlock(block, data.length);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value, data);
  return block;
}

function expectError(block: number[] | Uint8Array, maxOutput = 10000): void {
  const r = lz4DecompressBlock(Uint8Array.from(block), maxOutput);
  assert.ok(!r.ok, 'expected an error');
  assert.equal(r.error.reason, 'bad_compression');
}

// ---- Vector ------------------------------------------------------------------------------

for (const [i, c] of v.compression.entries()) {
  if (!c.lz4Block) continue;
  test(`compression vector ${i}: lz4Block decodes to the uncompressed payload`, () => {
    const block = hexToBytes(c.lz4Block);
    const expected = c.uncompressed.slice(56);
    const r = lz4DecompressBlock(block, 9996);
    assert.ok(r.ok);
    assert.equal(bytesToHex(r.value), expected);
    const exact = lz4DecompressBlock(block, expected.length / 2);
    assert.ok(exact.ok, 'fits an output limit of exactly its size');
    expectError(block, expected.length / 2 - 1);
    assert.deepEqual(referenceDecode(block, 9996), Array.from(hexToBytes(expected)));
  });

  test(`compression vector ${i}: every truncation of lz4Block is handled without throwing`, () => {
    const block = hexToBytes(c.lz4Block);
    for (let n = 0; n < block.length; n++) {
      const cut = block.subarray(0, n);
      const r = lz4DecompressBlock(cut, 9996);
      const ref = referenceDecode(cut, 9996);
      assert.equal(r.ok, Array.isArray(ref), `prefix of ${n} bytes`);
    }
  });
}

// ---- Known blocks ------------------------------------------------------------------------

test('lz4: hand-made valid blocks', () => {
  const dec = (b: number[], max = 100) => {
    const r = lz4DecompressBlock(Uint8Array.from(b), max);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return new TextDecoder().decode(r.value);
  };
  assert.equal(dec([0x00]), '');
  assert.equal(dec([0x00], 0), '');
  assert.equal(dec([0x30, 0x61, 0x62, 0x63]), 'abc');
  // 'ab', then offset 2 length 6 (overlapping copy), then an empty last literal run.
  assert.equal(dec([0x22, 0x61, 0x62, 0x02, 0x00, 0x00]), 'abababab');
  // One literal, match of 4 + 15 + 1 = 20 at offset 1, final literal 'z'.
  assert.equal(dec([0x1f, 0x61, 0x01, 0x00, 0x01, 0x10, 0x7a]), 'a'.repeat(21) + 'z');
  // Literal length exactly 15 needs an extension byte of 0.
  assert.equal(dec([0xf0, 0x00, ...Array(15).fill(0x62)]), 'b'.repeat(15));
  // Literal length 15 + 255 + 3 = 273.
  const lit = Array(273).fill(0x63);
  assert.equal(dec([0xf0, 0xff, 0x03, ...lit], 273), 'c'.repeat(273));
  // A long non-overlapping match (copyWithin path): 40 literals, then copy them.
  const forty = Array.from({ length: 40 }, (_, k) => 0x41 + (k % 26));
  const text = String.fromCharCode(...forty);
  assert.equal(dec([0xff, 40 - 15, ...forty, 40, 0x00, 40 - 19, 0x00]), text + text);
});

test('lz4: hostile blocks are errors, never throws', () => {
  expectError([]); // empty input
  expectError([0x10]); // literal run past the end
  expectError([0xf0]); // literal length extension missing
  expectError([0xf0, 0xff]); // still missing
  expectError([0xf0, 0xff, 0xff, 0xff, 0x10, 0x61]); // literal run far beyond the input
  expectError([0x1f, 0x61, 0x01]); // offset truncated
  expectError([0x10, 0x61, 0x00, 0x00, 0x00]); // offset 0
  expectError([0x10, 0x61, 0x02, 0x00, 0x00]); // offset before the start of the output
  expectError([0x00, 0x01, 0x00, 0x00]); // offset with nothing decoded yet
  expectError([0x1f, 0x61, 0x01, 0x00]); // match length extension missing
  expectError([0x1f, 0x61, 0x01, 0x00, 0xff, 0xff]); // still missing
  expectError([0x10, 0x61, 0x01, 0x00]); // block ends with a match
  expectError([0x30, 0x61, 0x62, 0x63], 2); // literals overflow the output limit
  expectError([0x10, 0x61], 0);
  // A match of about 2.5 MB from a few bytes of input: only the output limit stops it.
  expectError([0x1f, 0x61, 0x01, 0x00, ...Array(10000).fill(0xff), 0x00, 0x00], 9996);
  expectError([0x1f, 0x61, 0x01, 0x00, ...Array(10000).fill(0xff), 0x00, 0x00], 100_000);
  // Literal length counted in billions by extension bytes.
  expectError([0xf0, ...Array(100000).fill(0xff), 0x00]);
  assert.throws(() => lz4DecompressBlock(new Uint8Array([0]), -1), RangeError);
});

test('lz4: the valid maximum of a large match decodes when the limit allows it', () => {
  const block = [0x1f, 0x61, 0x01, 0x00, ...Array(100).fill(0xff), 0x00, 0x10, 0x7a];
  const expectedLength = 1 + 4 + 15 + 100 * 255 + 1;
  const r = lz4DecompressBlock(Uint8Array.from(block), expectedLength);
  assert.ok(r.ok);
  assert.equal(r.value.length, expectedLength);
  expectError(block, expectedLength - 1);
});

// ---- Round trips -------------------------------------------------------------------------

test('lz4: round trip of edge sizes 0..64 and special patterns', () => {
  for (let n = 0; n <= 64; n++) {
    roundTrip(new Uint8Array(n));
    roundTrip(Uint8Array.from({ length: n }, (_, k) => (k * 37) & 0xff));
    roundTrip(Uint8Array.from({ length: n }, (_, k) => k % 3));
  }
  // Matches exactly at the 64 KiB offset limit and beyond it.
  const big = new Uint8Array(70000);
  for (let k = 0; k < 1000; k++) big[k] = (k * 131 + 7) & 0xff;
  big.set(big.subarray(0, 1000), 65535);
  big.set(big.subarray(0, 1000), 68000);
  roundTrip(big);
  const zeros = roundTrip(new Uint8Array(100000));
  assert.ok(zeros.length < 500);
});

test('lz4: round trip of random data (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 5000, size: 'max' }), (data) => {
      roundTrip(data);
    }),
    { numRuns: 150 },
  );
});

test('lz4: round trip of repetitive data, which shrinks (property)', () => {
  const repetitive = fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 400, size: 'max' }))
    .map(([alphabet, picks]) => {
      // Words from a small alphabet repeated with variation: text-like.
      const out: number[] = [];
      for (const p of picks) for (let k = 0; k <= p % 12; k++) out.push(alphabet[(p + k) % alphabet.length]);
      return Uint8Array.from(out);
    });
  fc.assert(
    fc.property(repetitive, (data) => {
      const block = roundTrip(data);
      if (data.length > 500) assert.ok(block.length < data.length);
    }),
    { numRuns: 200 },
  );
});

// ---- Hostile input, differentially ---------------------------------------------------------

test('lz4: random blocks never throw and agree with the reference decoder (property)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 300, size: 'max' })), fc.integer({ min: 0, max: 5000 }), (block, max) => {
      const r = lz4DecompressBlock(block, max);
      const ref = referenceDecode(block, max);
      assert.equal(r.ok, Array.isArray(ref));
      if (r.ok) {
        assert.ok(r.value.length <= max);
        assert.deepEqual(Array.from(r.value), ref);
      }
    }),
    { numRuns: 2000 },
  );
});

test('lz4: bit-flipped and cut valid blocks never throw and agree with the reference (property)', () => {
  const text = new TextEncoder().encode('ZeroTier VL1 compressible text block #0. '.repeat(40));
  const block = lz4CompressBlock(text);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(block.length - 1), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
      fc.nat(block.length),
      (flips, cut) => {
        const b = block.slice(0, Math.max(cut, 1));
        for (const [at, bit] of flips) if (at < b.length) b[at] ^= 1 << bit;
        const r = lz4DecompressBlock(b, 9996);
        const ref = referenceDecode(b, 9996);
        assert.equal(r.ok, Array.isArray(ref));
        if (r.ok) assert.deepEqual(Array.from(r.value), ref);
      },
    ),
    { numRuns: 1000 },
  );
});
