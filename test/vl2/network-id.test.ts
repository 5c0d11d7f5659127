import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressToString } from '../../src/core/vl1/address.js';
import {
  adHocPortRangeNetworkId,
  describeAdHocNetwork,
  isAdHocNetworkId,
  makeNetworkId,
  networkController,
  networkIdToString,
  networkNumber,
  parseNetworkId,
} from '../../src/core/vl2/network-id.js';

test('network id: text form is 16 lower-case hex digits, zero-padded', () => {
  assert.equal(networkIdToString(0x8c0dc01ba4000001n), '8c0dc01ba4000001');
  assert.equal(networkIdToString(0x1n), '0000000000000001');
  assert.equal(parseNetworkId('8C0DC01BA4000001'), 0x8c0dc01ba4000001n);
  assert.equal(parseNetworkId('8c0dc01ba400001'), undefined);
  assert.equal(parseNetworkId('8c0dc01ba40000011'), undefined);
  assert.equal(parseNetworkId('8c0dc01ba400000g'), undefined);
  assert.equal(parseNetworkId(' 8c0dc01ba4000001'), undefined);
});

test('network id: controller is the top 40 bits, network number the low 24', () => {
  const nwid = 0x8c0dc01ba4000001n;
  assert.equal(addressToString(networkController(nwid)), '8c0dc01ba4');
  assert.equal(networkNumber(nwid), 1);
  assert.equal(makeNetworkId(0x8c0dc01ba4, 1), nwid);
  assert.equal(networkController(0xffffffffffffffffn), 0xffffffffff);
});

test('ad-hoc: port-range form ff SSSS EEEE 000000', () => {
  const nwid = 0xff00160016000000n;
  assert.ok(isAdHocNetworkId(nwid));
  assert.deepEqual(describeAdHocNetwork(nwid), { kind: 'portRange', startPort: 22, endPort: 22, valid: true, name: 'adhoc-0016-0016' });
  assert.equal(adHocPortRangeNetworkId(22, 22), nwid);
  const inverted = describeAdHocNetwork(adHocPortRangeNetworkId(100, 50));
  assert.equal(inverted?.kind, 'portRange');
  assert.equal(inverted?.kind === 'portRange' && inverted.valid, false);
  assert.deepEqual(describeAdHocNetwork(adHocPortRangeNetworkId(0, 0xffff)), { kind: 'portRange', startPort: 0, endPort: 0xffff, valid: true, name: 'adhoc-0000-ffff' });
});

test('ad-hoc: ipv4 form ff AA hhhhhhhhhh 01', () => {
  assert.deepEqual(describeAdHocNetwork(0xff0a1122334455_01n), { kind: 'ipv4', firstOctet: 10, specialist: 0x1122334455, name: 'adhoc-10.0.0.0' });
});

test('ad-hoc: other 0xff ids are inert, non-0xff ids are not ad-hoc', () => {
  assert.deepEqual(describeAdHocNetwork(0xff00000000000002n), { kind: 'inert' });
  assert.equal(describeAdHocNetwork(0x8c0dc01ba4000001n), undefined);
  assert.equal(isAdHocNetworkId(0xfe00160016000000n), false);
});
