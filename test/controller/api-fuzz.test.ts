/**
 * Fuzzed bodies: random JSON (and random text) posted to the network and member endpoints never
 * produce a 5xx; accepted bodies are stored exactly as answered, and posting an answered object
 * back is a no-op (normalization is idempotent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { call, CONTROLLER, fixture, NWID } from './helpers.js';

const NET = `/controller/network/${NWID}`;
const MEMBER = `${NET}/member/aabbccddee`;

const NETWORK_FIELDS = [
  'name', 'private', 'enableBroadcast', 'multicastLimit', 'mtu', 'v4AssignMode', 'v6AssignMode', 'ipAssignmentPools', 'routes',
  'rules', 'capabilities', 'tags', 'dns', 'authTokens', 'remoteTraceTarget', 'remoteTraceLevel', 'rulesSource', 'id', 'revision', 'x',
];
const MEMBER_FIELDS = [
  'authorized', 'activeBridge', 'noAutoAssignIps', 'ipAssignments', 'tags', 'capabilities', 'name', 'remoteTraceTarget',
  'remoteTraceLevel', 'authenticationExpiryTime', 'authenticationURL', 'identity', 'revision', 'x',
];

const RULE_TYPES = ['ACTION_ACCEPT', 'ACTION_DROP', 'ACTION_TEE', 'MATCH_ETHERTYPE', 'MATCH_IPV4_SOURCE', 'MATCH_CHARACTERISTICS', 'MATCH_ICMP', 'MATCH_TAGS_EQUAL', 'INTEGER_RANGE', 'BOGUS'];

/** Values shaped like the real fields often enough to get past the first check. */
const plausible = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('zt', 'zt,rfc4193', '10.0.0.1', '10.0.0.0/24', 'fd00::1', 'fd00::/64', '0123456789', 'true', '1500', ''),
  fc.array(fc.record({ target: fc.constantFrom('10.0.0.0/24', 'fd00::/64', 'bad', '1.2.3.4/40'), via: fc.constantFrom(null, '10.0.0.1', 'fd00::1', 5) }), { maxLength: 4 }),
  fc.array(fc.record({ ipRangeStart: fc.constantFrom('10.0.0.1', 'fd00::1', 'x'), ipRangeEnd: fc.constantFrom('10.0.0.99', 'fd00::ff', 7) }), { maxLength: 3 }),
  fc.array(fc.record({ type: fc.constantFrom(...RULE_TYPES), not: fc.jsonValue({ maxDepth: 1 }), mask: fc.jsonValue({ maxDepth: 1 }), etherType: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: ['type'] }), { maxLength: 5 }),
  fc.array(fc.tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }),
  fc.record({ domain: fc.jsonValue({ maxDepth: 1 }), servers: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.constantFrom('drop;', 'accept;', 'tag t id 1 default 2;\naccept;', 'drop not ethertype ipv4;\n', 'cap x id 1 accept; ;', 'frob;'),
);

const bodyOf = (fields: string[]) => fc.dictionary(fc.constantFrom(...fields), plausible, { maxKeys: 5 });

const f = fixture();
test.before(async () => {
  await call(f.app, 'POST', `/controller/network/${CONTROLLER}______`, {});
  // Rules posted once, so the default ACCEPT's not/or quirk does not spoil idempotence below.
  await call(f.app, 'POST', NET, { rules: [{ type: 'ACTION_ACCEPT' }] });
  await call(f.app, 'POST', MEMBER, {});
});
test.after(() => f.close());

async function checkAcceptedOrRefused(url: string, body: string): Promise<void> {
  const r = await call(f.app, 'POST', url, body);
  assert.ok(r.status === 200 || r.status === 400, `status ${r.status} for ${body}: ${r.body}`);
  if (r.status === 400) {
    assert.equal(r.json.error, 400);
    assert.equal(typeof r.json.message, 'string');
    return;
  }
  const stored = await call(f.app, 'GET', url);
  assert.equal(stored.body, r.body, 'the answer is what was stored');
  const echoed = await call(f.app, 'POST', url, r.body);
  assert.equal(echoed.status, 200);
  assert.equal(echoed.body, r.body, `posting the answer back changed it (${body})`);
}

test('fuzz: random field values on the network endpoint', async () => {
  await fc.assert(fc.asyncProperty(bodyOf(NETWORK_FIELDS), (b) => checkAcceptedOrRefused(NET, JSON.stringify(b))), { numRuns: 250 });
});

test('fuzz: random field values on the member endpoint', async () => {
  await fc.assert(fc.asyncProperty(bodyOf(MEMBER_FIELDS), (b) => checkAcceptedOrRefused(MEMBER, JSON.stringify(b))), { numRuns: 250 });
});

test('fuzz: any JSON value as a body', async () => {
  await fc.assert(
    fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(NET, MEMBER), (b, url) => checkAcceptedOrRefused(url, JSON.stringify(b))),
    { numRuns: 200 },
  );
});

test('fuzz: arbitrary text as a body, and to the create endpoints', async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 64 }), fc.constantFrom(NET, MEMBER, '/controller/network', `/controller/network/${CONTROLLER}______`), async (text, url) => {
      const r = await call(f.app, 'POST', url, text);
      assert.ok(r.status === 200 || r.status === 400, `status ${r.status}: ${r.body}`);
    }),
    { numRuns: 200 },
  );
});

test('fuzz: random paths never produce a 5xx', async () => {
  const segment = fc.oneof(fc.constantFrom('controller', 'network', 'member', 'unstable', NWID, 'aabbccddee', `${CONTROLLER}______`, '', '%', '..'), fc.string({ maxLength: 20 }));
  await fc.assert(
    fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), async (parts, method) => {
      const url = '/' + parts.map((p) => encodeURIComponent(p)).join('/');
      const r = await call(f.app, method, url, method === 'POST' || method === 'PUT' ? '{}' : undefined);
      assert.ok(r.status < 500, `${method} ${url} → ${r.status}: ${r.body}`);
    }),
    { numRuns: 200 },
  );
});
