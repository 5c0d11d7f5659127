/** Credentials under hostile input, and properties of every codec and of sign/verify. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex } from '../../src/core/vl1/bytes.js';
import { BufferWriter } from '../../src/core/vl1/buffer-reader.js';
import { Identity } from '../../src/core/vl1/identity.js';
import {
  createCapability,
  createCom,
  createCoo,
  createRevocation,
  createTag,
  decodeCapability,
  decodeCom,
  decodeCoo,
  decodeRevocation,
  decodeTag,
  encodeCapability,
  encodeCom,
  encodeCoo,
  encodeRevocation,
  encodeTag,
  signCapability,
  signCom,
  signCoo,
  signRevocation,
  signTag,
  verifyCapability,
  verifyCom,
  verifyCoo,
  verifyRevocation,
  verifyTag,
  type VerifyResult,
} from '../../src/core/vl2/credentials/index.js';
import { decodeNetworkCredentials, readNetworkCredentials } from '../../src/core/vl2/network-credentials.js';
import type { Result } from '../../src/core/errors.js';
import { A, B, C, NWID, capabilityArb, comArb, cooArb, credentialVectors as v, hex, lookup, mustOk, revocationArb, tagArb } from './credential-fixtures.js';

type Decoder = (b: Uint8Array, o?: number) => Result<{ length: number }>;
const decoders: [string, Decoder, string][] = [
  ['COM', decodeCom, v.com.serialized],
  ['tag', decodeTag, v.tag.serialized],
  ['capability', decodeCapability, v.capabilityTwoHop.serialized],
  ['COO', decodeCoo, v.certificateOfOwnership.serialized],
  ['revocation', decodeRevocation, v.revocationCom.serialized],
];

// ---- Decoders never throw -------------------------------------------------------------------

for (const [name, decode, sample] of decoders) {
  test(`${name}: random bytes never throw (property)`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(8), (bytes, offset) => {
        const r = decode(bytes, offset);
        if (r.ok) assert.ok(offset + r.value.length <= bytes.length);
      }),
      { numRuns: 400 },
    );
  });

  test(`${name}: bit flips and cuts of a real credential never throw (property)`, () => {
    const real = hex(sample);
    fc.assert(
      fc.property(fc.array(fc.nat(real.length * 8 - 1), { maxLength: 4 }), fc.nat(real.length), (flips, cut) => {
        const b = real.slice(0, cut === 0 ? real.length : cut);
        for (const f of flips) if (f >> 3 < b.length) b[f >> 3] ^= 1 << (f & 7);
        const r = decode(b);
        if (r.ok) assert.ok(r.value.length <= b.length);
      }),
      { numRuns: 400 },
    );
  });

  test(`${name}: every truncation of a real credential fails as truncated`, () => {
    const real = hex(sample);
    for (let n = 0; n < real.length; n++) {
      const r = decode(real.subarray(0, n));
      assert.ok(!r.ok, `prefix ${n} decoded`);
      assert.equal(r.error.reason, 'truncated', `prefix ${n}: ${r.error.message}`);
    }
  });
}

test('NETWORK_CREDENTIALS: random bytes never throw, and the strict decode agrees with the reader (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const read = readNetworkCredentials(bytes);
      const strict = decodeNetworkCredentials(bytes);
      assert.equal(strict.ok, read.error === undefined);
    }),
    { numRuns: 500 },
  );
});

// ---- encode -> decode is the identity ---------------------------------------------------------

function roundTrip<T>(arb: fc.Arbitrary<T>, encode: (x: T) => Uint8Array, decode: (b: Uint8Array) => Result<{ length: number }>, pick: (v: never) => T): void {
  fc.assert(
    fc.property(arb, fc.uint8Array({ maxLength: 8 }), (x, trailing) => {
      const bytes = encode(x);
      const withTail = new Uint8Array(bytes.length + trailing.length);
      withTail.set(bytes);
      withTail.set(trailing, bytes.length);
      const r = decode(withTail);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.equal(r.value.length, bytes.length);
      assert.deepEqual(pick(r.value as never), x);
    }),
    { numRuns: 300 },
  );
}

test('COM: encode -> decode is the identity (property)', () => roundTrip(comArb, encodeCom, decodeCom, (v: { com: unknown }) => v.com as never));
test('tag: encode -> decode is the identity (property)', () => roundTrip(tagArb, encodeTag, decodeTag, (v: { tag: unknown }) => v.tag as never));
test('capability: encode -> decode is the identity (property)', () =>
  roundTrip(capabilityArb, encodeCapability, decodeCapability, (v: { capability: unknown }) => v.capability as never));
test('COO: encode -> decode is the identity (property)', () => roundTrip(cooArb, encodeCoo, decodeCoo, (v: { coo: unknown }) => v.coo as never));
test('revocation: encode -> decode is the identity (property)', () =>
  roundTrip(revocationArb, encodeRevocation, decodeRevocation, (v: { revocation: unknown }) => v.revocation as never));

// ---- sign -> verify ---------------------------------------------------------------------------

/** Networks controlled by A: its address in the top 40 bits. */
const aNetwork = fc.integer({ min: 0, max: 0xffffff }).map((n) => (BigInt(A.address) << 24n) | BigInt(n));
const ts = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const member = fc.constantFrom(B.address, C.address);
const isValid = (r: VerifyResult): boolean => r.status === 'valid';

