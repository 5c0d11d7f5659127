/**
 * Config contents for network/member fixtures made through the controller API: every config is
 * serialized, parsed back with netconf.ts (as a member would) and checked field by field, and
 * its credentials are verified under the controller identity; two members' COMs agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inetAddressToString } from '../../src/core/vl1/inet-address.js';
import {
  ZT_NETWORKCONFIG_FLAG_ENABLE_BROADCAST,
  ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION,
  ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE,
  ZT_NETWORK_TYPE_PRIVATE,
  ZT_NETWORK_TYPE_PUBLIC,
} from '../../src/core/vl2/constants.js';
import {
  capabilityIssuedTo,
  comAgreesWith,
  comIssuedTo,
  comNetworkId,
  comTimestamp,
  cooOwnsIp,
  identityHashQualifiers,
  verifyCapability,
  verifyCom,
  verifyCoo,
  verifyTag,
} from '../../src/core/vl2/credentials/index.js';
import { decodeAuthenticationInfo } from '../../src/core/vl2/config-request.js';
import { Membership } from '../../src/core/vl2/membership.js';
import { networkConfigToDictionary, parseNetworkConfig, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import { ruleFromJson, type Rule } from '../../src/core/vl2/rules-codec.js';
import { configOf, CONTROLLER, errorOf, fakeIdentity, MEMBER_B, MEMBER_C, metadataOf, nodeMetadata, NWID, NWID_HEX, serviceFixture, T0, type ServiceFixture } from './config-service-helpers.js';

const B = 'cf9d611776';
const C = '9dd38c045f';
const ACCEPT: Rule = { type: 'ACTION_ACCEPT', not: false, or: false };

/** What the member receives: the config as it parses from the wire. */
function received(nc: NetworkConfig): NetworkConfig {
  const bytes = networkConfigToDictionary(nc);
  assert.ok(bytes, 'fits the dictionary');
  const parsed = parseNetworkConfig(bytes);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return parsed.value;
}

function ips(nc: NetworkConfig): string[] {
  return nc.staticIps.map((a) => inetAddressToString(a!));
}

function routes(nc: NetworkConfig): string[] {
  return nc.routes.map((r) => `${r.target ? inetAddressToString(r.target) : '-'} via ${r.via ? inetAddressToString(r.via) : '-'} ${r.flags}/${r.metric}`);
}

/** Signed by the controller, issued to `member`, for NWID at `now`. */
function assertCredentials(nc: NetworkConfig, member: number, now: number): void {
  const c = nc.credentials;
  assert.ok(c.com);
  assert.equal(verifyCom(c.com, CONTROLLER).status, 'valid');
  assert.equal(comIssuedTo(c.com), member);
  assert.equal(comNetworkId(c.com), NWID);
  assert.equal(comTimestamp(c.com), BigInt(now));
  assert.deepEqual(
    c.com.qualifiers.map((q) => [q.id, q.maxDelta]),
    [[0n, BigInt(nc.credentialTimeMaxDelta)], [1n, 0n], [2n, 0xffffffffffffffffn], [3n, 0xffffffffffffffffn], [4n, 0xffffffffffffffffn], [5n, 0xffffffffffffffffn], [6n, 0xffffffffffffffffn]],
  );
  for (const t of c.tags) {
    assert.equal(verifyTag(t, CONTROLLER).status, 'valid');
    assert.equal(t.issuedTo, member);
    assert.equal(t.timestamp, BigInt(now));
  }
  for (const cap of c.capabilities) {
    assert.equal(verifyCapability(cap, CONTROLLER).status, 'valid');
    assert.equal(capabilityIssuedTo(cap), member);
    assert.equal(cap.maxCustodyChainLength, 1);
  }
  assert.equal(c.certificatesOfOwnership.length, nc.staticIps.length > 0 ? 1 : 0);
  for (const coo of c.certificatesOfOwnership) {
    assert.equal(verifyCoo(coo, CONTROLLER).status, 'valid');
    assert.equal(coo.id, 1);
    assert.equal(coo.issuedTo, member);
    for (const ip of nc.staticIps.slice(0, 16)) assert.ok(cooOwnsIp(coo, ip!), `COO owns ${inetAddressToString(ip!)}`);
  }
}

