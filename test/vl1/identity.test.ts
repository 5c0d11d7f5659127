import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Identity, memoryHardDigest } from '../../src/core/vl1/identity.js';
import { BufferReader } from '../../src/core/vl1/buffer-reader.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { ed25519PublicFromSeed, x25519PublicFromPrivate } from '../../src/core/vl1/c25519.js';
import { DecodeError } from '../../src/core/errors.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_identities.json');

function parse(text: string): Identity {
  const r = Identity.fromString(text);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

for (const c of v.identities) {
  test(`identity ${c.name}: public and secret strings parse and print back`, () => {
    const pub = parse(c.public);
    const sec = parse(c.secret);
    assert.equal(pub.toString(), c.public);
    assert.equal(sec.toString(true), c.secret);
    assert.equal(sec.toString(), c.public);
    assert.equal(sec.toString(false), c.public);
    assert.equal(pub.toString(true), c.public, 'no private key to print');
    assert.equal(pub.address.toString(16).padStart(10, '0'), c.address);
    assert.equal(pub.hasPrivate(), false);
    assert.equal(sec.hasPrivate(), true);
    assert.ok(pub.equals(sec) && sec.equals(pub));
    assert.equal(sec.publicOnly().toString(true), c.public);
  });

  test(`identity ${c.name}: key halves`, () => {
    const sec = parse(c.secret);
    assert.equal(bytesToHex(sec.publicKey), c.publicKey);
    assert.equal(bytesToHex(sec.publicKey.subarray(0, 32)), c.publicKeyX25519);
    assert.equal(bytesToHex(sec.publicKey.subarray(32)), c.publicKeyEd25519);
    assert.equal(bytesToHex(sec.privateKey!), c.privateKey);
    assert.equal(bytesToHex(sec.privateKey!.subarray(0, 32)), c.privateKeyX25519);
    assert.equal(bytesToHex(sec.privateKey!.subarray(32)), c.privateKeyEd25519Seed);
    // node:crypto derives the same public halves from the private halves
    assert.equal(bytesToHex(x25519PublicFromPrivate(hexToBytes(c.privateKeyX25519))), c.publicKeyX25519);
    assert.equal(bytesToHex(ed25519PublicFromSeed(hexToBytes(c.privateKeyEd25519Seed))), c.publicKeyEd25519);
  });

  test(`identity ${c.name}: binary forms`, () => {
    const sec = parse(c.secret);
    assert.equal(bytesToHex(sec.serialize()), c.serializedPublic);
    assert.equal(bytesToHex(sec.serialize(true)), c.serializedWithPrivate);
    assert.equal(bytesToHex(sec.publicOnly().serialize(true)), c.serializedPublic);
    const p = Identity.deserialize(hexToBytes(c.serializedPublic));
    assert.ok(p.ok);
    assert.equal(p.value.length, 71);
    assert.equal(p.value.identity.toString(true), c.public);
    const s = Identity.deserialize(hexToBytes(`ffff${c.serializedWithPrivate}ee`), 2);
    assert.ok(s.ok);
    assert.equal(s.value.length, 135);
    assert.equal(s.value.identity.toString(true), c.secret);
  });

  test(`identity ${c.name}: memory-hard digest and validity`, () => {
    assert.equal(bytesToHex(memoryHardDigest(hexToBytes(c.publicKey))), c.memoryHardDigest);
    assert.equal(parse(c.secret).locallyValidate(), c.locallyValidate);
  });
}

for (const [i, c] of v.invalid.entries()) {
  test(`invalid identity ${i}: ${c.why}`, () => {
    const r = Identity.fromString(c.public);
    assert.equal(r.ok, c.parses);
    if (r.ok) assert.equal(r.value.locallyValidate(), c.locallyValidate);
    else assert.ok(r.error instanceof DecodeError);
  });
}

const alice = v.identities[0];

test('identity strings: tokenizer quirks and strictness', () => {
  // empty fields are skipped, surrounding whitespace (a file's newline) is ignored, hex case is free
  assert.ok(Identity.fromString(alice.public.replace(':0:', '::0:')).ok);
  assert.ok(Identity.fromString(`${alice.secret}\n`).ok);
  assert.equal(parse(alice.public.toUpperCase()).toString(), alice.public);
  const bad = [
    '',
    'c7f7b1cbd9',
    'c7f7b1cbd9:0',
    `0000000000:0:${alice.publicKey}`,
    `c7f7b1cbd:0:${alice.publicKey}`,
    `c7f7b1cbd9:00:${alice.publicKey}`,
    `c7f7b1cbd9:0:${alice.publicKey.slice(2)}`,
    `c7f7b1cbd9:0:${alice.publicKey}00`,
    `c7f7b1cbd9:0:${alice.publicKey.replace('0', 'g')}`,
    `c7f7b1cbd9:0:${alice.publicKey}:${alice.privateKey.slice(1)}`,
    `${alice.secret}:00`,
  ];
  for (const b of bad) assert.equal(Identity.fromString(b).ok, false, b);
});

test('identity binary: truncated, wrong type, wrong private length', () => {
  const full = hexToBytes(alice.serializedWithPrivate);
  for (let n = 0; n < full.length; n++) {
    if (n === 71) continue; // a public identity
    const r = Identity.deserialize(full.subarray(0, n));
    assert.equal(r.ok, false, `length ${n}`);
    if (!r.ok) assert.equal(r.error.reason, 'truncated');
  }
  const typed = full.slice();
  typed[5] = 1;
  const t = Identity.deserialize(typed);
  assert.ok(!t.ok && t.error.reason === 'bad_identity');
  const lengthed = full.slice();
  lengthed[70] = 32;
  const l = Identity.deserialize(lengthed);
  assert.ok(!l.ok && l.error.reason === 'bad_identity');
  assert.throws(() => Identity.read(new BufferReader(full.subarray(0, 20))), DecodeError);
});

test('identity validation: a mismatched private key fails, reserved addresses fail', () => {
  const bob = v.identities[1];
  const mixed = parse(`${alice.public}:${bob.privateKey}`);
  assert.equal(mixed.locallyValidate(), false);
  assert.equal(mixed.publicOnly().locallyValidate(), true);
  const reserved = new Identity(0xff12345678, hexToBytes(alice.publicKey));
  assert.equal(reserved.locallyValidate(), false);
});

test('identity generate: valid, deterministic given the random source', () => {
  let seed = 7;
  const rng = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  const a = Identity.generate(rng);
  seed = 7;
  const b = Identity.generate(rng);
  assert.equal(a.toString(true), b.toString(true));
  assert.ok(a.hasPrivate());
  const reparsed = parse(a.toString(true));
  assert.equal(reparsed.locallyValidate(), true);
  const digest = memoryHardDigest(a.publicKey);
  assert.ok(digest[0] < 17);
  assert.equal(bytesToHex(digest.subarray(59)), a.toString().slice(0, 10));
});

test('identity properties: any 64-byte keys round-trip through text and binary', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 0xfeffffffff }),
      fc.uint8Array({ minLength: 64, maxLength: 64 }),
      fc.option(fc.uint8Array({ minLength: 64, maxLength: 64 }), { nil: undefined }),
      (address, pub, priv) => {
        const id = new Identity(address, pub, priv);
        const s = Identity.fromString(id.toString(true));
        assert.ok(s.ok);
        assert.equal(s.value.toString(true), id.toString(true));
        const d = Identity.deserialize(id.serialize(true));
        assert.ok(d.ok);
        assert.equal(d.value.length, priv ? 135 : 71);
        assert.ok(d.value.identity.equals(id));
        assert.equal(d.value.identity.toString(true), id.toString(true));
      },
    ),
    { numRuns: 200 },
  );
});

test('identity properties: deserialize and fromString never throw on garbage', () => {
  const good = hexToBytes(alice.serializedWithPrivate);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 160 }), fc.nat(200), (bytes, offset) => {
      const r = Identity.deserialize(bytes, offset);
      if (r.ok) assert.ok(r.value.length === 71 || r.value.length === 135);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, x) => {
      const b = good.slice();
      b[i] ^= x;
      Identity.deserialize(b);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      Identity.fromString(s);
      Identity.fromString(`${alice.public.slice(0, 20)}${s}`);
    }),
    { numRuns: 300 },
  );
});
