import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../src/core/vl2/ip-text.js';

test('ipv4 text: inet_pton rules', () => {
  assert.deepEqual(parseIpv4('10.147.17.5'), Uint8Array.of(10, 147, 17, 5));
  assert.deepEqual(parseIpv4('0.0.0.0'), Uint8Array.of(0, 0, 0, 0));
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', '1..3.4', 'a.b.c.d', '1.2.3.-4', '1.2.3.4/8']) {
    assert.equal(parseIpv4(bad), undefined, bad);
  }
  assert.equal(formatIpv4(Uint8Array.of(192, 168, 1, 254)), '192.168.1.254');
});

test('ipv6 text: parse', () => {
  const hex = (s: string): string | undefined => {
    const b = parseIpv6(s);
    return b && Buffer.from(b).toString('hex');
  };
  assert.equal(hex('::'), '00000000000000000000000000000000');
  assert.equal(hex('::1'), '00000000000000000000000000000001');
  assert.equal(hex('1::'), '00010000000000000000000000000000');
  assert.equal(hex('FD00:1234::'), 'fd001234000000000000000000000000');
  assert.equal(hex('::ffff:10.1.2.3'), '00000000000000000000ffff0a010203');
  assert.equal(hex('1:2:3:4:5:6:7:8'), '00010002000300040005000600070008');
  assert.equal(hex('1:2:3:4:5:6:1.2.3.4'), '00010002000300040005000601020304');
  for (const bad of ['', ':', ':::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::2', '1::2:', '12345::', 'g::', '1:2:3:4:5:6:7::8', '::1.2.3', '1.2.3.4::', '::1.2.3.4:5', '1:2:3:4:5:6:7:1.2.3.4']) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
});

test('ipv6 text: glibc inet_ntop formatting', () => {
  const f = (s: string): string => formatIpv6(parseIpv6(s)!);
  assert.equal(f('0:0:0:0:0:0:0:0'), '::');
  assert.equal(f('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(f('1:0:0:0:0:0:0:0'), '1::');
  assert.equal(f('fd00:0:100:0:199:9300:0:1'), 'fd00:0:100:0:199:9300:0:1');
  assert.equal(f('fc00:0:0:0:1:0:0:1'), 'fc00::1:0:0:1');
  assert.equal(f('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
  assert.equal(f('1:0:0:2:0:0:3:4'), '1::2:0:0:3:4');
  assert.equal(f('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
  assert.equal(f('::1.2.3.4'), '::1.2.3.4');
  assert.equal(f('::0.0.0.2'), '::2');
  assert.equal(f('::fffe:1.2.3.4'), '::fffe:102:304');
  assert.equal(f('2001:DB8::ABCD:EF01'), '2001:db8::abcd:ef01');
});

test('ipv6 text: format -> parse is the identity (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 255 }), (b, zeroMask) => {
      // Zero some groups so that compression is exercised.
      for (let i = 0; i < 8; i++) if (zeroMask & (1 << i)) b[i * 2] = b[i * 2 + 1] = 0;
      assert.deepEqual(parseIpv6(formatIpv6(b)), b);
    }),
    { numRuns: 1000 },
  );
});
