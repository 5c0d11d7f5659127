import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadVectors } from '../helpers/vectors.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { inetAddressToString, parseInetAddress, type InetAddress } from '../../src/core/vl1/inet-address.js';
import { Dictionary } from '../../src/core/vl2/dictionary.js';
import {
  adHocNetworkConfig,
  emptyNetworkConfig,
  isBroadcastEnabled,
  isNdpEmulationEnabled,
  networkConfigToDictionary,
  parseNetworkConfig,
  specialistAddress,
  specialistRoles,
  type NetworkConfig,
} from '../../src/core/vl2/netconf.js';
import { ZT_NETWORKCONFIG_DICT_CAPACITY, ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE } from '../../src/core/vl2/constants.js';
import { decodeCapability, decodeCom, decodeCoo, decodeTag } from '../../src/core/vl2/credentials/index.js';
import { ruleFromVector, ruleToVector, type VectorRule } from './rule-vectors.js';
import { ruleArb } from './rule-arbitrary.js';

const v = loadVectors('vl2-netconf.json');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fields = Record<string, any>;

const hex16 = (x: bigint): string => x.toString(16).padStart(16, '0');
const hex10 = (x: number): string => x.toString(16).padStart(10, '0');

function inet(text: string): InetAddress | null {
  if (text === '') return null;
  const r = parseInetAddress(text);
  if (!r.ok) throw r.error;
  return r.value;
}
const inetText = (a: InetAddress | null): string => (a ? inetAddressToString(a) : '');
const concatSerialized = (list: { serialized: string }[]): string | null => (list.length ? list.map((x) => x.serialized).join('') : null);

function decoded<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** The vector's credential dump as typed credentials. */
function credentialsFromFields(f: Fields): NetworkConfig['credentials'] {
  const each = (list: { serialized: string }[]) => list.map((x) => hexToBytes(x.serialized));
  return {
    com: f.com === null ? null : decoded(decodeCom(hexToBytes(f.com))).com,
    capabilities: each(f.capabilities).map((b) => decoded(decodeCapability(b)).capability),
    tags: each(f.tags).map((b) => decoded(decodeTag(b)).tag),
    certificatesOfOwnership: each(f.certificatesOfOwnership).map((b) => decoded(decodeCoo(b)).coo),
  };
}

/** The vector's struct dump as our NetworkConfig (credentials as their concatenated blobs). */
function configFromFields(f: Fields): NetworkConfig {
  const blob = (h: string | null): Uint8Array | null => (h === null ? null : hexToBytes(h));
  return {
    networkId: BigInt('0x' + f.networkId),
    timestamp: f.timestamp,
    credentialTimeMaxDelta: f.credentialTimeMaxDelta,
    revision: f.revision,
    issuedTo: parseInt(f.issuedTo, 16),
    remoteTraceTarget: parseInt(f.remoteTraceTarget, 16),
    remoteTraceLevel: f.remoteTraceLevel,
    flags: BigInt('0x' + f.flags),
    multicastLimit: f.multicastLimit,
    type: f.type,
    name: f.name,
    mtu: f.mtu,
    credentials: credentialsFromFields(f),
    com: blob(f.com),
    capabilities: blob(concatSerialized(f.capabilities)),
    tags: blob(concatSerialized(f.tags)),
    certificatesOfOwnership: blob(concatSerialized(f.certificatesOfOwnership)),
    specialists: f.specialists.map((s: string) => BigInt('0x' + s)),
    routes: f.routes.map((r: Fields) => ({ target: inet(r.target), via: inet(r.via), flags: r.flags, metric: r.metric })),
    staticIps: f.staticIps.map(inet),
    rules: f.rules.map((r: VectorRule) => ruleFromVector(r)),
    dns: { domain: f.dns.domain, servers: f.dns.servers.map(inet) },
    ssoVersion: f.ssoVersion,
    ssoEnabled: f.ssoEnabled,
    authenticationURL: f.authenticationURL,
    authenticationExpiryTime: f.authenticationExpiryTime,
    issuerURL: f.issuerURL,
    centralAuthURL: f.centralAuthURL,
    ssoNonce: f.ssoNonce,
    ssoState: f.ssoState,
    ssoClientID: f.ssoClientID,
    ssoProvider: f.ssoProvider,
  };
}

