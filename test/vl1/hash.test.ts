import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hmacSha384, kbkdfHmacSha384, kbkdfMessage, sha384, sha512 } from '../../src/core/vl1/hash.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_sha.json');

/** The vectors give the label as the digit 0 or 1 (the characters '0' and '1' on the wire). */
function labelByte(label: number | string): number {
  return 0x30 + Number(label);
}

for (const [i, c] of v.sha512.entries()) {
  test(`sha512 vector ${i} (${c.input.length / 2} bytes)`, () => {
    assert.equal(bytesToHex(sha512(hexToBytes(c.input))), c.sha512);
  });
}

for (const [i, c] of v.sha384.entries()) {
  test(`sha384 vector ${i} (${c.input.length / 2} bytes)`, () => {
    assert.equal(bytesToHex(sha384(hexToBytes(c.input))), c.sha384);
  });
}

for (const [i, c] of v.hmacSha384.entries()) {
  test(`hmacSha384 vector ${i} (${c.message.length / 2}-byte message)`, () => {
    assert.equal(bytesToHex(hmacSha384(hexToBytes(c.key), hexToBytes(c.message))), c.hmacSha384);
  });
}

for (const [i, c] of v.kbkdfHmacSha384.entries()) {
  test(`kbkdfHmacSha384 vector ${i} (label '${c.label}')`, () => {
    assert.equal(c.context, 0);
    assert.equal(c.iter, 0);
    assert.equal(bytesToHex(kbkdfMessage(labelByte(c.label))), c.hmacMessage);
    assert.equal(bytesToHex(kbkdfHmacSha384(hexToBytes(c.key), labelByte(c.label))), c.output);
    assert.equal(bytesToHex(hmacSha384(hexToBytes(c.key), hexToBytes(c.hmacMessage))), c.output);
  });
}

test('kbkdfHmacSha384 rejects keys that are not 48 bytes', () => {
  assert.throws(() => kbkdfHmacSha384(new Uint8Array(32), 0x30), RangeError);
});
