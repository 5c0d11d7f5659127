import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { armor, cipherSuiteOf, cryptField, dearmor, setTrusted, trustedPathIdOf } from '../../src/core/vl1/armor.js';
import type { ArmorCipherSuite } from '../../src/core/vl1/armor.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const packets = loadVectors('vl1_packets.json');
const fragmentation = loadVectors('vl1_fragmentation.json');
const verbs = loadVectors('vl1_verbs.json');
const hello = loadVectors('vl1_hello.json');
const agreement = loadVectors('vl1_key_agreement.json');

const keys = new Map<string, PeerKey>();
function keyFor(key48hex: string): PeerKey {
  let k = keys.get(key48hex);
  if (!k) keys.set(key48hex, (k = new PeerKey(hexToBytes(key48hex))));
  return k;
}

/** key48 of two addresses, from vl1_key_agreement.json (the key is the same both ways). */
function key48Between(a: string, b: string): string {
  for (const c of agreement.cases) {
    const x = c.aSecret.slice(0, 10);
    const y = c.bSecret.slice(0, 10);
    if ((x === a && y === b) || (x === b && y === a)) return c.key48;
  }
  throw new Error(`no key agreement vector for ${a} and ${b}`);
}

const hex = (b: Uint8Array, from = 0, to = b.length): string => bytesToHex(b.subarray(from, to));

/** Dearmor succeeded and left the plaintext's addresses, flags-free header and payload. */
function assertDearmorsTo(armored: Uint8Array, key: PeerKey, plain: Uint8Array): void {
  assert.equal(dearmor(armored, key), undefined);
  assert.equal(hex(armored, 8, 18), hex(plain, 8, 18), 'addresses');
  assert.equal(hex(armored, 27), hex(plain, 27), 'payload');
}

// ---- vl1_packets.json: armored cases ---------------------------------------------------------

for (const c of packets.cases) {
  const key = keyFor(c.key48);
  test(`packets ${c.name}: armor reproduces the reference bytes and packet ID`, () => {
    const p = hexToBytes(c.plain);
    armor(p, key, c.cipherSuite);
    assert.equal(bytesToHex(p), c.armored);
    assert.equal(hex(p, 0, 8), c.packetIdOnWire);
    assert.equal(cipherSuiteOf(p), c.cipherSuite);
  });
  test(`packets ${c.name}: dearmor gives the reference buffer`, () => {
    const p = hexToBytes(c.armored);
    assert.equal(dearmor(p, key) === undefined, c.dearmorOk);
    assert.equal(bytesToHex(p), c.dearmored);
    assert.equal(hex(p, 27) === hex(hexToBytes(c.plain), 27), c.payloadMatchesAfterDearmor);
  });
  test(`packets ${c.name}: hops 2 still authenticates (${c.dearmorOkWithHops2})`, () => {
    const p = hexToBytes(c.armoredWithHops2);
    const expected = hexToBytes(c.armored);
    expected[18] = (expected[18] & 0xf8) | 2;
    assert.equal(bytesToHex(p), bytesToHex(expected));
    assert.equal(dearmor(p, key) === undefined, c.dearmorOkWithHops2);
    assert.equal(hex(p, 27), hex(hexToBytes(c.plain), 27));
  });
  test(`packets ${c.name}: tampering the last byte fails (${c.dearmorOkAfterTamperingLastByte}) and leaves the packet as received`, () => {
    const p = hexToBytes(c.armored);
    p[p.length - 1] ^= 0x01;
    const before = bytesToHex(p);
    assert.equal(dearmor(p, key) === undefined, c.dearmorOkAfterTamperingLastByte);
    assert.equal(dearmor(p, key), 'bad_mac');
    assert.equal(bytesToHex(p), before);
  });
}

// ---- vl1_packets.json: compression (armor of the compressed plaintext only) -----------------

for (const [i, c] of packets.compression.entries()) {
  if (c.armoredSuite1 !== undefined) {
    const key = keyFor(c.key48);
    test(`packets compression ${i}: armoring the compressed packet with suite 1 and 3 gives the reference`, () => {
      const p1 = hexToBytes(c.compressed);
      armor(p1, key, 1);
      assert.equal(bytesToHex(p1), c.armoredSuite1);
      // Suite 3 starts from the same plaintext (same IV); the tag replaces bytes 0..7.
      const p3 = hexToBytes(c.compressed);
      armor(p3, key, 3);
      assert.equal(bytesToHex(p3), c.armoredSuite3);
      for (const armored of [c.armoredSuite1, c.armoredSuite3]) {
        const back = hexToBytes(armored);
        assertDearmorsTo(back, key, hexToBytes(c.compressed));
        assert.equal(back[27] & 0x80, 0x80, 'compressed flag in the verb byte survives');
      }
    });
  } else {
    test(`packets compression ${i}: the uncompressible packet round-trips through every suite`, () => {
      assert.equal(c.compressed, false);
      const key = keyFor(packets.cases[0].key48);
      for (const suite of [0, 1, 3] as const) {
        const p = hexToBytes(c.packet);
        armor(p, key, suite);
        assertDearmorsTo(p, key, hexToBytes(c.packet));
      }
    });
  }
}