async function withNetwork(body: Record<string, unknown>, fn: (f: ServiceFixture) => Promise<void>): Promise<void> {
  const f = serviceFixture();
  try {
    await f.api.postNetwork(NWID_HEX, body);
    await fn(f);
  } finally {
    await f.close();
  }
}

test('private network, IPv4 pool + RFC4193 + 6PLANE: the reference live flow fields', async () => {
  await withNetwork(
    {
      name: 'office',
      v4AssignMode: { zt: true },
      v6AssignMode: { rfc4193: true, '6plane': true, zt: false },
      routes: [{ target: '172.31.250.0/24', via: null }],
      ipAssignmentPools: [{ ipRangeStart: '172.31.250.10', ipRangeEnd: '172.31.250.250' }],
    },
    async (f) => {
      assert.equal(errorOf(await f.ask(MEMBER_B)), 'ACCESS_DENIED');
      await f.api.postMember(NWID_HEX, B, { authorized: true });
      f.clock.now = T0 + 5000;
      const nc = received(configOf(await f.ask(MEMBER_B)));
      const network = await f.api.getNetwork(NWID_HEX);
      assert.equal(nc.networkId, NWID);
      assert.equal(nc.issuedTo, MEMBER_B.address);
      assert.equal(nc.timestamp, T0 + 5000);
      assert.equal(nc.revision, network.revision);
      assert.equal(nc.credentialTimeMaxDelta, 1_800_000);
      assert.equal(nc.type, ZT_NETWORK_TYPE_PRIVATE);
      assert.equal(nc.name, 'office');
      assert.equal(nc.mtu, 2800);
      assert.equal(nc.multicastLimit, 32);
      assert.equal(nc.flags, ZT_NETWORKCONFIG_FLAG_ENABLE_BROADCAST | ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION);
      assert.equal(nc.remoteTraceTarget, 0);
      assert.deepEqual(nc.specialists, []);
      // 0xcf9d611776 low 32 bits mod 240 = 0x9d611776 % 240 = 166 → .176
      assert.deepEqual(ips(nc), ['fd8c:dc0:1ba4:0:199:93cf:9d61:1776/88', 'fc28:dc0:1acf:9d61:1776::1/40', `172.31.250.${10 + (0x9d611776 % 240)}/24`]);
      assert.deepEqual(routes(nc), ['172.31.250.0/24 via - 0/0']);
      assert.deepEqual(nc.rules, [ACCEPT]);
      assert.deepEqual(nc.dns, { domain: '', servers: [] });
      assert.equal(nc.ssoEnabled, false);
      assertCredentials(nc, MEMBER_B.address, T0 + 5000);
      const member = await f.api.getMember(NWID_HEX, B);
      assert.deepEqual(member.ipAssignments, [`172.31.250.${10 + (0x9d611776 % 240)}`]);
      assert.equal(member.vMajor, 1);
      assert.equal(member.vMinor, 14);
      assert.equal(member.vProto, 12);
    },
  );
});

test('public network: the first request authorizes, type PUBLIC, COM still issued', async () => {
  await withNetwork({ private: false, name: 'open' }, async (f) => {
    const nc = received(configOf(await f.ask(MEMBER_C)));
    assert.equal(nc.type, ZT_NETWORK_TYPE_PUBLIC);
    assert.deepEqual(ips(nc), []);
    assert.equal(nc.flags, ZT_NETWORKCONFIG_FLAG_ENABLE_BROADCAST);
    assertCredentials(nc, MEMBER_C.address, T0);
    const member = await f.api.getMember(NWID_HEX, C);
    assert.equal(member.authorized, true);
    assert.equal(member.lastAuthorizedCredentialType, 'public');
  });
});

