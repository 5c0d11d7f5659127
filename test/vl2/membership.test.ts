/** Membership state: acceptance rules, revocations, the network gate, time validity, bounds. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInetAddress } from '../../src/core/vl1/inet-address.js';
import { ZT_NETWORK_TYPE_PRIVATE, ZT_NETWORK_TYPE_PUBLIC, ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION } from '../../src/core/vl2/constants.js';
import {
  createCapability,
  createCom,
  createRevocation,
  createTag,
  decodeCapability,
  decodeCom,
  decodeCoo,
  decodeRevocation,
  decodeTag,
  signCapability,
  signCom,
  signRevocation,
  signTag,
  type CertificateOfMembership,
  type Revocation,
  type Tag,
} from '../../src/core/vl2/credentials/index.js';
import { sixPlaneAddress } from '../../src/core/vl2/ipv6.js';
import { macFromAddress } from '../../src/core/vl2/mac.js';
import { Membership, NetworkMemberships, type AddCredentialResult, type MembershipConfig } from '../../src/core/vl2/membership.js';
import { emptyNetworkConfig } from '../../src/core/vl2/netconf.js';
import { A, B, C, NOW, NWID, credentialVectors as v, hex, lookup, mustOk } from './credential-fixtures.js';

const T = BigInt(NOW);
const WINDOW = 1_800_000;
const kind = (r: AddCredentialResult): string => (r.kind === 'rejected' ? `rejected:${r.reason}` : r.kind);

/** Our own config as member `self` holding `com` (private network unless told otherwise). */
function ourConfig(com: CertificateOfMembership | null, self = B.address, extra: Partial<MembershipConfig> = {}): MembershipConfig {
  const nc = emptyNetworkConfig();
  return { ...nc, networkId: NWID, issuedTo: self, timestamp: NOW, credentialTimeMaxDelta: WINDOW, type: ZT_NETWORK_TYPE_PRIVATE, credentials: { ...nc.credentials, com }, ...extra };
}

const comFor = (id = C, ts = T, window = BigInt(WINDOW)) => signCom(createCom(ts, window, NWID, id), A);
const tagFor = (ts: bigint, id = 100, value = 5, to = C.address) => signTag(createTag(NWID, ts, to, id, value), A);
const revoke = (type: number, credentialId: number, threshold: bigint, target = C.address, flags = 0n): Revocation =>
  signRevocation(createRevocation({ id: 7, networkId: NWID, credentialId, threshold, flags, target, type }), A);

const B_COM = mustOk(decodeCom(hex(v.com.serialized))).com;

// ---- COM ---------------------------------------------------------------------------------------

test('COM: new, redundant, older replayed, newer, forged, unknown signer', () => {
  const m = new Membership();
  const com = comFor();
  assert.equal(kind(m.addCom(com, lookup)), 'accepted-new');
  assert.equal(kind(m.addCom(com, lookup)), 'accepted-redundant');
  assert.equal(kind(m.addCom(comFor(C, T - 1n), lookup)), 'rejected:old');
  assert.equal(m.com, com);
  const newer = comFor(C, T + 1n);
  assert.equal(kind(m.addCom(newer, lookup)), 'accepted-new');
  assert.equal(m.com, newer);
  const forged = { ...comFor(C, T + 2n), signature: new Uint8Array(96).fill(1) };
  assert.equal(kind(m.addCom(forged, lookup)), 'rejected:invalid');
  assert.deepEqual(m.addCom(comFor(C, T + 3n), () => undefined), { kind: 'deferred', whois: A.address });
  assert.equal(m.com, newer);
  // Same timestamp, different content: verified and replaces (as the reference does).
  const sameTs = signCom(createCom(T + 1n, 5n, NWID, C), A);
  assert.equal(kind(m.addCom(sameTs, lookup)), 'accepted-new');
});