/** Our NetworkConfig in the vector's shape (credential lists replaced by their concatenation). */
function fieldsOf(nc: NetworkConfig): Fields {
  return {
    networkId: hex16(nc.networkId),
    timestamp: nc.timestamp,
    credentialTimeMaxDelta: nc.credentialTimeMaxDelta,
    revision: nc.revision,
    issuedTo: hex10(nc.issuedTo),
    remoteTraceTarget: hex10(nc.remoteTraceTarget),
    remoteTraceLevel: nc.remoteTraceLevel,
    flags: hex16(nc.flags),
    mtu: nc.mtu,
    multicastLimit: nc.multicastLimit,
    type: nc.type,
    name: nc.name,
    specialists: nc.specialists.map(hex16),
    routes: nc.routes.map((r) => ({ target: inetText(r.target), via: inetText(r.via), flags: r.flags, metric: r.metric })),
    staticIps: nc.staticIps.map(inetText),
    rules: nc.rules.map(ruleToVector),
    capabilities: nc.capabilities && bytesToHex(nc.capabilities),
    tags: nc.tags && bytesToHex(nc.tags),
    certificatesOfOwnership: nc.certificatesOfOwnership && bytesToHex(nc.certificatesOfOwnership),
    com: nc.com && bytesToHex(nc.com),
    dns: { domain: nc.dns.domain, servers: nc.dns.servers.map(inetText) },
    ssoVersion: nc.ssoVersion,
    ssoEnabled: nc.ssoEnabled,
    authenticationURL: nc.authenticationURL,
    authenticationExpiryTime: nc.authenticationExpiryTime,
    issuerURL: nc.issuerURL,
    centralAuthURL: nc.centralAuthURL,
    ssoNonce: nc.ssoNonce,
    ssoState: nc.ssoState,
    ssoClientID: nc.ssoClientID,
    ssoProvider: nc.ssoProvider,
  };
}

/** The vector's dump normalized like fieldsOf (credential lists concatenated). */
function expectedFields(f: Fields): Fields {
  return {
    ...f,
    capabilities: concatSerialized(f.capabilities),
    tags: concatSerialized(f.tags),
    certificatesOfOwnership: concatSerialized(f.certificatesOfOwnership),
  };
}

