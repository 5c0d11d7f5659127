/**
 * The local JSON API: authentication before routing (loopback, token sources, constant-time
 * compare), response conventions (sorted compact JSON, empty 404, JSONP, 500 body), /status,
 * /network (join, settings, leave), /peer, the controller mounted on the same server, and
 * listening on 127.0.0.1 and ::1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerApi } from '../../src/controller/api/controller-api.js';
import { openControllerStore } from '../../src/controller/store/open-store.js';
import type { CoreNode } from '../../src/service/core-node.js';
import type { ApiContext } from '../../src/service/api/api-context.js';
import { AUTH_TOKEN_LENGTH, generateAuthToken, loadOrCreateAuthToken } from '../../src/service/api/auth-token.js';
import { LocalApiServer, buildLocalApi, isLoopback } from '../../src/service/api/local-api.js';
import { silentLogger } from '../../src/service/logger.js';
import type { IpCommandRunner } from '../../src/service/networks/ip-command.js';
import { NetworkPorts } from '../../src/service/networks/network-ports.js';
import { NetworksDir } from '../../src/service/networks/networks-dir.js';
import { StateStore } from '../../src/service/state-store.js';
import { FakeTapFactory } from '../../src/service/tap/fake-tap.js';
import { FakeVl2, inet, sampleConfig } from './vl2-fakes.js';

const TOKEN = 'abcdefghijklmnopqrstuvwx';
const ADDRESS = 0x0c234e38b7;

const fakeNode = {
  status: () => ({
    address: '0c234e38b7',
    publicIdentity: '0c234e38b7:0:0861bd45',
    online: true,
    isRoot: false,
    planetWorldId: 149604618n,
    planetWorldTimestamp: 1644592324813n,
    version: '1.14.1',
  }),
  peers: () => [
    {
      address: '877b4c7399',
      role: 'MOON' as const,
      latency: 38,
      versionMajor: 1,
      versionMinor: 14,
      versionRevision: 1,
      paths: [
        { address: inet('192.0.2.2/19990'), localSocket: 7, lastSend: 5, lastReceive: 6, active: true, expired: false, preferred: true, trustedPathId: 0n },
        { address: inet('192.0.2.3/19990'), localSocket: 7, lastSend: 1, lastReceive: 1, active: false, expired: true, preferred: false, trustedPathId: 0n },
      ],
    },
    { address: 'cafe04eba9', role: 'PLANET' as const, latency: -1, versionMajor: -1, versionMinor: -1, versionRevision: -1, paths: [] },
  ],
} as unknown as CoreNode;

interface ApiRig {
  home: string;
  ports: NetworkPorts;
  vl2: FakeVl2;
  app: ReturnType<typeof buildLocalApi>;
  close(): Promise<void>;
}

async function apiRig(withController = false): Promise<ApiRig> {
  const home = mkdtempSync(join(tmpdir(), 'tz-api-'));
  const ip: IpCommandRunner = { run: async () => ({ ok: true, error: '' }) };
  const ports = new NetworkPorts({
    taps: new FakeTapFactory(),
    ip,
    dir: new NetworksDir(new StateStore(home)),
    log: silentLogger(),
    clock: () => 1795296518581,
    address: ADDRESS,
    defer: (fn) => setImmediate(fn),
    poke: () => {},
  });
  const vl2 = new FakeVl2(ports, ADDRESS);
  ports.attach(vl2);
  const ctx: ApiContext = {
    clock: () => 1795296518581,
    node: fakeNode,
    networks: ports,
    log: silentLogger(),
    statusConfig: () => ({ settings: { primaryPort: 9993 } }),
    localPortOf: (id) => (id === 7 ? 9993 : 0),
  };
  const store = withController ? openControllerStore(home) : undefined;
  const plugins = store ? [controllerApi(store, { controllerAddress: '0c234e38b7' })] : [];
  const app = buildLocalApi({ context: ctx, token: () => TOKEN, plugins });
  await app.ready();
  return {
    home,
    ports,
    vl2,
    app,
    async close() {
      await app.close();
      ports.close();
      await store?.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const auth = { 'x-zt1-auth': TOKEN };

test('local API: 401 {} unless loopback and the right token from the first present source', async () => {
  const r = await apiRig();
  try {
    const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => r.app.inject({ method: 'GET', url, headers, remoteAddress });
    for (const res of [
      await get('/status'),
      await get('/status', { 'x-zt1-auth': 'wrong' }),
      await get('/status', { 'x-zt1-auth': TOKEN.slice(1) }),
      await get(`/status?auth=${TOKEN}`, { 'x-zt1-auth': 'wrong' }),
      await get('/status', { authorization: `Basic ${TOKEN}` }),
      await get('/status', { authorization: `Bearer ${TOKEN} x` }),
      await get('/status', auth, '10.0.0.1'),
      await get('/nope'),
    ]) {
      assert.equal(res.statusCode, 401);
      assert.equal(res.body, '{}');
      assert.equal(res.headers['content-type'], 'application/json');
    }
    assert.equal((await get('/status', auth)).statusCode, 200);
    assert.equal((await get('/status', { 'X-ZT1-AUTH': TOKEN })).statusCode, 200, 'header names are case-insensitive');
    assert.equal((await get('/status', { authorization: `bearer ${TOKEN}` })).statusCode, 200);
    assert.equal((await get(`/status?auth=${TOKEN}`)).statusCode, 401, '?auth= is off unless local.conf enables it (api-auth.test.ts)');
    assert.equal((await get('/status', auth, '::ffff:127.0.0.1')).statusCode, 200);
    const missing = await get('/nope', auth);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.body, '');
    assert.equal((await get('/status/', auth)).statusCode, 404, 'no trailing slash');
    assert.equal((await r.app.inject({ method: 'PATCH', url: '/status', headers: auth })).statusCode, 404);
    const head = await r.app.inject({ method: 'HEAD', url: '/status', headers: auth });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
  } finally {
    await r.close();
  }
});

test('local API: loopback addresses', () => {
  for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(a), true, a);
  for (const a of ['10.0.0.1', '::', '::ffff:10.0.0.1', 'fe80::1', '', undefined, '127.0.0.1.evil']) assert.equal(isLoopback(a), false, String(a));
});

test('local API: GET /status, GET /peer, JSONP', async () => {
  const r = await apiRig();
  try {
    const status = await r.app.inject({ method: 'GET', url: '/status', headers: auth });
    assert.equal(
      status.body,
      '{"address":"0c234e38b7","clock":1795296518581,"config":{"settings":{"primaryPort":9993}},"online":true,"planetWorldId":149604618,"planetWorldTimestamp":1644592324813,"publicIdentity":"0c234e38b7:0:0861bd45","tcpFallbackActive":false,"version":"1.14.1","versionBuild":0,"versionMajor":1,"versionMinor":14,"versionRev":1}',
    );
    const peers = JSON.parse((await r.app.inject({ method: 'GET', url: '/peer', headers: auth })).body);
    assert.deepEqual(peers[0], {
      address: '877b4c7399',
      isBonded: false,
      latency: 38,
      paths: [{ active: true, address: '192.0.2.2/19990', expired: false, lastReceive: 6, lastSend: 5, localPort: 9993, localSocket: 7, preferred: true, trustedPathId: 0 }],
      role: 'MOON',
      tunneled: false,
      version: '1.14.1',
      versionMajor: 1,
      versionMinor: 14,
      versionRev: 1,
    });
    assert.equal(peers[1].version, '-1.-1.-1');
    assert.deepEqual(peers[1].paths, []);
    assert.equal(JSON.parse((await r.app.inject({ method: 'GET', url: '/peer/CAFE04EBA9', headers: auth })).body).role, 'PLANET');
    assert.equal((await r.app.inject({ method: 'GET', url: '/peer/0000000001', headers: auth })).body, '{}');
    const jsonp = await r.app.inject({ method: 'GET', url: '/network?jsonp=cb', headers: auth });
    assert.equal(jsonp.body, 'cb([]);');
    assert.equal(jsonp.headers['content-type'], 'application/javascript');
    assert.equal((await r.app.inject({ method: 'GET', url: '/status?jsonp=cb' })).body, 'cb({});', 'JSONP applies to 401 too');
    assert.equal((await r.app.inject({ method: 'GET', url: '/network?jsonp=<script>', headers: auth })).body, '[]', 'a name that is not an identifier is not used');
  } finally {
    await r.close();
  }
});

test('local API: /network join, settings (booleans only), show, list, leave', async () => {
  const r = await apiRig();
  try {
    const nwid = '877b4c7399000001';
    const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: string) => r.app.inject({ method, url, headers: auth, payload });
    assert.equal((await req('GET', `/network/${nwid}`)).statusCode, 404);
    assert.equal((await req('GET', `/network/${nwid}`)).body, '{}');
    const refused = await req('POST', `/network/${nwid}`, '{"allowManaged":false,"allowDNS":"yes"}');
    assert.equal(refused.statusCode, 400, 'a setting that is not a boolean is refused (the reference ignores it)');
    assert.deepEqual(JSON.parse(refused.body).field, 'allowDNS');
    assert.equal((await req('GET', `/network/${nwid}`)).statusCode, 404, 'a refused request joins nothing');
    const joined = await req('POST', `/network/${nwid}`, '{"allowManaged":false}');
    assert.equal(joined.statusCode, 200);
    assert.equal(
      joined.body,
      '{"allowDNS":false,"allowDefault":false,"allowGlobal":false,"allowManaged":false,"assignedAddresses":[],"bridge":false,"broadcastEnabled":false,"dhcp":false,"dns":{"domain":"","servers":[]},"id":"877b4c7399000001","mac":"02:0c:23:d7:4b:fb","mtu":2800,"multicastSubscriptions":[],"name":"","netconfRevision":0,"nwid":"877b4c7399000001","portDeviceName":"zt6trey44y","portError":0,"routes":[],"status":"REQUESTING_CONFIGURATION","type":"PRIVATE"}',
      'the live capture of a fresh join',
    );
    assert.equal(readFileSync(join(r.home, 'networks.d', `${nwid}.local.conf`), 'utf8'), 'allowManaged=0\nallowGlobal=0\nallowDefault=0\nallowDNS=0\n');
    assert.equal((await req('PUT', `/network/${nwid.toUpperCase()}`, 'not json')).statusCode, 400, 'a body that is not JSON is refused');
    assert.equal(JSON.parse((await req('PUT', `/network/${nwid.toUpperCase()}`, '')).body).allowManaged, false, 'an empty body changes nothing');
    assert.equal(JSON.parse((await req('POST', `/network/${nwid}`, '{"allowDNS":true}')).body).allowDNS, true);

    r.vl2.configure(
      BigInt(`0x${nwid}`),
      sampleConfig(BigInt(`0x${nwid}`), {
        name: 'harness-net',
        staticIps: [inet('172.31.250.17/24')],
        routes: [
          { target: inet('172.31.250.0/24'), via: null, flags: 0, metric: 0 },
          { target: inet('172.31.251.0/24'), via: inet('172.31.250.1'), flags: 0, metric: 0 },
          { target: inet('fd00::/8'), via: inet('172.31.250.1'), flags: 0, metric: 0 },
        ],
        dns: { domain: 'harness.zt', servers: [inet('172.31.250.1'), null] },
      }),
    );
    const shown = JSON.parse((await req('GET', `/network/${nwid}`)).body);
    assert.equal(shown.status, 'OK');
    assert.equal(shown.name, 'harness-net');
    assert.equal(shown.netconfRevision, 3);
    assert.equal(shown.broadcastEnabled, true);
    assert.deepEqual(shown.assignedAddresses, ['172.31.250.17/24']);
    assert.deepEqual(shown.routes, [
      { flags: 0, metric: 0, target: '172.31.250.0/24', via: null },
      { flags: 0, metric: 0, target: '172.31.251.0/24', via: '172.31.250.1' },
      { flags: 0, metric: 0, target: 'fd00::/8', via: null },
    ]);
    assert.deepEqual(shown.dns, { domain: 'harness.zt', servers: ['172.31.250.1'] });

    await req('POST', '/network/0000000000000001', '{}');
    const list = JSON.parse((await req('GET', '/network')).body);
    assert.deepEqual(list.map((n: { id: string }) => n.id), ['0000000000000001', nwid], 'ascending network id');
    assert.equal((await req('DELETE', `/network/${nwid}`)).body, '{"result":true}');
    assert.equal((await req('DELETE', `/network/${nwid}`)).body, '{}');
    assert.equal((await req('DELETE', `/network/${nwid}`)).statusCode, 200);
    assert.equal((await req('POST', '/network/12345')).statusCode, 404);
    assert.equal((await req('GET', '/network/zz7b4c7399000001')).statusCode, 404);
  } finally {
    await r.close();
  }
});

test('local API: the controller API is served on the same server behind the same token', async () => {
  const r = await apiRig(true);
  try {
    assert.equal((await r.app.inject({ method: 'GET', url: '/controller' })).statusCode, 401);
    const info = await r.app.inject({ method: 'GET', url: '/controller', headers: auth });
    assert.equal(info.statusCode, 200);
    assert.match(info.body, /"controller": true/);
    const created = await r.app.inject({ method: 'POST', url: '/controller/network/0c234e38b7______', headers: auth, payload: '{"name":"n1"}' });
    assert.equal(created.statusCode, 200);
    assert.match(JSON.parse(created.body).id, /^0c234e38b7[0-9a-f]{6}$/);
    assert.equal((await r.app.inject({ method: 'GET', url: '/controller/network', headers: auth })).body, `["${JSON.parse(created.body).id}"]`);
  } finally {
    await r.close();
  }
});

test('local API: listens on 127.0.0.1 and ::1 and closes cleanly', async () => {
  const r = await apiRig();
  const server = new LocalApiServer(buildLocalApi({ context: { ...({} as ApiContext), networks: r.ports, node: fakeNode, clock: () => 1, log: silentLogger(), statusConfig: () => ({}), localPortOf: () => 0 }, token: () => TOKEN }));
  try {
    await server.listen(0);
    const port = server.port;
    assert.ok(port > 0);
    const res = await fetch(`http://127.0.0.1:${port}/network`, { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '[]');
    assert.equal(server.listening[0], `127.0.0.1/${port}`);
  } finally {
    await server.close();
    await r.close();
  }
});

test('auth token: 24 characters of a-z0-9, file 0600, created once, read trimmed', () => {
  const home = mkdtempSync(join(tmpdir(), 'tz-token-'));
  try {
    for (let i = 0; i < 50; i++) assert.match(generateAuthToken(), new RegExp(`^[a-z0-9]{${AUTH_TOKEN_LENGTH}}$`));
    let call = 0;
    const token = generateAuthToken((n) => (call++ === 0 ? new Uint8Array(n).fill(255) : new Uint8Array(n).fill(37)));
    assert.equal(token, 'b'.repeat(24), 'rejected bytes (>= 252) are drawn again, so there is no modulo bias');
    const store = new StateStore(home);
    const t1 = loadOrCreateAuthToken(store);
    assert.equal(statSync(join(home, 'authtoken.secret')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(home, 'authtoken.secret'), 'utf8'), t1, 'no newline');
    assert.equal(loadOrCreateAuthToken(store), t1);
    store.writeAtomic('authtoken.secret', ' hand-written\r\n', 0o644);
    assert.equal(loadOrCreateAuthToken(store), 'hand-written');
    assert.equal(statSync(join(home, 'authtoken.secret')).mode & 0o777, 0o600, 'permissions fixed on start');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('local API: hostile bodies and paths never give a 5xx (property)', async () => {
  const fc = (await import('fast-check')).default;
  const r = await apiRig();
  try {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })), async (body) => {
        const res = await r.app.inject({ method: 'POST', url: '/network/877b4c7399000001', headers: auth, payload: body });
        assert.ok(res.statusCode === 200 || res.statusCode === 400, `${res.statusCode} ${res.body}`);
        const n = JSON.parse(res.body);
        if (res.statusCode === 400) assert.equal(typeof n.field, 'string');
        else for (const k of ['allowManaged', 'allowGlobal', 'allowDefault', 'allowDNS']) assert.equal(typeof n[k], 'boolean');
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.webPath(), fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'HEAD'), async (path, method) => {
        const res = await r.app.inject({ method: method as 'GET', url: path.startsWith('/') ? path : `/${path}`, headers: auth });
        assert.ok(res.statusCode < 500, `${method} ${path}: ${res.statusCode} ${res.body}`);
      }),
      { numRuns: 200 },
    );
  } finally {
    await r.close();
  }
});