test('IPv6 pool (zt mode): start + member address, the route prefix; v4 pool skipped without a v4 route', async () => {
  await withNetwork(
    {
      private: false,
      v4AssignMode: { zt: true },
      v6AssignMode: { zt: true },
      routes: [{ target: 'fd11:2233:4455:6677::/64', via: null }],
      ipAssignmentPools: [
        { ipRangeStart: 'fd11:2233:4455:6677::', ipRangeEnd: 'fd11:2233:4455:6677:ffff:ffff:ffff:ffff' },
        { ipRangeStart: '10.0.0.1', ipRangeEnd: '10.0.0.254' },
      ],
    },
    async (f) => {
      const nc = received(configOf(await f.ask(MEMBER_B)));
      assert.deepEqual(ips(nc), ['fd11:2233:4455:6677:0:cf:9d61:1776/64']);
      assert.equal(nc.flags & ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION, 0n);
      assertCredentials(nc, MEMBER_B.address, T0);
    },
  );
});

test('routes (via of another family dropped), DNS (first 4 servers), MTU, multicast limit, broadcast off', async () => {
  await withNetwork(
    {
      private: false,
      enableBroadcast: false,
      mtu: 1400,
      multicastLimit: 7,
      routes: [
        { target: '10.1.0.0/16', via: null },
        { target: '0.0.0.0/0', via: '10.1.0.1' },
        { target: '192.168.5.0/24', via: 'fd00::1' },
        { target: 'fd00:1::/64', via: 'fd00::1' },
      ],
      dns: { domain: 'corp.example', servers: ['10.1.0.53', 'fd00::53', '10.1.0.54', '10.1.0.55', '10.1.0.56'] },
    },
    async (f) => {
      await f.api.postMember(NWID_HEX, C, { ipAssignments: ['10.1.2.3', '10.9.9.9'] });
      const nc = received(configOf(await f.ask(MEMBER_C)));
      assert.deepEqual(routes(nc), ['10.1.0.0/16 via - 0/0', '0.0.0.0/0 via 10.1.0.1/0 0/0', '192.168.5.0/24 via - 0/0', 'fd00:1::/64 via fd00::1/0 0/0']);
      assert.equal(nc.dns.domain, 'corp.example');
      assert.deepEqual(nc.dns.servers.map((s) => inetAddressToString(s!)), ['10.1.0.53/0', 'fd00::53/0', '10.1.0.54/0', '10.1.0.55/0']);
      assert.equal(nc.mtu, 1400);
      assert.equal(nc.multicastLimit, 7);
      assert.equal(nc.flags, 0n);
      // 10.9.9.9 is on no route except the /0 one (prefix 0 is still "contains"): longest containing prefix wins.
      assert.deepEqual(ips(nc), ['10.1.2.3/16', '10.9.9.9/0']);
      assertCredentials(nc, MEMBER_C.address, T0);
    },
  );
});

test('MTU clamps to 1280..10000 and a missing name is empty', async () => {
  await withNetwork({ private: false, mtu: 100000 }, async (f) => {
    assert.equal(received(configOf(await f.ask(MEMBER_B))).mtu, 10000);
    await f.api.postNetwork(NWID_HEX, { mtu: 5 });
    f.clock.now += 2000;
    const nc = received(configOf(await f.ask(MEMBER_B)));
    assert.equal(nc.mtu, 1280);
    assert.equal(nc.name, '');
  });
});

