/** ZeroTier's Linux TAP device names (service-api.md §8.1). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chooseTapDeviceName, parseDeviceMap, tapDeviceName } from '../../src/service/tap/tap-name.js';

test('tap name: the live-verified examples', () => {
  assert.equal(tapDeviceName(0x877b4c739939ef9fn), 'zt6trhlhag');
  assert.equal(tapDeviceName(0x877b4c7399000001n), 'zt6trey44y');
  assert.equal(tapDeviceName(0x877b4c7399000003n), 'zt6trey442');
});

test('tap name: a taken name moves to the next trial; a free devicemap entry wins', () => {
  const nwid = 0x877b4c739939ef9fn;
  const taken = new Set([tapDeviceName(nwid, 0), tapDeviceName(nwid, 1)]);
  assert.equal(chooseTapDeviceName(nwid, (n) => taken.has(n)), tapDeviceName(nwid, 2));
  const map = parseDeviceMap('877b4c739939ef9f=ztlegacy0\nbogus line\n0000000000000001 = eth9\n');
  assert.equal(map.get(nwid), 'ztlegacy0');
  assert.equal(map.get(1n), 'eth9');
  assert.equal(map.size, 2);
  assert.equal(chooseTapDeviceName(nwid, () => false, map), 'ztlegacy0');
  assert.equal(chooseTapDeviceName(nwid, (n) => n === 'ztlegacy0', map), 'zt6trhlhag', 'a present legacy device falls back to the derived name');
  assert.equal(chooseTapDeviceName(nwid, () => true), undefined, 'gives up when everything is taken');
});

test('tap name: always zt + 8 base32 characters, within IFNAMSIZ (property)', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat(1000), (nwid, trial) => {
      const name = tapDeviceName(nwid, trial);
      assert.match(name, /^zt[a-z2-7]{8}$/);
      assert.notEqual(name, tapDeviceName(nwid, trial + 1));
    }),
    { numRuns: 300 },
  );
});
