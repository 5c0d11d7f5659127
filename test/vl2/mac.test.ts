import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadVectors } from '../helpers/vectors.js';
import {
  addressFromMac,
  BROADCAST_MAC,
  firstOctetForNetwork,
  isBroadcastMac,
  isMulticastMac,
  isNetworkMemberMac,
  macFromAddress,
  macFromBytes,
  macToBytes,
  macToString,
  NetworkMacSpace,
  parseMac,
} from '../../src/core/vl2/mac.js';
import {
  addressResolutionGroup,
  BROADCAST_GROUP,
  compareMulticastGroups,
  multicastGroup,
  multicastGroupKey,
  multicastGroupToString,
} from '../../src/core/vl2/multicast-group.js';
import { parseIpv4, parseIpv6 } from '../../src/core/vl2/ip-text.js';

const v = loadVectors('vl2-mac.json');

for (const [i, c] of v.macFromAddress.entries()) {
  test(`vl2-mac macFromAddress #${i}: ${c.address} on ${c.nwid} -> ${c.macString}`, () => {
    const nwid = BigInt('0x' + c.nwid);
    const address = parseInt(c.address, 16);
    assert.equal(firstOctetForNetwork(nwid), c.firstOctet);
    const mac = macFromAddress(address, nwid);
    assert.equal(mac, parseInt(c.mac, 16));
    assert.equal(macToString(mac), c.macString);
    assert.equal(addressFromMac(mac, nwid), parseInt(c.reverseAddress, 16));
    assert.ok(isNetworkMemberMac(mac, nwid));
    assert.ok(!isMulticastMac(mac));
  });
}

for (const [i, c] of v.addressResolutionGroups.entries()) {
  test(`vl2-mac addressResolutionGroups #${i}: ${c.ip}`, () => {
    const ip = c.ip.includes(':') ? parseIpv6(c.ip) : parseIpv4(c.ip);
    assert.ok(ip);
    const g = addressResolutionGroup(ip);
    assert.ok(g);
    assert.equal(macToString(g.mac), c.groupMac);
    assert.equal(g.adi, c.adi);
    assert.equal(g.adi.toString(16).padStart(8, '0'), c.adiHex);
  });
}

test('vl2-mac broadcastGroup', () => {
  assert.equal(macToString(BROADCAST_GROUP.mac), v.broadcastGroup.groupMac);
  assert.equal(BROADCAST_GROUP.adi, v.broadcastGroup.adi);
  assert.ok(isBroadcastMac(BROADCAST_GROUP.mac) && isMulticastMac(BROADCAST_GROUP.mac));
});

test('mac: text and byte forms', () => {
  assert.equal(parseMac('02:8C:0d:64:00:64'), 0x028c0d640064);
  assert.equal(parseMac('02-8c-0d-64-00-64'), 0x028c0d640064);
  assert.equal(parseMac('028c0d640064'), 0x028c0d640064);
  assert.equal(parseMac('02:8c-0d:64:00:64'), undefined);
  assert.equal(parseMac('02:8c:0d:64:00'), undefined);
  assert.equal(macToString(BROADCAST_MAC), 'ff:ff:ff:ff:ff:ff');
  assert.deepEqual([...macToBytes(0x3333ff000001)], [0x33, 0x33, 0xff, 0, 0, 1]);
  assert.ok(isMulticastMac(0x3333ff000001));
});

test('mac: address -> mac -> address is the identity for every (address, nwid) (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffffff }), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), (address, nwid) => {
      const mac = macFromAddress(address, nwid);
      assert.equal(addressFromMac(mac, nwid), address);
      const space = new NetworkMacSpace(nwid);
      assert.equal(space.macFromAddress(address), mac);
      assert.equal(space.addressFromMac(mac), address);
      assert.ok(space.isMember(mac));
      assert.equal(macFromBytes(macToBytes(mac)), mac);
      assert.equal(parseMac(macToString(mac)), mac);
      assert.ok(!isMulticastMac(mac));
      assert.ok(mac >= 0 && mac <= 0xffffffffffff);
    }),
    { numRuns: 500 },
  );
});

test('multicast groups: order by MAC then ADI; keys and text', () => {
  const a = multicastGroup(0x3333ff000001, 0);
  const b = multicastGroup(BROADCAST_MAC, 1);
  const c = multicastGroup(BROADCAST_MAC, 0xffffffff);
  assert.deepEqual([c, b, a].sort(compareMulticastGroups), [a, b, c]);
  assert.equal(compareMulticastGroups(b, multicastGroup(BROADCAST_MAC, 1)), 0);
  assert.notEqual(multicastGroupKey(b), multicastGroupKey(c));
  assert.equal(multicastGroupToString(multicastGroup(BROADCAST_MAC, 0x0a931105)), 'ff:ff:ff:ff:ff:ff/0a931105');
  assert.equal(addressResolutionGroup(new Uint8Array(5)), undefined);
});