test('rulesSource: compiled rules, default tag and default capability, signed to the member', async () => {
  const rulesSource = [
    'tag department',
    '  id 1000',
    '  enum 100 eng',
    '  enum 200 sales',
    '  default eng',
    ';',
    'cap superuser',
    '  id 7',
    '  default',
    '  accept;',
    ';',
    'cap auditor',
    '  id 9',
    '  drop;',
    ';',
    'drop not ethertype 0x0800 and not ethertype 0x0806 and not ethertype 0x86dd;',
    'accept;',
  ].join('\n');
  await withNetwork({ private: false, rulesSource }, async (f) => {
    const network = await f.api.getNetwork(NWID_HEX);
    const nc = received(configOf(await f.ask(MEMBER_B)));
    assert.deepEqual(
      nc.rules,
      network.rules.map((j) => {
        const r = ruleFromJson(j);
        assert.ok(r.ok && r.value);
        return r.value;
      }),
    );
    assert.equal(nc.rules.length, 5);
    assert.deepEqual(nc.credentials.tags.map((t) => [t.id, t.value]), [[1000, 100]]);
    assert.deepEqual(nc.credentials.capabilities.map((c) => [c.id, c.rules]), [[7, [ACCEPT]]]);
    assertCredentials(nc, MEMBER_B.address, T0);
    const member = await f.api.getMember(NWID_HEX, 'cf9d611776');
    assert.deepEqual(member.tags, [[1000, 100]]);
    assert.deepEqual(member.capabilities, [7]);

    // An explicit tag value and a non-default capability given later replace/extend the defaults.
    await f.api.postMember(NWID_HEX, B, { tags: [[1000, 200]], capabilities: [7, 9] });
    f.clock.now += 2000;
    const again = received(configOf(await f.ask(MEMBER_B)));
    assert.deepEqual(again.credentials.tags.map((t) => [t.id, t.value]), [[1000, 200]]);
    assert.deepEqual(again.credentials.capabilities.map((c) => c.id), [7, 9]);
    assertCredentials(again, MEMBER_B.address, f.clock.now);
  });
});

test('a node without a rules engine (revr missing) gets one ACCEPT rule and no tags or capabilities', async () => {
  const rulesSource = 'tag t id 5 default 3;\ncap c id 1 default accept;;\ndrop;';
  await withNetwork({ private: false, rulesSource }, async (f) => {
    const nc = received(configOf(await f.ask(MEMBER_B, NWID, metadataOf('v=7\npv=c\n'))));
    assert.deepEqual(nc.rules, [ACCEPT]);
    assert.deepEqual(nc.credentials.tags, []);
    assert.deepEqual(nc.credentials.capabilities, []);
  });
});

test('active bridges become specialists (authorized or not), remote trace from member then network', async () => {
  await withNetwork({ private: false, remoteTraceTarget: '1122334455', remoteTraceLevel: 10 }, async (f) => {
    await f.api.postMember(NWID_HEX, '00000000aa', { activeBridge: true });
    await f.api.postMember(NWID_HEX, '00000000bb', { activeBridge: true, authorized: true });
    const nc = received(configOf(await f.ask(MEMBER_B)));
    assert.deepEqual(nc.specialists, [ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE | 0xaan, ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE | 0xbbn]);
    assert.equal(nc.remoteTraceTarget, 0x1122334455);
    assert.equal(nc.remoteTraceLevel, 10);
    await f.api.postMember(NWID_HEX, B, { remoteTraceTarget: '9988776655', remoteTraceLevel: 20 });
    f.clock.now += 2000;
    const mine = received(configOf(await f.ask(MEMBER_B)));
    assert.equal(mine.remoteTraceTarget, 0x9988776655);
    assert.equal(mine.remoteTraceLevel, 20);
  });
});

test('token authorization: metadata a=token:<t> authorizes on a private network', async () => {
  await withNetwork({ authTokens: { 'sesame-123': 0 } }, async (f) => {
    assert.equal(errorOf(await f.ask(MEMBER_B, NWID, nodeMetadata('\na=token:wrong-one'))), 'ACCESS_DENIED');
    f.clock.now += 2000;
    const nc = received(configOf(await f.ask(MEMBER_B, NWID, nodeMetadata('\na=token:sesame-123'))));
    assert.equal(nc.type, ZT_NETWORK_TYPE_PRIVATE);
    assert.equal((await f.api.getMember(NWID_HEX, B)).lastAuthorizedCredentialType, 'token');
  });
});

test('identity pinning: another key under a known address is denied', async () => {
  await withNetwork({ private: false }, async (f) => {
    configOf(await f.ask(MEMBER_B));
    f.clock.now += 2000;
    assert.equal(errorOf(await f.ask(fakeIdentity(MEMBER_B.address))), 'ACCESS_DENIED');
  });
});

