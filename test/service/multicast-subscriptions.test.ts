/** Which multicast groups a port wants, and the differences sent to the core. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROADCAST_MAC } from '../../src/core/vl2/mac.js';
import { groupChanges, parseDevMcast, wantedGroups } from '../../src/service/tap/multicast-subscriptions.js';

const DEV_MCAST = `2    eth0            1     0     333300000001
2    eth0            1     0     01005e000001
7    zt6trhlhag      1     0     333300000001
7    zt6trhlhag      1     0     3333ffd74bfb
7    zt6trhlhag      1     0     01005e000001
7    zt6trhlhag      1     0     9ee31ad74bfb
bad line
7    zt6trhlhag      1     0     zzzz
`;

test('multicast: /proc/net/dev_mcast lines of one device, multicast MACs only', () => {
  assert.deepEqual(parseDevMcast(DEV_MCAST, 'zt6trhlhag'), [0x333300000001, 0x3333ffd74bfb, 0x01005e000001]);
  assert.deepEqual(parseDevMcast(DEV_MCAST, 'nope'), []);
  assert.deepEqual(parseDevMcast('', 'eth0'), []);
});

test('multicast: wanted groups add ARP (broadcast/IPv4) and solicited-node groups, sorted and unique', () => {
  const v4 = Uint8Array.of(172, 31, 250, 17);
  const v6 = Uint8Array.from([0xfd, 0x87, 0x7b, 0x4c, 0x73, 0x99, 0x39, 0xef, 0x9f, 0x99, 0x93, 0x0c, 0x23, 0x4e, 0x38, 0xb7]);
  const groups = wantedGroups([0x333300000001, 0x3333ff4e38b7], [v4, v6]);
  assert.deepEqual(groups, [
    { mac: 0x333300000001, adi: 0 },
    { mac: 0x3333ff4e38b7, adi: 0 },
    { mac: BROADCAST_MAC, adi: 2887776785 },
  ]);
});

test('multicast: changes are the set differences', () => {
  const a = { mac: 0x333300000001, adi: 0 };
  const b = { mac: BROADCAST_MAC, adi: 5 };
  const c = { mac: 0x01005e000001, adi: 0 };
  assert.deepEqual(groupChanges([a, b], [b, c]), { subscribe: [c], unsubscribe: [a] });
  assert.deepEqual(groupChanges([a], [a]), { subscribe: [], unsubscribe: [] });
});