test('COM revocation (vector revocationCom): the revoked COM and older ones are refused, newer accepted', () => {
  const rev = mustOk(decodeRevocation(hex(v.revocationCom.serialized))).revocation;
  const m = new Membership();
  assert.equal(kind(m.addCom(comFor(), lookup)), 'accepted-new');
  assert.ok(m.isAllowedOnNetwork(ourConfig(B_COM), C));
  assert.equal(kind(m.addRevocation(rev, lookup)), 'accepted-new');
  assert.equal(m.comRevocationThreshold, rev.threshold);
  assert.equal(m.isAllowedOnNetwork(ourConfig(B_COM), C), false);
  assert.equal(kind(m.addRevocation(rev, lookup)), 'accepted-redundant');
  assert.equal(kind(m.addRevocation(revoke(1, 0, rev.threshold - 1n), lookup)), 'accepted-redundant');
  assert.equal(kind(m.addCom(comFor(C, rev.threshold), lookup)), 'rejected:revoked');
  assert.equal(kind(m.addCom(comFor(C, rev.threshold + 1n), lookup)), 'accepted-new');
  assert.ok(m.isAllowedOnNetwork(ourConfig(B_COM), C));
});

test('revocations: forged, unknown signer, unknown type', () => {
  const m = new Membership();
  const forged = { ...revoke(1, 0, T), threshold: T + 100n };
  assert.equal(kind(m.addRevocation(forged, lookup)), 'rejected:invalid');
  assert.equal(m.comRevocationThreshold, 0n);
  assert.deepEqual(m.addRevocation(revoke(1, 0, T), () => undefined), { kind: 'deferred', whois: A.address });
  assert.equal(kind(m.addRevocation(revoke(6, 0, T), lookup)), 'rejected:unknown-type');
  assert.equal(kind(m.addRevocation(revoke(0, 0, T), lookup)), 'rejected:unknown-type');
  assert.ok(m.isEmpty());
});

// ---- Tags, capabilities, COOs -------------------------------------------------------------------

test('tag: new, redundant, replayed older, newer, other id, forged', () => {
  const m = new Membership();
  assert.equal(kind(m.addTag(tagFor(T), lookup)), 'accepted-new');
  assert.equal(kind(m.addTag(tagFor(T), lookup)), 'accepted-redundant');
  assert.equal(kind(m.addTag(tagFor(T - 1n), lookup)), 'rejected:old');
  assert.equal(kind(m.addTag(tagFor(T + 1n, 100, 6), lookup)), 'accepted-new');
  assert.equal(m.tags.get(100)?.value, 6);
  assert.equal(kind(m.addTag(tagFor(T - 5n, 101), lookup)), 'accepted-new');
  assert.equal(kind(m.addTag({ ...tagFor(T + 2n), value: 99 }, lookup)), 'rejected:invalid');
  assert.equal(m.tags.get(100)?.value, 6);
});

test('tag revocation (vector revocationTag): revokes tag 100 up to its threshold, and (quirk) sets the COM threshold', () => {
  const rev = mustOk(decodeRevocation(hex(v.revocationTag.serialized))).revocation;
  assert.equal(rev.type, 3);
  const m = new Membership();
  assert.equal(kind(m.addCom(comFor(), lookup)), 'accepted-new');
  assert.equal(kind(m.addTag(tagFor(T), lookup)), 'accepted-new');
  assert.equal(kind(m.addRevocation(rev, lookup)), 'accepted-new');
  assert.equal(m.revocationThreshold(3, 100), rev.threshold);
  assert.equal(m.comRevocationThreshold, rev.threshold);
  assert.equal(m.isAllowedOnNetwork(ourConfig(B_COM), C), false);
  // The stored tag is revoked: no longer used, and refreshed copies up to the threshold are refused.
  assert.equal(m.getTag(ourConfig(B_COM), 100), undefined);
  assert.equal(kind(m.addTag(tagFor(rev.threshold, 100, 9), lookup)), 'rejected:revoked');
  assert.equal(kind(m.addTag(tagFor(rev.threshold + 1n, 100, 9), lookup)), 'accepted-new');
  assert.equal(m.getTag(ourConfig(B_COM), 100)?.value, 9);
  // Other ids are untouched.
  assert.equal(kind(m.addTag(tagFor(T, 101), lookup)), 'accepted-new');
});

