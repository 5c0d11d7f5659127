import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadVectors } from '../helpers/vectors.js';
import { bytesToHex } from '../../src/core/vl1/bytes.js';
import {
  isInRfc4193Prefix,
  isInSixPlanePrefix,
  managedIpv6Owner,
  rfc4193Address,
  rfc4193Owner,
  sixPlaneAddress,
  sixPlaneNetwork32,
  sixPlaneOwner,
  ZT_6PLANE_PREFIX_BITS,
  ZT_RFC4193_PREFIX_BITS,
} from '../../src/core/vl2/ipv6.js';
import { formatIpv6, parseIpv4, parseIpv6 } from '../../src/core/vl2/ip-text.js';

const v = loadVectors('vl2-ipv6.json');

/** InetAddress wire form (spec §4), with the prefix length in the port field. */
function serializeIp(ip: Uint8Array | undefined, bits: number): string {
  if (!ip) return '00';
  return (ip.length === 4 ? '04' : '06') + bytesToHex(ip) + bits.toString(16).padStart(4, '0');
}

for (const [i, c] of v.cases.entries()) {
  const nwid = BigInt('0x' + c.nwid);
  const address = parseInt(c.address, 16);
  test(`vl2-ipv6 case #${i} rfc4193: ${c.nwid} / ${c.address}`, () => {
    const ip = rfc4193Address(nwid, address);
    assert.equal(bytesToHex(ip), c.rfc4193.bytes);
    assert.equal(formatIpv6(ip), c.rfc4193.string);
    assert.equal(ZT_RFC4193_PREFIX_BITS, c.rfc4193.prefixBits);
    assert.equal(serializeIp(ip, ZT_RFC4193_PREFIX_BITS), c.rfc4193.serialized);
    assert.equal(rfc4193Owner(nwid, ip), address);
    assert.equal(managedIpv6Owner(nwid, ip), address);
    assert.deepEqual(parseIpv6(c.rfc4193.string), ip);
  });
  test(`vl2-ipv6 case #${i} 6plane: ${c.nwid} / ${c.address}`, () => {
    const ip = sixPlaneAddress(nwid, address);
    assert.equal(bytesToHex(ip), c.sixplane.bytes);
    assert.equal(formatIpv6(ip), c.sixplane.string);
    assert.equal(ZT_6PLANE_PREFIX_BITS, c.sixplane.prefixBits);
    assert.equal(serializeIp(ip, ZT_6PLANE_PREFIX_BITS), c.sixplane.serialized);
    assert.equal(sixPlaneNetwork32(nwid), Number(BigInt('0x' + c.sixplane.nwid32)));
    assert.equal(sixPlaneOwner(nwid, ip), address);
    assert.equal(managedIpv6Owner(nwid, ip), address);
    assert.deepEqual(parseIpv6(c.sixplane.string), ip);
  });
}

for (const [i, c] of v.inetAddressSerialization.entries()) {
  test(`vl2-ipv6 inetAddressSerialization #${i}: ${c.address}`, () => {
    if (c.address === '(none/nil)') {
      assert.equal(serializeIp(undefined, 0), c.serialized);
      return;
    }
    const [addr, bits] = c.address.split('/');
    const ip = addr.includes(':') ? parseIpv6(addr) : parseIpv4(addr);
    assert.ok(ip);
    assert.equal(serializeIp(ip, Number(bits)), c.serialized);
  });
}

test('6plane: any address in a member /80 belongs to it; other prefixes to nobody', () => {
  const nwid = 0x8c0dc01ba4000001n;
  const ip = sixPlaneAddress(nwid, 0xcf9d611776);
  ip[12] = 0x12;
  ip[15] = 0x99;
  assert.equal(sixPlaneOwner(nwid, ip), 0xcf9d611776);
  assert.equal(sixPlaneOwner(0x8c0dc01ba4000002n, ip), undefined);
  const r = rfc4193Address(nwid, 0xcf9d611776);
  assert.equal(rfc4193Owner(0x8c0dc01ba4000002n, r), undefined);
  r[10] = 0x94;
  assert.equal(rfc4193Owner(nwid, r), undefined);
  assert.equal(managedIpv6Owner(nwid, parseIpv6('2001:db8::1')!), undefined);
  assert.equal(managedIpv6Owner(nwid, new Uint8Array(4)), undefined);
});

test('managed IPv6: derive then find the owner again (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffffff }), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), (address, nwid) => {
      const r = rfc4193Address(nwid, address);
      const s = sixPlaneAddress(nwid, address);
      assert.ok(isInRfc4193Prefix(nwid, r) && isInSixPlanePrefix(nwid, s));
      assert.equal(rfc4193Owner(nwid, r), address);
      assert.equal(sixPlaneOwner(nwid, s), address);
      assert.deepEqual(parseIpv6(formatIpv6(r)), r);
      assert.deepEqual(parseIpv6(formatIpv6(s)), s);
    }),
    { numRuns: 300 },
  );
});
