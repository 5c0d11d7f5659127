/**
 * Byte compatibility of the configs the controller issues with ZeroTier One 1.14.1:
 * - issueNetworkConfig, given the contents of the reference's vector configs (vl2-netconf.json
 *   full/simple/ssoV0/ssoV1) and controller A's identity, signs every credential (COM, tags,
 *   capabilities, COO) to exactly the reference's bytes, and the dictionary is identical;
 * - the same for the two NETWORK_CONFIG dictionaries captured in vl2-packets.json;
 * - through the whole service (store records → request → config), the "simple" inputs give the
 *   reference's dictionary entry for entry; only the static IP order (and so the COO bytes)
 *   differs, because the vector lists the pool address first where a controller lists the
 *   RFC4193 and 6PLANE addresses first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issueNetworkConfig, type ConfigContents } from '../../src/controller/config-issuer.js';
import { newMemberRecord, newNetworkRecord } from '../../src/controller/records.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { inetAddressToString, parseInetAddress, type InetAddress } from '../../src/core/vl1/inet-address.js';
import { decodeCapability, decodeCoo, verifyCapability, verifyCom, verifyCoo, verifyTag } from '../../src/core/vl2/credentials/index.js';
import { Dictionary } from '../../src/core/vl2/dictionary.js';
import { networkConfigToDictionary, parseNetworkConfig, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import { decodeRules } from '../../src/core/vl2/rules-codec.js';
import { loadVectors } from '../helpers/vectors.js';
import { ruleFromVector, type VectorRule } from '../vl2/rule-vectors.js';
import { configOf, CONTROLLER, identity, MEMBER_B, NWID_HEX, serviceFixture, T0 } from './config-service-helpers.js';

const netconf = loadVectors('vl2-netconf.json');
const packets = loadVectors('vl2-packets.json');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fields = Record<string, any>;

function inet(text: string): InetAddress | null {
  if (text === '') return null;
  const r = parseInetAddress(text);
  if (!r.ok) throw r.error;
  return r.value;
}

/** The vector's field dump as the contents a controller decided on. */
function contentsFromFields(f: Fields): ConfigContents {
  const flags = BigInt('0x' + f.flags);
  return {
    networkId: BigInt('0x' + f.networkId),
    timestamp: f.timestamp,
    credentialTimeMaxDelta: f.credentialTimeMaxDelta,
    revision: f.revision,
    member: identity(netconf.identities.B_member.public),
    remoteTraceTarget: parseInt(f.remoteTraceTarget, 16),
    remoteTraceLevel: f.remoteTraceLevel,
    enableBroadcast: (flags & 2n) !== 0n,
    ndpEmulation: (flags & 4n) !== 0n,
    multicastLimit: f.multicastLimit,
    private: f.type === 0,
    name: f.name,
    mtu: f.mtu,
    specialists: f.specialists.map((s: string) => BigInt('0x' + s)),
    routes: f.routes.map((r: Fields) => ({ target: inet(r.target), via: inet(r.via), flags: r.flags, metric: r.metric })),
    staticIps: f.staticIps.map((s: string) => inet(s)!),
    rules: f.rules.map((r: VectorRule) => ruleFromVector(r)),
    capabilities: f.capabilities.map((c: { serialized: string }) => {
      const r = decodeCapability(hexToBytes(c.serialized));
      assert.ok(r.ok);
      return { id: r.value.capability.id, rules: r.value.capability.rules };
    }),
    tags: f.tags.map((t: { id: number; value: number }) => [t.id, t.value]),
    dns: { domain: f.dns.domain, servers: f.dns.servers.map(inet) },
    sso: f.ssoEnabled
      ? {
          version: f.ssoVersion,
          authenticationURL: f.authenticationURL,
          authenticationExpiryTime: f.authenticationExpiryTime,
          issuerURL: f.issuerURL,
          centralAuthURL: f.centralAuthURL,
          nonce: f.ssoNonce,
          state: f.ssoState,
          clientId: f.ssoClientID,
          provider: f.ssoProvider,
        }
      : undefined,
  };
}

function assertCredentialsVerify(nc: NetworkConfig): void {
  const c = nc.credentials;
  assert.ok(c.com);
  assert.equal(verifyCom(c.com, CONTROLLER).status, 'valid');
  for (const t of c.tags) assert.equal(verifyTag(t, CONTROLLER).status, 'valid');
  for (const cap of c.capabilities) assert.equal(verifyCapability(cap, CONTROLLER).status, 'valid');
  for (const coo of c.certificatesOfOwnership) assert.equal(verifyCoo(coo, CONTROLLER).status, 'valid');
}

