/**
 * The local API against ZeroTier One 1.14.1's live captures (service-api.md §4, §5): every field
 * name the reference sends is present with the same JSON type (TierZero may add fields), the
 * bodies are compact with sorted keys, and each endpoint answers with the reference's status
 * codes: /status, /health, /network (fresh and configured), /peer, /peer/<addr>, /moon (list,
 * show, orbit placeholder, deorbit), /config, /bond, /metrics, JSONP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/controller/canonical-json.js';
import { MOON_ROOT, METRICS_TOKEN, NOW, apiRig, auth, moonWorld } from './api-rig.js';
import { inet, sampleConfig } from './vl2-fakes.js';

const CAPTURE = {
  status:
    '{"address":"0c234e38b7","clock":1795296518581,"config":{"physical":{"10.99.99.0/24":{"blacklist":true}},"settings":{"allowManagementFrom":["192.0.2.0/24"],"allowTcpFallbackRelay":true,"forceTcpRelay":false,"homeDir":"/var/lib/zerotier-one","interfacePrefixBlacklist":["ifb"],"listeningOn":["192.0.2.2/19991","192.0.2.2/19993","fd00::2/19991","fd00::2/19993"],"portMappingEnabled":false,"primaryPort":19991,"secondaryPort":19993,"softwareUpdate":"disable","softwareUpdateChannel":"release","surfaceAddresses":["fd00::2/19991","192.0.2.2/19991","192.0.2.2/19993"],"tertiaryPort":19995},"virtual":{"877b4c7399":{"try":["192.0.2.2/19990"]}}},"online":true,"planetWorldId":149604618,"planetWorldTimestamp":1644592324813,"publicIdentity":"0c234e38b7:0:0861bd45d932b4d8988335e08834d2f1364c24185d9135ac1d631d793a73b10decdcfa0f34ba2a539f9dd3d1c8af52ef804876c604c8835ca43d8716c9d90906","tcpFallbackActive":false,"version":"1.14.1","versionBuild":0,"versionMajor":1,"versionMinor":14,"versionRev":1}',
  health: '{"clock":1795296518666,"online":false,"version":"1.14.1","versionBuild":0,"versionMajor":1,"versionMinor":14,"versionRev":1}',
  freshNetwork:
    '{"allowDNS":false,"allowDefault":false,"allowGlobal":false,"allowManaged":false,"assignedAddresses":[],"bridge":false,"broadcastEnabled":false,"dhcp":false,"dns":{"domain":"","servers":[]},"id":"877b4c7399000001","mac":"02:0c:23:d7:4b:fb","mtu":2800,"multicastSubscriptions":[],"name":"","netconfRevision":0,"nwid":"877b4c7399000001","portDeviceName":"zt6trey44y","portError":0,"routes":[],"status":"REQUESTING_CONFIGURATION","type":"PRIVATE"}',
  okNetwork:
    '{"allowDNS":false,"allowDefault":false,"allowGlobal":false,"allowManaged":true,"assignedAddresses":["fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88","fc1e:42a3:ec0c:234e:38b7::1/40","172.31.250.17/24"],"bridge":false,"broadcastEnabled":true,"dhcp":false,"dns":{"domain":"harness.zt","servers":["172.31.250.1"]},"id":"877b4c739939ef9f","mac":"9e:e3:1a:d7:4b:fb","mtu":2800,"multicastSubscriptions":[{"adi":0,"mac":"01:00:5e:00:00:01"}],"name":"harness-renamed","netconfRevision":3,"nwid":"877b4c739939ef9f","portDeviceName":"zt6trhlhag","portError":0,"routes":[{"flags":0,"metric":0,"target":"172.31.250.0/24","via":null},{"flags":0,"metric":0,"target":"172.31.251.0/24","via":"172.31.250.1"}],"status":"OK","type":"PRIVATE"}',
  peer: '{"address":"877b4c7399","isBonded":false,"latency":0,"paths":[{"active":true,"address":"192.0.2.2/19990","expired":false,"lastReceive":1795296504110,"lastSend":1795296504110,"localPort":0,"localSocket":94190943354672,"preferred":false,"trustedPathId":0},{"active":true,"address":"192.0.2.2/19990","expired":false,"lastReceive":1795296513918,"lastSend":1795296513918,"localPort":0,"localSocket":94190943347520,"preferred":true,"trustedPathId":0}],"role":"MOON","tunneled":false,"version":"1.14.1","versionMajor":1,"versionMinor":14,"versionRev":1}',
  moon: '{"id":"000000877b4c7399","roots":[{"identity":"877b4c7399:0:d3ef","stableEndpoints":["192.0.2.2/19990"]}],"signature":"0563a541","timestamp":1795296121790,"updatesMustBeSignedBy":"6b35322e","waiting":false}',
  moonWaiting: '{"id":"0000005544332211","roots":[],"signature":null,"timestamp":0,"updatesMustBeSignedBy":null,"waiting":true}',
};

type Shape = string | { [k: string]: Shape } | Shape[];

/** The JSON type structure of a value: objects by key, arrays by their first element. */
function shapeOf(v: unknown): Shape {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? [] : [shapeOf(v[0])];
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, shapeOf(x)]));
  return typeof v;
}

