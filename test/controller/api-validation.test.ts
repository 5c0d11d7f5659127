/**
 * Every body is validated: a known field of the wrong JSON type, or a value we cannot use, is a
 * 400 whose JSON body names the field; malformed JSON and non-object bodies are 400 too; nothing
 * is written. One test per case, table-driven.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, CONTROLLER, fixture, NWID } from './helpers.js';

const NET = `/controller/network/${NWID}`;

const NETWORK_CASES: [string, unknown, string][] = [
  ['name as object', { name: {} }, 'name'],
  ['name as null', { name: null }, 'name'],
  ['private as object', { private: {} }, 'private'],
  ['private as word', { private: 'maybe' }, 'private'],
  ['private as null', { private: null }, 'private'],
  ['enableBroadcast as array', { enableBroadcast: [] }, 'enableBroadcast'],
  ['multicastLimit negative', { multicastLimit: -1 }, 'multicastLimit'],
  ['multicastLimit fractional', { multicastLimit: 1.5 }, 'multicastLimit'],
  ['multicastLimit word', { multicastLimit: 'many' }, 'multicastLimit'],
  ['multicastLimit too large', { multicastLimit: 2 ** 33 }, 'multicastLimit'],
  ['mtu word', { mtu: 'abc' }, 'mtu'],
  ['mtu bool', { mtu: true }, 'mtu'],
  ['remoteTraceTarget number', { remoteTraceTarget: 1234567890 }, 'remoteTraceTarget'],
  ['remoteTraceLevel word', { remoteTraceLevel: 'x' }, 'remoteTraceLevel'],
  ['v4AssignMode number', { v4AssignMode: 1 }, 'v4AssignMode'],
  ['v4AssignMode.zt word', { v4AssignMode: { zt: 'yes please' } }, 'v4AssignMode.zt'],
  ['v6AssignMode null', { v6AssignMode: null }, 'v6AssignMode'],
  ['v6AssignMode.rfc4193 object', { v6AssignMode: { rfc4193: {} } }, 'v6AssignMode.rfc4193'],
  ['routes object', { routes: {} }, 'routes'],
  ['routes string', { routes: '10.0.0.0/8' }, 'routes'],
  ['ipAssignmentPools number', { ipAssignmentPools: 3 }, 'ipAssignmentPools'],
  ['rules object', { rules: { type: 'ACTION_ACCEPT' } }, 'rules'],
  ['rules[1] characteristics mask as bool', { rules: [{ type: 'ACTION_ACCEPT' }, { type: 'MATCH_CHARACTERISTICS', mask: true }] }, 'rules[1]'],
  ['capabilities string', { capabilities: 'x' }, 'capabilities'],
  ['capabilities[0].id negative', { capabilities: [{ id: -1 }] }, 'capabilities[0].id'],
  ['capabilities[0].default word', { capabilities: [{ id: 1, default: 'sure' }] }, 'capabilities[0].default'],
  ['capabilities[0].rules[0] bad mask', { capabilities: [{ id: 1, rules: [{ type: 'MATCH_CHARACTERISTICS', mask: [] }] }] }, 'capabilities[0].rules[0]'],
  ['tags null', { tags: null }, 'tags'],
  ['tags[0].id word', { tags: [{ id: 'x' }] }, 'tags[0].id'],
  ['tags[0].default object', { tags: [{ id: 1, default: {} }] }, 'tags[0].default'],
  ['dns string', { dns: 'example.com' }, 'dns'],
  ['dns non-empty array', { dns: ['10.0.0.1'] }, 'dns'],
  ['dns.domain number', { dns: { domain: 5 } }, 'dns.domain'],
  ['dns.servers string', { dns: { domain: 'x', servers: '10.0.0.1' } }, 'dns.servers'],
  ['dns.servers[1] number', { dns: { domain: 'x', servers: ['10.0.0.1', 7] } }, 'dns.servers[1]'],
  ['authTokens string', { authTokens: 'tok' }, 'authTokens'],
  ['rulesSource number', { rulesSource: 5 }, 'rulesSource'],
];

const MEMBER_CASES: [string, unknown, string][] = [
  ['authorized object', { authorized: {} }, 'authorized'],
  ['authorized word', { authorized: 'yes' }, 'authorized'],
  ['authorized null', { authorized: null }, 'authorized'],
  ['activeBridge array', { activeBridge: [] }, 'activeBridge'],
  ['noAutoAssignIps null', { noAutoAssignIps: null }, 'noAutoAssignIps'],
  ['ipAssignments string', { ipAssignments: '10.0.0.1' }, 'ipAssignments'],
  ['ipAssignments[1] number (the reference answers 500)', { ipAssignments: ['10.0.0.1', 167772161] }, 'ipAssignments[1]'],
  ['ipAssignments[0] null', { ipAssignments: [null] }, 'ipAssignments[0]'],
  ['tags object', { tags: {} }, 'tags'],
  ['tags[0][1] object', { tags: [[1, {}]] }, 'tags[0][1]'],
  ['tags[1][0] word', { tags: [[1, 2], ['a', 2]] }, 'tags[1][0]'],
  ['capabilities[0] word', { capabilities: ['ssh'] }, 'capabilities[0]'],
  ['capabilities[0] too large', { capabilities: [2 ** 32] }, 'capabilities[0]'],
  ['name array', { name: [] }, 'name'],
  ['remoteTraceTarget object', { remoteTraceTarget: {} }, 'remoteTraceTarget'],
  ['remoteTraceLevel negative', { remoteTraceLevel: -3 }, 'remoteTraceLevel'],
  ['authenticationExpiryTime word', { authenticationExpiryTime: 'later' }, 'authenticationExpiryTime'],
];

const f = fixture();
test.before(async () => {
  assert.equal((await call(f.app, 'POST', `/controller/network/${CONTROLLER}______`, {})).status, 200);
  assert.equal((await call(f.app, 'POST', `${NET}/member/aabbccddee`, {})).status, 200);
});
test.after(() => f.close());

async function expectFieldError(url: string, body: unknown, field: string): Promise<void> {
  const before = (await call(f.app, 'GET', url)).body;
  const r = await call(f.app, 'POST', url, body);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error, 400);
  assert.equal(r.json.field, field);
  assert.ok(r.json.message.startsWith(`${field}: `), r.json.message);
  assert.equal((await call(f.app, 'GET', url)).body, before, 'nothing may be written');
}

for (const [name, body, field] of NETWORK_CASES) {
  test(`network POST: ${name} → 400 naming ${field}`, () => expectFieldError(NET, body, field));
}

for (const [name, body, field] of MEMBER_CASES) {
  test(`member POST: ${name} → 400 naming ${field}`, () => expectFieldError(`${NET}/member/aabbccddee`, body, field));
}

const BAD_BODIES: [string, string][] = [
  ['empty body', ''],
  ['whitespace body', '  \n'],
  ['truncated JSON', '{"name":'],
  ['not JSON', 'name=x'],
  ['array body', '[1,2]'],
  ['string body', '"x"'],
  ['null body', 'null'],
  ['number body', '5'],
];

for (const [name, payload] of BAD_BODIES) {
  for (const url of [NET, `${NET}/member/aabbccddee`, '/controller/network', `/controller/network/${CONTROLLER}______`]) {
    test(`${name} to ${url.replace(NWID, '<nwid>')} → 400 invalid JSON, nothing created`, async () => {
      const idsBefore = (await call(f.app, 'GET', '/controller/network')).body;
      const r = await call(f.app, 'POST', url, payload);
      assert.equal(r.status, 400, r.body);
      assert.equal(r.json.error, 400);
      assert.match(r.json.message, /body/);
      assert.equal((await call(f.app, 'GET', '/controller/network')).body, idsBefore);
    });
  }
}

test('a body over the limit is 413', async () => {
  const g = fixture();
  try {
    const big = JSON.stringify({ name: 'x'.repeat(17 * 1024 * 1024) });
    const r = await call(g.app, 'POST', NET, big);
    assert.equal(r.status, 413);
    assert.equal(r.json.error, 413);
  } finally {
    await g.close();
  }
});

test('the status table covers every error code with a 4xx or 5xx status', async () => {
  const { ERROR_RESPONSES } = await import('../../src/controller/api/status-table.js');
  for (const [code, r] of Object.entries(ERROR_RESPONSES)) assert.ok(r.status >= 400 && r.status < 600, code);
});

test('hostile bodies: deep nesting and huge arrays are answered quickly and bounded', async () => {
  const g = fixture();
  try {
    await call(g.app, 'POST', NET, {});
    const deep = '{"name":"x","dns":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    const t0 = Date.now();
    const r1 = await call(g.app, 'POST', NET, deep);
    assert.ok(r1.status === 400, r1.body.slice(0, 200));
    const routes = Array.from({ length: 40_000 }, (_, i) => ({ target: `10.${(i >> 8) & 255}.${i & 255}.0/24` }));
    const r2 = await call(g.app, 'POST', NET, { routes, rules: Array.from({ length: 30_000 }, () => ({ type: 'ACTION_DROP' })) });
    assert.equal(r2.status, 200);
    assert.equal(r2.json.routes.length, 16384);
    assert.equal(r2.json.rules.length, 16384);
    const ips = Array.from({ length: 20_000 }, (_, i) => `10.1.${(i >> 8) & 255}.${i & 255}`);
    const r3 = await call(g.app, 'POST', `${NET}/member/aabbccddee`, { ipAssignments: ips });
    assert.equal(r3.json.ipAssignments.length, 16384);
    assert.ok(Date.now() - t0 < 20_000);
  } finally {
    await g.close();
  }
});

test('a closed store: GET /controller says 503 databaseReady false, other routes 503', async () => {
  const g = fixture();
  try {
    await g.store.close();
    const r = await call(g.app, 'GET', '/controller');
    assert.equal(r.status, 503);
    assert.match(r.body, /"databaseReady": false/);
    const n = await call(g.app, 'GET', '/controller/network');
    assert.equal(n.status, 503);
    assert.equal(n.json.error, 503);
  } finally {
    await g.close();
  }
});
