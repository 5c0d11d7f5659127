/**
 * Peer key derivation from key48 (spec 3.6/3.7). Computing key48 itself (X25519 + SHA-512) is
 * the identity module's job; here each case starts from the given key48.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { AesGmacSiv } from '../../src/core/vl1/aes-gmac-siv.js';
import { kbkdfHmacSha384 } from '../../src/core/vl1/hash.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_key_agreement.json');

for (const c of v.cases) {
  test(`key derivation ${c.a} <-> ${c.b}: KBKDF outputs, K0/K1, Salsa/Poly key, PeerKey`, () => {
    const key48 = hexToBytes(c.key48);
    const k0 = kbkdfHmacSha384(key48, 0x30);
    const k1 = kbkdfHmacSha384(key48, 0x31);
    assert.equal(bytesToHex(k0), c.kbkdfLabel0Output48);
    assert.equal(bytesToHex(k1), c.kbkdfLabel1Output48);
    assert.equal(bytesToHex(k0.subarray(0, 32)), c.aesGmacSivK0);
    assert.equal(bytesToHex(k1.subarray(0, 32)), c.aesGmacSivK1);

    const pk = new PeerKey(key48);
    assert.equal(bytesToHex(pk.key48), c.key48);
    assert.equal(bytesToHex(pk.salsaKey), c.salsaPolyKey32);
    // The PeerKey's AES context must be the one built from the vector's K0/K1.
    const expected = new AesGmacSiv(hexToBytes(c.aesGmacSivK0), hexToBytes(c.aesGmacSivK1));
    const iv8 = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const aad = new Uint8Array(11).fill(0x42);
    const pt = new TextEncoder().encode('key derivation check, more than one AES block long');
    assert.deepEqual(pk.aes.encrypt(iv8, aad, pt), expected.encrypt(iv8, aad, pt));
  });
}

test('PeerKey copies its key and rejects keys that are not 48 bytes', () => {
  const key48 = new Uint8Array(48).fill(3);
  const pk = new PeerKey(key48);
  key48.fill(0);
  assert.equal(pk.key48[0], 3);
  assert.throws(() => new PeerKey(new Uint8Array(32)), RangeError);
});
