/**
 * IP assignment against controller.md §7: the live examples, the reference's quirks (.255
 * skipped, the pool end never produced, host-bit routes never matching, /0 routes unusable),
 * manual assignments and their prefixes, IPv6 pools, and properties over random pools.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assignAddresses } from '../../src/controller/ip-assignment.js';
import { formatIp } from '../../src/core/vl2/ip-text.js';
import { newMemberRecord, newNetworkRecord, type MemberRecord, type NetworkRecord } from '../../src/controller/records.js';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';

const NWID = '877b4c739939ef9f';
const MEMBER = '0c234e38b7';

function network(patch: Partial<NetworkRecord>): NetworkRecord {
  return { ...newNetworkRecord(NWID, 0), revision: 1, ...patch };
}

function member(patch: Partial<MemberRecord> = {}, id = MEMBER): MemberRecord {
  return { ...newMemberRecord(NWID, id, 0), revision: 1, ...patch };
}

const text = (a: InetAddress) => `${formatIp(a.ip)}/${a.port}`;
const nothingAllocated = () => false;

test('rfc4193 and 6plane addresses of the live example', async () => {
  const r = await assignAddresses(network({ v6AssignMode: { rfc4193: true, '6plane': true, zt: false } }), member(), nothingAllocated);
  assert.deepEqual(r.staticIps.map(text), ['fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88', 'fc1e:42a3:ec0c:234e:38b7::1/40']);
  assert.equal(r.ndpEmulation, true);
  assert.deepEqual(r.ipAssignments, [], 'managed IPv6 addresses are not stored');
});

test('noAutoAssignIps suppresses rfc4193, 6plane and pools but keeps manual addresses', async () => {
  const net = network({
    v6AssignMode: { rfc4193: true, '6plane': true, zt: true },
    v4AssignMode: { zt: true },
    routes: [{ target: '10.0.0.0/24', via: null }],
    ipAssignmentPools: [{ ipRangeStart: '10.0.0.1', ipRangeEnd: '10.0.0.200' }],
  });
  const r = await assignAddresses(net, member({ noAutoAssignIps: true, ipAssignments: ['10.0.0.9'] }), nothingAllocated);
  assert.deepEqual(r.staticIps.map(text), ['10.0.0.9/24']);
  assert.equal(r.ndpEmulation, false);
});

test('IPv4 pools: the live first choices (mod 240 = 7, mod 253 = 227)', async () => {
  const routes = [
    { target: '172.31.250.0/24', via: null },
    { target: '172.31.252.0/24', via: null },
  ];
  const a = await assignAddresses(
    network({ v4AssignMode: { zt: true }, routes, ipAssignmentPools: [{ ipRangeStart: '172.31.250.10', ipRangeEnd: '172.31.250.250' }] }),
    member(),
    nothingAllocated,
  );
  assert.deepEqual(a.staticIps.map(text), ['172.31.250.17/24']);
  assert.deepEqual(a.ipAssignments, ['172.31.250.17']);
  const b = await assignAddresses(
    network({ v4AssignMode: { zt: true }, routes, ipAssignmentPools: [{ ipRangeStart: '172.31.252.1', ipRangeEnd: '172.31.252.254' }] }),
    member(),
    nothingAllocated,
  );
  assert.deepEqual(b.staticIps.map(text), ['172.31.252.228/24']);
});

test('IPv4 pools: taken addresses are skipped in counter order', async () => {
  const net = network({
    v4AssignMode: { zt: true },
    routes: [{ target: '172.31.250.0/24', via: null }],
    ipAssignmentPools: [{ ipRangeStart: '172.31.250.10', ipRangeEnd: '172.31.250.250' }],
  });
  const taken = new Set(['172.31.250.17', '172.31.250.18']);
  const r = await assignAddresses(net, member(), (ip) => taken.has(ip));
  assert.deepEqual(r.ipAssignments, ['172.31.250.19']);
  const own = await assignAddresses(net, member({ ipAssignments: ['192.168.0.1'] }), nothingAllocated);
  assert.deepEqual(own.ipAssignments, ['192.168.0.1', '172.31.250.17'], 'an address outside every route does not count as managed');
});

test('IPv4 pools: .255 is never chosen and the pool end is never produced (unless start = end)', async () => {
  // A pool of .254–.255 with len 1 can only produce .254; take it and nothing is left.
  const net = (start: string, end: string) =>
    network({ v4AssignMode: { zt: true }, routes: [{ target: '10.0.0.0/16', via: null }], ipAssignmentPools: [{ ipRangeStart: start, ipRangeEnd: end }] });
  assert.deepEqual((await assignAddresses(net('10.0.0.254', '10.0.0.255'), member(), nothingAllocated)).ipAssignments, ['10.0.0.254']);
  assert.deepEqual((await assignAddresses(net('10.0.0.254', '10.0.0.255'), member(), (ip) => ip === '10.0.0.254')).ipAssignments, []);
  assert.deepEqual((await assignAddresses(net('10.0.1.255', '10.0.2.0'), member(), nothingAllocated)).ipAssignments, []);
  assert.deepEqual((await assignAddresses(net('10.0.3.7', '10.0.3.7'), member(), nothingAllocated)).ipAssignments, ['10.0.3.7']);
});

test('IPv4 pools: route targets with host bits never match; /0 routes are unusable and do not shadow others', async () => {
  const pools = [{ ipRangeStart: '172.31.250.10', ipRangeEnd: '172.31.250.250' }];
  const hostBits = await assignAddresses(
    network({ v4AssignMode: { zt: true }, routes: [{ target: '172.31.250.1/24', via: null }], ipAssignmentPools: pools }),
    member(),
    nothingAllocated,
  );
  assert.deepEqual(hostBits.ipAssignments, []);
  const slash0 = await assignAddresses(
    network({
      v4AssignMode: { zt: true },
      routes: [
        { target: '0.0.0.0/0', via: null },
        { target: '172.31.250.0/24', via: '172.31.250.1' },
      ],
      ipAssignmentPools: pools,
    }),
    member(),
    nothingAllocated,
  );
  assert.deepEqual(slash0.staticIps.map(text), ['172.31.250.17/24'], 'a route with via qualifies for IPv4');
  const onlyDefault = await assignAddresses(
    network({ v4AssignMode: { zt: true }, routes: [{ target: '0.0.0.0/0', via: null }], ipAssignmentPools: pools }),
    member(),
    nothingAllocated,
  );
  assert.deepEqual(onlyDefault.ipAssignments, []);
});

test('IPv4 pools: start 0.0.0.0 or end < start are skipped; the next pool is used', async () => {
  const r = await assignAddresses(
    network({
      v4AssignMode: { zt: true },
      routes: [{ target: '10.0.0.0/8', via: null }],
      ipAssignmentPools: [
        { ipRangeStart: '0.0.0.0', ipRangeEnd: '10.0.0.9' },
        { ipRangeStart: '10.0.0.9', ipRangeEnd: '10.0.0.1' },
        { ipRangeStart: 'fd00::1', ipRangeEnd: 'fd00::9' },
        { ipRangeStart: '10.1.0.0', ipRangeEnd: '10.1.0.0' },
      ],
    }),
    member(),
    nothingAllocated,
  );
  assert.deepEqual(r.staticIps.map(text), ['10.1.0.0/8']);
});

test('manual assignments: sent with the longest containing route prefix; uncovered ones kept but not sent', async () => {
  const net = network({
    v4AssignMode: { zt: true },
    routes: [
      { target: '10.0.0.0/8', via: null },
      { target: '10.1.2.0/24', via: '10.0.0.1' },
      { target: 'fd00::/64', via: null },
    ],
    ipAssignmentPools: [{ ipRangeStart: '10.0.0.1', ipRangeEnd: '10.0.0.100' }],
  });
  const r = await assignAddresses(net, member({ ipAssignments: ['10.1.2.3', '10.200.0.1', '192.168.1.1', 'fd00::5'] }), nothingAllocated);
  assert.deepEqual(r.staticIps.map(text), ['10.1.2.3/24', '10.200.0.1/8', 'fd00::5/64']);
  assert.deepEqual(r.ipAssignments, ['10.1.2.3', '10.200.0.1', '192.168.1.1', 'fd00::5'], 'no pool address: IPv4 already managed');
});

test('IPv6 pools: the member address is added to the low 64 bits (live example)', async () => {
  const net = network({
    v6AssignMode: { zt: true },
    routes: [{ target: 'fd11:2233:4455:6677::/64', via: null }],
    ipAssignmentPools: [{ ipRangeStart: 'fd11:2233:4455:6677::', ipRangeEnd: 'fd11:2233:4455:6677:ffff:ffff:ffff:ffff' }],
  });
  const r = await assignAddresses(net, member(), nothingAllocated);
  assert.deepEqual(r.staticIps.map(text), ['fd11:2233:4455:6677:0:c:234e:38b7/64']);
  assert.deepEqual(r.ipAssignments, ['fd11:2233:4455:6677:0:c:234e:38b7']);
});

test('IPv6 pools: small ranges and taken addresses use random candidates within the range; routes with via do not count', async () => {
  const net = network({
    v6AssignMode: { zt: true },
    routes: [
      { target: 'fd00::/120', via: null },
      { target: 'fd00::/112', via: 'fd00::1' },
    ],
    ipAssignmentPools: [{ ipRangeStart: 'fd00::10', ipRangeEnd: 'fd00::20' }],
  });
  const randoms = [0n, 5n, 0xffffffffffffffffn, 3n];
  const r = await assignAddresses(net, member(), nothingAllocated, () => randoms.shift() ?? 0n);
  // hi: equal halves → offset 0; lo: 5 mod 16 = 5 → fd00::15.
  assert.deepEqual(r.staticIps.map(text), ['fd00::15/120']);
  const viaOnly = network({ ...net, routes: [{ target: 'fd00::/112', via: 'fd00::1' }] });
  assert.deepEqual((await assignAddresses(viaOnly, member(), nothingAllocated, () => 1n)).ipAssignments, []);
});

test('at most 32 static IPs are sent', async () => {
  const many = Array.from({ length: 40 }, (_, i) => `10.0.0.${i + 1}`);
  const r = await assignAddresses(
    network({ routes: [{ target: '10.0.0.0/24', via: null }], v6AssignMode: { rfc4193: true } }),
    member({ ipAssignments: many }),
    nothingAllocated,
  );
  assert.equal(r.staticIps.length, 32);
  assert.equal(text(r.staticIps[0]).startsWith('fd87'), true);
});

test('property: an IPv4 pool address is in [start, end), not .255, inside its route, never taken', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 0xfffffff0 }),
      fc.integer({ min: 0, max: 600 }),
      fc.integer({ min: 0, max: 0xffffffffff }),
      fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 50 }),
      async (start, span, address, takenOffsets) => {
        const end = Math.min(start + span, 0xffffffff);
        const ipOf = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
        const taken = new Set(takenOffsets.map((o) => ipOf(start + o)));
        const net = network({
          v4AssignMode: { zt: true },
          routes: [{ target: `${ipOf((start & 0xffff0000) >>> 0)}/16`, via: null }],
          ipAssignmentPools: [{ ipRangeStart: ipOf(start), ipRangeEnd: ipOf(end) }],
        });
        const id = address.toString(16).padStart(10, '0');
        const r = await assignAddresses(net, member({}, id), (ip) => taken.has(ip));
        for (const ip of r.ipAssignments) {
          const n = ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
          assert.ok(n >= start && (n < end || start === end), `${ip} in pool`);
          assert.notEqual(n & 0xff, 0xff);
          assert.equal(n >>> 16, start >>> 16, 'inside the /16 route');
          assert.ok(!taken.has(ip));
        }
        assert.ok(r.ipAssignments.length <= 1);
      },
    ),
    { numRuns: 300 },
  );
});