test('sign -> verify: every credential signed by its controller verifies; any flipped signature bit does not (property)', () => {
  fc.assert(
    fc.property(aNetwork, ts, u32, u32, member, fc.nat(95 * 8), (nwid, t, id, value, to, bit) => {
      const flip = (sig: Uint8Array): Uint8Array => {
        const s = sig.slice();
        s[bit >> 3] ^= 1 << (bit & 7);
        return s;
      };
      const com = signCom(createCom(t, 1000n, nwid, B), A);
      assert.ok(isValid(verifyCom(mustOk(decodeCom(encodeCom(com))).com, lookup)));
      assert.ok(!isValid(verifyCom({ ...com, signature: flip(com.signature) }, lookup)));

      const tag = signTag(createTag(nwid, t, to, id, value), A);
      assert.ok(isValid(verifyTag(mustOk(decodeTag(encodeTag(tag))).tag, lookup)));
      assert.ok(!isValid(verifyTag({ ...tag, signature: flip(tag.signature) }, lookup)));

      const cap = signCapability(createCapability(id, nwid, t, 2, [{ type: 'ACTION_ACCEPT', not: false, or: false }]), A, to)!;
      assert.ok(isValid(verifyCapability(mustOk(decodeCapability(encodeCapability(cap))).capability, lookup)));
      assert.ok(!isValid(verifyCapability({ ...cap, custody: [{ ...cap.custody[0], signature: flip(cap.custody[0].signature) }] }, lookup)));

      const coo = signCoo({ ...createCoo(nwid, t, to, id), things: [{ type: 2, value: new Uint8Array(16).fill(value & 0xff) }] }, A);
      assert.ok(isValid(verifyCoo(mustOk(decodeCoo(encodeCoo(coo))).coo, lookup)));
      assert.ok(!isValid(verifyCoo({ ...coo, signature: flip(coo.signature) }, lookup)));

      const rev = signRevocation(createRevocation({ id, networkId: nwid, credentialId: value, threshold: t, flags: 1n, target: to, type: 3 }), A);
      assert.ok(isValid(verifyRevocation(mustOk(decodeRevocation(encodeRevocation(rev))).revocation, lookup)));
      assert.ok(!isValid(verifyRevocation({ ...rev, signature: flip(rev.signature) }, lookup)));
    }),
    { numRuns: 40 },
  );
});

test('sign -> verify: changing any signed field breaks the signature (property)', () => {
  const tag = mustOk(decodeTag(hex(v.tag.serialized))).tag;
  const body = hex(v.tag.serialized);
  fc.assert(
    fc.property(fc.nat(33 * 8 - 1), (bit) => {
      // Bits of nwid, timestamp, id, value and issuedTo (signedBy changes are checked below).
      const b = body.slice();
      b[bit >> 3] ^= 1 << (bit & 7);
      const r = decodeTag(b);
      assert.ok(r.ok);
      assert.ok(!isValid(verifyTag(r.value.tag, lookup)));
    }),
    { numRuns: 100 },
  );
  assert.ok(isValid(verifyTag(tag, lookup)));
});

// ---- Forged and misattributed credentials ------------------------------------------------------

test('forged: a tag signed by a member but claiming the controller is invalid', () => {
  const real = mustOk(decodeTag(hex(v.tag.serialized))).tag;
  const byB = signTag(real, B);
  assert.equal(byB.signedBy, B.address);
  assert.deepEqual(verifyTag(byB, lookup), { status: 'invalid', reason: 'not signed by the network controller' });
  const claimsA = { ...byB, signedBy: A.address };
  assert.equal(verifyTag(claimsA, lookup).status, 'invalid');
});

