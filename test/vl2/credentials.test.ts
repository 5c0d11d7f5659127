/** Every case of vl2-credentials.json: exact signed messages, signatures and wire bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bytesToHex, readU64 } from '../../src/core/vl1/bytes.js';
import { parseInetAddress } from '../../src/core/vl1/inet-address.js';
import { macFromAddress } from '../../src/core/vl2/mac.js';
import {
  capabilityIssuedTo,
  capabilitySignedMessage,
  comAgreesWith,
  comIssuedTo,
  comNetworkId,
  comSignedMessage,
  comTimestamp,
  cooOwnsIp,
  cooOwnsMac,
  cooSignedMessage,
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
  identityHashQualifiers,
  isFastPropagate,
  revocationSignedMessage,
  signCapability,
  signCom,
  signCoo,
  signRevocation,
  signTag,
  tagSignedMessage,
  verifyCapability,
  verifyCom,
  verifyCoo,
  verifyRevocation,
  verifyTag,
  type Capability,
  type CertificateOfOwnership,
  type VerifyResult,
} from '../../src/core/vl2/credentials/index.js';
import { A, B, C, NOW, NWID, byAddressHex, credentialVectors as v, hex, lookup, mustOk } from './credential-fixtures.js';
import { ruleFromVector, ruleToVector, type VectorRule } from './rule-vectors.js';

/** The reference's verify() codes: 0 valid, -1 invalid, 1 signer unknown. */
function code(r: VerifyResult): number {
  return r.status === 'valid' ? 0 : r.status === 'invalid' ? -1 : 1;
}

const addr = (h: string): number => parseInt(h, 16);

// ---- Identities ------------------------------------------------------------------------------

test('vl2-credentials identities: A, B, C parse with their secrets and validate', () => {
  for (const [name, id] of [['A_controller', A], ['B_member', B], ['C_member', C]] as const) {
    assert.equal(id.toString(), v.identities[name].public, name);
    assert.equal(id.toString(true), v.identities[name].secret, name);
    assert.ok(id.locallyValidate(), name);
  }
});

test('vl2-credentials B_publicKeyHash: SHA-384(address ‖ public key) gives COM qualifiers 3..6', () => {
  const input = hex(v.B_publicKeyHash.sha384Input);
  assert.equal(bytesToHex(input), B.toString().replace(/:/g, '').replace(/^(\w{10})0/, '$1'));
  const digest = createHash('sha384').update(input).digest();
  assert.equal(digest.toString('hex'), v.B_publicKeyHash.sha384);
  assert.deepEqual(identityHashQualifiers(B), [0, 8, 16, 24].map((o) => readU64(digest, o)));
});

// ---- COM ---------------------------------------------------------------------------------------

const comV = v.com;
const ourCom = mustOk(decodeCom(hex(comV.serialized))).com;

test('vl2-credentials com: the constructor gives the reference qualifiers', () => {
  const k = comV.constructor;
  const com = createCom(BigInt(k.timestamp), BigInt(k.timestampMaxDelta), BigInt('0x' + k.nwid), byAddressHex(k.issuedTo));
  assert.deepEqual(
    com.qualifiers.map((q) => ({ id: q.id.toString(16).padStart(16, '0'), value: q.value.toString(16).padStart(16, '0'), maxDelta: q.maxDelta.toString(16).padStart(16, '0') })),
    comV.qualifiers,
  );
  assert.equal(com.signedBy, 0);
  assert.equal(bytesToHex(comSignedMessage(com)), comV.signedMessage);
});

test('vl2-credentials com: signing with A gives the exact signature and serialization', () => {
  const k = comV.constructor;
  const signed = signCom(createCom(BigInt(k.timestamp), BigInt(k.timestampMaxDelta), NWID, B), A);
  assert.equal(signed.signedBy, addr(comV.signedBy));
  assert.equal(bytesToHex(signed.signature), comV.signature);
  assert.equal(bytesToHex(signed.signature.subarray(64)), comV.sha512OfSignedMessage.slice(0, 64));
  assert.equal(createHash('sha512').update(hex(comV.signedMessage)).digest('hex'), comV.sha512OfSignedMessage);
  assert.equal(bytesToHex(encodeCom(signed)), comV.serialized);
});

test('vl2-credentials com: decodes, re-encodes identically, verifies (0); tampered timestamp fails (-1)', () => {
  const d = mustOk(decodeCom(hex(comV.serialized)));
  assert.equal(d.length, comV.serialized.length / 2);
  assert.equal(bytesToHex(encodeCom(d.com)), comV.serialized);
  assert.equal(comTimestamp(d.com), BigInt(NOW));
  assert.equal(comNetworkId(d.com), NWID);
  assert.equal(comIssuedTo(d.com), B.address);
  assert.equal(code(verifyCom(d.com, lookup)), comV.verify);
  assert.equal(code(verifyCom(d.com, A)), comV.verify);
  const tampered = { ...d.com, qualifiers: d.com.qualifiers.map((q) => (q.id === 0n ? { ...q, value: q.value + 1n } : q)) };
  assert.equal(code(verifyCom(tampered, lookup)), comV.verifyTamperedTimestamp);
});

