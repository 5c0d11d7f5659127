import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Identity } from '../../src/core/vl1/identity.js';
import { bytesToHex } from '../../src/core/vl1/bytes.js';
import { c25519Agree, c25519Generate } from '../../src/core/vl1/c25519.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_key_agreement.json');

function parse(text: string): Identity {
  const r = Identity.fromString(text);
  assert.ok(r.ok);
  return r.value;
}

for (const [i, c] of v.cases.entries()) {
  test(`key agreement case ${i}: ${c.a} <-> ${c.b} key48 both ways`, () => {
    const a = parse(c.aSecret);
    const b = parse(c.bSecret);
    assert.equal(bytesToHex(a.agree(b.publicOnly())), c.key48);
    assert.equal(bytesToHex(b.agree(a.publicOnly())), c.key48);
    assert.equal(c.key48SameBothWays, true);
    assert.equal(bytesToHex(c25519Agree(a.privateKey!, b.publicKey)), c.key48);
    assert.equal(bytesToHex(c25519Agree(b.privateKey!, a.publicKey)), c.key48);
    assert.equal(c.key48.slice(0, 64), c.salsaPolyKey32);
  });
}

test('key agreement: raw key pairs agree; a low-order peer key does not throw', () => {
  const x = c25519Generate();
  const y = c25519Generate();
  assert.deepEqual(c25519Agree(x.privateKey, y.publicKey), c25519Agree(y.privateKey, x.publicKey));
  // X25519 with the zero point gives an all-zero secret; OpenSSL refuses it, we hash zeros like the reference
  const key = c25519Agree(x.privateKey, new Uint8Array(64));
  assert.equal(key.length, 48);
});

test('key agreement: needs a private key', () => {
  const a = parse(v.cases[0].aSecret);
  assert.throws(() => a.publicOnly().agree(a));
});