function mustParse(hex: string): NetworkConfig {
  const r = parseNetworkConfig(hexToBytes(hex));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

for (const name of ['full', 'simple', 'ssoV0', 'ssoV1'] as const) {
  const c = v[name];
  test(`vl2-netconf ${name}: toDictionary writes the exact bytes`, () => {
    assert.ok(c.toDictionaryOk);
    const bytes = networkConfigToDictionary(configFromFields(c.fields));
    assert.ok(bytes);
    assert.equal(bytes.length, c.dictionaryLength);
    assert.equal(bytesToHex(bytes), c.dictionaryHex);
  });
  test(`vl2-netconf ${name}: every entry reads back`, () => {
    const d = Dictionary.parse(hexToBytes(c.dictionaryHex));
    assert.ok(d.ok);
    for (const e of c.entries) assert.equal(bytesToHex(d.value.getBytes(e.key)!), e.valueHex, e.key);
  });
  test(`vl2-netconf ${name}: fromDictionary gives the reference's parsed fields`, () => {
    assert.ok(c.fromDictionaryOk);
    const parsed = mustParse(c.dictionaryHex);
    assert.deepEqual(fieldsOf(parsed), expectedFields(c.parsedFields ?? c.fields));
    for (const k of c.fieldsThatDifferAfterParse as string[]) {
      assert.notDeepEqual(fieldsOf(parsed)[k], expectedFields(c.fields)[k], k);
    }
  });
  test(`vl2-netconf ${name}: a parsed config re-serializes identically`, () => {
    assert.equal(c.reserializesIdentically, true);
    assert.equal(bytesToHex(networkConfigToDictionary(mustParse(c.dictionaryHex))!), c.dictionaryHex);
  });
}

for (const [i, c] of v.parseCases.entries()) {
  test(`vl2-netconf parseCases #${i}: ${c.case}`, () => {
    const r = parseNetworkConfig(hexToBytes(c.dictionaryHex));
    assert.equal(r.ok, c.fromDictionaryOk);
    if (r.ok) assert.deepEqual(fieldsOf(r.value), expectedFields(c.parsed));
  });
}

for (const [i, a] of v.adhoc.entries()) {
  test(`vl2-netconf adhoc #${i}: ${a.nwid} for ${a.issuedTo} (status ${a.status})`, () => {
    const nc = adHocNetworkConfig(BigInt('0x' + a.nwid), parseInt(a.issuedTo, 16), 1700000000000);
    if (a.status === 3) {
      assert.equal(nc, 'notFound');
      assert.equal(a.config, null);
      return;
    }
    assert.equal(a.status, 1);
    assert.ok(nc && nc !== 'notFound');
    assert.deepEqual(fieldsOf(nc), expectedFields(a.config.fields));
    assert.equal(bytesToHex(networkConfigToDictionary(nc)!), a.config.dictionaryHex);
    assert.deepEqual(fieldsOf(mustParse(a.config.dictionaryHex)), expectedFields(a.config.fields));
  });
}

test('adhoc: inert and non-ad-hoc IDs configure nothing', () => {
  assert.equal(adHocNetworkConfig(0xff00000000000002n, 0xcf9d611776, 0), undefined);
  assert.equal(adHocNetworkConfig(0x8c0dc01ba4000001n, 0xcf9d611776, 0), undefined);
});

test('netconf helpers: flags and specialists', () => {
  const nc = mustParse(v.full.dictionaryHex);
  assert.ok(isBroadcastEnabled(nc) && isNdpEmulationEnabled(nc));
  assert.equal(specialistAddress(nc.specialists[0]), 0x9dd38c045f);
  assert.equal(specialistRoles(nc.specialists[0]), ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE);
});

// ---- Quirks and hostile input ------------------------------------------------------------

const base = 'v=7\nnwid=8c0dc01ba4000001\nid=cf9d611776';
const parseText = (text: string) => parseNetworkConfig(new TextEncoder().encode(text));
const withBlob = (key: string, blob: Uint8Array): Uint8Array => {
  const head = new TextEncoder().encode(`${base}\n${key}=`);
  const escaped: number[] = [];
  for (const b of blob) {
    if (b === 0) escaped.push(0x5c, 0x30);
    else if (b === 0x0d) escaped.push(0x5c, 0x72);
    else if (b === 0x0a) escaped.push(0x5c, 0x6e);
    else if (b === 0x5c) escaped.push(0x5c, 0x5c);
    else if (b === 0x3d) escaped.push(0x5c, 0x65);
    else escaped.push(b);
  }
  return Uint8Array.from([...head, ...escaped]);
};

test('netconf quirks: defaults, first key wins, strings are cut to their buffers', () => {
  const r = parseText(`${base}\nn=${'x'.repeat(300)}\nmtu=0\nt=1\nt=0\nssov=1\nssoe=1\nsson=${'y'.repeat(200)}`);
  assert.ok(r.ok);
  assert.equal(r.value.name.length, 127);
  assert.equal(r.value.mtu, 1280);
  assert.equal(r.value.type, 1);
  assert.equal(r.value.ssoNonce.length, 127);
  assert.equal(r.value.ssoProvider, 'default');
  assert.equal(r.value.multicastLimit, 0);
  const disabled = parseText(`${base}\nssov=1\nssoe=0\nssop=x`);
  assert.ok(disabled.ok);
  assert.equal(disabled.value.ssoProvider, '');
  // An address is masked to 40 bits before the zero check.
  assert.equal(parseText('v=7\nnwid=1\nid=10000000000').ok, false);
  assert.equal(parseText('v=7\nnwid=0\nid=1').ok, false);
});

test('netconf hostile: malformed RT, I, R, DNS make the config invalid; S partial entries are ignored', () => {
  assert.equal(parseNetworkConfig(withBlob('RT', Uint8Array.of(4, 10, 0, 0, 0))).ok, false);
  assert.equal(parseNetworkConfig(withBlob('I', Uint8Array.of(9))).ok, false);
  assert.equal(parseNetworkConfig(withBlob('R', Uint8Array.of(0x18, 5, 1))).ok, false);
  assert.equal(parseNetworkConfig(withBlob('DNS', new Uint8Array(128))).ok, false);
  const dnsOk = parseNetworkConfig(withBlob('DNS', new Uint8Array(132)));
  assert.ok(dnsOk.ok);
  assert.deepEqual(dnsOk.value.dns, { domain: '', servers: [] });
  const s = parseNetworkConfig(withBlob('S', new Uint8Array(8 * 300 + 5).fill(1)));
  assert.ok(s.ok);
  assert.equal(s.value.specialists.length, 256);
  const ips = new Uint8Array(7 * 40);
  for (let i = 0; i < 40; i++) ips.set([4, 10, 0, 0, i, 0, 24], i * 7);
  const many = parseNetworkConfig(withBlob('I', ips));
  assert.ok(many.ok);
  assert.equal(many.value.staticIps.length, 32);
  assert.equal(parseNetworkConfig(new Uint8Array(ZT_NETWORKCONFIG_DICT_CAPACITY)).ok, false);
});

test('netconf: toDictionary refuses what does not fit', () => {
  const nc = mustParse(v.simple.dictionaryHex);
  assert.equal(networkConfigToDictionary(nc, 100), undefined);
  assert.ok(networkConfigToDictionary(nc, v.simple.dictionaryLength + 1));
  assert.equal(networkConfigToDictionary(nc, v.simple.dictionaryLength), undefined);
});

test('netconf: random bytes never throw (property)', () => {
  const seed = new TextEncoder().encode(base + '\n');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, prefixed) => {
      parseNetworkConfig(prefixed ? Uint8Array.from([...seed, ...bytes]) : bytes);
    }),
    { numRuns: 1000 },
  );
});