test('quirk: a tag/capability/COO revocation sets the COM threshold even lower than before', () => {
  const m = new Membership();
  assert.equal(kind(m.addRevocation(revoke(1, 0, T + 100n), lookup)), 'accepted-new');
  assert.equal(kind(m.addRevocation(revoke(2, 5, T + 50n), lookup)), 'accepted-new');
  assert.equal(m.comRevocationThreshold, T + 50n);
  assert.equal(kind(m.addRevocation(revoke(4, 1, T + 10n), lookup)), 'accepted-new');
  assert.equal(m.comRevocationThreshold, T + 10n);
  // A threshold ≤ 0 for a fresh (type, id) changes nothing.
  assert.equal(kind(m.addRevocation(revoke(3, 1, 0n), lookup)), 'accepted-redundant');
});

test('capability: filed under its final holder; revoked by (capability, id)', () => {
  const two = mustOk(decodeCapability(hex(v.capabilityTwoHop.serialized))).capability;
  const net = new NetworkMemberships(NWID);
  assert.equal(kind(net.addCapability(two, lookup)), 'accepted-new');
  assert.equal(net.get(C.address)?.capabilities.get(8), two);
  assert.equal(net.get(B.address), undefined);
  const one = mustOk(decodeCapability(hex(v.capability.serialized))).capability;
  assert.equal(kind(net.addCapability(one, lookup)), 'accepted-new');
  assert.equal(net.get(B.address)?.capabilities.get(7), one);
  const b = net.get(B.address)!;
  assert.deepEqual(b.validCapabilities(ourConfig(B_COM, C.address)), [one]);
  net.addRevocation(revoke(2, 7, T, B.address), A.address, lookup);
  assert.deepEqual(b.validCapabilities(ourConfig(B_COM, C.address)), []);
  // A chain whose second hop was not signed by the holder is refused.
  const stolen = signCapability(signCapability(createCapability(9, NWID, T, 2, []), A, B.address)!, C, C.address)!;
  assert.equal(kind(net.addCapability(stolen, lookup)), 'rejected:invalid');
});

test('certificate of ownership: owned IPs and MAC count while time-valid; NDP-emulated prefixes count too', () => {
  const coo = mustOk(decodeCoo(hex(v.certificateOfOwnership.serialized))).coo;
  const m = new Membership();
  assert.equal(kind(m.addCertificateOfOwnership(coo, lookup)), 'accepted-new');
  const mine = ourConfig(B_COM, C.address);
  const ip = (t: string) => mustOk(parseInetAddress(t));
  assert.ok(m.hasCertificateOfOwnershipFor(mine, ip('10.147.17.5/0')));
  assert.ok(!m.hasCertificateOfOwnershipFor(mine, ip('10.147.17.6/0')));
  assert.ok(m.hasCertificateOfOwnershipFor(mine, macFromAddress(B.address, NWID)));
  assert.ok(!m.hasCertificateOfOwnershipFor(mine, macFromAddress(C.address, NWID)));
  // Out of our time window: no longer counts.
  assert.ok(!m.hasCertificateOfOwnershipFor({ ...mine, timestamp: NOW + WINDOW + 1 }, ip('10.147.17.5/0')));
  // Any address of the network's 6PLANE /40 counts when we hold our 6PLANE address with NDP emulation on.
  const other6plane = { family: 6 as const, ip: sixPlaneAddress(NWID, 0x1122334455), port: 0 };
  assert.ok(!m.hasCertificateOfOwnershipFor(mine, other6plane));
  const ndp = { ...mine, flags: ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION, staticIps: [{ family: 6 as const, ip: sixPlaneAddress(NWID, C.address), port: 40 }] };
  assert.ok(new Membership().hasCertificateOfOwnershipFor(ndp, other6plane));
  assert.ok(!new Membership().hasCertificateOfOwnershipFor({ ...ndp, flags: 0n }, other6plane));
});

// ---- Network gate --------------------------------------------------------------------------------

