import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import {
  compareInetAddressesLikeReference,
  decodeInetAddress,
  inetAddressEquals,
  inetAddressIpEquals,
  inetAddressToString,
  IpScope,
  ipScope,
  isAddressValidForPath,
  parseInetAddress,
  readInetAddress,
  serializeInetAddress,
  writeInetAddress,
  type InetAddress,
} from '../../src/core/vl1/inet-address.js';
import { BufferReader, BufferWriter } from '../../src/core/vl1/buffer-reader.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { DecodeError } from '../../src/core/errors.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_inetaddress.json');

function parse(text: string): InetAddress {
  const r = parseInetAddress(text);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.error.message}`);
  return r.value;
}

for (const [i, c] of v.cases.entries()) {
  test(`inetaddress case ${i}: ${c.input}`, () => {
    if (c.input === '(nil)') {
      assert.equal(bytesToHex(serializeInetAddress(null)), c.serialized);
      const d = decodeInetAddress(hexToBytes(c.serialized));
      assert.ok(d.ok && d.value.address === null && d.value.length === 1);
      return;
    }
    const a = parse(c.input);
    assert.equal(inetAddressToString(a), c.input);
    assert.equal(bytesToHex(serializeInetAddress(a)), c.serialized);
    const d = decodeInetAddress(hexToBytes(c.serialized));
    assert.ok(d.ok && d.value.address !== null);
    assert.ok(inetAddressEquals(d.value.address, a));
    assert.equal(d.value.length, c.serialized.length / 2);
    assert.equal(ipScope(a), c.ipScope);
    assert.equal(isAddressValidForPath(a), c.isAddressValidForPath);
  });
}

const SCOPES: [string, IpScope][] = [
  ['0.0.0.0', IpScope.NONE],
  ['0.1.2.3', IpScope.NONE],
  ['255.1.2.3', IpScope.NONE],
  ['255.255.255.255', IpScope.NONE],
  ['127.0.0.1', IpScope.LOOPBACK],
  ['127.255.0.9', IpScope.LOOPBACK],
  ['10.1.2.3', IpScope.PRIVATE],
  ['100.64.0.1', IpScope.PRIVATE],
  ['100.127.255.255', IpScope.PRIVATE],
  ['100.128.0.1', IpScope.GLOBAL],
  ['100.63.0.1', IpScope.GLOBAL],
  ['172.16.0.1', IpScope.PRIVATE],
  ['172.31.255.1', IpScope.PRIVATE],
  ['172.32.0.1', IpScope.GLOBAL],
  ['192.168.1.1', IpScope.PRIVATE],
  ['192.0.2.7', IpScope.PRIVATE],
  ['192.0.3.7', IpScope.GLOBAL],
  ['198.18.0.1', IpScope.PRIVATE],
  ['198.19.255.1', IpScope.PRIVATE],
  ['198.20.0.1', IpScope.GLOBAL],
  ['198.51.100.3', IpScope.PRIVATE],
  ['203.0.113.9', IpScope.PRIVATE],
  ['169.254.1.1', IpScope.LINK_LOCAL],
  ['169.253.1.1', IpScope.GLOBAL],
  ['224.0.0.1', IpScope.MULTICAST],
  ['239.255.255.250', IpScope.MULTICAST],
  ['240.0.0.1', IpScope.PSEUDOPRIVATE],
  ['254.0.0.1', IpScope.PSEUDOPRIVATE],
  ...[6, 11, 21, 22, 25, 26, 28, 29, 30, 51, 55, 56].map((o): [string, IpScope] => [`${o}.1.2.3`, IpScope.PSEUDOPRIVATE]),
  ['7.1.2.3', IpScope.GLOBAL],
  ['8.8.8.8', IpScope.GLOBAL],
  ['::', IpScope.NONE],
  ['::1', IpScope.LOOPBACK],
  ['::2', IpScope.GLOBAL],
  ['::ffff:127.0.0.1', IpScope.LOOPBACK],
  ['::ffff:10.0.0.1', IpScope.GLOBAL],
  ['fe80::1', IpScope.LOOPBACK],
  ['fe80::2', IpScope.LINK_LOCAL],
  ['febf::1:2', IpScope.LINK_LOCAL],
  ['fec0::1', IpScope.GLOBAL],
  ['fc00::1', IpScope.PRIVATE],
  ['fd12:3456::1', IpScope.PRIVATE],
  ['ff02::1', IpScope.MULTICAST],
  ['2001:db8::1', IpScope.GLOBAL],
];

test('inetaddress: IP scope table (spec 11.2)', () => {
  for (const [ip, scope] of SCOPES) assert.equal(ipScope(parse(`${ip}/1`)), scope, ip);
});

test('inetaddress: usable for paths only in private, pseudo-private, shared and global scope; no HE tunnels', () => {
  for (const [ip, scope] of SCOPES) {
    const usable = scope === IpScope.PRIVATE || scope === IpScope.PSEUDOPRIVATE || scope === IpScope.GLOBAL;
    assert.equal(isAddressValidForPath(parse(`${ip}/9993`)), usable, ip);
  }
  assert.equal(isAddressValidForPath(parse('2001:470:1f0b::1/9993')), false);
  assert.equal(isAddressValidForPath(parse('2001:471::1/9993')), true);
});

test('inetaddress: text form follows inet_ntop', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0001:0000:0000:0001/1', '2001:db8::1:0:0:1/1'],
    ['2001:db8:0:1:1:1:1:1/1', '2001:db8:0:1:1:1:1:1/1'],
    ['1::/2', '1::/2'],
    ['::/3', '::/3'],
    ['::ffff:1.2.3.4/4', '::ffff:1.2.3.4/4'],
    ['::ffff:0102:0304/4', '::ffff:1.2.3.4/4'],
    ['::1.2.3.4/5', '::1.2.3.4/5'],
    ['1:0:0:2:0:0:0:3/6', '1:0:0:2::3/6'],
    ['1:0:0:2:0:0:3:4/6', '1::2:0:0:3:4/6'],
    ['FE80::ABCD/7', 'fe80::abcd/7'],
    ['1.2.3.4', '1.2.3.4/0'],
    ['1.2.3.4/65535', '1.2.3.4/65535'],
  ];
  for (const [input, output] of cases) assert.equal(inetAddressToString(parse(input)), output, input);
});

test('inetaddress: the parser rejects what inet_pton rejects, and bad ports', () => {
  for (const bad of [
    '',
    '/9993',
    '1.2.3/1',
    '1.2.3.4.5/1',
    '01.2.3.4/1',
    '256.1.1.1/1',
    '1.2.3.4/65536',
    '1.2.3.4/',
    '1.2.3.4/-1',
    '1.2.3.4/12a',
    '1.2.3.4/9993/1',
    ':::/1',
    '1::2::3/1',
    '1:2:3:4:5:6:7/1',
    '1:2:3:4:5:6:7:8:9/1',
    '1:2:3:4:5:6:7:8::/1',
    '12345::/1',
    'g::1/1',
    ':1::/1',
    '1.2.3.4::/1',
    'fe80::1%eth0/1',
    'example.com/1',
  ]) {
    assert.equal(parseInetAddress(bad).ok, false, bad);
  }
});

test('inetaddress: reserved wire types are skipped, unknown ones rejected', () => {
  for (const [hex, length] of [
    ['01aabbccddeeff', 7],
    ['02aabbccddeeff', 7],
    ['030000', 3],
    ['030003aabbcc', 6],
  ] as const) {
    const d = decodeInetAddress(hexToBytes(`${hex}99`));
    assert.ok(d.ok && d.value.address === null && d.value.length === length, hex);
  }
  for (const hex of ['05', '07aabbcc', 'ff']) {
    const d = decodeInetAddress(hexToBytes(hex));
    assert.ok(!d.ok && d.error.reason === 'bad_type', hex);
  }
  for (const hex of ['', '04', '04010203', '040102030427', '06', '0620010db8', '01aabb', '0300', '030005aa']) {
    const d = decodeInetAddress(hexToBytes(hex));
    assert.ok(!d.ok && d.error.reason === 'truncated', hex);
  }
  assert.throws(() => readInetAddress(new BufferReader(hexToBytes('09'))), DecodeError);
});

test('inetaddress: equality and reference ordering', () => {
  const a = parse('10.1.2.3/9993');
  assert.ok(inetAddressEquals(a, parse('10.1.2.3/9993')));
  assert.ok(!inetAddressEquals(a, parse('10.1.2.3/9994')));
  assert.ok(inetAddressIpEquals(a, parse('10.1.2.3/9994')));
  assert.ok(!inetAddressIpEquals(a, parse('10.1.2.4/9993')));
  assert.ok(!inetAddressIpEquals(parse('::a01:203/1'), a));
  // IPv4 first; ports compare as byte-swapped (x86 in-memory) values; IPv4 addresses likewise
  const sorted = ['2001:db8::3/9993', '198.51.100.3/9993', '10.1.2.3/9993', '10.1.2.3/256', '10.1.2.3/1', '1.2.3.5/9993', '5.2.3.1/9993']
    .map(parse)
    .sort(compareInetAddressesLikeReference)
    .map(inetAddressToString);
  assert.deepEqual(sorted, ['10.1.2.3/256', '10.1.2.3/1', '5.2.3.1/9993', '10.1.2.3/9993', '198.51.100.3/9993', '1.2.3.5/9993', '2001:db8::3/9993']);
});

const arbInet: fc.Arbitrary<InetAddress> = fc.oneof(
  fc.record({ family: fc.constant(4 as const), ip: fc.uint8Array({ minLength: 4, maxLength: 4 }), port: fc.integer({ min: 0, max: 65535 }) }),
  fc.record({ family: fc.constant(6 as const), ip: fc.uint8Array({ minLength: 16, maxLength: 16 }), port: fc.integer({ min: 0, max: 65535 }) }),
);

test('inetaddress properties: wire and text round trips; IPv6 text is valid', () => {
  fc.assert(
    fc.property(arbInet, (a) => {
      const w = new BufferWriter(4);
      writeInetAddress(w, a);
      const d = decodeInetAddress(w.toBytes());
      assert.ok(d.ok && d.value.address && inetAddressEquals(d.value.address, a));
      const text = inetAddressToString(a);
      assert.ok(inetAddressEquals(parse(text), a), text);
      if (a.family === 6) assert.ok(isIPv6(text.slice(0, text.lastIndexOf('/'))), text);
      ipScope(a);
    }),
    { numRuns: 500 },
  );
});

test('inetaddress properties: decoding garbage never throws out', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const d = decodeInetAddress(b);
      if (d.ok) assert.ok(d.value.length <= b.length);
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (s) => {
      parseInetAddress(s);
    }),
    { numRuns: 500 },
  );
});
