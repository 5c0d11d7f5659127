import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { poly1305, poly1305Into } from '../../src/core/vl1/poly1305.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_poly1305.json');

/** The slow, obvious reference: RFC 8439 2.5.1 with BigInt. */
function referencePoly1305(key: Uint8Array, msg: Uint8Array): string {
  const le = (b: Uint8Array): bigint => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const block = msg.subarray(i, i + 16);
    acc = ((acc + le(block) + (1n << BigInt(8 * block.length))) * r) % p;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++, tag >>= 8n) out[i] = Number(tag & 0xffn);
  return bytesToHex(out);
}

for (const [i, c] of v.cases.entries()) {
  test(`poly1305 vector ${i} (${c.message.length / 2}-byte message)`, () => {
    assert.equal(bytesToHex(poly1305(hexToBytes(c.key), hexToBytes(c.message))), c.tag);
    assert.equal(referencePoly1305(hexToBytes(c.key), hexToBytes(c.message)), c.tag);
  });
}

test('poly1305: RFC 8439 section 2.5.2 example', () => {
  const key = hexToBytes('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
  const msg = new TextEncoder().encode('Cryptographic Forum Research Group');
  assert.equal(bytesToHex(poly1305(key, msg)), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('poly1305: edge values near 2^130 - 5 and all-ones inputs match the reference', () => {
  const ones = new Uint8Array(32).fill(0xff);
  const r2 = new Uint8Array(32);
  r2[0] = 2;
  const r1 = new Uint8Array(32);
  r1[0] = 1;
  const cases: Array<[Uint8Array, Uint8Array]> = [
    [ones, new Uint8Array(16 * 64).fill(0xff)],
    [ones, new Uint8Array(1000).fill(0xff)],
    [r2, new Uint8Array(16).fill(0xff)],
    [r1, hexToBytes('ffffffffffffffffffffffffffffffff' + 'fbfefefefefefefefefefefefefefefe' + '01010101010101010101010101010101')],
    [r1, hexToBytes('ffffffffffffffffffffffffffffffff' + 'f0ffffffffffffffffffffffffffffff' + '11000000000000000000000000000000')],
    [r2, hexToBytes('fdffffffffffffffffffffffffffffff')],
    [new Uint8Array(32), new Uint8Array(64)],
  ];
  for (const [key, msg] of cases) assert.equal(bytesToHex(poly1305(key, msg)), referencePoly1305(key, msg));
});

test('poly1305 property: equals the BigInt reference for random keys and messages', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 600, size: 'max' }), (key, msg) => {
      assert.equal(bytesToHex(poly1305(key, msg)), referencePoly1305(key, msg));
    }),
    { numRuns: 300 },
  );
});

test('poly1305 property: saturated keys and messages (largest limbs) equal the reference', () => {
  const byte = fc.oneof(fc.constant(0xff), fc.constant(0xfe), fc.constant(0), fc.nat(255));
  fc.assert(
    fc.property(fc.array(byte, { minLength: 32, maxLength: 32 }), fc.array(byte, { maxLength: 300 }), (k, m) => {
      const key = Uint8Array.from(k);
      const msg = Uint8Array.from(m);
      assert.equal(bytesToHex(poly1305(key, msg)), referencePoly1305(key, msg));
    }),
    { numRuns: 300 },
  );
});

test('poly1305Into: offsets into larger buffers give the same tag as poly1305 on the slice', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 40, maxLength: 300 }), fc.nat(7), fc.nat(), fc.nat(), (buf, keyOff, a, b) => {
      const key = buf.subarray(keyOff, keyOff + 32);
      const off = a % (buf.length + 1);
      const len = b % (buf.length - off + 1);
      const out = new Uint8Array(20);
      poly1305Into(buf, keyOff, buf, off, len, out, 3);
      assert.equal(bytesToHex(out.subarray(3, 19)), bytesToHex(poly1305(key, buf.slice(off, off + len))));
    }),
    { numRuns: 200 },
  );
});

test('poly1305Into: rejects ranges outside its buffers', () => {
  const b = new Uint8Array(64);
  assert.throws(() => poly1305Into(b, 40, b, 0, 10, b, 0), RangeError);
  assert.throws(() => poly1305Into(b, 0, b, 60, 10, b, 0), RangeError);
  assert.throws(() => poly1305Into(b, 0, b, 0, 10, b, 50), RangeError);
  assert.throws(() => poly1305(new Uint8Array(31), b), RangeError);
});