const ipArb: fc.Arbitrary<InetAddress> = fc.oneof(
  fc.record({ family: fc.constant(4 as const), ip: fc.uint8Array({ minLength: 4, maxLength: 4 }), port: fc.integer({ min: 0, max: 32 }) }),
  fc.record({ family: fc.constant(6 as const), ip: fc.uint8Array({ minLength: 16, maxLength: 16 }), port: fc.integer({ min: 0, max: 128 }) }),
).map((x) => ({ ...x }));
const textArb = fc.string({ maxLength: 40 }).map((s) => s.replace(/\0/g, ''));

test('netconf: toDictionary -> parse is the identity over valid configs (property)', () => {
  const configArb = fc.record({
    networkId: fc.bigInt({ min: 1n, max: 0xffffffffffffffffn }),
    timestamp: fc.integer({ min: 0, max: 2 ** 48 }),
    revision: fc.integer({ min: 0, max: 2 ** 40 }),
    issuedTo: fc.integer({ min: 1, max: 0xffffffffff }),
    flags: fc.bigInt({ min: 0n, max: 0x1fn }),
    multicastLimit: fc.integer({ min: 0, max: 0xffffffff }),
    mtu: fc.integer({ min: 1280, max: 10000 }),
    name: textArb,
    specialists: fc.array(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), { maxLength: 5 }),
    routes: fc.array(fc.record({ target: ipArb, via: fc.option(ipArb, { nil: null }), flags: fc.integer({ min: 0, max: 0xffff }), metric: fc.integer({ min: 0, max: 0xffff }) }), { maxLength: 4 }),
    staticIps: fc.array(ipArb, { maxLength: 4 }),
    rules: fc.array(ruleArb, { maxLength: 12 }),
    domain: textArb.filter((s) => new TextEncoder().encode(s).length < 128),
    servers: fc.array(ipArb.map((a) => ({ ...a, port: 0 })), { maxLength: 4 }),
  });
  fc.assert(
    fc.property(configArb, ({ domain, servers, ...x }) => {
      const nc: NetworkConfig = { ...emptyNetworkConfig(), ...x, routes: x.routes.map((r) => ({ ...r })), dns: { domain, servers } };
      const bytes = networkConfigToDictionary(nc);
      assert.ok(bytes);
      const back = parseNetworkConfig(bytes);
      assert.ok(back.ok);
      assert.deepEqual(back.value, nc);
    }),
    { numRuns: 200 },
  );
});
