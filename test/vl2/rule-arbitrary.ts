/** fast-check generators of valid rules (every field within its wire width). */
import fc from 'fast-check';
import type { Rule } from '../../src/core/vl2/rules-codec.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const address = fc.integer({ min: 0, max: 0xffffffffff });
const mac = fc.integer({ min: 0, max: 0xffffffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const flags = { not: fc.boolean(), or: fc.boolean() };

function r<T extends Rule['type']>(type: T, fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Rule> {
  // Spread into a plain object: fast-check builds records without a prototype.
  return fc.record({ type: fc.constant(type), ...flags, ...fields }).map((x) => ({ ...x }) as unknown as Rule);
}

export const ruleArb: fc.Arbitrary<Rule> = fc.oneof(
  r('ACTION_DROP', {}),
  r('ACTION_ACCEPT', {}),
  r('ACTION_BREAK', {}),
  r('ACTION_TEE', { address, flags: u32, length: u16 }),
  r('ACTION_WATCH', { address, flags: u32, length: u16 }),
  r('ACTION_REDIRECT', { address, flags: u32, length: u16 }),
  r('ACTION_PRIORITY', { qosBucket: fc.constant(0) }),
  r('MATCH_SOURCE_ZEROTIER_ADDRESS', { zt: address }),
  r('MATCH_DEST_ZEROTIER_ADDRESS', { zt: address }),
  r('MATCH_VLAN_ID', { vlanId: u16 }),
  r('MATCH_VLAN_PCP', { vlanPcp: u8 }),
  r('MATCH_VLAN_DEI', { vlanDei: u8 }),
  r('MATCH_MAC_SOURCE', { mac }),
  r('MATCH_MAC_DEST', { mac }),
  r('MATCH_IPV4_SOURCE', { ip: fc.uint8Array({ minLength: 4, maxLength: 4 }), bits: u8 }),
  r('MATCH_IPV4_DEST', { ip: fc.uint8Array({ minLength: 4, maxLength: 4 }), bits: u8 }),
  r('MATCH_IPV6_SOURCE', { ip: fc.uint8Array({ minLength: 16, maxLength: 16 }), bits: u8 }),
  r('MATCH_IPV6_DEST', { ip: fc.uint8Array({ minLength: 16, maxLength: 16 }), bits: u8 }),
  r('MATCH_IP_TOS', { mask: u8, start: u8, end: u8 }),
  r('MATCH_IP_PROTOCOL', { ipProtocol: u8 }),
  r('MATCH_ETHERTYPE', { etherType: u16 }),
  r('MATCH_ICMP', { icmpType: u8, icmpCode: u8, icmpFlags: u8 }),
  r('MATCH_IP_SOURCE_PORT_RANGE', { start: u16, end: u16 }),
  r('MATCH_IP_DEST_PORT_RANGE', { start: u16, end: u16 }),
  r('MATCH_FRAME_SIZE_RANGE', { start: u16, end: u16 }),
  r('MATCH_CHARACTERISTICS', { characteristics: u64 }),
  r('MATCH_RANDOM', { probability: u32 }),
  r('MATCH_TAGS_DIFFERENCE', { id: u32, value: u32 }),
  r('MATCH_TAGS_BITWISE_AND', { id: u32, value: u32 }),
  r('MATCH_TAGS_BITWISE_OR', { id: u32, value: u32 }),
  r('MATCH_TAGS_BITWISE_XOR', { id: u32, value: u32 }),
  r('MATCH_TAGS_EQUAL', { id: u32, value: u32 }),
  r('MATCH_TAG_SENDER', { id: u32, value: u32 }),
  r('MATCH_TAG_RECEIVER', { id: u32, value: u32 }),
  r('MATCH_INTEGER_RANGE', { start: u64, endOffset: u32, idx: u16, format: u8 }),
  r('UNKNOWN', { typeCode: fc.oneof(fc.integer({ min: 7, max: 23 }), fc.integer({ min: 52, max: 63 })) }),
);

/** Rules the controller's JSON can carry (it drops PRIORITY, INTEGER_RANGE and unknown types). */
export const jsonRuleArb: fc.Arbitrary<Rule> = ruleArb
  .filter((x) => x.type !== 'ACTION_PRIORITY' && x.type !== 'MATCH_INTEGER_RANGE' && x.type !== 'UNKNOWN')
  .map((x) => {
    // Actions are rendered without `not`/`or`, so those bits do not survive JSON.
    if (x.type.startsWith('ACTION_')) x = { ...x, not: false, or: false };
    if (x.type === 'ACTION_REDIRECT') return { ...x, length: 0 };
    if (x.type === 'MATCH_IPV4_SOURCE' || x.type === 'MATCH_IPV4_DEST') return { ...x, bits: x.bits % 33 };
    if (x.type === 'MATCH_IPV6_SOURCE' || x.type === 'MATCH_IPV6_DEST') return { ...x, bits: x.bits % 129 };
    if (x.type === 'MATCH_ICMP') return { ...x, icmpFlags: x.icmpFlags & 1, icmpCode: x.icmpFlags & 1 ? x.icmpCode : 0 };
    return x;
  });