test('forged: credentials for a network whose controller did not sign them are invalid', () => {
  const otherNet = (BigInt(B.address) << 24n) | 1n;
  assert.equal(verifyCom(signCom(createCom(1n, 1n, otherNet, C), A), lookup).status, 'invalid');
  assert.equal(verifyCoo(signCoo(createCoo(otherNet, 1n, C.address, 1), A), lookup).status, 'invalid');
  assert.equal(verifyRevocation(signRevocation(createRevocation({ id: 1, networkId: otherNet, credentialId: 0, threshold: 1n, flags: 0n, target: C.address, type: 1 }), A), lookup).status, 'invalid');
  assert.equal(verifyCapability(signCapability(createCapability(1, otherNet, 1n, 1, []), A, C.address)!, lookup).status, 'invalid');
  // Signed by the right controller for that network: valid.
  assert.equal(verifyCom(signCom(createCom(1n, 1n, otherNet, C), B), lookup).status, 'valid');
});

test('wrong signer: verifying against an identity other than the signer asks for the signer', () => {
  const tag = mustOk(decodeTag(hex(v.tag.serialized))).tag;
  assert.deepEqual(verifyTag(tag, B), { status: 'unknown-signer', signer: A.address });
  assert.deepEqual(verifyTag(tag, A.publicOnly()), { status: 'valid' });
  const cap = mustOk(decodeCapability(hex(v.capabilityTwoHop.serialized))).capability;
  // The first hop verifies with A, then B is needed.
  assert.deepEqual(verifyCapability(cap, A), { status: 'unknown-signer', signer: B.address });
  // An identity with the right address but another key fails.
  const impostor = new Identity(A.address, C.publicKey);
  assert.equal(verifyTag(tag, (a) => (a === A.address ? impostor : undefined)).status, 'invalid');
});

test('unsigned credentials never verify', () => {
  assert.equal(verifyCom(createCom(1n, 1n, NWID, B), lookup).status, 'invalid');
  assert.equal(verifyTag(createTag(NWID, 1n, B.address, 1, 1), lookup).status, 'invalid');
  assert.equal(verifyCapability(createCapability(1, NWID, 1n, 1, []), lookup).status, 'invalid');
  assert.equal(verifyCoo(createCoo(NWID, 1n, B.address, 1), lookup).status, 'invalid');
  assert.equal(verifyRevocation(createRevocation({ id: 1, networkId: NWID, credentialId: 0, threshold: 1n, flags: 0n, target: B.address, type: 1 }), lookup).status, 'invalid');
});

// ---- Malformed fields ---------------------------------------------------------------------

function patched(h: string, at: number, bytes: number[]): Uint8Array {
  const b = hex(h);
  b.set(bytes, at);
  return b;
}

test('COM: wrong format byte, decreasing ids, more than 8 qualifiers are rejected', () => {
  const reason = (b: Uint8Array) => {
    const r = decodeCom(b);
    return r.ok ? 'ok' : r.error.reason;
  };
  assert.equal(reason(patched(v.com.serialized, 0, [2])), 'bad_type');
  // Qualifier 1 (at 3 + 24) gets id 0 after qualifier 0... ids equal are fine, lower are not.
  assert.equal(reason(patched(v.com.serialized, 3 + 24, [0, 0, 0, 0, 0, 0, 0, 0])), 'ok');
  assert.equal(reason(patched(v.com.serialized, 3 + 48, [0, 0, 0, 0, 0, 0, 0, 1])), 'ok');
  assert.equal(reason(patched(v.com.serialized, 3 + 48, [0, 0, 0, 0, 0, 0, 0, 0])), 'bad_field');
  const nine = new BufferWriter();
  nine.u8(1).u16(9);
  for (let i = 0; i < 9; i++) nine.u64(BigInt(i)).u64(0n).u64(0n);
  nine.u40(0);
  assert.equal(reason(nine.toBytes()), 'oversized');
  assert.equal(reason(patched(v.com.serialized, 1, [0xff, 0xff])), 'bad_field');
  // No qualifiers and unsigned: a valid (empty) COM of 8 bytes.
  assert.deepEqual(mustOk(decodeCom(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0))).com.qualifiers, []);
});

