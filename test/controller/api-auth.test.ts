/**
 * Authentication as the node's API does it (service-api.md §3.2): X-ZT1-Auth, then ?auth=, then
 * Authorization: Bearer, only the first present source counts; 401 `{}` otherwise, before routing.
 * Tokens never appear in logs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { controllerApi } from '../../src/controller/api/controller-api.js';
import { presentedToken, tokenMatches } from '../../src/controller/api/auth.js';
import { SqliteControllerStore } from '../../src/controller/store/sqlite-store.js';
import { call, CONTROLLER, fixture, NWID, TOKEN, tempDir } from './helpers.js';
import { join } from 'node:path';

const NET = `/controller/network/${NWID}`;
const f = fixture();
test.before(async () => {
  await call(f.app, 'POST', NET, {});
});
test.after(() => f.close());

const ROUTES: [string, string][] = [
  ['GET', '/controller'],
  ['GET', '/controller/network'],
  ['POST', '/controller/network'],
  ['GET', NET],
  ['POST', NET],
  ['DELETE', NET],
  ['GET', `${NET}/member`],
  ['GET', `${NET}/member/aabbccddee`],
  ['POST', `${NET}/member/aabbccddee`],
  ['DELETE', `${NET}/member/aabbccddee`],
  ['GET', '/unstable/controller/network'],
  ['GET', `/unstable/controller/network/${NWID}/member`],
  ['GET', '/no/such/path'],
];

for (const [method, url] of ROUTES) {
  test(`${method} ${url} without a token → 401 {}`, async () => {
    const r = await call(f.app, method, url, method === 'POST' ? {} : undefined, {});
    assert.equal(r.status, 401);
    assert.equal(r.body, '{}');
  });
  test(`${method} ${url} with a wrong token → 401 {}`, async () => {
    const r = await call(f.app, method, url, method === 'POST' ? {} : undefined, { 'x-zt1-auth': TOKEN + 'x' });
    assert.equal(r.status, 401);
  });
}

test('a known path works with the token in each source', async () => {
  const cases: [string, Record<string, string>][] = [
    ['/controller/network', { 'X-ZT1-Auth': TOKEN }],
    [`/controller/network?auth=${TOKEN}`, {}],
    ['/controller/network', { authorization: `Bearer ${TOKEN}` }],
    ['/controller/network', { authorization: `bEaReR ${TOKEN}` }],
  ];
  for (const [url, headers] of cases) assert.equal((await call(f.app, 'GET', url, undefined, headers)).status, 200, JSON.stringify(headers));
});

test('an unknown path with the token is an empty 404', async () => {
  const r = await call(f.app, 'GET', '/no/such/path');
  assert.equal(r.status, 404);
  assert.equal(r.body, '');
});

test('only the first present source counts', async () => {
  const wrongHeaderRightQuery = await call(f.app, 'GET', `/controller/network?auth=${TOKEN}`, undefined, { 'x-zt1-auth': 'nope' });
  assert.equal(wrongHeaderRightQuery.status, 401);
  const wrongQueryRightBearer = await call(f.app, 'GET', '/controller/network?auth=nope', undefined, { authorization: `Bearer ${TOKEN}` });
  assert.equal(wrongQueryRightBearer.status, 401);
  const rightHeaderWrongQuery = await call(f.app, 'GET', '/controller/network?auth=nope', undefined, { 'x-zt1-auth': TOKEN });
  assert.equal(rightHeaderWrongQuery.status, 200);
});

test('malformed Authorization headers are refused', async () => {
  for (const authorization of [`Bearer  ${TOKEN}`, `Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN} x`, 'Bearer']) {
    assert.equal((await call(f.app, 'GET', '/controller/network', undefined, { authorization })).status, 401, authorization);
  }
});

test('presentedToken and tokenMatches', () => {
  assert.equal(presentedToken({ headers: {}, query: {} }), undefined);
  assert.equal(presentedToken({ headers: { 'x-zt1-auth': 'a' }, query: { auth: 'b' } }), 'a');
  assert.equal(presentedToken({ headers: {}, query: { auth: ['b', 'c'] } }), 'b');
  assert.equal(presentedToken({ headers: { authorization: 'Basic x' }, query: {} }), '');
  assert.equal(tokenMatches(undefined, 'x'), false);
  assert.equal(tokenMatches('', ''), false, 'an empty expected token never matches');
  assert.equal(tokenMatches('abc', 'abc'), true);
  assert.equal(tokenMatches('abc', 'abcd'), false);
});

test('the token is never written to the log', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const g = fixture({ logger: { level: 'trace', stream } });
  try {
    await call(g.app, 'GET', `/controller/network?auth=${TOKEN}`, undefined, {});
    await call(g.app, 'GET', '/controller/network', undefined, { authorization: `Bearer ${TOKEN}` });
    await call(g.app, 'GET', '/controller/network?auth=wrong-token-value', undefined, {});
    await call(g.app, 'POST', NET, { name: TOKEN });
  } finally {
    await g.close();
  }
  assert.ok(lines.length > 0, 'the logger ran');
  for (const l of lines) {
    assert.ok(!l.includes(TOKEN.slice(0, 16)), l);
    assert.ok(!l.includes('wrong-token-value'), l);
  }
});

test('the plugin mounts in a host app: with authToken it checks tokens itself, without it leaves that to the host', async () => {
  const { dir, cleanup } = tempDir();
  const store = new SqliteControllerStore(join(dir, 'c.db'));
  const guarded = Fastify();
  let current = 'first';
  guarded.register(controllerApi(store, { controllerAddress: CONTROLLER, authToken: () => current }));
  guarded.get('/status', async () => ({ ok: true }));
  guarded.post('/echo', async (req) => req.body);
  const open = Fastify();
  open.register(controllerApi(store, { controllerAddress: CONTROLLER }));
  try {
    assert.equal((await guarded.inject({ url: '/controller/network' })).statusCode, 401);
    assert.equal((await guarded.inject({ url: '/controller/network', headers: { 'x-zt1-auth': 'first' } })).statusCode, 200);
    current = 'rotated';
    assert.equal((await guarded.inject({ url: '/controller/network', headers: { 'x-zt1-auth': 'first' } })).statusCode, 401);
    assert.equal((await guarded.inject({ url: '/controller/network', headers: { 'x-zt1-auth': 'rotated' } })).statusCode, 200);
    assert.equal((await guarded.inject({ url: '/status' })).statusCode, 200, "the host's own routes are not affected");
    assert.equal((await open.inject({ url: '/controller/network' })).statusCode, 200);
    // The plugin's body parser is encapsulated: the host still parses JSON its own way.
    const echo = await guarded.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    assert.deepEqual(JSON.parse(echo.body), { a: 1 });
  } finally {
    await guarded.close();
    await open.close();
    await store.close();
    cleanup();
  }
});