// ---- vl1_packets.json: cryptField and trusted path -------------------------------------------

for (const [i, c] of packets.cryptField.entries()) {
  test(`packets cryptField ${i}: start 40, length 28, nonce with byte 7 masked`, () => {
    const key = keyFor(c.key48);
    const p = hexToBytes(c.before);
    const nonce = p.slice(0, 8);
    nonce[7] &= 0xf8;
    assert.equal(bytesToHex(nonce), c.nonce);
    cryptField(key, p, 40, 28);
    assert.equal(bytesToHex(p), c.after);
    cryptField(key, p, 40, 28);
    assert.equal(bytesToHex(p), c.before);
  });
}

for (const [i, c] of packets.trustedPath.entries()) {
  test(`packets trustedPath ${i}: setTrusted writes suite 2 and the ID; dearmor refuses suite 2`, () => {
    const p = hexToBytes(c.before);
    setTrusted(p, 0x0102030405060708n);
    assert.equal(bytesToHex(p), c.after);
    assert.equal(cipherSuiteOf(p), 2);
    assert.equal(trustedPathIdOf(p), 0x0102030405060708n);
    assert.equal(dearmor(p, keyFor(packets.cases[0].key48)), 'bad_cipher_suite');
  });
}

// ---- vl1_fragmentation.json: the whole armored packet --------------------------------------

for (const [i, c] of fragmentation.cases.entries()) {
  const key = keyFor(c.key48);
  test(`fragmentation ${i} (suite ${c.cipherSuite}): armor(plainBeforeArmor) == armoredWhole and back`, () => {
    const p = hexToBytes(c.plainBeforeArmor);
    assert.equal(p[18] & 0x40, 0x40, 'fragmented flag set before armor');
    armor(p, key, Number(c.cipherSuite) as ArmorCipherSuite);
    assert.equal(bytesToHex(p), c.armoredWhole);
    const back = hexToBytes(c.armoredWhole);
    assert.equal(c.dearmorOfWholeOk, true);
    assertDearmorsTo(back, key, hexToBytes(c.plainBeforeArmor));
    assert.equal(back[18] & 0x40, 0x40);
  });
}

// ---- vl1_verbs.json: suite 3 ------------------------------------------------------------------

for (const c of verbs.cases) {
  const key = keyFor(key48Between(c.from, c.to));
  test(`verbs ${c.name}: armoredSuite3 dearmors to plain and armor(plain) reproduces it`, () => {
    const back = hexToBytes(c.armoredSuite3);
    assertDearmorsTo(back, key, hexToBytes(c.plain));
    assert.equal(hex(back, 28), c.payloadAfterVerb);
    const p = hexToBytes(c.plain);
    armor(p, key, 3);
    assert.equal(bytesToHex(p), c.armoredSuite3);
  });
}

// ---- vl1_hello.json: cryptField and armor ----------------------------------------------------

for (const [i, c] of hello.cases.entries()) {
  const key = keyFor(hello.key48);
  if (c.plainBeforeCryptField !== undefined) {
    test(`hello ${i} (HELLO, suite ${c.cipherSuite}): cryptField from ${c.encryptedPortionStart}, armor, dearmor`, () => {
      const p = hexToBytes(c.plainBeforeCryptField);
      const start = c.encryptedPortionStart;
      cryptField(key, p, start, p.length - start);
      assert.equal(bytesToHex(p), c.afterCryptField);
      assert.equal(hex(p, 0, start), hex(hexToBytes(c.plainBeforeCryptField), 0, start), 'only the tail changes');
      armor(p, key, c.cipherSuite);
      assert.equal(bytesToHex(p), c.armored);
      const back = hexToBytes(c.armored);
      assert.equal(dearmor(back, key) === undefined, c.dearmorOk);
      assert.equal(hex(back, 27), hex(hexToBytes(c.afterCryptField), 27));
      cryptField(key, back, start, back.length - start);
      assert.equal(hex(back, 27), hex(hexToBytes(c.plainBeforeCryptField), 27));
    });
  } else {
    test(`hello ${i} (OK(HELLO), suite ${c.cipherSuite}): armor(plain) == armored and back`, () => {
      const p = hexToBytes(c.plain);
      armor(p, key, c.cipherSuite);
      assert.equal(bytesToHex(p), c.armored);
      assertDearmorsTo(hexToBytes(c.armored), key, hexToBytes(c.plain));
    });
  }
}

// ---- properties -------------------------------------------------------------------------------