test('isAllowedOnNetwork: the comAgreement vectors through the membership', () => {
  for (const c of v.comAgreement) {
    const m = new Membership();
    const theirs = mustOk(decodeCom(hex(c.theirsSerialized))).com;
    const r = m.addCom(theirs, lookup);
    assert.equal(r.kind, 'accepted-new', c.case);
    const presented = [A, B, C].find((id) => id.address === parseInt(c.theirIdentity, 16))!;
    assert.equal(m.isAllowedOnNetwork(ourConfig(B_COM), presented), c.agrees, c.case);
  }
});

test('isAllowedOnNetwork: public networks admit anyone; no config or no COM admits no one', () => {
  const m = new Membership();
  assert.ok(m.isAllowedOnNetwork(ourConfig(null, B.address, { type: ZT_NETWORK_TYPE_PUBLIC }), C));
  assert.equal(m.isAllowedOnNetwork(ourConfig(B_COM), C), false);
  assert.equal(m.isAllowedOnNetwork(undefined, C), false);
  m.addCom(comFor(), lookup);
  assert.ok(m.isAllowedOnNetwork(ourConfig(B_COM), C));
  assert.equal(m.isAllowedOnNetwork(ourConfig(null), C), false);
});

// ---- Time validity, cleaning, push timing -----------------------------------------------------------

test('time validity: credentials outside our window are not used and are cleaned', () => {
  const m = new Membership();
  m.addTag(tagFor(T + BigInt(WINDOW)), lookup);
  m.addTag(tagFor(T - BigInt(WINDOW) - 1n, 101), lookup);
  const mine = ourConfig(B_COM);
  assert.equal(m.getTag(mine, 100)?.id, 100);
  assert.equal(m.getTag(mine, 101), undefined);
  assert.equal(m.tags.size, 2);
  m.clean(mine);
  assert.deepEqual([...m.tags.keys()], [100]);
  assert.ok(m.recentlyAssociated(NOW) === false);
  m.addCom(comFor(), lookup);
  assert.ok(m.recentlyAssociated(NOW + 1000));
  assert.ok(!m.recentlyAssociated(NOW + 500_000));
});

test('push timing: after a config change, else every 500 s; answering requests at most once a second', () => {
  const m = new Membership();
  assert.ok(m.shouldPushCredentials(NOW, 0));
  m.lastPushedCredentials = NOW;
  assert.ok(!m.shouldPushCredentials(NOW + 500_000, NOW - 1));
  assert.ok(m.shouldPushCredentials(NOW + 500_001, NOW - 1));
  assert.ok(m.shouldPushCredentials(NOW + 1, NOW + 1));
  assert.ok(!m.shouldAnswerCredentialRequest(NOW + 1000, NOW));
  assert.ok(m.shouldAnswerCredentialRequest(NOW + 1001, NOW));
});

// ---- Network memberships -------------------------------------------------------------------------

test('network: credentials go to their issued-to member; other networks are refused', () => {
  const net = new NetworkMemberships(NWID);
  assert.equal(kind(net.addCom(B_COM, lookup)), 'accepted-new');
  assert.equal(net.get(B.address)?.com, B_COM);
  const tag = mustOk(decodeTag(hex(v.tag.serialized))).tag;
  assert.equal(kind(net.addTag(tag, lookup)), 'accepted-new');
  assert.equal(net.get(B.address)?.tags.get(100), tag);
  const other = NWID + 1n;
  assert.equal(kind(net.addCom(signCom(createCom(T, 1n, other, C), A), lookup)), 'rejected:wrong-network');
  assert.equal(kind(net.addTag(signTag(createTag(other, T, C.address, 1, 1), A), lookup)), 'rejected:wrong-network');
  assert.equal(net.addRevocation(signRevocation(createRevocation({ id: 1, networkId: other, credentialId: 0, threshold: T, flags: 1n, target: C.address, type: 1 }), A), B.address, lookup).result.kind, 'rejected');
  assert.equal(net.size, 1);
});

test('network: refused and deferred credentials create no member record', () => {
  const net = new NetworkMemberships(NWID);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffffffffff }), (address) => {
      const forged = { ...comFor(), qualifiers: comFor().qualifiers.map((q) => (q.id === 2n ? { ...q, value: BigInt(address) } : q)) };
      assert.equal(kind(net.addCom(forged, lookup)), 'rejected:invalid');
      assert.equal(net.addCom(comFor(), () => undefined).kind, 'deferred');
    }),
    { numRuns: 30 },
  );
  assert.equal(net.size, 0);
});

