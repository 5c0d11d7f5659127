import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addressToString, isReservedAddress, parseAddress, readAddress, writeAddress } from '../../src/core/vl1/address.js';

test('address: text form is 10 lowercase hex digits', () => {
  assert.equal(addressToString(0x08f159bda0), '08f159bda0');
  assert.equal(addressToString(1), '0000000001');
  const p = parseAddress('C7F7B1CBD9');
  assert.ok(p.ok && p.value === 0xc7f7b1cbd9);
});

test('address: reserved values and bad text are rejected', () => {
  assert.equal(isReservedAddress(0), true);
  assert.equal(isReservedAddress(0xff00000000), true);
  assert.equal(isReservedAddress(0xffffffffff), true);
  assert.equal(isReservedAddress(0xfeffffffff), false);
  assert.equal(isReservedAddress(1), false);
  for (const bad of ['0000000000', 'ff12345678', '12345', '123456789012', '12345678zz', '', ' 1234567890', '0x12345678']) {
    const r = parseAddress(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.equal(r.error.reason, 'bad_address');
  }
});

test('address properties: 5 bytes big-endian and text round trips', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffffff }), (a) => {
      const b = new Uint8Array(7);
      writeAddress(b, 1, a);
      assert.equal(readAddress(b, 1), a);
      assert.equal(b[1], Math.floor(a / 2 ** 32));
      const s = addressToString(a);
      assert.equal(s.length, 10);
      const p = parseAddress(s);
      assert.equal(p.ok, !isReservedAddress(a));
      if (p.ok) assert.equal(p.value, a);
    }),
    { numRuns: 300 },
  );
});