const suiteArb = fc.constantFrom<ArmorCipherSuite>(0, 1, 3);
const keyArb = fc.uint8Array({ minLength: 48, maxLength: 48 }).map((k) => new PeerKey(k));
const packetArb = fc
  .tuple(
    fc.uint8Array({ minLength: 27, maxLength: 27 }),
    fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.uint8Array({ minLength: 1, maxLength: 3000, size: 'max' })),
  )
  .map(([header, payload]) => {
    const p = new Uint8Array(27 + payload.length);
    p.set(header);
    p.set(payload, 27);
    return p;
  });

test('armor property: armor then dearmor round-trips for any payload, suite, flags and relay hops', () => {
  fc.assert(
    fc.property(keyArb, packetArb, suiteArb, fc.integer({ min: 0, max: 7 }), (key, plain, suite, hops) => {
      const p = plain.slice();
      armor(p, key, suite);
      assert.equal(cipherSuiteOf(p), suite);
      assert.equal(p[18] & 0x40, plain[18] & 0x40, 'fragmented flag kept');
      assert.equal(p[18] & 0x80, suite === 1 ? 0x80 : 0);
      if (suite !== 0) assert.notEqual(hex(p, 27), hex(plain, 27), 'payload encrypted');
      p[18] = (p[18] & 0xf8) | hops;
      assertDearmorsTo(p, key, plain);
      if (suite !== 3) assert.equal(hex(p, 0, 8), hex(plain, 0, 8), 'packet ID unchanged');
    }),
    { numRuns: 300 },
  );
});

test('armor property: a single flipped bit anywhere but the hop bits makes dearmor fail, leaving the bytes', () => {
  fc.assert(
    fc.property(keyArb, packetArb, suiteArb, fc.nat(), (key, plain, suite, n) => {
      const p = plain.slice();
      armor(p, key, suite);
      const bits = p.length * 8 - 3;
      let bit = n % bits;
      if (bit >= 18 * 8) bit += 3; // skip bits 0..2 of byte 18 (the hop count)
      p[bit >> 3] ^= 1 << (bit & 7);
      const tampered = bytesToHex(p);
      assert.notEqual(dearmor(p, key), undefined);
      assert.equal(bytesToHex(p), tampered);
    }),
    { numRuns: 500 },
  );
});

test('armor property: a packet under the wrong key never authenticates', () => {
  fc.assert(
    fc.property(keyArb, keyArb, packetArb, suiteArb, (k1, k2, plain, suite) => {
      fc.pre(bytesToHex(k1.key48) !== bytesToHex(k2.key48));
      const p = plain.slice();
      armor(p, k1, suite);
      assert.equal(dearmor(p, k2), 'bad_mac');
    }),
    { numRuns: 100 },
  );
});

test('dearmor property: random garbage never throws and never authenticates', () => {
  const key = keyFor(packets.cases[0].key48);
  const reasons = new Set(['truncated', 'oversized', 'bad_mac', 'bad_cipher_suite']);
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 3000, size: 'max' })), (garbage) => {
      const r = dearmor(garbage, key);
      assert.ok(r !== undefined && reasons.has(r), String(r));
    }),
    { numRuns: 1000 },
  );
});

test('dearmor: lengths, suites 2 and 4..7', () => {
  const key = keyFor(packets.cases[0].key48);
  for (let n = 0; n < 28; n++) assert.equal(dearmor(new Uint8Array(n), key), 'truncated');
  assert.equal(dearmor(new Uint8Array(10025), key), 'oversized');
  for (const suite of [2, 4, 5, 6, 7]) {
    const p = new Uint8Array(40);
    p[18] = suite << 3;
    assert.equal(dearmor(p, key), 'bad_cipher_suite');
  }
  // The smallest packet (verb byte only) works in every suite.
  for (const suite of [0, 1, 3] as const) {
    const p = new Uint8Array(28);
    p[27] = 0x08;
    armor(p, key, suite);
    assert.equal(dearmor(p, key), undefined);
    assert.equal(p[27], 0x08);
  }
});

test('armor, cryptField, setTrusted: invalid arguments are RangeErrors', () => {
  const key = keyFor(packets.cases[0].key48);
  assert.throws(() => armor(new Uint8Array(27), key, 1), RangeError);
  assert.throws(() => armor(new Uint8Array(10025), key, 3), RangeError);
  assert.throws(() => armor(new Uint8Array(40), key, 2 as ArmorCipherSuite), RangeError);
  assert.throws(() => cryptField(key, new Uint8Array(40), 30, 11), RangeError);
  assert.throws(() => cryptField(key, new Uint8Array(40), -1, 2), RangeError);
  assert.throws(() => setTrusted(new Uint8Array(27), 1n), RangeError);
  assert.throws(() => trustedPathIdOf(new Uint8Array(27)), RangeError);
});

test('setTrusted keeps the fragmented flag and hops, clears the encrypted flag', () => {
  const p = new Uint8Array(30);
  p[18] = 0x80 | 0x40 | 0x08 | 0x03;
  setTrusted(p, 0xfedcba9876543210n);
  assert.equal(p[18], 0x40 | 0x10 | 0x03);
  assert.equal(trustedPathIdOf(p), 0xfedcba9876543210n);
});
