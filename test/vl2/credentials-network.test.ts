/**
 * Credentials on the wire and in configs: the NETWORK_CREDENTIALS packets of vl2-packets.json,
 * the credential push, and the `C` / `CAP` / `TAG` / `COO` keys of the network config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex, concatBytes } from '../../src/core/vl1/bytes.js';
import { DictionaryBuilder } from '../../src/core/vl2/dictionary.js';
import {
  capabilityIssuedTo,
  createCapability,
  createCom,
  createCoo,
  createTag,
  decodeCapability,
  decodeCom,
  decodeCoo,
  decodeRevocation,
  decodeTag,
  encodeCapability,
  encodeCom,
  encodeCoo,
  encodeTag,
  signCapability,
  signCom,
  signCoo,
  signTag,
  verifyCapability,
  verifyCom,
  verifyCoo,
  verifyRevocation,
  verifyTag,
  type Capability,
  type Tag,
} from '../../src/core/vl2/credentials/index.js';
import {
  credentialPushPayloads,
  decodeNetworkCredentials,
  emptyNetworkCredentials,
  encodeNetworkCredentials,
  readNetworkCredentials,
  type NetworkCredentials,
} from '../../src/core/vl2/network-credentials.js';
import { emptyNetworkConfig, networkConfigToDictionary, parseNetworkConfig, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import { loadVectors } from '../helpers/vectors.js';
import { A, B, C, NWID, credentialVectors as cv, hex, lookup, mustOk } from './credential-fixtures.js';
import { ruleArb } from './rule-arbitrary.js';

const packets = loadVectors('vl2-packets.json');
const netconf = loadVectors('vl2-netconf.json');

const valid = (r: { status: string }): boolean => r.status === 'valid';

// ---- NETWORK_CREDENTIALS vectors --------------------------------------------------------------

const push = packets.networkCredentials_push;

for (const [i, p] of push.packets.entries()) {
  test(`vl2-packets networkCredentials_push #${i}: ${p.source} -> ${p.dest} decodes to the config's credentials`, () => {
    assert.equal(p.verb, 0x0a);
    const payload = hex(p.payloadHex);
    assert.equal(payload.length, p.payloadLength);
    const c = mustOk(decodeNetworkCredentials(payload));
    const cfg = push.config;
    assert.deepEqual(c.coms.map((x) => bytesToHex(encodeCom(x))), [cfg.com]);
    assert.deepEqual(c.capabilities.map((x) => bytesToHex(encodeCapability(x))), cfg.capabilities.map((x: { serialized: string }) => x.serialized));
    assert.deepEqual(c.capabilities.map((x) => x.id), cfg.capabilities.map((x: { id: number }) => x.id));
    assert.deepEqual(c.tags.map((x) => bytesToHex(encodeTag(x))), cfg.tags.map((x: { serialized: string }) => x.serialized));
    assert.deepEqual(c.tags.map((x) => [x.id, x.value]), cfg.tags.map((x: { id: number; value: number }) => [x.id, x.value]));
    assert.deepEqual(c.revocations, []);
    assert.deepEqual(c.certificatesOfOwnership.map((x) => bytesToHex(encodeCoo(x))), cfg.certificatesOfOwnership.map((x: { serialized: string }) => x.serialized));
    // Everything the member pushes is issued to it and signed by the controller.
    const sender = parseInt(p.source, 16);
    assert.ok(c.coms.every((x) => valid(verifyCom(x, lookup))));
    assert.ok(c.capabilities.every((x) => valid(verifyCapability(x, lookup)) && capabilityIssuedTo(x) === sender));
    assert.ok(c.tags.every((x) => valid(verifyTag(x, lookup)) && x.issuedTo === sender));
    assert.ok(c.certificatesOfOwnership.every((x) => valid(verifyCoo(x, lookup)) && x.issuedTo === sender));
    assert.equal(bytesToHex(encodeNetworkCredentials(c)), p.payloadHex);
  });
}

test('vl2-packets networkCredentials_push: our push of that config is the same single payload', () => {
  const cfg = push.config;
  const payloads = credentialPushPayloads({
    com: mustOk(decodeCom(hex(cfg.com))).com,
    capabilities: cfg.capabilities.map((x: { serialized: string }) => mustOk(decodeCapability(hex(x.serialized))).capability),
    tags: cfg.tags.map((x: { serialized: string }) => mustOk(decodeTag(hex(x.serialized))).tag),
    certificatesOfOwnership: cfg.certificatesOfOwnership.map((x: { serialized: string }) => mustOk(decodeCoo(hex(x.serialized))).coo),
  });
  assert.deepEqual(payloads.map(bytesToHex), push.packets.map((p: { payloadHex: string }) => p.payloadHex));
});

for (const [i, p] of packets.networkCredentials_revocationFromController.entries()) {
  test(`vl2-packets networkCredentials_revocationFromController #${i}: one COM revocation for ${cv.revocationCom.target}`, () => {
    assert.equal(p.verb, 0x0a);
    const payload = hex(p.payloadHex);
    assert.equal(payload.length, p.payloadLength);
    const c = mustOk(decodeNetworkCredentials(payload));
    assert.equal(c.coms.length + c.capabilities.length + c.tags.length + c.certificatesOfOwnership.length, 0);
    assert.equal(c.revocations.length, 1);
    assert.deepEqual(c.revocations[0], mustOk(decodeRevocation(hex(cv.revocationCom.serialized))).revocation);
    assert.ok(valid(verifyRevocation(c.revocations[0], lookup)));
    assert.equal(c.revocations[0].target, C.address);
    assert.equal(bytesToHex(encodeNetworkCredentials(c)), p.payloadHex);
  });
}

// ---- NETWORK_CREDENTIALS hostile input --------------------------------------------------------

const pushPayload = hex(push.packets[0].payloadHex);
const comLength = hex(push.config.com).length;

test('NETWORK_CREDENTIALS: old senders stop anywhere after a section', () => {
  const empty = mustOk(decodeNetworkCredentials(new Uint8Array(0)));
  assert.deepEqual(empty, emptyNetworkCredentials());
  assert.deepEqual(mustOk(decodeNetworkCredentials(Uint8Array.of(0))), empty);
  // COM only, with or without the terminating zero.
  const com = pushPayload.subarray(0, comLength);
  assert.equal(mustOk(decodeNetworkCredentials(com)).coms.length, 1);
  assert.equal(mustOk(decodeNetworkCredentials(concatBytes(com, Uint8Array.of(0)))).coms.length, 1);
  // Ending right after the capabilities.
  const c = mustOk(decodeNetworkCredentials(concatBytes(com, Uint8Array.of(0, 0, 0))));
  assert.equal(c.capabilities.length, 0);
  // Bytes after the last section are ignored.
  assert.equal(mustOk(decodeNetworkCredentials(concatBytes(pushPayload, Uint8Array.of(1, 2, 3)))).tags.length, 2);
});

test('NETWORK_CREDENTIALS: a malformed credential stops reading; what came before is kept', () => {
  // Cut inside the second tag.
  const cut = pushPayload.subarray(0, pushPayload.length - 200);
  const read = readNetworkCredentials(cut);
  assert.equal(read.error?.reason, 'truncated');
  assert.equal(read.credentials.coms.length, 1);
  assert.equal(read.credentials.capabilities.length, 2);
  assert.ok(read.credentials.tags.length < 2);
  assert.ok(!decodeNetworkCredentials(cut).ok);
  // A first byte that is neither 0 nor a COM.
  assert.equal(readNetworkCredentials(Uint8Array.of(2, 0, 0)).error?.reason, 'bad_type');
  // A half count.
  assert.equal(readNetworkCredentials(Uint8Array.of(0, 0)).error?.reason, 'truncated');
});

test('NETWORK_CREDENTIALS: huge counts end at the end of the packet', () => {
  for (const section of [0, 1, 2, 3]) {
    const counts = [0, 0, 0, 0];
    counts[section] = 0xffff;
    const b = Uint8Array.of(0, ...counts.flatMap((n) => [n >> 8, n & 0xff]), 1, 2, 3);
    const read = readNetworkCredentials(b);
    assert.equal(read.error?.reason, 'truncated', `section ${section}`);
  }
});

test('NETWORK_CREDENTIALS: COMs without qualifiers are skipped', () => {
  const emptyCom = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
  const c = mustOk(decodeNetworkCredentials(concatBytes(emptyCom, pushPayload)));
  assert.equal(c.coms.length, 1);
  assert.equal(c.tags.length, 2);
});

// ---- Credential push ---------------------------------------------------------------------

test('push: nothing to push gives no payload; a lone COM gives one', () => {
  assert.deepEqual(credentialPushPayloads({ com: null, capabilities: [], tags: [], certificatesOfOwnership: [] }), []);
  const com = signCom(createCom(1n, 1n, NWID, B), A);
  const one = credentialPushPayloads({ com, capabilities: [], tags: [], certificatesOfOwnership: [] });
  assert.deepEqual(one.map(bytesToHex), [bytesToHex(encodeNetworkCredentials({ coms: [com], capabilities: [], tags: [], revocations: [], certificatesOfOwnership: [] }))]);
});

test('push: large credential sets are split, each payload fits, the COM rides in the first (property)', () => {
  const com = signCom(createCom(1n, 1n, NWID, B), A);
  const capArb = fc.record({ id: fc.integer({ min: 0, max: 1000 }), rules: fc.array(ruleArb, { maxLength: 64 }) });
  fc.assert(
    fc.property(fc.array(capArb, { maxLength: 20 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 400, max: 4000 }), (caps, tagCount, maxPayload) => {
      const own = {
        com,
        capabilities: caps.map((c) => signCapability(createCapability(c.id, NWID, 1n, 1, c.rules), A, B.address)!),
        tags: Array.from({ length: tagCount }, (_, i) => signTag(createTag(NWID, 1n, B.address, i, i), A)),
        certificatesOfOwnership: [signCoo(createCoo(NWID, 1n, B.address, 1), A)],
      };
      const payloads = credentialPushPayloads(own, maxPayload);
      const all: NetworkCredentials = { coms: [], capabilities: [], tags: [], revocations: [], certificatesOfOwnership: [] };
      for (const [i, p] of payloads.entries()) {
        const c = mustOk(decodeNetworkCredentials(p));
        assert.equal(c.coms.length, i === 0 ? 1 : 0);
        // Oversized single credentials still go out, alone.
        const items = c.coms.length + c.capabilities.length + c.tags.length + c.certificatesOfOwnership.length;
        assert.ok(p.length <= maxPayload || items === 1, `payload ${p.length} > ${maxPayload} with ${items} items`);
        assert.ok(items > 0);
        for (const k of ['coms', 'capabilities', 'tags', 'certificatesOfOwnership'] as const) (all[k] as unknown[]).push(...c[k]);
      }
      assert.equal(all.capabilities.length, own.capabilities.length);
      assert.deepEqual(all.capabilities.map(encodeCapability), own.capabilities.map(encodeCapability));
      assert.deepEqual(all.tags, own.tags);
      assert.equal(all.certificatesOfOwnership.length, 1);
    }),
    { numRuns: 40 },
  );
});

// ---- Network config credentials -----------------------------------------------------------

function configWith(entries: [string, Uint8Array | string][]): Uint8Array {
  const d = new DictionaryBuilder();
  d.add('v', '7');
  d.add('nwid', NWID.toString(16));
  d.add('id', B.address.toString(16));
  for (const [k, val] of entries) d.add(k, val);
  return d.toBytes();
}

const full = netconf.full;
const fullEntry = (key: string): Uint8Array => hex(full.entries.find((e: { key: string }) => e.key === key).valueHex);

test('vl2-netconf full: C, CAP, TAG, COO become typed credentials that verify', () => {
  const nc = mustOk(parseNetworkConfig(hex(full.dictionaryHex)));
  const t = nc.credentials;
  assert.ok(t.com);
  assert.equal(bytesToHex(encodeCom(t.com)), full.fields.com);
  assert.deepEqual(t.capabilities.map((c) => c.id), [3, 7]);
  assert.deepEqual(t.tags.map((x) => [x.id, x.value]), [[100, 5], [101, 16]]);
  assert.deepEqual(t.certificatesOfOwnership.map((x) => x.id), [1]);
  for (const c of t.capabilities) assert.ok(valid(verifyCapability(c, lookup)));
  for (const x of t.tags) assert.ok(valid(verifyTag(x, lookup)));
  for (const x of t.certificatesOfOwnership) assert.ok(valid(verifyCoo(x, lookup)));
  assert.ok(valid(verifyCom(t.com, lookup)));
  // The blob fields hold the same credentials serialized.
  assert.equal(bytesToHex(nc.capabilities!), full.fields.capabilities.map((x: { serialized: string }) => x.serialized).join(''));
});

test('netconf credentials: typed credentials alone write the reference bytes', () => {
  const nc = mustOk(parseNetworkConfig(hex(full.dictionaryHex)));
  const typedOnly: NetworkConfig = { ...nc, com: null, capabilities: null, tags: null, certificatesOfOwnership: null };
  assert.equal(bytesToHex(networkConfigToDictionary(typedOnly)!), full.dictionaryHex);
});

test('netconf credentials: capabilities and tags are sorted by id', () => {
  const caps = fullEntry('CAP');
  const first = mustOk(decodeCapability(caps)).length;
  const swapped = concatBytes(caps.subarray(first), caps.subarray(0, first));
  const tags = fullEntry('TAG');
  const swappedTags = concatBytes(tags.subarray(tags.length / 2), tags.subarray(0, tags.length / 2));
  const nc = mustOk(parseNetworkConfig(configWith([['CAP', swapped], ['TAG', swappedTags]])));
  assert.deepEqual(nc.credentials.capabilities.map((c) => c.id), [3, 7]);
  assert.deepEqual(nc.credentials.tags.map((x) => x.id), [100, 101]);
  assert.deepEqual(nc.capabilities, caps);
});

test('netconf credentials: a malformed or empty C rejects the config; trailing bytes after it do not', () => {
  const com = fullEntry('C');
  assert.equal(parseNetworkConfig(configWith([['C', com.subarray(0, 50)]])).ok, false);
  assert.equal(parseNetworkConfig(configWith([['C', '']])).ok, false);
  assert.equal(parseNetworkConfig(configWith([['C', Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0)]])).ok, false);
  const trailing = mustOk(parseNetworkConfig(configWith([['C', concatBytes(com, Uint8Array.of(7, 7))]])));
  assert.deepEqual(trailing.com, com);
  // A COM without qualifiers is no COM.
  const none = mustOk(parseNetworkConfig(configWith([['C', Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)]])));
  assert.equal(none.credentials.com, null);
  assert.equal(none.com, null);
});

test('netconf credentials: a malformed capability or tag ends its list but keeps the config', () => {
  const caps = fullEntry('CAP');
  const tags = fullEntry('TAG');
  const nc = mustOk(parseNetworkConfig(configWith([['CAP', caps.subarray(0, caps.length - 10)], ['TAG', concatBytes(tags.subarray(0, tags.length / 2), Uint8Array.of(1, 2, 3))]])));
  assert.deepEqual(nc.credentials.capabilities.map((c) => c.id), [3]);
  assert.deepEqual(nc.credentials.tags.map((x) => x.id), [100]);
  const garbage = mustOk(parseNetworkConfig(configWith([['CAP', Uint8Array.of(9)], ['TAG', '']])));
  assert.deepEqual(garbage.credentials.capabilities, []);
  assert.deepEqual(garbage.credentials.tags, []);
  assert.equal(garbage.capabilities, null);
});

test('netconf credentials: a malformed COO rejects the config; at most 4 are kept', () => {
  const coo = fullEntry('COO');
  assert.equal(parseNetworkConfig(configWith([['COO', coo.subarray(0, coo.length - 1)]])).ok, false);
  assert.equal(parseNetworkConfig(configWith([['COO', concatBytes(coo, Uint8Array.of(0))]])).ok, false);
  const six = mustOk(parseNetworkConfig(configWith([['COO', concatBytes(coo, coo, coo, coo, coo, coo)]])));
  assert.equal(six.credentials.certificatesOfOwnership.length, 4);
  assert.deepEqual(six.certificatesOfOwnership, concatBytes(coo, coo, coo, coo));
  // An empty COO value is no COO.
  assert.deepEqual(mustOk(parseNetworkConfig(configWith([['COO', '']]))).credentials.certificatesOfOwnership, []);
});

test('netconf credentials: at most 128 tags are kept', () => {
  const tags: Tag[] = Array.from({ length: 130 }, (_, i) => signTag(createTag(NWID, 1n, B.address, 129 - i, i), A));
  const nc = mustOk(parseNetworkConfig(configWith([['TAG', concatBytes(...tags.map(encodeTag))]])));
  assert.equal(nc.credentials.tags.length, 128);
  // The first 128 on the wire (ids 129 down to 2), sorted.
  assert.deepEqual(nc.credentials.tags.map((t) => t.id), Array.from({ length: 128 }, (_, i) => i + 2));
});

test('netconf credentials: typed credentials round-trip through the dictionary (property)', () => {
  const cap = (id: number, rules: Capability['rules']) => signCapability(createCapability(id, NWID, 5n, 1, rules), A, B.address)!;
  const arb = fc.record({
    withCom: fc.boolean(),
    caps: fc.uniqueArray(fc.record({ id: fc.integer({ min: 0, max: 0xffffffff }), rules: fc.array(ruleArb, { maxLength: 5 }) }), { maxLength: 5, selector: (c) => c.id }),
    tagIds: fc.uniqueArray(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 6 }),
    cooCount: fc.integer({ min: 0, max: 4 }),
  });
  const com = signCom(createCom(5n, 100n, NWID, B), A);
  fc.assert(
    fc.property(arb, ({ withCom, caps, tagIds, cooCount }) => {
      const credentials: NetworkConfig['credentials'] = {
        com: withCom ? com : null,
        capabilities: caps.map((c) => cap(c.id, c.rules)).sort((a, b) => a.id - b.id),
        tags: tagIds.map((id) => signTag(createTag(NWID, 5n, B.address, id, id ^ 1), A)).sort((a, b) => a.id - b.id),
        certificatesOfOwnership: Array.from({ length: cooCount }, (_, i) => signCoo(createCoo(NWID, 5n, B.address, i), A)),
      };
      const nc: NetworkConfig = { ...emptyNetworkConfig(), networkId: NWID, issuedTo: B.address, credentials };
      const back = mustOk(parseNetworkConfig(networkConfigToDictionary(nc)!));
      assert.deepEqual(back.credentials, credentials);
    }),
    { numRuns: 40 },
  );
});