test('capability: rule count over 64, chain length outside 1..7, a chain longer than its maximum are rejected', () => {
  const s = v.capability.serialized;
  const reason = (b: Uint8Array) => {
    const r = decodeCapability(b);
    return r.ok ? 'ok' : r.error.reason;
  };
  assert.equal(reason(patched(s, 20, [0, 65])), 'oversized');
  const mcclAt = 22 + 11;
  assert.equal(reason(patched(s, mcclAt, [0])), 'bad_field');
  assert.equal(reason(patched(s, mcclAt, [8])), 'bad_field');
  // The two-hop capability declared as one-hop: its second hop overflows the chain.
  assert.equal(reason(patched(v.capabilityTwoHop.serialized, mcclAt, [1])), 'oversized');
  // A rule count larger than the rules present reads into the chain: garbage, never a crash.
  const r = decodeCapability(patched(s, 20, [0, 64]));
  assert.ok(!r.ok || r.value.capability.rules.length <= 64);
});

test('signature field: type 1 must be 96 bytes; other types are skipped and leave a signature that never verifies', () => {
  const tagBytes = hex(v.tag.serialized);
  const sigAt = 8 + 8 + 4 + 4 + 5 + 5;
  const bad = tagBytes.slice();
  bad[sigAt + 2] = 95;
  const r = decodeTag(bad);
  assert.ok(!r.ok);
  assert.equal(r.error.reason, 'bad_signature');
  // Type 2 with a 3-byte body, then the extra-fields length.
  const w = new BufferWriter();
  w.bytes(tagBytes.subarray(0, sigAt)).u8(2).u16(3).bytes(Uint8Array.of(9, 9, 9)).u16(0);
  const skipped = mustOk(decodeTag(w.toBytes()));
  assert.equal(skipped.length, sigAt + 3 + 3 + 2);
  assert.deepEqual(skipped.tag.signature, new Uint8Array(96));
  assert.equal(verifyTag(skipped.tag, lookup).status, 'invalid');
});

test('extra fields are skipped by their length; a length past the end is truncated', () => {
  const tagBytes = hex(v.tag.serialized);
  const withExtra = new Uint8Array(tagBytes.length + 4);
  withExtra.set(tagBytes);
  withExtra.set([0, 4, 1, 2, 3, 4], tagBytes.length - 2);
  const r = mustOk(decodeTag(withExtra));
  assert.equal(r.length, withExtra.length);
  assert.equal(verifyTag(r.tag, lookup).status, 'valid');
  assert.equal(bytesToHex(encodeTag(r.tag)), v.tag.serialized);
  const over = tagBytes.slice();
  over[over.length - 1] = 1;
  const t = decodeTag(over);
  assert.ok(!t.ok);
  assert.equal(t.error.reason, 'truncated');
});

test('COO: more than 16 things consumes 16 like the reference and never verifies', () => {
  const real = mustOk(decodeCoo(hex(v.certificateOfOwnership.serialized))).coo;
  const build = (declared: number, present: number): Uint8Array => {
    const w = new BufferWriter();
    w.u64(real.networkId).u64(real.timestamp).u64(0n).u32(1).u16(declared);
    for (let i = 0; i < present; i++) w.u8(2).bytes(new Uint8Array(16).fill(i));
    w.u40(B.address).u40(A.address).u8(1).u16(96).bytes(new Uint8Array(96)).u16(0);
    return w.toBytes();
  };
  // Declares 17, holds 16: the fields after the 16th thing are read as the rest of the COO.
  const short = build(17, 16);
  const r = mustOk(decodeCoo(short));
  assert.equal(r.length, short.length);
  assert.equal(r.coo.things.length, 16);
  assert.equal(r.coo.wireThingCount, 17);
  assert.equal(r.coo.issuedTo, B.address);
  assert.equal(verifyCoo(r.coo, lookup).status, 'invalid');
  // Holding all 17: the 17th thing's bytes become issuedTo, signedBy and a signature type of
  // 0x10 whose length runs past the end.
  const full = decodeCoo(build(17, 17));
  assert.ok(!full.ok);
  assert.equal(full.error.reason, 'truncated');
  // A genuine controller signature does not make an over-full COO valid.
  const sixteen = signCoo({ ...real, things: Array.from({ length: 16 }, (_, i) => ({ type: 2, value: new Uint8Array(16).fill(i) })) }, A);
  assert.equal(verifyCoo(sixteen, lookup).status, 'valid');
  assert.equal(verifyCoo({ ...sixteen, wireThingCount: 17 }, lookup).status, 'invalid');
});

test('revocation: reserved words are ignored on receipt (and signed as zero)', () => {
  const b = hex(v.revocationCom.serialized);
  b.set([1, 2, 3, 4], 0);
  b.set([5, 6, 7, 8], 16);
  const r = mustOk(decodeRevocation(b));
  assert.equal(verifyRevocation(r.revocation, lookup).status, 'valid');
  assert.equal(bytesToHex(encodeRevocation(r.revocation)), v.revocationCom.serialized);
});
