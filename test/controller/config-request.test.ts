/**
 * The data side of a config request (controller.md §6): member creation, identity pinning,
 * authorization paths, version recording, default capabilities and tags, address assignment and
 * the revision moves of the live flow (§6.4).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfigRequest, type ConfigRequest } from '../../src/controller/config-request.js';
import { formatIp } from '../../src/core/vl2/ip-text.js';
import type { ControllerEvent } from '../../src/controller/store/store.js';
import { call, CONTROLLER, fixture, NOW, NWID } from './helpers.js';

const NET = `/controller/network/${NWID}`;
const IDENTITY =
  '0c234e38b7:0:0861bd45d932b4d8988335e08834d2f1364c24185d9135ac1d631d793a73b10decdcfa0f34ba2a539f9dd3d1c8af52ef804876c604c8835ca43d8716c9d90906';

function request(patch: Partial<ConfigRequest> = {}): ConfigRequest {
  return {
    nwid: NWID,
    memberId: '0c234e38b7',
    identity: IDENTITY,
    now: NOW + 1000,
    genuine: true,
    metadata: { vMajor: 1, vMinor: 14, vRev: 1, vProto: 12, rulesEngineRevision: 1 },
    ...patch,
  };
}

async function withHarnessNetwork(fn: (f: ReturnType<typeof fixture>) => Promise<void>): Promise<void> {
  const f = fixture();
  try {
    await call(f.app, 'POST', `/controller/network/${CONTROLLER}______`, {});
    const r = await call(f.app, 'POST', NET, {
      v4AssignMode: { zt: true },
      v6AssignMode: { rfc4193: true, '6plane': true, zt: false },
      routes: [{ target: '172.31.250.0/24', via: null }],
      ipAssignmentPools: [{ ipRangeStart: '172.31.250.10', ipRangeEnd: '172.31.250.250' }],
      tags: [{ id: 1000, default: 100 }, { id: 2000 }],
      capabilities: [
        { id: 1, default: true, rules: [{ type: 'ACTION_ACCEPT' }] },
        { id: 2, default: false, rules: [] },
      ],
    });
    assert.equal(r.status, 200);
    await fn(f);
  } finally {
    await f.close();
  }
}

test('unknown network → not_found, nothing written', async () => {
  const f = fixture();
  try {
    assert.deepEqual(await resolveConfigRequest(f.store, request()), { kind: 'not_found' });
    assert.deepEqual(await f.store.listNetworkIds(), []);
  } finally {
    await f.close();
  }
});

test('the live flow: join (denied, member recorded) → authorize → config with addresses, tags; revision 1 → 3', async () => {
  await withHarnessNetwork(async (f) => {
    const denied = await resolveConfigRequest(f.store, request());
    assert.deepEqual(denied, { kind: 'access_denied', reason: 'not_authorized' });
    const joined = (await call(f.app, 'GET', `${NET}/member/0c234e38b7`)).json;
    assert.equal(joined.authorized, false);
    assert.equal(joined.identity, IDENTITY);
    assert.equal(joined.revision, 1);
    assert.equal(joined.vMajor, -1, 'versions are recorded only for authorized requests');
    assert.deepEqual(joined.ipAssignments, []);

    assert.equal((await call(f.app, 'POST', `${NET}/member/0c234e38b7`, { authorized: true })).json.revision, 2);
    const ok = await resolveConfigRequest(f.store, request({ now: NOW + 2000 }));
    assert.equal(ok.kind, 'authorized');
    if (ok.kind !== 'authorized') return;
    assert.deepEqual(
      ok.staticIps.map((a) => `${formatIp(a.ip)}/${a.port}`),
      ['fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88', 'fc1e:42a3:ec0c:234e:38b7::1/40', '172.31.250.17/24'],
    );
    assert.equal(ok.ndpEmulation, true);
    assert.deepEqual(ok.tags, [[1000, 100]]);
    assert.deepEqual(ok.capabilities, [], 'default capabilities go only to members new at this request');
    assert.equal(ok.legacyRules, false);
    assert.deepEqual(ok.member.ipAssignments, ['172.31.250.17']);
    assert.deepEqual(ok.member.tags, [[1000, 100]]);
    assert.equal(ok.member.revision, 3);
    assert.deepEqual([ok.member.vMajor, ok.member.vMinor, ok.member.vRev, ok.member.vProto], [1, 14, 1, 12]);
    assert.deepEqual(ok.routes.map((r) => r.target.bits), [24]);

    // The same request again changes nothing: no new address, same revision.
    const again = await resolveConfigRequest(f.store, request({ now: NOW + 3000 }));
    assert.equal(again.kind === 'authorized' && again.member.revision, 3);
    assert.deepEqual(again.kind === 'authorized' && again.member.ipAssignments, ['172.31.250.17']);

    // The member record has the live shape of controller.md §4.2.
    const m = (await call(f.app, 'GET', `${NET}/member/0c234e38b7`)).json;
    assert.deepEqual(Object.keys(m), [
      'activeBridge', 'address', 'authenticationExpiryTime', 'authorized', 'capabilities', 'creationTime', 'id', 'identity',
      'ipAssignments', 'lastAuthorizedCredential', 'lastAuthorizedCredentialType', 'lastAuthorizedTime', 'lastDeauthorizedTime',
      'noAutoAssignIps', 'nwid', 'objtype', 'remoteTraceLevel', 'remoteTraceTarget', 'revision', 'ssoExempt', 'tags',
      'vMajor', 'vMinor', 'vProto', 'vRev',
    ]);
  });
});

test('a member new at an authorized request gets the default capabilities', async () => {
  await withHarnessNetwork(async (f) => {
    await call(f.app, 'POST', NET, { private: false });
    const ok = await resolveConfigRequest(f.store, request());
    assert.equal(ok.kind, 'authorized');
    if (ok.kind !== 'authorized') return;
    assert.deepEqual(ok.capabilities.map((c) => c.id), [1]);
    assert.deepEqual(ok.member.capabilities, [1]);
    assert.equal(ok.member.lastAuthorizedCredentialType, 'public');
    assert.equal(ok.member.lastAuthorizedTime, NOW + 1000);
    assert.equal(ok.member.authorized, true);
  });
});

test('identity pinning: another identity for a known address is denied and changes nothing', async () => {
  await withHarnessNetwork(async (f) => {
    await resolveConfigRequest(f.store, request());
    const before = (await call(f.app, 'GET', `${NET}/member/0c234e38b7`)).body;
    const forged = await resolveConfigRequest(f.store, request({ identity: IDENTITY.replace(/06$/, '07') }));
    assert.deepEqual(forged, { kind: 'access_denied', reason: 'identity_mismatch' });
    assert.equal((await call(f.app, 'GET', `${NET}/member/0c234e38b7`)).body, before);
  });
});

test('a pre-authorized member (no identity yet) learns its identity at the first request', async () => {
  await withHarnessNetwork(async (f) => {
    await call(f.app, 'POST', `${NET}/member/0c234e38b7`, { authorized: true });
    const ok = await resolveConfigRequest(f.store, request());
    assert.equal(ok.kind === 'authorized' && ok.member.identity, IDENTITY);
  });
});

test('token authorization: valid, never-expiring, expired, unknown, malformed', async () => {
  await withHarnessNetwork(async (f) => {
    await call(f.app, 'POST', NET, { authTokens: { forever: 0, later: NOW + 10_000, past: NOW } });
    const auth = async (id: string, a: string | undefined) =>
      (await resolveConfigRequest(f.store, request({ memberId: id, identity: `${id}:0:x`, metadata: { auth: a, rulesEngineRevision: 1 } }))).kind;
    assert.equal(await auth('0000000001', 'token:forever'), 'authorized');
    assert.equal(await auth('0000000002', 'token:later'), 'authorized');
    assert.equal(await auth('0000000003', 'token:past'), 'access_denied');
    assert.equal(await auth('0000000004', 'token:nope'), 'access_denied');
    assert.equal(await auth('0000000005', 'forever'), 'access_denied');
    assert.equal(await auth('0000000006', 'token:'), 'access_denied');
    assert.equal(await auth('0000000007', 'token:__proto__'), 'access_denied');
    const m = (await call(f.app, 'GET', `${NET}/member/0000000001`)).json;
    assert.equal(m.lastAuthorizedCredentialType, 'token');
    assert.equal(m.lastAuthorizedCredential, 'forever');
  });
});

test('a push (not genuine) does not overwrite the recorded versions', async () => {
  await withHarnessNetwork(async (f) => {
    await call(f.app, 'POST', `${NET}/member/0c234e38b7`, { authorized: true });
    await resolveConfigRequest(f.store, request());
    const pushed = await resolveConfigRequest(f.store, request({ genuine: false, metadata: { rulesEngineRevision: 1 } }));
    assert.equal(pushed.kind === 'authorized' && pushed.member.vMajor, 1);
  });
});

test('an old rules engine gets no capabilities or tags and its tags are not defaulted', async () => {
  await withHarnessNetwork(async (f) => {
    await call(f.app, 'POST', `${NET}/member/0c234e38b7`, { authorized: true });
    const r = await resolveConfigRequest(f.store, request({ metadata: { rulesEngineRevision: 0 } }));
    assert.equal(r.kind, 'authorized');
    if (r.kind !== 'authorized') return;
    assert.equal(r.legacyRules, true);
    assert.deepEqual(r.tags, []);
    assert.deepEqual(r.member.tags, []);
  });
});

test('SSO: an expired member of an SSO network gets authentication_required', async () => {
  await withHarnessNetwork(async (f) => {
    // ssoEnabled is not settable through the API; edit the record as a database backend would.
    await f.store.transaction(async (tx) => tx.putNetwork({ ...(await tx.getNetwork(NWID))!, ssoEnabled: true }));
    await call(f.app, 'POST', `${NET}/member/0c234e38b7`, { authorized: true, authenticationExpiryTime: NOW });
    assert.equal((await resolveConfigRequest(f.store, request())).kind, 'authentication_required');
    await call(f.app, 'POST', `${NET}/member/0c234e38b7`, { authenticationExpiryTime: NOW + 5000 });
    assert.equal((await resolveConfigRequest(f.store, request())).kind, 'authorized');
  });
});

test('active bridges are listed for every member; deauthorization is reported on the feed', async () => {
  await withHarnessNetwork(async (f) => {
    await call(f.app, 'POST', `${NET}/member/aaaaaaaaaa`, { activeBridge: true });
    await call(f.app, 'POST', `${NET}/member/0c234e38b7`, { authorized: true });
    const r = await resolveConfigRequest(f.store, request());
    assert.deepEqual(r.kind === 'authorized' && r.activeBridges, ['aaaaaaaaaa']);
    const events: ControllerEvent[] = [];
    f.store.onChange((e) => events.push(...e));
    await call(f.app, 'POST', `${NET}/member/0c234e38b7`, { authorized: false });
    assert.deepEqual(events.map((e) => e.type), ['memberChanged', 'memberDeauthorized']);
    const denied = await resolveConfigRequest(f.store, request());
    assert.equal(denied.kind, 'access_denied');
    assert.deepEqual((await call(f.app, 'GET', `${NET}/member/0c234e38b7`)).json.ipAssignments, ['172.31.250.17'], 'addresses are kept');
  });
});
