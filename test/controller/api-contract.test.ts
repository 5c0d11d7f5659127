/**
 * The HTTP API against controller.md §2–§4: paths, statuses, exact bodies of the live examples,
 * defaults after create, and the POST normalization cases the spec lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTH, call, CONTROLLER, fixture, NOW, NWID } from './helpers.js';

// controller.md §2.2, byte for byte.
const FRESH_NETWORK =
  '{"authTokens":[null],"authorizationEndpoint":"","capabilities":[],"clientId":"","creationTime":1795296104634,"dns":[],"enableBroadcast":true,"id":"877b4c739939ef9f","ipAssignmentPools":[],"mtu":2800,"multicastLimit":32,"name":"","nwid":"877b4c739939ef9f","objtype":"network","private":true,"remoteTraceLevel":0,"remoteTraceTarget":null,"revision":1,"routes":[],"rules":[{"not":false,"or":false,"type":"ACTION_ACCEPT"}],"rulesSource":"","ssoEnabled":false,"tags":[],"v4AssignMode":{"zt":false},"v6AssignMode":{"6plane":false,"rfc4193":false,"zt":false}}';

// controller.md §3.2, byte for byte.
const FULL_NETWORK =
  '{"authTokens":{"tok123":0},"authorizationEndpoint":"","capabilities":[{"default":false,"id":1000,"rules":[{"ipProtocol":6,"not":false,"or":false,"type":"MATCH_IP_PROTOCOL"},{"end":22,"not":false,"or":false,"start":22,"type":"MATCH_IP_DEST_PORT_RANGE"},{"type":"ACTION_ACCEPT"}]}],"clientId":"","creationTime":1795296104634,"dns":{"domain":"harness.zt","servers":["172.31.250.1"]},"enableBroadcast":true,"id":"877b4c739939ef9f","ipAssignmentPools":[{"ipRangeEnd":"172.31.250.250","ipRangeStart":"172.31.250.10"}],"mtu":2800,"multicastLimit":64,"name":"harness-renamed","nwid":"877b4c739939ef9f","objtype":"network","private":true,"remoteTraceLevel":0,"remoteTraceTarget":"0123456789","revision":3,"routes":[{"target":"172.31.250.0/24","via":null},{"target":"172.31.251.0/24","via":"172.31.250.1"}],"rules":[{"etherType":2048,"not":true,"or":false,"type":"MATCH_ETHERTYPE"},{"etherType":2054,"not":true,"or":false,"type":"MATCH_ETHERTYPE"},{"etherType":34525,"not":true,"or":false,"type":"MATCH_ETHERTYPE"},{"type":"ACTION_DROP"},{"type":"ACTION_ACCEPT"}],"rulesSource":"","ssoEnabled":false,"tags":[{"default":100,"id":1000},{"default":null,"id":2000}],"v4AssignMode":{"zt":true},"v6AssignMode":{"6plane":true,"rfc4193":true,"zt":false}}';

const NET = `/controller/network/${NWID}`;

async function withNetwork(fn: (f: ReturnType<typeof fixture>) => Promise<void>): Promise<void> {
  const f = fixture();
  try {
    const r = await call(f.app, 'POST', `/controller/network/${CONTROLLER}______`, {});
    assert.equal(r.status, 200);
    await fn(f);
  } finally {
    await f.close();
  }
}

async function postNetwork(f: ReturnType<typeof fixture>, body: unknown): Promise<any> {
  const r = await call(f.app, 'POST', NET, body);
  assert.equal(r.status, 200, r.body);
  return r.json;
}

async function postMember(f: ReturnType<typeof fixture>, id: string, body: unknown): Promise<any> {
  const r = await call(f.app, 'POST', `${NET}/member/${id}`, body);
  assert.equal(r.status, 200, r.body);
  return r.json;
}

test('GET /controller: the hand-formatted status text', async () => {
  const f = fixture();
  try {
    const r = await call(f.app, 'GET', '/controller');
    assert.equal(r.status, 200);
    assert.equal(r.body, `{\n\t"controller": true,\n\t"apiVersion": 4,\n\t"clock": ${NOW},\n\t"databaseReady": true\n}\n`);
    assert.match(String(r.headers['content-type']), /^application\/json/);
  } finally {
    await f.close();
  }
});

test('legacy create <addr>______ with {} gives the reference fresh network byte for byte', async () => {
  const f = fixture();
  try {
    const r = await call(f.app, 'POST', `/controller/network/${CONTROLLER}______`, {});
    assert.equal(r.status, 200);
    assert.equal(r.body, FRESH_NETWORK);
    assert.equal((await call(f.app, 'GET', NET)).body, FRESH_NETWORK);
    assert.deepEqual((await call(f.app, 'GET', '/controller/network')).json, [NWID]);
  } finally {
    await f.close();
  }
});

test('legacy create with another address (or upper case) is 400 with an empty body', async () => {
  const f = fixture();
  try {
    for (const prefix of ['0123456789', CONTROLLER.toUpperCase()]) {
      const r = await call(f.app, 'POST', `/controller/network/${prefix}______`, {});
      assert.equal(r.status, 400);
      assert.equal(r.body, '');
      assert.equal(r.headers['content-type'], undefined);
    }
    assert.deepEqual((await call(f.app, 'GET', '/controller/network')).json, []);
  } finally {
    await f.close();
  }
});

test('POST /controller/network creates random ids under the controller prefix, zero suffix becomes 1, taken ids retried', async () => {
  const f = fixture({ suffixes: [0, 0, 0xabcdef] });
  try {
    const a = await call(f.app, 'POST', '/controller/network', { name: 'a' });
    const b = await call(f.app, 'PUT', '/controller/network', { name: 'b' });
    assert.equal(a.json.id, `${CONTROLLER}000001`);
    assert.equal(b.json.id, `${CONTROLLER}abcdef`);
    assert.equal(b.json.name, 'b');
    assert.deepEqual((await call(f.app, 'GET', '/controller/network')).json, [`${CONTROLLER}000001`, `${CONTROLLER}abcdef`]);
  } finally {
    await f.close();
  }
});

test('no free network id → 503 with an empty body', async () => {
  // Every suffix is 5: after the first network the only id ever tried is taken.
  const f = fixture({ suffixes: new Array(100_001).fill(5) });
  try {
    assert.equal((await call(f.app, 'POST', '/controller/network', {})).status, 200);
    const r = await call(f.app, 'POST', '/controller/network', {});
    assert.equal(r.status, 503);
    assert.equal(r.body, '');
  } finally {
    await f.close();
  }
});

test('a full POST then a rename gives the reference example (§3.2) byte for byte, revision 3', async () => {
  await withNetwork(async (f) => {
    await postNetwork(f, {
      name: 'harness',
      private: true,
      multicastLimit: 64,
      remoteTraceTarget: '0123456789',
      authTokens: { tok123: 0 },
      v4AssignMode: { zt: true },
      v6AssignMode: { '6plane': true, rfc4193: true, zt: false },
      ipAssignmentPools: [{ ipRangeStart: '172.31.250.10', ipRangeEnd: '172.31.250.250' }],
      routes: [
        { target: '172.31.250.0/24', via: null },
        { target: '172.31.251.0/24', via: '172.31.250.1' },
      ],
      dns: { domain: 'harness.zt', servers: ['172.31.250.1'] },
      rules: [
        { type: 'MATCH_ETHERTYPE', not: true, or: false, etherType: 2048 },
        { type: 'MATCH_ETHERTYPE', not: true, or: false, etherType: 2054 },
        { type: 'MATCH_ETHERTYPE', not: true, or: false, etherType: 34525 },
        { type: 'ACTION_DROP' },
        { type: 'ACTION_ACCEPT' },
      ],
      capabilities: [
        {
          id: 1000,
          default: false,
          rules: [
            { type: 'MATCH_IP_PROTOCOL', not: false, or: false, ipProtocol: 6 },
            { type: 'MATCH_IP_DEST_PORT_RANGE', not: false, or: false, start: 22, end: 22 },
            { type: 'ACTION_ACCEPT' },
          ],
        },
      ],
      tags: [
        { id: 2000, default: null },
        { id: 1000, default: 100 },
      ],
    });
    const r = await call(f.app, 'POST', NET, { name: 'harness-renamed' });
    assert.equal(r.body, FULL_NETWORK);
  });
});

test('an identical POST leaves the revision alone; a changing one bumps it by one', async () => {
  await withNetwork(async (f) => {
    assert.equal((await postNetwork(f, { name: 'x' })).revision, 2);
    assert.equal((await postNetwork(f, { name: 'x' })).revision, 2);
    assert.equal((await postNetwork(f, {})).revision, 2);
    assert.equal((await postNetwork(f, { name: 'y', mtu: 2800 })).revision, 3);
  });
});

test('POST back a fetched network or member object changes nothing (UI round trip)', async () => {
  await withNetwork(async (f) => {
    // The default rule carries not/or but a posted action renders without them (the reference's
    // quirk), so only a network whose rules were posted once round-trips unchanged.
    await postNetwork(f, { name: 'n', routes: [{ target: '10.0.0.0/24' }], authTokens: { t: 5 }, rules: [{ type: 'ACTION_ACCEPT' }] });
    const before = await call(f.app, 'GET', NET);
    const after = await postNetwork(f, before.json);
    assert.equal(JSON.stringify(after), before.body);
    const fresh = await postNetwork(f, { authTokens: {}, dns: [] });
    assert.equal(fresh.authTokens, null);
    const again = await postNetwork(f, fresh);
    assert.equal(again.revision, fresh.revision);
    await postMember(f, 'aabbccddee', { authorized: true, ipAssignments: ['10.0.0.5'], tags: [[1, 2]] });
    const m = await call(f.app, 'GET', `${NET}/member/aabbccddee`);
    assert.equal(JSON.stringify(await postMember(f, 'aabbccddee', m.json)), m.body);
  });
});

test('unknown and read-only fields are ignored', async () => {
  await withNetwork(async (f) => {
    const n = await postNetwork(f, { bogus: 1, id: 'ffffffffffffffff', objtype: 'x', revision: 99, creationTime: 5, ssoEnabled: true, clientId: 'c', clock: 1 });
    assert.equal(n.id, NWID);
    assert.equal(n.objtype, 'network');
    assert.equal(n.revision, 1);
    assert.equal(n.creationTime, NOW);
    assert.equal(n.ssoEnabled, false);
    assert.equal(n.clientId, '');
    assert.equal('bogus' in n || 'clock' in n, false);
  });
});

test('POST /controller/network/<nwid> upserts a network that does not exist, with any id', async () => {
  const f = fixture();
  try {
    const r = await call(f.app, 'POST', '/controller/network/AABBCCDDEE000001', { name: 'other' });
    assert.equal(r.status, 200);
    assert.equal(r.json.id, 'aabbccddee000001');
    assert.equal(r.json.nwid, 'aabbccddee000001');
    assert.equal(r.json.revision, 1);
    assert.equal((await call(f.app, 'GET', '/controller/network/aabbccddee000001')).json.name, 'other');
  } finally {
    await f.close();
  }
});

test('routes: invalid targets dropped, host bits kept, via only of the same family', async () => {
  await withNetwork(async (f) => {
    const n = await postNetwork(f, {
      routes: [
        { target: 'bogus' },
        { target: '10.1.0.0/33' },
        { target: '10.1.2.3/24', via: 'fd00::1' },
        { target: 'FD00:0:0::/64', via: 'fd00::1/64' },
        { target: '10.2.0.0/16', via: '10.1.2.1' },
        { target: 5 },
        'x',
        { target: '10.3.0.0/16', via: 'nope' },
      ],
    });
    assert.deepEqual(n.routes, [
      { target: '10.1.2.3/24', via: null },
      { target: 'fd00::/64', via: 'fd00::1' },
      { target: '10.2.0.0/16', via: '10.1.2.1' },
      { target: '10.3.0.0/16', via: null },
    ]);
  });
});

test('ipAssignmentPools: both keys, parseable, same family; start > end kept; /bits stripped', async () => {
  await withNetwork(async (f) => {
    const n = await postNetwork(f, {
      ipAssignmentPools: [
        { ipRangeStart: '10.0.0.9', ipRangeEnd: '10.0.0.1' },
        { ipRangeStart: '10.0.0.1/24', ipRangeEnd: '10.0.0.99' },
        { ipRangeStart: '10.0.0.1', ipRangeEnd: 'fd00::1' },
        { ipRangeStart: '10.0.0.1' },
        { ipRangeStart: 'FD00::1', ipRangeEnd: 'fd00::ff' },
      ],
    });
    assert.deepEqual(n.ipAssignmentPools, [
      { ipRangeEnd: '10.0.0.1', ipRangeStart: '10.0.0.9' },
      { ipRangeEnd: '10.0.0.99', ipRangeStart: '10.0.0.1' },
      { ipRangeEnd: 'fd00::ff', ipRangeStart: 'fd00::1' },
    ]);
  });
});

test('v4AssignMode and v6AssignMode: strings, objects (only present keys kept)', async () => {
  await withNetwork(async (f) => {
    assert.deepEqual((await postNetwork(f, { v4AssignMode: 'zt' })).v4AssignMode, { zt: true });
    assert.deepEqual((await postNetwork(f, { v4AssignMode: 'other' })).v4AssignMode, { zt: false });
    assert.deepEqual((await postNetwork(f, { v4AssignMode: {} })).v4AssignMode, { zt: false });
    assert.deepEqual((await postNetwork(f, { v6AssignMode: 'zt,rfc4193,bogus' })).v6AssignMode, { '6plane': false, rfc4193: true, zt: true });
    assert.deepEqual((await postNetwork(f, { v6AssignMode: { zt: true } })).v6AssignMode, { zt: true });
    assert.deepEqual((await postNetwork(f, { v6AssignMode: { '6plane': 'true', bogus: 1 } })).v6AssignMode, { '6plane': true });
  });
});

test('scalar coercions: mtu clamp and numeric strings, enableBroadcast null, name from numbers/bools, bools from strings and numbers', async () => {
  await withNetwork(async (f) => {
    assert.equal((await postNetwork(f, { mtu: 100 })).mtu, 1280);
    assert.equal((await postNetwork(f, { mtu: 20000 })).mtu, 10000);
    assert.equal((await postNetwork(f, { mtu: '1500' })).mtu, 1500);
    assert.equal((await postNetwork(f, { enableBroadcast: null })).enableBroadcast, false);
    assert.equal((await postNetwork(f, { enableBroadcast: 1 })).enableBroadcast, true);
    assert.equal((await postNetwork(f, { name: 5 })).name, '5');
    assert.equal((await postNetwork(f, { name: true })).name, '1');
    assert.equal((await postNetwork(f, { private: 'false' })).private, false);
    assert.equal((await postNetwork(f, { private: 'TRUE' })).private, true);
    assert.equal((await postNetwork(f, { multicastLimit: '64' })).multicastLimit, 64);
    assert.equal((await postNetwork(f, { remoteTraceTarget: 'ABCDEF0123' })).remoteTraceTarget, 'abcdef0123');
    assert.equal((await postNetwork(f, { remoteTraceTarget: 'short' })).remoteTraceTarget, null);
    assert.equal((await postNetwork(f, { remoteTraceTarget: null })).remoteTraceTarget, null);
    assert.equal((await postNetwork(f, { remoteTraceLevel: 3 })).remoteTraceLevel, 3);
  });
});

test('authTokens and dns normalization', async () => {
  await withNetwork(async (f) => {
    assert.deepEqual((await postNetwork(f, { authTokens: { a: 0, b: 5, c: -1, d: 'x' } })).authTokens, { a: 0, b: 5 });
    assert.equal((await postNetwork(f, { authTokens: { c: -1 } })).authTokens, null);
    assert.deepEqual((await postNetwork(f, { authTokens: [] })).authTokens, [null]);
    assert.deepEqual((await postNetwork(f, { dns: { domain: 'zt.example', servers: ['10.0.0.1', 'anything'] } })).dns, {
      domain: 'zt.example',
      servers: ['10.0.0.1', 'anything'],
    });
    assert.deepEqual((await postNetwork(f, { dns: { domain: 'only' } })).dns, { domain: 'only' });
    assert.deepEqual((await postNetwork(f, { dns: {} })).dns, { domain: null });
    assert.deepEqual((await postNetwork(f, { dns: [] })).dns, { domain: null });
  });
});

test('authTokens: a "__proto__" token is an ordinary key', async () => {
  await withNetwork(async (f) => {
    const r = await call(f.app, 'POST', NET, '{"authTokens":{"__proto__":7}}');
    assert.equal(r.status, 200);
    assert.match(r.body, /"authTokens":\{"__proto__":7\}/);
  });
});

test('rules normalization through the rules codec: masks, drops, -1 lengths, bad IPs', async () => {
  await withNetwork(async (f) => {
    const n = await postNetwork(f, {
      rules: [
        { type: 'MATCH_IP_PROTOCOL', ipProtocol: 300 },
        { type: 'NOT_A_RULE' },
        { type: 'INTEGER_RANGE', start: '0', end: '5', idx: 0, bits: 8 },
        { type: 'ACTION_TEE', address: 'ABCDEF0123', length: -1 },
        { type: 'MATCH_IPV4_SOURCE', ip: 'nonsense.1/12' },
        { type: 'MATCH_ICMP', icmpType: 8 },
        { type: 'MATCH_IP_DEST_PORT_RANGE', start: 80, not: 'true', or: 1 },
        5,
        { type: 'ACTION_ACCEPT', not: true },
      ],
    });
    assert.deepEqual(n.rules, [
      { ipProtocol: 44, not: false, or: false, type: 'MATCH_IP_PROTOCOL' },
      { address: 'abcdef0123', flags: 0, length: 65535, type: 'ACTION_TEE' },
      { ip: '0.0.0.0/12', not: false, or: false, type: 'MATCH_IPV4_SOURCE' },
      { icmpCode: null, icmpType: 8, not: false, or: false, type: 'MATCH_ICMP' },
      { end: 80, not: true, or: true, start: 80, type: 'MATCH_IP_DEST_PORT_RANGE' },
      { type: 'ACTION_ACCEPT' },
    ]);
  });
});

test('capabilities and tags: dedup by id (last wins), sorted, coerced', async () => {
  await withNetwork(async (f) => {
    const n = await postNetwork(f, {
      capabilities: [
        { id: 7, default: 1, rules: [{ type: 'ACTION_DROP' }] },
        { id: 3, rules: 'x' },
        { id: 7, default: false, rules: [{ type: 'ACTION_ACCEPT' }] },
        'skip',
      ],
      tags: [{ id: 9, default: '7' }, { id: 2 }, { id: 9, default: 8 }, [1, 2]],
    });
    assert.deepEqual(n.capabilities, [
      { default: false, id: 3, rules: [] },
      { default: false, id: 7, rules: [{ type: 'ACTION_ACCEPT' }] },
    ]);
    assert.deepEqual(n.tags, [
      { default: null, id: 2 },
      { default: 8, id: 9 },
    ]);
    assert.deepEqual((await postNetwork(f, { tags: [{ id: 1, default: '7' }] })).tags, [{ default: 7, id: 1 }]);
  });
});

test('rulesSource is stored and compiled into rules, capabilities and tags', async () => {
  await withNetwork(async (f) => {
    const src = 'tag department\n  id 1000\n  default 100\n;\ncap ssh\n  id 1\n  accept ipprotocol tcp and dport 22;\n;\ndrop not ethertype ipv4 and not ethertype arp;\naccept;\n';
    const n = await postNetwork(f, { rulesSource: src });
    assert.equal(n.rulesSource, src);
    assert.deepEqual(n.rules, [
      { etherType: 2048, not: true, or: false, type: 'MATCH_ETHERTYPE' },
      { etherType: 2054, not: true, or: false, type: 'MATCH_ETHERTYPE' },
      { type: 'ACTION_DROP' },
      { type: 'ACTION_ACCEPT' },
    ]);
    assert.deepEqual(n.tags, [{ default: 100, id: 1000 }]);
    assert.deepEqual(n.capabilities, [
      {
        default: false,
        id: 1,
        rules: [
          { ipProtocol: 6, not: false, or: false, type: 'MATCH_IP_PROTOCOL' },
          { end: 22, not: false, or: false, start: 22, type: 'MATCH_IP_DEST_PORT_RANGE' },
          { type: 'ACTION_ACCEPT' },
        ],
      },
    ]);
  });
});

test('rulesSource: a compile error is 400 with line, column and message, and nothing changes', async () => {
  await withNetwork(async (f) => {
    const r = await call(f.app, 'POST', NET, { rulesSource: 'accept;\ndrop not frobnicate 5;\n', name: 'unchanged?' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 400);
    assert.equal(r.json.field, 'rulesSource');
    assert.equal(r.json.line, 2);
    assert.equal(typeof r.json.column, 'number');
    assert.match(r.json.message, /^rulesSource: line 2 column \d+: .*frobnicate/);
    const n = (await call(f.app, 'GET', NET)).json;
    assert.equal(n.name, '');
    assert.equal(n.revision, 1);
  });
});

test('rulesSource: explicit rules in the same body win; a blank source leaves the rules alone', async () => {
  await withNetwork(async (f) => {
    const n = await postNetwork(f, { rulesSource: 'drop;', rules: [{ type: 'ACTION_ACCEPT' }] });
    assert.equal(n.rulesSource, 'drop;');
    assert.deepEqual(n.rules, [{ type: 'ACTION_ACCEPT' }]);
    const m = await postNetwork(f, { rulesSource: '  \n' });
    assert.equal(m.rulesSource, '  \n');
    assert.deepEqual(m.rules, [{ type: 'ACTION_ACCEPT' }]);
  });
});

test('members: create on POST (404 without the network), lower-cased ids, defaults, timestamps on flips only', async () => {
  await withNetwork(async (f) => {
    assert.equal((await call(f.app, 'POST', '/controller/network/877b4c7399000000/member/aabbccddee', {})).status, 404);
    f.clock.now = NOW + 10;
    const m = await postMember(f, 'AABBCCDDEE', {});
    assert.deepEqual(m, {
      activeBridge: false,
      address: 'aabbccddee',
      authenticationExpiryTime: 0,
      authorized: false,
      capabilities: [],
      creationTime: NOW + 10,
      id: 'aabbccddee',
      ipAssignments: [],
      lastAuthorizedCredential: null,
      lastAuthorizedCredentialType: null,
      lastAuthorizedTime: 0,
      lastDeauthorizedTime: 0,
      noAutoAssignIps: false,
      nwid: NWID,
      objtype: 'member',
      remoteTraceLevel: 0,
      remoteTraceTarget: null,
      revision: 1,
      ssoExempt: false,
      tags: [],
      vMajor: -1,
      vMinor: -1,
      vProto: -1,
      vRev: -1,
    });
    f.clock.now = NOW + 20;
    const a = await postMember(f, 'aabbccddee', { authorized: true });
    assert.equal(a.lastAuthorizedTime, NOW + 20);
    assert.equal(a.lastAuthorizedCredentialType, 'api');
    assert.equal(a.revision, 2);
    f.clock.now = NOW + 30;
    const same = await postMember(f, 'aabbccddee', { authorized: 'true' });
    assert.equal(same.lastAuthorizedTime, NOW + 20);
    assert.equal(same.revision, 2);
    const d = await postMember(f, 'aabbccddee', { authorized: 'false' });
    assert.equal(d.authorized, false);
    assert.equal(d.lastDeauthorizedTime, NOW + 30);
    assert.equal(d.lastAuthorizedCredentialType, 'api');
    assert.equal(d.revision, 3);
    assert.deepEqual((await call(f.app, 'GET', `${NET}/member`)).json, { aabbccddee: 3 });
    assert.equal((await call(f.app, 'GET', `${NET}/member/AaBbCcDdEe`)).json.id, 'aabbccddee');
  });
});

test('member field normalization: ipAssignments, tags, capabilities, name, read-only fields', async () => {
  await withNetwork(async (f) => {
    const m = await postMember(f, '0c234e38b7', {
      ipAssignments: ['10.0.0.1/24', 'bogus', 'FD00::1', '10.0.0.1'],
      tags: [[5], [1000, '7'], [1000, 100], [2, -1], 'x'],
      capabilities: [1000, 1000, 5, '7'],
      name: 'member-b',
      activeBridge: 1,
      noAutoAssignIps: 'false',
      authenticationURL: 'https://x',
      identity: 'forged',
      vMajor: 9,
      lastAuthorizedTime: 77,
      remoteTraceTarget: '0123456789',
      remoteTraceLevel: '2',
      authenticationExpiryTime: 123,
    });
    assert.deepEqual(m.ipAssignments, ['10.0.0.1', 'fd00::1', '10.0.0.1']);
    assert.deepEqual(m.tags, [
      [2, 4294967295],
      [1000, 100],
    ]);
    assert.deepEqual(m.capabilities, [5, 7, 1000]);
    assert.equal(m.name, 'member-b');
    assert.equal(m.activeBridge, true);
    assert.equal(m.noAutoAssignIps, false);
    assert.equal(m.authenticationExpiryTime, 123);
    assert.equal(m.remoteTraceTarget, '0123456789');
    assert.equal(m.remoteTraceLevel, 2);
    for (const k of ['authenticationURL', 'identity']) assert.equal(k in m, false, k);
    assert.equal(m.vMajor, -1);
    assert.equal(m.lastAuthorizedTime, 0);
  });
});

test('DELETE returns the deleted object, then 404; deleting a network removes its members', async () => {
  await withNetwork(async (f) => {
    await postMember(f, 'aabbccddee', { authorized: true });
    await postMember(f, '0c234e38b7', {});
    const dm = await call(f.app, 'DELETE', `${NET}/member/0c234e38b7`);
    assert.equal(dm.json.id, '0c234e38b7');
    assert.equal((await call(f.app, 'DELETE', `${NET}/member/0c234e38b7`)).status, 404);
    assert.equal((await call(f.app, 'GET', `${NET}/member/0c234e38b7`)).status, 404);
    const dn = await call(f.app, 'DELETE', NET);
    assert.equal(dn.status, 200);
    assert.equal(dn.json.id, NWID);
    assert.equal((await call(f.app, 'GET', NET)).status, 404);
    assert.equal((await call(f.app, 'GET', `${NET}/member`)).status, 404);
    assert.equal((await call(f.app, 'DELETE', NET)).status, 404);
    // Recreating the network does not bring the old members back.
    await call(f.app, 'POST', NET, {});
    assert.deepEqual((await call(f.app, 'GET', `${NET}/member`)).json, {});
  });
});

test('/unstable listings: networks with member counts, members with counts', async () => {
  await withNetwork(async (f) => {
    await call(f.app, 'POST', '/controller/network/877b4c7399000002', {});
    await postMember(f, 'aabbccddee', { authorized: true });
    await postMember(f, '0c234e38b7', {});
    const nets = (await call(f.app, 'GET', '/unstable/controller/network')).json;
    assert.equal(nets.meta.networkCount, 2);
    assert.deepEqual(
      nets.data.map((n: any) => [n.id, n.meta]),
      [
        ['877b4c7399000002', { authorizedMemberCount: 0, totalMemberCount: 0 }],
        [NWID, { authorizedMemberCount: 1, totalMemberCount: 2 }],
      ],
    );
    const members = (await call(f.app, 'GET', `/unstable/controller/network/${NWID}/member`)).json;
    assert.deepEqual(members.meta, { authorizedCount: 1, totalCount: 2 });
    assert.deepEqual(members.data.map((m: any) => m.id).sort(), ['0c234e38b7', 'aabbccddee']);
    assert.equal((await call(f.app, 'GET', '/unstable/controller/network/877b4c7399ffffff/member')).status, 404);
  });
});

test('routing: bad ids, trailing slashes and unregistered methods are empty 404s; HEAD works', async () => {
  await withNetwork(async (f) => {
    for (const [method, url] of [
      ['GET', '/controller/network/877b4c739939ef9'],
      ['GET', '/controller/network/877b4c739939ef9fz'],
      ['GET', `${NET}/`],
      ['GET', '/controller/'],
      ['PATCH', NET],
      ['POST', `${NET}/member`],
      ['GET', `${NET}/member/aabbccdde`],
      ['GET', `${NET}/member/aabbccddeg`],
      ['GET', '/controller/network/877b4c7399ffffff'],
      ['DELETE', '/controller/network'],
    ] as const) {
      const r = await call(f.app, method, url, method === 'POST' ? {} : undefined);
      assert.equal(r.status, 404, `${method} ${url}`);
      assert.equal(r.body, '', `${method} ${url}`);
    }
    const head = await f.app.inject({ method: 'HEAD', url: NET, headers: AUTH });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
  });
});

test('bodies are read whatever the Content-Type', async () => {
  await withNetwork(async (f) => {
    for (const ct of ['application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-8']) {
      const r = await f.app.inject({ method: 'POST', url: NET, payload: `{"name":"${ct}"}`, headers: { ...AUTH, 'content-type': ct } });
      assert.equal(r.statusCode, 200, ct);
      assert.equal(JSON.parse(r.body).name, ct);
    }
  });
});
