import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Salsa20 } from '../../src/core/vl1/salsa20.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_salsa20.json');

for (const c of v.cases) {
  test(`salsa20 vector ${c.name} /${c.rounds}: 256-byte keystream`, () => {
    const s = new Salsa20(hexToBytes(c.key), hexToBytes(c.iv), c.rounds);
    const buf = new Uint8Array(256);
    s.crypt(buf);
    assert.equal(bytesToHex(buf), c.keystream256);
  });
  test(`salsa20 vector ${c.name} /${c.rounds}: block-by-block equals one call`, () => {
    const s = new Salsa20(hexToBytes(c.key), hexToBytes(c.iv), c.rounds);
    const buf = new Uint8Array(256);
    for (let i = 0; i < 4; i++) s.keystreamBlock(buf, i * 64);
    assert.equal(bytesToHex(buf), c.keystream256);
  });
}

for (const [i, m] of v.multiCall.entries()) {
  test(`salsa20 multiCall vector ${i}: each call starts a fresh block`, () => {
    const s = new Salsa20(hexToBytes(m.key), hexToBytes(m.iv), 12);
    const pt = hexToBytes(m.plaintext);
    const out = new Uint8Array(pt.length);
    let o = 0;
    for (const len of m.callLengths as number[]) {
      s.crypt(pt.subarray(o, o + len), out.subarray(o, o + len));
      o += len;
    }
    assert.equal(bytesToHex(out), m.ciphertext);
  });
}