/** Every field of `reference` is in `ours` with the same type (recursively); `nullable` paths may be null or a string. */
function assertCovers(ours: unknown, reference: unknown, path = '$', nullable: string[] = []): void {
  const o = shapeOf(ours);
  const r = shapeOf(reference);
  if (typeof r === 'string') {
    if (nullable.includes(path) && (o === 'null' || o === 'string')) return;
    assert.equal(o, r, `${path}: ${JSON.stringify(o)} where the reference has ${r}`);
    return;
  }
  if (Array.isArray(r)) {
    assert.ok(Array.isArray(o), `${path}: expected an array`);
    if (r.length > 0 && (ours as unknown[]).length > 0) assertCovers((ours as unknown[])[0], (reference as unknown[])[0], `${path}[0]`, nullable);
    return;
  }
  assert.ok(o !== null && typeof o === 'object' && !Array.isArray(o), `${path}: expected an object`);
  for (const k of Object.keys(r)) {
    assert.ok(Object.hasOwn(ours as object, k), `${path}.${k} is missing`);
    assertCovers((ours as Record<string, unknown>)[k], (reference as Record<string, unknown>)[k], `${path}.${k}`, nullable);
  }
}

function assertCanonical(body: string): void {
  assert.equal(body, canonicalJson(JSON.parse(body)), 'compact JSON with sorted keys');
}

test('api contract: GET /status and /health have the reference fields and types', async () => {
  const r = await apiRig();
  try {
    const status = await r.app.inject({ method: 'GET', url: '/status', headers: auth });
    assert.equal(status.statusCode, 200);
    assert.equal(status.headers['content-type'], 'application/json');
    assertCanonical(status.body);
    const ours = JSON.parse(status.body);
    const reference = JSON.parse(CAPTURE.status);
    assertCovers({ ...ours, config: undefined }, { ...reference, config: undefined });
    assert.equal(ours.clock, NOW);
    const health = await r.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200, '/health needs no token');
    assertCanonical(health.body);
    assert.deepEqual(Object.keys(JSON.parse(health.body)), Object.keys(JSON.parse(CAPTURE.health)), 'exactly the reference fields');
    assertCovers(JSON.parse(health.body), JSON.parse(CAPTURE.health));
  } finally {
    await r.close();
  }
});

test('api contract: /network fresh and configured objects match the captures', async () => {
  const r = await apiRig();
  try {
    const fresh = await r.app.inject({ method: 'POST', url: '/network/877b4c7399000001', headers: auth, payload: '{"allowManaged":false}' });
    assert.equal(fresh.statusCode, 200);
    assert.equal(fresh.body, CAPTURE.freshNetwork, 'byte for byte the live capture');
    const nwid = 0x877b4c739939ef9fn;
    await r.app.inject({ method: 'POST', url: '/network/877b4c739939ef9f', headers: auth });
    r.vl2.configure(
      nwid,
      sampleConfig(nwid, {
        name: 'harness-renamed',
        staticIps: [inet('fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88'), inet('172.31.250.17/24')],
        routes: [
          { target: inet('172.31.250.0/24'), via: null, flags: 0, metric: 0 },
          { target: inet('172.31.251.0/24'), via: inet('172.31.250.1'), flags: 0, metric: 0 },
        ],
        dns: { domain: 'harness.zt', servers: [inet('172.31.250.1')] },
      }),
    );
    const ok = await r.app.inject({ method: 'GET', url: '/network/877b4c739939ef9f', headers: auth });
    assertCanonical(ok.body);
    const ours = JSON.parse(ok.body);
    assertCovers(ours, JSON.parse(CAPTURE.okNetwork), '$', ['$.routes[0].via']);
    assert.equal(ours.status, 'OK');
    assert.deepEqual(ours.routes[1], { flags: 0, metric: 0, target: '172.31.251.0/24', via: '172.31.250.1' });
    const list = JSON.parse((await r.app.inject({ method: 'GET', url: '/network', headers: auth })).body);
    assert.deepEqual(list.map((n: { id: string }) => n.id), ['877b4c7399000001', '877b4c739939ef9f']);
    for (const n of list) assertCovers(n, JSON.parse(CAPTURE.freshNetwork));
    const missing = await r.app.inject({ method: 'GET', url: '/network/1111111111111111', headers: auth });
    assert.deepEqual([missing.statusCode, missing.body], [404, '{}']);
    assert.equal((await r.app.inject({ method: 'DELETE', url: '/network/877b4c7399000001', headers: auth })).body, '{"result":true}');
    assert.equal((await r.app.inject({ method: 'DELETE', url: '/network/877b4c7399000001', headers: auth })).body, '{}');
  } finally {
    await r.close();
  }
});

