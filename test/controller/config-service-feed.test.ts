/**
 * The config service over time: the change feed turned into pushes and revocations (recorded by
 * a Vl2-like sink), the rate limit, foreign and deleted networks, SSO expiry, an unavailable
 * store, a faulty sink, corrupt records, and determinism.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ONLINE_WINDOW_MS } from '../../src/controller/member-sessions.js';
import { bytesToHex } from '../../src/core/vl1/bytes.js';
import { ZT_REVOCATION_FLAG_FAST_PROPAGATE } from '../../src/core/vl2/constants.js';
import { CREDENTIAL_TYPE, encodeRevocation, verifyRevocation } from '../../src/core/vl2/credentials/index.js';
import { Membership } from '../../src/core/vl2/membership.js';
import { networkConfigToDictionary } from '../../src/core/vl2/netconf.js';
import { configOf, CONTROLLER, errorOf, fakeIdentity, MEMBER_B, MEMBER_C, nodeMetadata, NWID, NWID_HEX, recorder, serviceFixture, T0, type ServiceFixture } from './config-service-helpers.js';

const B = 'cf9d611776';
const C = '9dd38c045f';
const D = fakeIdentity(0x00000000dd);

async function withFixture(fn: (f: ServiceFixture, wakeups: { count: number }) => Promise<void>, body: Record<string, unknown> = { name: 'feed' }): Promise<void> {
  const wakeups = { count: 0 };
  const f = serviceFixture({ onWorkQueued: () => wakeups.count++ });
  try {
    await f.api.postNetwork(NWID_HEX, body);
    await f.flush();
    await fn(f, wakeups);
  } finally {
    await f.close();
  }
}

test('unauthorized → ACCESS_DENIED, then authorizing pushes the config at once', async () => {
  await withFixture(async (f, wakeups) => {
    assert.equal(errorOf(await f.ask(MEMBER_B)), 'ACCESS_DENIED');
    await f.flush();
    assert.equal(f.sink.pushes.length, 0, 'errors are never pushed');
    const before = wakeups.count;
    f.clock.now += 3000;
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    assert.equal(wakeups.count, before + 1, 'the host is told there is work');
    await f.flush();
    assert.equal(f.sink.pushes.length, 1);
    const p = f.sink.pushes[0];
    assert.equal(p.member, MEMBER_B.address);
    assert.equal(p.nwid, NWID);
    assert.equal(p.now, f.clock.now);
    assert.equal(p.config.issuedTo, MEMBER_B.address);
    assert.equal(p.config.timestamp, f.clock.now);
    assert.ok(networkConfigToDictionary(p.config));
    assert.equal(f.service.stats.pushes, 1);
  });
});

test('our own member saves (address assignment, versions) do not cause a second push', async () => {
  await withFixture(
    async (f) => {
      configOf(await f.ask(MEMBER_B));
      assert.deepEqual((await f.api.getMember(NWID_HEX, B)).ipAssignments.length, 1, 'the request saved the member');
      await f.flush();
      assert.deepEqual(f.sink.pushes, []);
    },
    {
      private: false,
      v4AssignMode: { zt: true },
      routes: [{ target: '10.7.0.0/24', via: null }],
      ipAssignmentPools: [{ ipRangeStart: '10.7.0.1', ipRangeEnd: '10.7.0.200' }],
    },
  );
});

test('a sink without pushConfigError (the reference behaviour): the deauthorized member just gets no push', async () => {
  await withFixture(async (f) => {
    const pushes: number[] = [];
    f.service.attach({ pushConfig: (_n, member) => pushes.push(member), revokeMember: () => {} });
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    configOf(await f.ask(MEMBER_B));
    await f.api.postMember(NWID_HEX, B, { authorized: false });
    await f.flush();
    assert.deepEqual(pushes, []);
    assert.equal(f.service.stats.refusalsPushed, 0);
  });
});

test('network change → a push to each online authorized member; not to denied or offline ones', async () => {
  await withFixture(async (f) => {
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    await f.api.postMember(NWID_HEX, C, { authorized: true });
    await f.api.postMember(NWID_HEX, '00000000ee', { authorized: true });
    configOf(await f.ask(fakeIdentity(0xee)));
    f.clock.now += ONLINE_WINDOW_MS; // ee is offline from now on
    configOf(await f.ask(MEMBER_B));
    configOf(await f.ask(MEMBER_C));
    assert.equal(errorOf(await f.ask(D)), 'ACCESS_DENIED');
    await f.flush();
    f.sink.clear();

    f.clock.now += 10_000;
    await f.api.postNetwork(NWID_HEX, { name: 'renamed' });
    await f.flush();
    assert.deepEqual(f.sink.pushes.map((p) => p.member).sort(), [MEMBER_C.address, MEMBER_B.address].sort());
    for (const p of f.sink.pushes) {
      assert.equal(p.config.name, 'renamed');
      assert.equal(p.config.revision, (await f.api.getNetwork(NWID_HEX)).revision);
    }
    assert.deepEqual(f.sink.revokes, []);
    assert.deepEqual(f.sink.refusals, [], 'no refusal for a member that was never authorized');
  });
});

test('member change → a push to that member only; several changes before a flush push once', async () => {
  await withFixture(async (f) => {
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    await f.api.postMember(NWID_HEX, C, { authorized: true });
    configOf(await f.ask(MEMBER_B));
    configOf(await f.ask(MEMBER_C));
    await f.flush();
    f.sink.clear();
    await f.api.postMember(NWID_HEX, C, { name: 'laptop' });
    await f.api.postMember(NWID_HEX, C, { activeBridge: true });
    await f.flush();
    assert.deepEqual(f.sink.pushes.map((p) => p.member), [MEMBER_C.address]);
    assert.equal(f.sink.pushes[0].config.specialists.length, 1);
  });
});

test('deauthorization → signed COM revocation to the online members; the member is rejected by membership and denied', async () => {
  await withFixture(async (f) => {
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    await f.api.postMember(NWID_HEX, C, { authorized: true });
    const ncB = configOf(await f.ask(MEMBER_B));
    const ncC = configOf(await f.ask(MEMBER_C));
    await f.flush();
    f.sink.clear();

    const cAtB = new Membership();
    assert.equal(cAtB.addCom(ncC.credentials.com!, CONTROLLER).kind, 'accepted-new');
    assert.equal(cAtB.isAllowedOnNetwork(ncB, MEMBER_C), true);

    f.clock.now += 30_000;
    await f.api.postMember(NWID_HEX, C, { authorized: false });
    await f.flush();
    assert.equal(f.sink.revokes.length, 1);
    const r = f.sink.revokes[0];
    assert.equal(r.member, MEMBER_C.address);
    assert.equal(r.nwid, NWID);
    assert.deepEqual(r.recipients, [MEMBER_B.address, MEMBER_C.address].sort((a, b) => a - b));
    const rev = r.revocation;
    assert.equal(verifyRevocation(rev, CONTROLLER).status, 'valid');
    assert.equal(rev.type, CREDENTIAL_TYPE.COM);
    assert.equal(rev.credentialId, 0);
    assert.equal(rev.target, MEMBER_C.address);
    assert.equal(rev.threshold, BigInt(f.clock.now));
    assert.equal(rev.flags, ZT_REVOCATION_FLAG_FAST_PROPAGATE);
    assert.equal(rev.signedBy, CONTROLLER.address);
    assert.equal(f.sink.pushes.length, 0);
    assert.deepEqual(f.sink.refusals, [{ now: f.clock.now, member: MEMBER_C.address, nwid: NWID, code: 'ACCESS_DENIED' }], 'the member is told at once');

    assert.equal(cAtB.addRevocation(rev, CONTROLLER).kind, 'accepted-new');
    assert.equal(cAtB.isAllowedOnNetwork(ncB, MEMBER_C), false);
    assert.equal(cAtB.addCom(ncC.credentials.com!, CONTROLLER).kind, 'rejected');
    assert.equal(errorOf(await f.ask(MEMBER_C)), 'ACCESS_DENIED');

    // Re-authorized: a newer COM passes the revocation threshold again.
    f.clock.now += 1;
    await f.api.postMember(NWID_HEX, C, { authorized: true });
    await f.flush();
    const fresh = f.sink.pushes.find((p) => p.member === MEMBER_C.address);
    assert.ok(fresh);
    assert.equal(cAtB.addCom(fresh.config.credentials.com!, CONTROLLER).kind, 'accepted-new');
    assert.equal(cAtB.isAllowedOnNetwork(ncB, MEMBER_C), true);
  });
});

test('deleting an authorized member revokes it; deleting the network revokes all and answers OBJ_NOT_FOUND', async () => {
  await withFixture(async (f) => {
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    await f.api.postMember(NWID_HEX, C, { authorized: true });
    configOf(await f.ask(MEMBER_B));
    configOf(await f.ask(MEMBER_C));
    await f.flush();

    await f.api.deleteMember(NWID_HEX, C);
    await f.flush();
    assert.deepEqual(f.sink.revokes.map((r) => r.member), [MEMBER_C.address]);
    assert.deepEqual(f.sink.refusals.map((r) => [r.member, r.code]), [[MEMBER_C.address, 'ACCESS_DENIED']]);
    f.sink.clear();

    await f.api.deleteNetwork(NWID_HEX);
    await f.flush();
    assert.deepEqual(f.sink.revokes.map((r) => r.member), [MEMBER_B.address]);
    assert.equal(f.sink.pushes.length + f.sink.refusals.length, 0, 'a deleted network pushes nothing');
    f.clock.now += 5000;
    assert.equal(errorOf(await f.ask(MEMBER_B)), 'OBJ_NOT_FOUND');
  });
});

test('a network of another controller → OBJ_NOT_FOUND at once, nothing stored', async () => {
  await withFixture(async (f) => {
    const r = recorder();
    f.service.onConfigRequest(f.clock.now, MEMBER_B, 0x1122334455000001n, nodeMetadata(), r.reply);
    assert.deepEqual(r.answers, [{ kind: 'error', code: 'OBJ_NOT_FOUND' }], 'answered synchronously');
    await f.service.idle();
    assert.deepEqual(await f.store.listNetworkIds(), [NWID_HEX]);
  });
});

test('an unknown network of ours → OBJ_NOT_FOUND', async () => {
  await withFixture(async (f) => {
    assert.equal(errorOf(await f.ask(MEMBER_B, 0x8c0dc01ba4000002n)), 'OBJ_NOT_FOUND');
  });
});

test('rate limit: a second genuine request within 1 s is dropped unanswered; per network', async () => {
  await withFixture(
    async (f) => {
      configOf(await f.ask(MEMBER_B, NWID, undefined, T0 + 10_000));
      assert.deepEqual(await f.ask(MEMBER_B, NWID, undefined, T0 + 10_999), []);
      assert.equal(f.service.stats.rateLimited, 1);
      assert.equal(errorOf(await f.ask(MEMBER_B, 0x8c0dc01ba4000002n, undefined, T0 + 10_500)), 'OBJ_NOT_FOUND', 'another network is not limited');
      configOf(await f.ask(MEMBER_B, NWID, undefined, T0 + 11_000));
      configOf(await f.ask(MEMBER_C, NWID, undefined, T0 + 11_000));
    },
    { private: false },
  );
});

test('SSO expiry: the member is revoked when its authentication expires; the deadline says when', async () => {
  await withFixture(
    async (f) => {
      await f.store.transaction(async (tx) => {
        const n = (await tx.getNetwork(NWID_HEX))!;
        await tx.putNetwork({ ...n, ssoEnabled: true, revision: n.revision + 1 });
      });
      await f.api.postMember(NWID_HEX, B, { authenticationExpiryTime: T0 + 50_000 });
      await f.flush();
      configOf(await f.ask(MEMBER_B));
      f.sink.clear();
      assert.equal(f.service.processBackgroundTasks(T0 + 1000), T0 + 11_000, 'housekeeping before the expiry');
      assert.equal(f.service.processBackgroundTasks(T0 + 45_000), T0 + 50_000, 'the expiry is the next deadline');
      assert.equal(f.sink.revokes.length, 0);
      f.service.processBackgroundTasks(T0 + 50_000);
      assert.deepEqual(f.sink.revokes.map((r) => [r.member, r.revocation.threshold]), [[MEMBER_B.address, BigInt(T0 + 50_000)]]);
      f.service.processBackgroundTasks(T0 + 60_000);
      assert.equal(f.sink.revokes.length, 1, 'once');
    },
    { private: false },
  );
});

test('a closed store: requests go unanswered (the node asks again); counted and logged', async () => {
  const f = serviceFixture();
  try {
    await f.api.postNetwork(NWID_HEX, { private: false });
    await f.store.close();
    assert.deepEqual(await f.ask(MEMBER_B), []);
    assert.equal(f.service.stats.storeUnavailable, 1);
    assert.ok(f.logs.some((l) => l.level === 'warn' && /store unavailable/.test(l.message)));
  } finally {
    f.service.close();
  }
});

test('without a sink nothing is pushed and nothing throws; a throwing sink or reply is logged', async () => {
  await withFixture(async (f) => {
    f.service.attach(undefined);
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    configOf(await f.ask(MEMBER_B));
    await f.api.postNetwork(NWID_HEX, { name: 'x' });
    await f.flush();
    await f.api.postMember(NWID_HEX, B, { authorized: false });
    await f.flush();

    f.service.attach({
      pushConfig: () => {
        throw new Error('sink broke');
      },
      pushConfigError: () => {
        throw new Error('sink broke');
      },
      revokeMember: () => {
        throw new Error('sink broke');
      },
    });
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    await f.flush();
    await f.api.postMember(NWID_HEX, B, { authorized: false });
    await f.flush();
    for (const what of ['pushConfig', 'pushConfigError', 'revokeMember']) assert.ok(f.logs.some((l) => l.level === 'warn' && l.message === `${what} threw`), what);

    await f.api.postMember(NWID_HEX, B, { authorized: true });
    f.clock.now += 5000;
    const r = {
      config: () => {
        throw new Error('reply broke');
      },
      error: () => {
        throw new Error('reply broke');
      },
    };
    f.service.onConfigRequest(f.clock.now, MEMBER_B, NWID, nodeMetadata(), r);
    await f.service.idle();
    assert.ok(f.logs.some((l) => /config reply \(config\) threw/.test(l.message)));
  });
});

test('corrupt stored records: OBJ_NOT_FOUND or a config from defaults, with the reason logged, never a throw', async () => {
  await withFixture(
    async (f) => {
      const put = async (patch: Record<string, unknown>) =>
        f.store.transaction(async (tx) => {
          const n = (await tx.getNetwork(NWID_HEX))!;
          await tx.putNetwork({ ...n, ...patch, revision: n.revision + 1 } as never);
        });
      await put({ rules: { not: 'an array' }, mtu: 'big', multicastLimit: null, name: 42, dns: { domain: 7, servers: ['nope', '10.0.0.53'] } });
      const nc = configOf(await f.ask(MEMBER_B));
      assert.deepEqual(nc.rules, []);
      assert.equal(nc.mtu, 2800);
      assert.equal(nc.multicastLimit, 32);
      assert.equal(nc.name, '');
      assert.equal(nc.dns.servers.length, 2);
      assert.equal(nc.dns.servers[0], null);
      assert.ok(f.logs.some((l) => l.level === 'warn' && /unusable fields/.test(l.message)));

      await put({ routes: 'garbage', rules: [] });
      f.clock.now += 2000;
      assert.equal(errorOf(await f.ask(MEMBER_B)), 'OBJ_NOT_FOUND');
      assert.ok(f.logs.some((l) => l.level === 'warn' && /answering OBJ_NOT_FOUND/.test(l.message) && typeof l.fields.error === 'string'));
      assert.equal(f.service.stats.faults, 1);
    },
    { private: false },
  );
});

test('deterministic: the same requests, changes and random source give the same bytes', async () => {
  const run = async (): Promise<string[]> => {
    const out: string[] = [];
    await withFixture(
      async (f) => {
        for (const who of [MEMBER_B, MEMBER_C, D]) {
          const nc = configOf(await f.ask(who));
          out.push(bytesToHex(networkConfigToDictionary(nc)!));
          f.clock.now += 777;
        }
        await f.api.postNetwork(NWID_HEX, { name: 'again' });
        await f.api.postMember(NWID_HEX, C, { authorized: false });
        await f.flush();
        for (const p of f.sink.pushes) out.push(`${p.member}:${bytesToHex(networkConfigToDictionary(p.config)!)}`);
        for (const r of f.sink.revokes) out.push(`${r.member}:${bytesToHex(encodeRevocation(r.revocation))}:${r.recipients.join(',')}`);
      },
      { private: false, v6AssignMode: { zt: true }, routes: [{ target: 'fd00:9::/64', via: null }], ipAssignmentPools: [{ ipRangeStart: 'fd00:9::', ipRangeEnd: 'fd00:9::ffff' }] },
    );
    return out;
  };
  const a = await run();
  const b = await run();
  // On a public network the deauthorized member is re-authorized by its replayed request, so it is pushed too.
  assert.equal(a.length, 3 + 3 + 1);
  assert.deepEqual(a, b);
});