test('COMs of two members agree (each against the other identity) and admit each other; not with a forged identity', async () => {
  await withNetwork({ name: 'pair' }, async (f) => {
    await f.api.postMember(NWID_HEX, B, { authorized: true });
    await f.api.postMember(NWID_HEX, C, { authorized: true });
    const b = received(configOf(await f.ask(MEMBER_B)));
    f.clock.now += 60_000;
    const c = received(configOf(await f.ask(MEMBER_C)));
    const comB = b.credentials.com!;
    const comC = c.credentials.com!;
    assert.equal(comAgreesWith(comB, comC, MEMBER_C), true);
    assert.equal(comAgreesWith(comC, comB, MEMBER_B), true);
    assert.equal(comAgreesWith(comB, comC, MEMBER_B), false, 'identity hash binds the COM to C');
    assert.deepEqual(comC.qualifiers.slice(3).map((q) => q.value), [...identityHashQualifiers(MEMBER_C)]);

    const cAtB = new Membership();
    assert.equal(cAtB.addCom(comC, CONTROLLER).kind, 'accepted-new');
    assert.equal(cAtB.isAllowedOnNetwork(b, MEMBER_C), true);
    assert.equal(cAtB.isAllowedOnNetwork(b, fakeIdentity(MEMBER_C.address)), false);
  });
});

test('COMs more than the credential window apart do not agree (timestamps are the request times)', async () => {
  await withNetwork({ private: false }, async (f) => {
    const b = received(configOf(await f.ask(MEMBER_B)));
    f.clock.now += 1_800_001;
    const c = received(configOf(await f.ask(MEMBER_C)));
    assert.equal(comAgreesWith(b.credentials.com!, c.credentials.com!, MEMBER_C), false);
  });
});

test('a stored certificateTimeoutWindowSize sets ctmd, clamped to 5 min .. 2 h', async () => {
  await withNetwork({ private: false }, async (f) => {
    for (const [size, expected] of [
      [60_000, 300_000],
      [600_000, 600_000],
      [99_000_000, 7_200_000],
    ] as const) {
      await f.store.transaction(async (tx) => {
        const n = (await tx.getNetwork(NWID_HEX))!;
        await tx.putNetwork({ ...n, certificateTimeoutWindowSize: size, revision: n.revision + 1 });
      });
      f.clock.now += 2000;
      const nc = received(configOf(await f.ask(MEMBER_B)));
      assert.equal(nc.credentialTimeMaxDelta, expected);
      assert.equal(nc.credentials.com!.qualifiers[0].maxDelta, BigInt(expected));
    }
  });
});

test('SSO network: expired → AUTHENTICATION_REQUIRED; valid → config with ssoe=1 and the expiry; exempt → none', async () => {
  await withNetwork({ private: false }, async (f) => {
    await f.store.transaction(async (tx) => {
      const n = (await tx.getNetwork(NWID_HEX))!;
      await tx.putNetwork({ ...n, ssoEnabled: true, revision: n.revision + 1 });
    });
    const denied = await f.ask(MEMBER_B);
    assert.equal(errorOf(denied), 'AUTHENTICATION_REQUIRED');
    const auth = denied[0].kind === 'error' ? denied[0].authentication : undefined;
    assert.ok(auth, 'the auth-info dictionary comes along');
    assert.equal(new TextDecoder().decode(auth), 'aV=0000000000000000', 'version 0, no URL (a file-store controller has none)');
    assert.equal(decodeAuthenticationInfo(auth)?.version, 0);
    await f.api.postMember(NWID_HEX, B, { authenticationExpiryTime: T0 + 3_600_000 });
    f.clock.now += 2000;
    const nc = received(configOf(await f.ask(MEMBER_B)));
    assert.equal(nc.ssoEnabled, true);
    assert.equal(nc.ssoVersion, 0);
    assert.equal(nc.authenticationExpiryTime, T0 + 3_600_000);
    const member = await f.api.getMember(NWID_HEX, B);
    await f.store.transaction(async (tx) => tx.putMember({ ...member, ssoExempt: true, revision: member.revision + 1 }));
    f.clock.now += 2000;
    assert.equal(received(configOf(await f.ask(MEMBER_B))).ssoEnabled, false);
  });
});