test('network: a new fast-propagate revocation is relayed to every other member, once', () => {
  const net = new NetworkMemberships(NWID);
  net.addCom(B_COM, lookup);
  net.addCom(comFor(), lookup);
  net.getOrCreate(0x1122334455);
  net.getOrCreate(A.address);
  const rev = mustOk(decodeRevocation(hex(v.revocationCom.serialized))).revocation;
  const out = net.addRevocation(rev, B.address, lookup);
  assert.equal(out.result.kind, 'accepted-new');
  // Not back to the sender (B) nor to the signer (A); the target itself is told.
  assert.deepEqual(out.propagateTo.sort(), [C.address, 0x1122334455].sort());
  assert.deepEqual(net.addRevocation(rev, B.address, lookup), { result: { kind: 'accepted-redundant' }, propagateTo: [] });
  const slow = mustOk(decodeRevocation(hex(v.revocationTag.serialized))).revocation;
  assert.deepEqual(net.addRevocation(slow, A.address, lookup).propagateTo, []);
  // A revocation for a member we had no record of creates one (its threshold must stick).
  const fresh = net.addRevocation(revoke(1, 0, T, 0x99887766aa), A.address, lookup);
  assert.equal(fresh.result.kind, 'accepted-new');
  assert.equal(net.get(0x99887766aa)?.comRevocationThreshold, T);
});

test('bounds: tags per member and members per network are capped', () => {
  const m = new Membership();
  const tags: Tag[] = Array.from({ length: 129 }, (_, i) => tagFor(T, i));
  for (const t of tags.slice(0, 128)) assert.equal(kind(m.addTag(t, lookup)), 'accepted-new');
  assert.equal(kind(m.addTag(tags[128], lookup)), 'rejected:table-full');
  // Existing ids still update.
  assert.equal(kind(m.addTag(tagFor(T + 1n, 5), lookup)), 'accepted-new');
  const net = new NetworkMemberships(NWID, 2);
  assert.equal(kind(net.addCom(B_COM, lookup)), 'accepted-new');
  assert.equal(kind(net.addCom(comFor(), lookup)), 'accepted-new');
  assert.equal(kind(net.addCom(comFor(A), lookup)), 'rejected:table-full');
  assert.equal(net.getOrCreate(A.address), undefined);
  assert.equal(net.size, 2);
});

// ---- Against a plain model -------------------------------------------------------------------------

test('tags and revocations of one id follow the obvious model (property)', () => {
  // Pre-signed pools keep the property fast: one tag and one revocation per timestamp 0..7.
  const base = T;
  const tagPool = Array.from({ length: 8 }, (_, i) => tagFor(base + BigInt(i), 100, i));
  const revPool = Array.from({ length: 8 }, (_, i) => revoke(3, 100, base + BigInt(i)));
  const op = fc.oneof(
    fc.record({ tag: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ rev: fc.integer({ min: 0, max: 7 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
      const m = new Membership();
      let stored: number | undefined;
      let threshold: number | undefined;
      for (const o of ops) {
        if ('tag' in o) {
          const t = o.tag;
          const expected =
            stored !== undefined && stored > t ? 'rejected:old' : stored === t ? 'accepted-redundant' : threshold !== undefined && threshold >= t ? 'rejected:revoked' : 'accepted-new';
          assert.equal(kind(m.addTag(tagPool[t], lookup)), expected);
          if (expected === 'accepted-new') stored = t;
        } else {
          const r = o.rev;
          const expected = (threshold ?? -Infinity) < r ? 'accepted-new' : 'accepted-redundant';
          assert.equal(kind(m.addRevocation(revPool[r], lookup)), expected);
          if (expected === 'accepted-new') threshold = r;
        }
        assert.equal(m.tags.get(100)?.value, stored);
        const valid = stored !== undefined && (threshold === undefined || stored > threshold);
        assert.equal(m.getTag(ourConfig(B_COM), 100) !== undefined, valid);
      }
    }),
    { numRuns: 200 },
  );
});
