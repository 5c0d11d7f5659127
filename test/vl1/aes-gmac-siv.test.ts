import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCipheriv } from 'node:crypto';
import { AesGmacSiv, ctrIvFromTag } from '../../src/core/vl1/aes-gmac-siv.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_aes_gmac_siv.json');

for (const [i, c] of v.cases.entries()) {
  const k0 = hexToBytes(c.k0);
  const k1 = hexToBytes(c.k1);
  const iv8 = hexToBytes(c.iv8);
  const aad11 = hexToBytes(c.aad11);
  const plaintext = hexToBytes(c.plaintext);
  const name = `aes-gmac-siv vector ${i} (${plaintext.length}-byte plaintext)`;

  test(`${name}: every intermediate`, () => {
    const siv = new AesGmacSiv(k0, k1);
    assert.equal(bytesToHex(concatBytes(iv8, new Uint8Array(4))), c.gmacIv12);
    const gmacInput = concatBytes(aad11, new Uint8Array(5), plaintext);
    assert.equal(bytesToHex(gmacInput), c.gmacInput);
    const g = siv.gmac(iv8, 0, gmacInput);
    assert.equal(bytesToHex(g), c.gmacTag16);
    const folded = new Uint8Array(8);
    for (let j = 0; j < 8; j++) folded[j] = g[j] ^ g[8 + j];
    assert.equal(bytesToHex(folded), c.foldedMac8);
    const preTag = concatBytes(iv8, folded);
    assert.equal(bytesToHex(preTag), c.preTagBlock16);
    const tag = siv.encryptBlock(preTag);
    assert.equal(bytesToHex(tag), c.tag16);
    assert.equal(bytesToHex(siv.decryptBlock(tag)), c.preTagBlock16);
    assert.equal(bytesToHex(ctrIvFromTag(tag)), c.ctrIv16);
    // CTR as Node's own aes-256-ctr computes it from the vector's counter block.
    const ctr = createCipheriv('aes-256-ctr', k1, hexToBytes(c.ctrIv16));
    assert.equal(bytesToHex(ctr.update(plaintext)), c.ciphertext);
  });

  test(`${name}: encrypt gives tag and ciphertext`, () => {
    const { tag, ciphertext } = new AesGmacSiv(k0, k1).encrypt(iv8, aad11, plaintext);
    assert.equal(bytesToHex(tag), c.tag16);
    assert.equal(bytesToHex(ciphertext), c.ciphertext);
  });

  test(`${name}: decrypt verifies (${c.decryptsAndVerifies}) and restores the plaintext`, () => {
    const siv = new AesGmacSiv(k0, k1);
    const out = siv.decrypt(hexToBytes(c.tag16), aad11, hexToBytes(c.ciphertext));
    assert.equal(out !== undefined, c.decryptsAndVerifies);
    assert.equal(bytesToHex(out!), c.plaintext);
    const badAad = aad11.slice();
    badAad[10] ^= 1;
    assert.equal(siv.decrypt(hexToBytes(c.tag16), badAad, hexToBytes(c.ciphertext)), undefined);
  });
}

test('aes-gmac-siv property: decrypt(encrypt(x)) == x, any flipped bit fails, failures leave dst alone', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.uint8Array({ minLength: 11, maxLength: 11 }),
      fc.uint8Array({ maxLength: 2000 }),
      fc.nat(),
      (k0, k1, iv8, aad, pt, flip) => {
        const siv = new AesGmacSiv(k0, k1);
        const { tag, ciphertext } = siv.encrypt(iv8, aad, pt);
        assert.deepEqual(siv.decrypt(tag, aad, ciphertext), pt);
        // Flip one bit anywhere in tag || aad || ciphertext.
        const all = concatBytes(tag, aad, ciphertext);
        const bit = flip % (all.length * 8);
        all[bit >> 3] ^= 1 << (bit & 7);
        const dst = new Uint8Array(ciphertext.length).fill(0xa5);
        const ok = siv.decryptInto(all, 0, all, 16, all, 27, ciphertext.length, dst, 0);
        assert.equal(ok, false);
        assert.ok(dst.every((x) => x === 0xa5));
      },
    ),
    { numRuns: 200 },
  );
});

test('aes-gmac-siv: in-place encryptInto/decryptInto with offsets matches the allocating forms', () => {
  const siv = new AesGmacSiv(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
  const buf = new Uint8Array(100);
  for (let i = 0; i < buf.length; i++) buf[i] = i * 7;
  const iv8 = buf.slice(0, 8);
  const aad = buf.slice(8, 19);
  const pt = buf.slice(27);
  const expect = siv.encrypt(iv8, aad, pt);
  const tag = new Uint8Array(16);
  siv.encryptInto(buf, 0, buf, 8, buf, 27, pt.length, buf, 27, tag, 0);
  assert.deepEqual(tag, expect.tag);
  assert.deepEqual(buf.subarray(27), expect.ciphertext);
  assert.equal(siv.decryptInto(tag, 0, buf, 8, buf, 27, pt.length, buf, 27), true);
  assert.deepEqual(buf.subarray(27), pt);
});

test('aes-gmac-siv: large messages grow the scratch buffers', () => {
  const siv = new AesGmacSiv(new Uint8Array(32), new Uint8Array(32).fill(9));
  const pt = new Uint8Array(30000).map((_, i) => i & 0xff);
  const { tag, ciphertext } = siv.encrypt(new Uint8Array(8), new Uint8Array(11), pt);
  const ctr = createCipheriv('aes-256-ctr', new Uint8Array(32).fill(9), ctrIvFromTag(tag));
  assert.deepEqual(new Uint8Array(ctr.update(pt)), ciphertext);
  assert.deepEqual(siv.decrypt(tag, new Uint8Array(11), ciphertext), pt);
});

test('aes-gmac-siv: rejects wrong key, IV, AAD and tag sizes', () => {
  assert.throws(() => new AesGmacSiv(new Uint8Array(16), new Uint8Array(32)), RangeError);
  const siv = new AesGmacSiv(new Uint8Array(32), new Uint8Array(32));
  assert.throws(() => siv.encrypt(new Uint8Array(7), new Uint8Array(11), new Uint8Array(1)), RangeError);
  assert.throws(() => siv.decrypt(new Uint8Array(15), new Uint8Array(11), new Uint8Array(1)), RangeError);
});