test('vl2-credentials com: signer unknown is 1 (defer for WHOIS)', () => {
  const r = verifyCom(ourCom, () => undefined);
  assert.equal(code(r), 1);
  assert.deepEqual(r, { status: 'unknown-signer', signer: A.address });
});

for (const [i, c] of v.comAgreement.entries()) {
  test(`vl2-credentials comAgreement #${i}: ${c.case} -> ${c.agrees}`, () => {
    assert.equal(c.mine, 'B COM ts=now');
    const theirs = mustOk(decodeCom(hex(c.theirsSerialized))).com;
    assert.equal(bytesToHex(encodeCom(theirs)), c.theirsSerialized);
    assert.equal(comAgreesWith(ourCom, theirs, byAddressHex(c.theirIdentity)), c.agrees);
    // Every case is a genuine COM signed by A (which also controls ...0002): agreement is not
    // about signatures.
    assert.equal(code(verifyCom(theirs, lookup)), 0);
  });
}

// ---- Tag ---------------------------------------------------------------------------------------

const tagV = v.tag;

test('vl2-credentials tag: signed message, signature and serialization', () => {
  const unsigned = createTag(BigInt('0x' + tagV.nwid), BigInt(tagV.timestamp), addr(tagV.issuedTo), tagV.id, tagV.value);
  const tag = signTag(unsigned, A);
  assert.equal(tag.signedBy, addr(tagV.signedBy));
  assert.equal(bytesToHex(tagSignedMessage(tag)), tagV.signedMessage);
  assert.equal(bytesToHex(tag.signature), tagV.signature);
  assert.equal(bytesToHex(encodeTag(tag)), tagV.serialized);
});

test('vl2-credentials tag: decodes (length 135), re-encodes identically, verifies (0)', () => {
  const d = mustOk(decodeTag(hex(tagV.serialized)));
  assert.equal(d.length, tagV.deserializedLength);
  assert.equal(bytesToHex(encodeTag(d.tag)) === tagV.serialized, tagV.deserializedReserializesIdentically);
  assert.deepEqual({ id: d.tag.id, value: d.tag.value, issuedTo: d.tag.issuedTo, ts: d.tag.timestamp }, { id: tagV.id, value: tagV.value, issuedTo: B.address, ts: BigInt(tagV.timestamp) });
  assert.equal(code(verifyTag(d.tag, lookup)), tagV.verify);
  assert.equal(code(verifyTag({ ...d.tag, value: d.tag.value + 1 }, lookup)), -1);
});

// ---- Capability --------------------------------------------------------------------------------

function capabilityFromVector(cv: typeof v.capability): Capability {
  return createCapability(cv.id, BigInt('0x' + cv.nwid), BigInt(cv.timestamp), cv.maxCustodyChainLength, cv.rules.map((r: VectorRule) => ruleFromVector(r)));
}

function checkCapabilityVector(name: 'capability' | 'capabilityTwoHop'): void {
  const cv = v[name];
  test(`vl2-credentials ${name}: signed message and every custody signature`, () => {
    let cap: Capability | undefined = capabilityFromVector(cv);
    assert.equal(bytesToHex(capabilitySignedMessage(cap)), cv.signedMessage);
    for (const hop of cv.custody) {
      const signer = [A, B, C].find((id) => id.address === addr(hop.from))!;
      cap = signCapability(cap!, signer, addr(hop.to));
      assert.ok(cap);
    }
    assert.deepEqual(
      cap!.custody.map((h) => ({ to: h.to.toString(16).padStart(10, '0'), from: h.from.toString(16).padStart(10, '0'), signature: bytesToHex(h.signature) })),
      cv.custody,
    );
    assert.equal(bytesToHex(encodeCapability(cap!)), cv.serialized);
    assert.equal(capabilityIssuedTo(cap!), addr(cv.issuedTo));
  });
  test(`vl2-credentials ${name}: decodes, re-encodes identically, verifies (0)`, () => {
    const d = mustOk(decodeCapability(hex(cv.serialized)));
    assert.equal(d.length, cv.serialized.length / 2);
    if (cv.deserializedLength !== undefined) assert.equal(d.length, cv.deserializedLength);
    assert.equal(bytesToHex(encodeCapability(d.capability)), cv.serialized);
    assert.deepEqual(d.capability.rules.map(ruleToVector), cv.rules.map((r: VectorRule) => ruleToVector(ruleFromVector(r))));
    assert.equal(d.capability.maxCustodyChainLength, cv.maxCustodyChainLength);
    assert.equal(capabilityIssuedTo(d.capability), addr(cv.issuedTo));
    assert.equal(code(verifyCapability(d.capability, lookup)), cv.verify);
  });
}
checkCapabilityVector('capability');
checkCapabilityVector('capabilityTwoHop');

