/** The rules engine's frame parser: known frames, the §8.4 boundaries, hostile input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hexToBytes } from '../../src/core/vl1/bytes.js';
import {
  FrameFacts,
  parseFrame,
  PORT_HARD_NO,
  PORT_PLAIN_FALSE,
  SRC_IPV4,
  SRC_IPV6,
  SRC_NDP_SOLICITATION,
  SRC_NONE,
} from '../../src/core/vl2/filter/frame.js';
import type { FilterFrame } from '../../src/core/vl2/filter/types.js';

function facts(etherType: number, hex: string | Uint8Array, length?: number, offset = 0): FrameFacts {
  const data = typeof hex === 'string' ? hexToBytes(hex) : hex;
  const frame: FilterFrame = { ztSource: 1, ztDest: 2, macSource: 3, macDest: 4, etherType, data, offset, length: length ?? data.length - offset };
  return parseFrame(new FrameFacts(), frame);
}

// From vl2-filter.json: IPv4 TCP SYN 10.147.17.6:40000 -> 10.147.17.5:22.
const TCP_SYN = '45000028123440004006f16b0a9311060a9311059c40001600000001000000005002ffff00000000';
// IPv6 UDP 2001:db8::1 -> fd00:1234::5, ports 1 -> 2.
const V6_UDP = '60000000000c114020010db8000000000000000000000001fd00123400000000000000000000000500010002000c0000a0a1a2a3';
// Neighbor solicitation from fe80::1.
const V6_NS = '6000000000203a40fe800000000000000000000000000001ff0200000000000000000001ff0000058700000000000000fd0012340000000000000000000000050101000000000000';
const ARP = '00010800060400010000000000000a9311060000000000000a931105';

test('frame: IPv4 TCP SYN', () => {
  const f = facts(0x0800, TCP_SYN);
  assert.equal(f.ipv4, true);
  assert.equal(f.ipv6, false);
  assert.equal(f.len, 40);
  assert.equal(f.ihl, 20);
  assert.equal(f.protocol, 6);
  assert.equal(f.tos, 0);
  assert.equal(f.ipv4Source, 0x0a931106);
  assert.equal(f.ipv4Dest, 0x0a931105);
  assert.equal(f.sourcePort, 40000);
  assert.equal(f.destPort, 22);
  assert.equal(f.tcpFlags, 0x002);
  assert.equal(f.icmpType, -1);
  assert.equal(f.sourceKind, SRC_IPV4);
  assert.equal(f.sourceAt, 12);
});

test('frame: IPv4 TCP flags read past a short frame count as 0 (the reference reads unchecked)', () => {
  const f = facts(0x0800, TCP_SYN, 33); // flags byte (offset 33) cut off, data-offset byte kept
  assert.equal(f.tcpFlags, (0x50 & 0x0f) << 8);
  assert.equal(facts(0x0800, TCP_SYN, 20).tcpFlags, 0);
});

test('frame: IPv4 ports need more than ihl + 4 bytes; other protocols give a plain false', () => {
  assert.equal(facts(0x0800, TCP_SYN, 24).destPort, PORT_PLAIN_FALSE);
  assert.equal(facts(0x0800, TCP_SYN, 25).destPort, 22);
  const icmp = hexToBytes(TCP_SYN);
  icmp[9] = 1;
  const f = facts(0x0800, icmp);
  assert.equal(f.sourcePort, PORT_PLAIN_FALSE);
  assert.equal(f.icmpType, 0x9c);
  assert.equal(f.icmpCode, 0x40);
  assert.equal(f.tcpFlags, 0);
  assert.equal(facts(0x0800, icmp, 21).icmpType, -1);
  assert.equal(facts(0x0800, icmp, 22).icmpType, 0x9c);
});

test('frame: IPv4 shorter than 20 bytes is not IPv4 for any rule', () => {
  const f = facts(0x0800, TCP_SYN, 19);
  assert.equal(f.ipv4, false);
  assert.equal(f.protocol, -1);
  assert.equal(f.tos, -1);
  assert.equal(f.sourcePort, PORT_HARD_NO);
  assert.equal(f.sourceKind, SRC_NONE);
});

test('frame: IPv6 UDP and its traffic class', () => {
  const f = facts(0x86dd, V6_UDP);
  assert.equal(f.ipv6, true);
  assert.equal(f.protocol, 17);
  assert.equal(f.l4, 40);
  assert.equal(f.sourcePort, 1);
  assert.equal(f.destPort, 2);
  assert.equal(f.tos, 0);
  assert.equal(f.sourceKind, SRC_IPV6);
  assert.equal(f.sourceAt, 8);
  const tc = hexToBytes(V6_UDP);
  tc[0] = 0x6a;
  tc[1] = 0xb0;
  assert.equal(facts(0x86dd, tc).tos, 0xab);
});

test('frame: IPv6 port 0 never matches (plain false), ports need more than pos + 4 bytes', () => {
  const zero = hexToBytes(V6_UDP);
  zero[40] = 0;
  zero[41] = 0;
  assert.equal(facts(0x86dd, zero).sourcePort, PORT_PLAIN_FALSE);
  assert.equal(facts(0x86dd, V6_UDP, 44).destPort, PORT_PLAIN_FALSE);
  assert.equal(facts(0x86dd, V6_UDP, 45).destPort, 2);
});

test('frame: IPv6 extension walk (hop-by-hop, routing, destination, mobility; fragment stops)', () => {
  // hop-by-hop (len 0) -> destination options (len 1) -> TCP
  const bytes = hexToBytes(V6_UDP.slice(0, 80));
  bytes[6] = 0;
  const ext = [60, 0, 0, 0, 0, 0, 0, 0, 6, 1, ...new Array(14).fill(0)];
  const tcp = [0, 80, 1, 187, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x12, 0, 0];
  const frame = Uint8Array.from([...bytes, ...ext, ...tcp]);
  const f = facts(0x86dd, frame);
  assert.equal(f.protocol, 6);
  assert.equal(f.l4, 64);
  assert.equal(f.sourcePort, 80);
  assert.equal(f.destPort, 443);
  assert.equal(f.tcpFlags, 0x12);
  // Cut inside the second extension header: the walk falls off the end.
  const cut = facts(0x86dd, frame, 50);
  assert.equal(cut.ipv6WalkFailed, true);
  assert.equal(cut.protocol, -1);
  assert.equal(cut.sourcePort, PORT_HARD_NO);
  // Fragment header (44) is not walked: it is the upper-layer protocol.
  frame[6] = 44;
  assert.equal(facts(0x86dd, frame).protocol, 44);
  // Exactly 40 bytes with a non-extension next header: the walk ends at 40.
  const bare = facts(0x86dd, V6_UDP, 40);
  assert.equal(bare.protocol, 17);
  assert.equal(bare.l4, 40);
  assert.equal(bare.sourcePort, PORT_PLAIN_FALSE);
});

test('frame: IPv6 under 40 bytes fails the walk and every IPv6 field', () => {
  const f = facts(0x86dd, V6_UDP, 39);
  assert.equal(f.ipv6, false);
  assert.equal(f.ipv6WalkFailed, true);
  assert.equal(f.protocol, -1);
  assert.equal(f.tos, -1);
  assert.equal(f.sourceKind, SRC_NONE);
});

test('frame: NDP solicitation authenticates unconditionally, advertisement uses its target', () => {
  const ns = facts(0x86dd, V6_NS);
  assert.equal(ns.sourceKind, SRC_NDP_SOLICITATION);
  assert.equal(ns.icmpType, 135);
  assert.equal(facts(0x86dd, V6_NS, 63).sourceKind, SRC_IPV6);
  const na = hexToBytes(V6_NS);
  na[40] = 136;
  const f = facts(0x86dd, na);
  assert.equal(f.sourceKind, SRC_IPV6);
  assert.equal(f.sourceAt, 48);
});

test('frame: ARP sender address, only with 28 bytes', () => {
  const f = facts(0x0806, ARP);
  assert.equal(f.sourceKind, SRC_IPV4);
  assert.equal(f.sourceAt, 14);
  assert.equal(f.protocol, -1);
  assert.equal(facts(0x0806, ARP, 27).sourceKind, SRC_NONE);
});

test('frame: offset into a larger buffer', () => {
  const inner = hexToBytes(TCP_SYN);
  const outer = new Uint8Array(inner.length + 10).fill(0xee);
  outer.set(inner, 7);
  const f = facts(0x0800, outer, inner.length, 7);
  assert.equal(f.base, 7);
  assert.equal(f.destPort, 22);
  assert.equal(f.ipv4Source, 0x0a931106);
  assert.equal(f.byteAt(0), 0x45);
  assert.equal(f.byteAt(inner.length), 0);
});

test('frame: descriptors beyond the buffer are clipped, nonsense ones give an empty frame', () => {
  assert.equal(facts(0x0800, TCP_SYN, 1000).len, 40);
  assert.equal(facts(0x0800, TCP_SYN, 10, 1000).len, 0);
  assert.equal(facts(0x0800, TCP_SYN, -1).len, 0);
  assert.equal(facts(0x0800, TCP_SYN, Number.NaN).len, 0);
  assert.equal(facts(0x0800, TCP_SYN, 10, -2).len, 0);
  assert.equal(facts(0x0800, TCP_SYN, 10, 1.5).len, 0);
});

test('frame property: hostile bytes and descriptors never throw and stay in bounds', () => {
  const reused = new FrameFacts();
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.oneof(fc.constantFrom(0x0800, 0x86dd, 0x0806), fc.integer({ min: 0, max: 0xffff })),
      fc.integer({ min: -4, max: 220 }),
      fc.integer({ min: -4, max: 220 }),
      (data, etherType, offset, length) => {
        const f = parseFrame(reused, { ztSource: 0, ztDest: 0, macSource: 0, macDest: 0, etherType, data, offset, length });
        assert.ok(f.len >= 0 && f.base + f.len <= data.length);
        for (const v of [f.protocol, f.tos, f.icmpType, f.sourcePort, f.destPort, f.tcpFlags, f.ipv4Source, f.ipv4Dest]) {
          assert.ok(Number.isInteger(v), `integer field ${v}`);
        }
        assert.ok(f.protocol <= 255 && f.tos <= 255 && f.icmpType <= 255 && f.tcpFlags <= 0xfff);
        assert.ok(f.sourcePort >= PORT_HARD_NO && f.sourcePort <= 0xffff);
        if (f.sourceKind === SRC_IPV4 || f.sourceKind === SRC_IPV6) assert.ok(f.sourceAt + f.sourceKind <= f.len);
      },
    ),
    { numRuns: 2000 },
  );
});
