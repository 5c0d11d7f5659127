/**
 * Hostile input to the config service: random metadata dictionaries (raw bytes and key=value
 * text with the keys it reads), random requester addresses and network ids, and random junk in
 * stored network and member fields. Nothing throws out, every request gets at most one answer of
 * an allowed kind, and every config serializes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { readRequestMetadata } from '../../src/controller/request-metadata.js';
import { Dictionary } from '../../src/core/vl2/dictionary.js';
import { networkConfigToDictionary } from '../../src/core/vl2/netconf.js';
import { newMemberRecord, newNetworkRecord } from '../../src/controller/records.js';
import { fakeIdentity, MEMBER_B, metadataOf, NWID, NWID_HEX, recorder, serviceFixture, T0, type Answer } from './config-service-helpers.js';

const ALLOWED_ERRORS = new Set(['OBJ_NOT_FOUND', 'ACCESS_DENIED', 'AUTHENTICATION_REQUIRED']);

function checkAnswers(answers: Answer[]): void {
  assert.ok(answers.length <= 1);
  for (const a of answers) {
    if (a.kind === 'error') assert.ok(ALLOWED_ERRORS.has(a.code), a.code);
    else assert.ok(networkConfigToDictionary(a.config), 'config serializes');
  }
}

const metadataText = fc
  .array(
    fc.tuple(
      fc.constantFrom('a', 'majv', 'minv', 'revv', 'pv', 'revr', 'v', 'x', ''),
      fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('token:', 'token:sesame-123', 'ffffffffffffffffffff', '-1', '0x10', '\\0\\n')),
    ),
    { maxLength: 12 },
  )
  .map((entries) => entries.map(([k, v]) => `${k}=${v}`).join('\n'));

test('readRequestMetadata is total over random dictionaries', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1100 }), (bytes) => {
      const d = Dictionary.parse(bytes, 1024);
      if (!d.ok) return;
      const m = readRequestMetadata(d.value);
      for (const v of [m.vMajor, m.vMinor, m.vRev, m.vProto]) assert.ok(v === undefined || Number.isFinite(v));
      assert.ok(m.rulesEngineRevision === 0 || m.rulesEngineRevision === 1);
    }),
    { numRuns: 500 },
  );
});

test('fuzzed metadata, requesters and network ids: never a throw, at most one allowed answer', async () => {
  const f = serviceFixture();
  try {
    await f.api.postNetwork(NWID_HEX, { private: true, authTokens: { 'sesame-123': 0 }, v4AssignMode: { zt: true }, routes: [{ target: '10.0.0.0/8', via: null }], ipAssignmentPools: [{ ipRangeStart: '10.0.0.1', ipRangeEnd: '10.255.255.254' }] });
    let now = T0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(metadataText.map((t) => new TextEncoder().encode(t)), fc.uint8Array({ maxLength: 300 })),
        fc.integer({ min: 1, max: 0xfffffffffe }),
        fc.oneof(fc.constant(NWID), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0x8c0dc01ba4000000n, max: 0x8c0dc01ba4ffffffn })),
        async (bytes, address, nwid) => {
          const d = Dictionary.parse(bytes, 1024);
          if (!d.ok) return;
          now += 1500;
          const r = recorder();
          f.service.onConfigRequest(now, fakeIdentity(address), nwid, d.value, r.reply);
          await f.service.idle();
          checkAnswers(r.answers);
          assert.equal(r.answers.length, 1, 'not rate limited: a fresh member or a second later');
        },
      ),
      { numRuns: 150 },
    );
    assert.equal(f.service.stats.faults, 0);
  } finally {
    await f.close();
  }
});

const junk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('target', 'via', 'id', 'rules', 'default', 'domain', 'servers', 'type'), fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null))),
);

const NETWORK_FIELDS = [
  'name', 'private', 'enableBroadcast', 'multicastLimit', 'mtu', 'v4AssignMode', 'v6AssignMode', 'ipAssignmentPools', 'routes', 'rules',
  'capabilities', 'tags', 'dns', 'authTokens', 'remoteTraceTarget', 'remoteTraceLevel', 'ssoEnabled', 'certificateTimeoutWindowSize', 'revision',
] as const;
const MEMBER_FIELDS = [
  'authorized', 'activeBridge', 'noAutoAssignIps', 'ipAssignments', 'tags', 'capabilities', 'identity', 'remoteTraceTarget', 'remoteTraceLevel',
  'ssoExempt', 'authenticationExpiryTime',
] as const;

test('junk in stored network and member documents: never a throw, an allowed answer, serializable configs', async () => {
  const f = serviceFixture();
  // A second connection writes documents the way a hand edit or another tool could, bypassing the controller.
  const raw = new Database(f.store.path);
  try {
    const putNetworkDoc = raw.prepare('INSERT INTO network (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc');
    const putMemberDoc = raw.prepare(
      `INSERT INTO member (network_id, id, doc, revision, authorized, active_bridge) VALUES (?, ?, ?, 1, 0, 0)
       ON CONFLICT (network_id, id) DO UPDATE SET doc = excluded.doc`,
    );
    let now = T0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...NETWORK_FIELDS), junk, { maxKeys: 4 }),
        fc.dictionary(fc.constantFrom(...MEMBER_FIELDS), junk, { maxKeys: 4 }),
        async (networkJunk, memberJunk) => {
          now += 1500;
          runs++;
          f.clock.now = now;
          // A real change first, so the member (online after its request) is also pushed to from the junk.
          await f.api.postNetwork(NWID_HEX, { name: `run ${runs}` });
          const network = { ...newNetworkRecord(NWID_HEX, T0), private: false, revision: runs, ...networkJunk };
          const member = { ...newMemberRecord(NWID_HEX, 'cf9d611776', T0), revision: runs, ...memberJunk };
          putNetworkDoc.run(NWID_HEX, JSON.stringify(network));
          putMemberDoc.run(NWID_HEX, 'cf9d611776', JSON.stringify(member));
          const r = recorder();
          f.service.onConfigRequest(now, MEMBER_B, NWID, metadataOf('revr=1\n'), r.reply);
          await f.service.idle();
          checkAnswers(r.answers);
          f.service.processBackgroundTasks(now);
          await f.service.idle();
          for (const p of f.sink.pushes) assert.ok(networkConfigToDictionary(p.config));
          f.sink.clear();
        },
      ),
      { numRuns: 120 },
    );
    assert.ok(f.service.stats.configs > 0, 'some junk still yields configs');
  } finally {
    raw.close();
    await f.close();
  }
});
