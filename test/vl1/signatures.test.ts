import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Identity } from '../../src/core/vl1/identity.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { c25519Generate, c25519Sign, c25519Verify } from '../../src/core/vl1/c25519.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_signatures.json');
const ids = loadVectors('vl1_identities.json');

function parse(text: string): Identity {
  const r = Identity.fromString(text);
  assert.ok(r.ok);
  return r.value;
}

const alice = parse(v.signerSecret);
const bob = parse(ids.identities.find((i: { name: string }) => i.name === 'bob').public);

function flipped(sig: Uint8Array, i: number): Uint8Array {
  const s = sig.slice();
  s[i] ^= 1;
  return s;
}

for (const [i, c] of v.cases.entries()) {
  test(`signature case ${i} (${c.message.length / 2}-byte message by ${c.signer})`, () => {
    const m = hexToBytes(c.message);
    assert.equal(createHash('sha512').update(m).digest('hex'), c.sha512OfMessage);
    const sig = alice.sign(m);
    assert.equal(bytesToHex(sig), c.signature);
    assert.equal(bytesToHex(c25519Sign(alice.privateKey!, m)), c.signature);
    const expected = hexToBytes(c.signature);
    assert.equal(alice.verify(m, expected), c.verifiesWithSigner);
    assert.equal(alice.publicOnly().verify(m, expected), c.verifiesWithSigner);
    assert.equal(c25519Verify(alice.publicKey, m, expected), c.verifiesWithSigner);
    assert.equal(bob.verify(m, expected), c.verifiesWithBob);
    assert.equal(alice.verify(m, flipped(expected, 5)), c.verifiesAfterFlippingByte5);
    assert.equal(alice.verify(m, flipped(expected, 70)), c.verifiesAfterFlippingByte70);
  });
}

test('signature: zerotier-idtool sign output', () => {
  assert.equal(bytesToHex(alice.sign(hexToBytes(v.idtool.message))), v.idtool.signature);
});

test('signature: the spec/cli.md signing vector ("hello world\\n")', () => {
  const id = parse(
    '66aee87c6b:0:2a44f7187293d25a64fad4251e2c5a51b23a1401f933aaab40b7ab61ab255a3eaa82139f93fd145f5ebdefaa3577a96dac879fa8ae82277cbdc5364c651a576f:6994a4a14b467ebcefe97101b5d02484572869594d39b89399f87db427ced9db8ae3e54c6c4298c5c4eede7dfdcf9f1b125c513396819c1d243a433f4f26c219',
  );
  const sig = id.sign(new TextEncoder().encode('hello world\n'));
  assert.equal(
    bytesToHex(sig),
    '53b60cee036f6e53fa4c7eaa0de5fe4801a45061c8fcc8dcdbfbca77a97fa6a7c13c2a227ad49f42067bf7b3d6308160535ababaf8c22606176eb1874ad9240edb3974a97f2407b7cae1ae637c0030687a11913274d578492558e39c16c017de',
  );
});

test('signature: wrong lengths, wrong messages and odd keys are rejected without throwing', () => {
  const m = hexToBytes(v.cases[1].message);
  const sig = hexToBytes(v.cases[1].signature);
  assert.equal(alice.verify(m, sig.subarray(0, 95)), false);
  assert.equal(alice.verify(m, new Uint8Array(97)), false);
  assert.equal(alice.verify(new Uint8Array(5), sig), false);
  assert.equal(c25519Verify(new Uint8Array(63), m, sig), false);
  assert.equal(c25519Verify(new Uint8Array(64).fill(0xff), m, sig), false);
  // a public-only identity cannot sign
  assert.throws(() => bob.sign(m));
});

test('signature: a malleated S (S + L) is rejected (the reference would accept it; spec 3.5)', () => {
  const m = hexToBytes(v.cases[1].message);
  const sig = hexToBytes(v.cases[1].signature);
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]);
  s += L;
  const mal = sig.slice();
  for (let i = 0; i < 32; i++) mal[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
  assert.equal(alice.verify(m, mal), false);
});

test('signature properties: raw key pairs sign and verify any message', () => {
  const kp = c25519Generate();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(95), (m, i) => {
      const sig = c25519Sign(kp.privateKey, m);
      assert.equal(sig.length, 96);
      assert.ok(c25519Verify(kp.publicKey, m, sig));
      assert.equal(c25519Verify(kp.publicKey, m, flipped(sig, i)), false);
    }),
    { numRuns: 100 },
  );
});
