/**
 * Who may use the local API: token missing or wrong, the three token sources and their order,
 * `?auth=` off by default and on with settings.allowAuthTokenInQueryString, non-loopback
 * clients refused (even with the token, even for /health), allowManagementFrom with and without
 * /bits (a bare address is that one host, not the whole IPv4 space as in ZeroTier), IPv4-mapped
 * clients, /metrics from anywhere with the metrics token; local.conf validation of both
 * settings; the listeners (loopback only unless allowManagementFrom lists networks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAllowed, decideAccess, isLoopback } from '../../src/service/api/access.js';
import { presentedToken as presentedApiToken } from '../../src/controller/api/auth.js';
import type { ApiContext } from '../../src/service/api/api-context.js';
import { LocalApiServer, buildLocalApi } from '../../src/service/api/local-api.js';
import { type Cidr, parseCidr } from '../../src/service/ip-text.js';
import { parseLocalConf } from '../../src/service/local-conf.js';
import { silentLogger } from '../../src/service/logger.js';
import { METRICS_TOKEN, TOKEN, apiRig, auth, fakeNode } from './api-rig.js';

const cidrs = (...xs: string[]): Cidr[] => xs.map((x) => parseCidr(x)!);

test('api auth: 401 {} without the token, with a wrong one, or a wrong first source', async () => {
  const r = await apiRig();
  try {
    const get = (url: string, headers: Record<string, string> = {}) => r.app.inject({ method: 'GET', url, headers, remoteAddress: '127.0.0.1' });
    for (const [url, headers] of [
      ['/status', {}],
      ['/status', { 'x-zt1-auth': '' }],
      ['/status', { 'x-zt1-auth': `${TOKEN}x` }],
      ['/status', { 'x-zt1-auth': 'wrong', authorization: `Bearer ${TOKEN}` }],
      ['/status', { authorization: TOKEN }],
      ['/status', { authorization: `Token ${TOKEN}` }],
      ['/controller', {}],
      ['/no/such/path', {}],
      ['/metrics', {}],
      ['/metrics', { 'x-zt1-auth': 'wrong' }],
    ] as const) {
      const res = await get(url, headers);
      assert.deepEqual([res.statusCode, res.body, res.headers['content-type']], [401, '{}', 'application/json'], `${url} ${JSON.stringify(headers)}`);
    }
    assert.equal((await get('/status', auth)).statusCode, 200);
    assert.equal((await get('/status', { authorization: `BEARER ${TOKEN}` })).statusCode, 200, 'scheme case-insensitive');
    assert.equal((await get('/no/such/path', auth)).statusCode, 404, 'auth before routing');
  } finally {
    await r.close();
  }
});

test('api auth: ?auth= is refused by default and accepted when local.conf enables it', async () => {
  const r = await apiRig();
  try {
    const q = (url: string, headers: Record<string, string> = {}) => r.app.inject({ method: 'GET', url, headers });
    assert.equal((await q(`/status?auth=${TOKEN}`)).statusCode, 401, 'off by default');
    assert.equal((await q(`/status?auth=wrong`, { authorization: `Bearer ${TOKEN}` })).statusCode, 200, 'an ignored query does not shadow the Bearer header');
    r.access = { ...r.access, tokenInQuery: true };
    assert.equal((await q(`/status?auth=${TOKEN}`)).statusCode, 200, 'on');
    assert.equal((await q(`/status?auth=wrong`, { authorization: `Bearer ${TOKEN}` })).statusCode, 401, 'first present source only');
    assert.equal((await q(`/status?auth=${TOKEN}`, { 'x-zt1-auth': 'wrong' })).statusCode, 401, 'the header comes first');
    assert.equal((await q(`/metrics?auth=${METRICS_TOKEN}`)).statusCode, 200);
  } finally {
    await r.close();
  }
});

test('api auth: non-loopback clients are refused unless allowManagementFrom covers them', async () => {
  const r = await apiRig();
  try {
    const from = (remoteAddress: string, url = '/status', headers: Record<string, string> = auth) => r.app.inject({ method: 'GET', url, headers, remoteAddress });
    for (const ip of ['10.0.0.5', '192.0.2.2', 'fd00::2', '::ffff:10.0.0.5']) {
      assert.equal((await from(ip)).statusCode, 401, `${ip} with the token`);
      assert.equal((await from(ip, '/health', {})).statusCode, 401, `${ip} /health`);
    }
    for (const ip of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) assert.equal((await from(ip)).statusCode, 200, ip);
    assert.equal((await from('10.0.0.5', '/metrics', { 'x-zt1-auth': METRICS_TOKEN })).statusCode, 200, '/metrics has no address rule');

    r.access = { allowFrom: cidrs('10.0.0.0/24', 'fd00::/8'), tokenInQuery: false };
    assert.equal((await from('10.0.0.5')).statusCode, 200);
    assert.equal((await from('::ffff:10.0.0.5')).statusCode, 200, 'IPv4-mapped client');
    assert.equal((await from('fd00::2')).statusCode, 200);
    assert.equal((await from('10.0.1.5')).statusCode, 401);
    assert.equal((await from('10.0.0.5', '/status', {})).statusCode, 401, 'the token is still needed');
    assert.equal((await from('10.0.0.5', '/health', {})).statusCode, 200, '/health without a token from an allowed network');

    r.access = { allowFrom: cidrs('10.0.0.7'), tokenInQuery: false };
    assert.equal((await from('10.0.0.7')).statusCode, 200, 'the bare address itself');
    for (const ip of ['10.0.0.8', '10.0.0.6', '192.0.2.2', '1.2.3.4', 'fd00::2']) {
      assert.equal((await from(ip)).statusCode, 401, `bare 10.0.0.7 must not admit ${ip} (ZeroTier reads it as /0)`);
    }
    r.access = { allowFrom: cidrs('fd00::7'), tokenInQuery: false };
    assert.equal((await from('fd00::7')).statusCode, 200);
    assert.equal((await from('fd00::8')).statusCode, 401);
  } finally {
    await r.close();
  }
});

test('api auth: the access decision as a function (property: only loopback or listed clients pass)', async () => {
  const fc = (await import('fast-check')).default;
  const allow = cidrs('192.168.7.0/24', '10.9.9.9');
  fc.assert(
    fc.property(fc.ipV4(), (ip) => {
      const expected = ip.startsWith('127.') || ip.startsWith('192.168.7.') || ip === '10.9.9.9';
      assert.equal(clientAllowed(ip, allow), expected, ip);
      assert.equal(clientAllowed(`::ffff:${ip}`, allow), expected, `::ffff:${ip}`);
    }),
    { numRuns: 500 },
  );
  for (const bad of [undefined, '', 'garbage', '127.0.0.1.evil', 'fe80::1%eth0', '::']) assert.equal(isLoopback(bad), false, String(bad));
  assert.equal(presentedApiToken({ headers: {}, query: { auth: ['a', 'b'] } }, true), 'a');
  assert.equal(presentedApiToken({ headers: {}, query: { auth: 'a' } }, false), undefined);
  assert.equal(presentedApiToken({ headers: { authorization: 'Bearer' }, query: {} }, false), '');
  assert.equal(decideAccess('/health', '10.0.0.1', { headers: {}, query: {} }, { allowFrom: [], tokenInQuery: false }, TOKEN, undefined), 'deny');
  assert.equal(decideAccess('/metrics', '10.0.0.1', { headers: { 'x-zt1-auth': TOKEN }, query: {} }, { allowFrom: [], tokenInQuery: false }, TOKEN, undefined), 'allow');
});

test('api auth: local.conf allowManagementFrom and allowAuthTokenInQueryString are validated', () => {
  const ok = parseLocalConf('{"settings":{"allowManagementFrom":["10.1.2.3"," 192.0.2.0/24","fd00::/8"],"allowAuthTokenInQueryString":true}}');
  assert.ok(ok.ok);
  assert.deepEqual(ok.value.settings.allowManagementFrom.map((c) => c.bits), [32, 24, 8], 'a bare address is a /32');
  assert.equal(ok.value.settings.allowAuthTokenInQueryString, true);
  const dflt = parseLocalConf('{}');
  assert.ok(dflt.ok);
  assert.deepEqual([dflt.value.settings.allowManagementFrom, dflt.value.settings.allowAuthTokenInQueryString], [[], false]);
  for (const [text, field] of [
    ['{"settings":{"allowManagementFrom":["10.0.0.0/40"]}}', 'settings.allowManagementFrom[0]'],
    ['{"settings":{"allowManagementFrom":["any"]}}', 'settings.allowManagementFrom[0]'],
    ['{"settings":{"allowManagementFrom":"10.0.0.1"}}', 'settings.allowManagementFrom'],
    ['{"settings":{"allowAuthTokenInQueryString":"maybe"}}', 'settings.allowAuthTokenInQueryString'],
  ]) {
    const r = parseLocalConf(text);
    assert.ok(!r.ok, text);
    assert.equal(r.error.field, field);
  }
});

test('api auth: listeners are loopback only, wildcard only while allowManagementFrom lists networks', async () => {
  const r = await apiRig();
  const ctx: ApiContext = { clock: () => 1, node: fakeNode(), networks: r.ports, log: silentLogger(), statusConfig: () => ({}), localPortOf: () => 0 };
  const server = new LocalApiServer(buildLocalApi({ context: ctx, token: () => TOKEN }));
  try {
    await server.listen(0);
    const port = server.port;
    assert.equal(server.listening[0], `127.0.0.1/${port}`);
    assert.ok(server.listening.every((l) => l.startsWith('127.0.0.1/') || l.startsWith('::1/')));
    // A keep-alive request in flight when the listeners change still gets its answer.
    const before = await fetch(`http://127.0.0.1:${port}/status`, { headers: auth });
    assert.equal(before.status, 200);
    await server.setWildcard(true);
    assert.deepEqual(server.listening.map((l) => l.split('/')[0]).slice(0, 1), ['0.0.0.0']);
    assert.equal((await fetch(`http://127.0.0.1:${port}/network`, { headers: auth })).status, 200, 'loopback still reaches the wildcard listener');
    await server.setWildcard(false);
    assert.equal(server.listening[0], `127.0.0.1/${port}`);
    assert.equal(server.port, port, 'same port');
  } finally {
    await server.close();
    await r.close();
  }
});