test('api contract: /peer and /peer/<address>', async () => {
  const r = await apiRig();
  try {
    const res = await r.app.inject({ method: 'GET', url: '/peer', headers: auth });
    assertCanonical(res.body);
    const peers = JSON.parse(res.body);
    assertCovers(peers[0], JSON.parse(CAPTURE.peer));
    assert.deepEqual(
      peers[0].paths.map((p: { localSocket: number; preferred: boolean }) => [p.localSocket, p.preferred]),
      [
        [94190943354672, false],
        [94190943347520, true],
      ],
    );
    assert.deepEqual([peers[1].version, peers[1].latency, peers[1].paths], ['-1.-1.-1', -1, []], 'a root never reached');
    assert.equal((await r.app.inject({ method: 'GET', url: '/peer/877B4C7399', headers: auth })).body, canonicalJson(peers[0]));
    const unknown = await r.app.inject({ method: 'GET', url: '/peer/0102030405', headers: auth });
    assert.deepEqual([unknown.statusCode, unknown.body], [200, '{}']);
    assert.equal((await r.app.inject({ method: 'GET', url: '/peer/12345', headers: auth })).statusCode, 404);
  } finally {
    await r.close();
  }
});

test('api contract: /moon list, show, orbit (placeholder while waiting), deorbit', async () => {
  const r = await apiRig();
  try {
    const id = MOON_ROOT.address.toString(16).padStart(10, '0');
    assert.equal((await r.app.inject({ method: 'GET', url: '/moon', headers: auth })).body, '[]');
    const waiting = await r.app.inject({ method: 'POST', url: '/moon/5544332211', headers: auth, payload: '{"seed":"5544332211"}' });
    assert.equal(waiting.body, CAPTURE.moonWaiting, 'the live placeholder');
    assert.deepEqual(r.node.orbits, ['orbit 5544332211 5544332211']);
    assert.equal((await r.app.inject({ method: 'POST', url: '/moon/5544332212', headers: auth, payload: '{}' })).body, '{}', 'no seed, unknown moon');
    assert.equal((await r.app.inject({ method: 'POST', url: '/moon/000000877b4c7399', headers: auth, payload: '{}' })).statusCode, 404, '16 digits do not match');
    const badSeed = await r.app.inject({ method: 'POST', url: '/moon/5544332211', headers: auth, payload: '{"seed":12}' });
    assert.equal(badSeed.statusCode, 400);
    assert.equal(JSON.parse(badSeed.body).field, 'seed');

    r.node.moonList = [moonWorld(MOON_ROOT)];
    const list = JSON.parse((await r.app.inject({ method: 'GET', url: '/moon', headers: auth })).body);
    assertCovers(list[0], JSON.parse(CAPTURE.moon));
    assert.equal(list[0].id, `000000${id}`);
    assert.equal(list[0].roots[0].identity, MOON_ROOT.toString(false));
    assert.equal(list[0].signature.length, 192);
    assert.equal(list[0].updatesMustBeSignedBy.length, 128);
    assert.equal((await r.app.inject({ method: 'GET', url: `/moon/${id}`, headers: auth })).body, canonicalJson(list[0]));
    assert.equal((await r.app.inject({ method: 'POST', url: `/moon/${id}`, headers: auth, payload: `{"seed":"${id}"}` })).body, canonicalJson(list[0]), 'a known moon is returned');
    assert.equal((await r.app.inject({ method: 'GET', url: '/moon/0000000001', headers: auth })).body, '{}');
    assert.equal((await r.app.inject({ method: 'DELETE', url: `/moon/${id}`, headers: auth })).body, '{"result":true}');
    assert.equal((await r.app.inject({ method: 'DELETE', url: '/moon/0000000001', headers: auth })).body, '{"result":true}', 'always');
    assert.equal((await r.app.inject({ method: 'GET', url: '/moon', headers: auth })).body, '[]');
  } finally {
    await r.close();
  }
});