for (const name of ['full', 'simple', 'ssoV0', 'ssoV1'] as const) {
  test(`vl2-netconf ${name}: the issued config is the reference's dictionary byte for byte`, () => {
    const nc = issueNetworkConfig(contentsFromFields(netconf[name].fields), CONTROLLER);
    assertCredentialsVerify(nc);
    const bytes = networkConfigToDictionary(nc);
    assert.ok(bytes);
    assert.equal(bytes.length, netconf[name].dictionaryLength);
    assert.equal(bytesToHex(bytes), netconf[name].dictionaryHex);
  });
}

test('vl2-packets networkConfig_okForm_singleChunk: the issued config is the captured dictionary', () => {
  const fields = { ...netconf.full.fields, remoteTraceTarget: '0000000000', remoteTraceLevel: 0 };
  const bytes = networkConfigToDictionary(issueNetworkConfig(contentsFromFields(fields), CONTROLLER));
  assert.equal(bytesToHex(bytes!), packets.networkConfig_okForm_singleChunk.assembledDictionaryHex);
});

test('vl2-packets networkConfig_pushForm_multiChunk: 1024 rules, revision 43, the captured dictionary', () => {
  const captured = packets.networkConfig_pushForm_multiChunk;
  const d = Dictionary.parse(hexToBytes(captured.assembledDictionaryHex));
  assert.ok(d.ok);
  const rules = decodeRules(d.value.getBytes('R')!);
  assert.ok(rules.ok);
  assert.equal(rules.value.length, 1024);
  const contents = { ...contentsFromFields({ ...netconf.full.fields, remoteTraceTarget: '0000000000', remoteTraceLevel: 0, revision: 43 }), rules: rules.value };
  const bytes = networkConfigToDictionary(issueNetworkConfig(contents, CONTROLLER));
  assert.equal(bytes!.length, captured.assembledDictionaryLength);
  assert.equal(bytesToHex(bytes!), captured.assembledDictionaryHex);
});

test('vl2-netconf simple through the service: store records → request → the reference entries', async () => {
  const f = serviceFixture();
  try {
    await f.store.transaction(async (tx) => {
      const network = newNetworkRecord(NWID_HEX, T0);
      network.name = 'vl2-vectors';
      network.revision = 42;
      network.routes = [{ target: '10.147.17.0/24', via: null }];
      network.v6AssignMode = { '6plane': true, rfc4193: true, zt: false };
      await tx.putNetwork(network);
      const member = newMemberRecord(NWID_HEX, MEMBER_B.toString().slice(0, 10), T0);
      member.authorized = true;
      member.ipAssignments = ['10.147.17.5'];
      member.identity = MEMBER_B.toString();
      member.revision = 3;
      await tx.putMember(member);
    });
    const nc = configOf(await f.ask(MEMBER_B, undefined, undefined, T0));
    assertCredentialsVerify(nc);
    const ours = Dictionary.parse(networkConfigToDictionary(nc)!);
    const theirs = Dictionary.parse(hexToBytes(netconf.simple.dictionaryHex));
    assert.ok(ours.ok && theirs.ok);
    const keys = (d: Dictionary) => new TextDecoder().decode(d.data).split('\n').map((line) => line.slice(0, line.indexOf('=')));
    assert.deepEqual(keys(ours.value), keys(theirs.value), 'same keys in the same order');
    for (const e of netconf.simple.entries as { key: string; valueHex: string }[]) {
      if (e.key === 'I' || e.key === 'COO') continue;
      assert.equal(bytesToHex(ours.value.getBytes(e.key)!), e.valueHex, e.key);
    }
    const reference = parseNetworkConfig(hexToBytes(netconf.simple.dictionaryHex));
    assert.ok(reference.ok);
    const ipText = (list: (InetAddress | null)[]) => list.map((a) => inetAddressToString(a!));
    assert.deepEqual(ipText(nc.staticIps), ['fd8c:dc0:1ba4:0:199:93cf:9d61:1776/88', 'fc28:dc0:1acf:9d61:1776::1/40', '10.147.17.5/24']);
    assert.deepEqual(ipText(nc.staticIps).sort(), ipText(reference.value.staticIps).sort());
    const coo = decodeCoo(ours.value.getBytes('COO')!);
    const refCoo = decodeCoo(theirs.value.getBytes('COO')!);
    assert.ok(coo.ok && refCoo.ok);
    const things = (c: typeof coo.value.coo) => c.things.map((t) => `${t.type}:${bytesToHex(t.value)}`).sort();
    assert.deepEqual(things(coo.value.coo), things(refCoo.value.coo));
    assert.deepEqual({ ...coo.value.coo, things: [], signature: null }, { ...refCoo.value.coo, things: [], signature: null });
  } finally {
    await f.close();
  }
});