test('vl2-credentials capabilityTwoHop: every hop signs the same message (the chain is not covered)', () => {
  const d = mustOk(decodeCapability(hex(v.capabilityTwoHop.serialized))).capability;
  const message = hex(v.capabilityTwoHop.signedMessage);
  assert.ok(A.verify(message, d.custody[0].signature));
  assert.ok(B.verify(message, d.custody[1].signature));
  // Both signatures end with the same SHA-512 half: same message.
  assert.deepEqual(d.custody[0].signature.subarray(64), d.custody[1].signature.subarray(64));
});

test('vl2-credentials capabilityTwoHop: a third sign beyond the maximum fails', () => {
  const d = mustOk(decodeCapability(hex(v.capabilityTwoHop.serialized))).capability;
  assert.equal(signCapability(d, C, A.address) !== undefined, v.capabilityTwoHop.thirdSignBeyondMaxChainSucceeds);
  const one = mustOk(decodeCapability(hex(v.capability.serialized))).capability;
  assert.equal(signCapability(one, B, C.address), undefined);
});

test('vl2-credentials capabilityTwoHop: second hop signed by someone not holding it is invalid (-1)', () => {
  const first = signCapability(capabilityFromVector(v.capabilityTwoHop), A, B.address)!;
  // C signs the hop to itself, although B holds the capability.
  const stolen = signCapability(first, C, C.address)!;
  assert.equal(code(verifyCapability(stolen, lookup)), v.capabilityTwoHop.verifySecondHopFromWrongHolder);
  // A hop naming B as signer but signed by C is invalid too.
  const forged: Capability = { ...stolen, custody: [stolen.custody[0], { ...stolen.custody[1], from: B.address }] };
  assert.equal(code(verifyCapability(forged, lookup)), -1);
});

// ---- Revocations -------------------------------------------------------------------------------

for (const name of ['revocationCom', 'revocationTag'] as const) {
  const rv = v[name];
  test(`vl2-credentials ${name}: signed message, signature, serialization, verify (0)`, () => {
    const rev = signRevocation(
      createRevocation({
        id: rv.id,
        networkId: BigInt('0x' + rv.nwid),
        credentialId: rv.credentialId,
        threshold: BigInt(rv.threshold),
        flags: BigInt(rv.flags),
        target: addr(rv.target),
        type: rv.type,
      }),
      A,
    );
    assert.equal(rev.signedBy, addr(rv.signedBy));
    assert.equal(bytesToHex(revocationSignedMessage(rev)), rv.signedMessage);
    assert.equal(bytesToHex(rev.signature), rv.signature);
    assert.equal(bytesToHex(encodeRevocation(rev)), rv.serialized);
    assert.equal(isFastPropagate(rev), (rv.flags & 1) === 1);
    const d = mustOk(decodeRevocation(hex(rv.serialized)));
    assert.equal(d.length, rv.serialized.length / 2);
    assert.deepEqual(d.revocation, rev);
    assert.equal(code(verifyRevocation(d.revocation, lookup)), rv.verify);
    assert.equal(code(verifyRevocation({ ...d.revocation, threshold: d.revocation.threshold - 1n }, lookup)), -1);
  });
}

// ---- Certificate of ownership ------------------------------------------------------------------

const cooV = v.certificateOfOwnership;

test('vl2-credentials certificateOfOwnership: signed message, signature, serialization', () => {
  const unsigned: CertificateOfOwnership = {
    ...createCoo(BigInt('0x' + cooV.nwid), BigInt(cooV.timestamp), addr(cooV.issuedTo), cooV.id),
    things: cooV.things.map((t: { type: number; value16: string }) => ({ type: t.type, value: hex(t.value16) })),
  };
  const coo = signCoo(unsigned, A);
  assert.equal(coo.signedBy, addr(cooV.signedBy));
  assert.equal(bytesToHex(cooSignedMessage(coo)), cooV.signedMessage);
  assert.equal(bytesToHex(coo.signature), cooV.signature);
  assert.equal(bytesToHex(encodeCoo(coo)), cooV.serialized);
});

test('vl2-credentials certificateOfOwnership: decodes, verifies (0), owns what it lists', () => {
  const d = mustOk(decodeCoo(hex(cooV.serialized)));
  assert.equal(d.length, cooV.serialized.length / 2);
  assert.equal(bytesToHex(encodeCoo(d.coo)), cooV.serialized);
  assert.equal(d.coo.flags, BigInt(cooV.flags));
  assert.equal(code(verifyCoo(d.coo, lookup)), cooV.verify);
  const ip = (t: string) => mustOk(parseInetAddress(t));
  assert.equal(cooOwnsIp(d.coo, ip('10.147.17.5/0')), cooV['owns_10.147.17.5']);
  assert.equal(cooOwnsIp(d.coo, ip('10.147.17.6/0')), cooV['owns_10.147.17.6']);
  assert.equal(cooOwnsMac(d.coo, macFromAddress(B.address, NWID)), cooV.owns_B_mac);
  assert.equal(cooOwnsMac(d.coo, macFromAddress(C.address, NWID)), false);
  assert.equal(cooOwnsIp(d.coo, ip('fc28:dc0:1acf:9d61:1776::1/0')), true);
});