test('api contract: /config and /config/settings (validated, shallow replace)', async () => {
  const r = await apiRig();
  try {
    assert.equal((await r.app.inject({ method: 'GET', url: '/config', headers: auth })).body, '{"settings":{"primaryPort":9993}}');
    const ok = await r.app.inject({ method: 'POST', url: '/config/settings', headers: auth, payload: '{"secondaryPort":19992,"softwareUpdate":"disable"}' });
    assert.deepEqual([ok.statusCode, ok.body], [200, '{}']);
    assert.equal((await r.app.inject({ method: 'GET', url: '/config', headers: auth })).body, '{"settings":{"primaryPort":9993,"secondaryPort":19992,"softwareUpdate":"disable"}}');
    for (const [payload, field] of [
      ['{"primaryPort":"abc"}', 'settings.primaryPort'],
      ['{"allowManagementFrom":["10.0.0.0/33"]}', 'settings.allowManagementFrom[0]'],
      ['{"allowManagementFrom":"10.0.0.1"}', 'settings.allowManagementFrom'],
      ['{"bind":[1]}', 'settings.bind[0]'],
      ['[1,2]', 'body'],
      ['{"oops"', 'body'],
    ]) {
      const res = await r.app.inject({ method: 'PUT', url: '/config/settings', headers: auth, payload });
      assert.equal(res.statusCode, 400, payload);
      assert.equal(JSON.parse(res.body).field, field, payload);
    }
    assert.equal((await r.app.inject({ method: 'GET', url: '/config', headers: auth })).body, '{"settings":{"primaryPort":9993,"secondaryPort":19992,"softwareUpdate":"disable"}}', 'refused changes wrote nothing');
  } finally {
    await r.close();
  }
});

test('api contract: /bond answers as the reference without bonding', async () => {
  const r = await apiRig();
  try {
    const show = await r.app.inject({ method: 'GET', url: '/bond/show/877b4c7399', headers: auth });
    assert.deepEqual([show.statusCode, show.body], [400, '{}']);
    const rotate = await r.app.inject({ method: 'POST', url: '/bond/rotate/877b4c7399', headers: auth });
    assert.deepEqual([rotate.statusCode, rotate.body], [400, '{}']);
    const mtu = await r.app.inject({ method: 'PUT', url: '/bond/setmtu/1400/eth0/192.0.2.2', headers: auth });
    assert.deepEqual([mtu.statusCode, mtu.body, mtu.headers['content-type']], [400, "Bonding layer isn't active yet", 'application/json']);
    assert.equal((await r.app.inject({ method: 'GET', url: '/bond/show/xyz', headers: auth })).statusCode, 404);
    assert.equal((await r.app.inject({ method: 'POST', url: '/bond/setmtu/1400/eth-0/192.0.2.2', headers: auth })).statusCode, 404);
  } finally {
    await r.close();
  }
});

test('api contract: /metrics exposes tierzero_* and ZeroTier families from the core counters', async () => {
  const r = await apiRig();
  try {
    await r.app.inject({ method: 'POST', url: '/network/877b4c7399000001', headers: auth });
    const res = await r.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-zt1-auth': METRICS_TOKEN } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    for (const line of [
      'tierzero_packets_total{direction="rx",verb="HELLO"} 3',
      'tierzero_packets_total{direction="tx",verb="NETWORK_CONFIG_REQUEST"} 3',
      'tierzero_packet_bytes_total{direction="tx",verb="HELLO"} 500',
      'tierzero_datagrams_total{direction="rx"} 10',
      'tierzero_bytes_total{direction="tx"} 1700',
      'tierzero_relayed_packets_total 2',
      'tierzero_drops_total{reason="bad_mac"} 7',
      'tierzero_peers{role="MOON",link="direct"} 1',
      'tierzero_peers{role="PLANET",link="relayed"} 1',
      'tierzero_paths{state="alive"} 2',
      'tierzero_networks{status="REQUESTING_CONFIGURATION"} 1',
      'zt_packet{direction="tx",packet_type="network_config_request"} 3',
      'zt_packet_error{direction="rx",error_type="bad_mac"} 7',
      'zt_data{direction="rx",protocol="udp"} 1500',
      'zt_num_networks 1',
      'zt_peer_path_count{node_id="877b4c7399",status="alive"} 2',
      'controller_network_count 0',
    ]) {
      assert.ok(res.body.split('\n').includes(line), `missing: ${line}\n${res.body}`);
    }
    assert.match(res.body, /# TYPE tierzero_controller_config_request_seconds histogram/);
    assert.equal((await r.app.inject({ method: 'GET', url: '/metrics', headers: auth })).statusCode, 200, 'the auth token works too');
  } finally {
    await r.close();
  }
});

test('api contract: JSONP wraps every answer, 401 included', async () => {
  const r = await apiRig();
  try {
    const res = await r.app.inject({ method: 'GET', url: '/health?jsonp=cb', headers: auth });
    assert.equal(res.body, `cb(${JSON.stringify(JSON.parse(res.body.slice(3, -2)))});`);
    assert.equal(res.headers['content-type'], 'application/javascript');
    assert.equal((await r.app.inject({ method: 'GET', url: '/peer?jsonp=a.b' })).body, 'a.b({});');
  } finally {
    await r.close();
  }
});
