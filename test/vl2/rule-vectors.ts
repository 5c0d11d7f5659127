/**
 * Converts between the rule objects of the vl2-*.json vectors (the reference's in-memory struct
 * dumped as JSON: hex strings for addresses and 64-bit values, `ip/bits` text) and our Rule.
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../src/core/vl2/ip-text.js';
import { macToString, parseMac } from '../../src/core/vl2/mac.js';
import { integerRangeBits, integerRangeLittleEndian, ruleTypeByte, ruleTypeCode, type Rule } from '../../src/core/vl2/rules-codec.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type VectorRule = Record<string, any>;

function splitIp(text: string, family: 4 | 6): { ip: Uint8Array; bits: number } {
  const [addr, bits] = text.split('/');
  const ip = family === 4 ? parseIpv4(addr) : parseIpv6(addr);
  if (!ip) throw new Error(`bad vector ip ${text}`);
  return { ip, bits: Number(bits) };
}

export function ruleFromVector(v: VectorRule): Rule {
  const not: boolean = v.not;
  const or: boolean = v.or;
  const type = v.type as string;
  switch (type) {
    case 'ACTION_DROP':
    case 'ACTION_ACCEPT':
    case 'ACTION_BREAK':
      return { type, not, or };
    case 'ACTION_TEE':
    case 'ACTION_WATCH':
    case 'ACTION_REDIRECT':
      return { type, not, or, address: parseInt(v.address, 16), flags: v.flags, length: v.length };
    case 'ACTION_PRIORITY':
      return { type, not, or, qosBucket: v.qosBucket };
    case 'MATCH_SOURCE_ZEROTIER_ADDRESS':
    case 'MATCH_DEST_ZEROTIER_ADDRESS':
      return { type, not, or, zt: parseInt(v.zt, 16) };
    case 'MATCH_VLAN_ID':
      return { type, not, or, vlanId: v.vlanId };
    case 'MATCH_VLAN_PCP':
      return { type, not, or, vlanPcp: v.vlanPcp };
    case 'MATCH_VLAN_DEI':
      return { type, not, or, vlanDei: v.vlanDei };
    case 'MATCH_MAC_SOURCE':
    case 'MATCH_MAC_DEST':
      return { type, not, or, mac: parseMac(v.mac)! };
    case 'MATCH_IPV4_SOURCE':
    case 'MATCH_IPV4_DEST':
      return { type, not, or, ...splitIp(v.ip, 4) };
    case 'MATCH_IPV6_SOURCE':
    case 'MATCH_IPV6_DEST':
      return { type, not, or, ...splitIp(v.ip, 6) };
    case 'MATCH_IP_TOS':
      return { type, not, or, mask: v.mask, start: v.start, end: v.end };
    case 'MATCH_IP_PROTOCOL':
      return { type, not, or, ipProtocol: v.ipProtocol };
    case 'MATCH_ETHERTYPE':
      return { type, not, or, etherType: v.etherType };
    case 'MATCH_ICMP':
      return { type, not, or, icmpType: v.icmpType, icmpCode: v.icmpCode, icmpFlags: v.icmpFlags };
    case 'MATCH_IP_SOURCE_PORT_RANGE':
    case 'MATCH_IP_DEST_PORT_RANGE':
    case 'MATCH_FRAME_SIZE_RANGE':
      return { type, not, or, start: v.start, end: v.end };
    case 'MATCH_CHARACTERISTICS':
      return { type, not, or, characteristics: BigInt('0x' + v.characteristics) };
    case 'MATCH_RANDOM':
      return { type, not, or, probability: v.probability };
    case 'MATCH_TAGS_DIFFERENCE':
    case 'MATCH_TAGS_BITWISE_AND':
    case 'MATCH_TAGS_BITWISE_OR':
    case 'MATCH_TAGS_BITWISE_XOR':
    case 'MATCH_TAGS_EQUAL':
    case 'MATCH_TAG_SENDER':
    case 'MATCH_TAG_RECEIVER':
      return { type, not, or, id: v.id, value: v.value };
    case 'MATCH_INTEGER_RANGE':
      return { type, not, or, start: BigInt('0x' + v.start), endOffset: v.endOffset, idx: v.idx, format: v.format };
    case 'UNKNOWN':
      return { type, not, or, typeCode: v.typeCode };
    default:
      throw new Error(`vector rule type ${type} not handled`);
  }
}

/** Our Rule in the vectors' shape, to compare against a vector's `roundTrip`. */
export function ruleToVector(r: Rule): VectorRule {
  const base: VectorRule = { t: ruleTypeByte(r), type: r.type, typeCode: ruleTypeCode(r), not: r.not, or: r.or };
  const hex40 = (a: number): string => a.toString(16).padStart(10, '0');
  switch (r.type) {
    case 'ACTION_DROP':
    case 'ACTION_ACCEPT':
    case 'ACTION_BREAK':
    case 'UNKNOWN':
      return base;
    case 'ACTION_TEE':
    case 'ACTION_WATCH':
    case 'ACTION_REDIRECT':
      return { ...base, address: hex40(r.address), flags: r.flags, length: r.length };
    case 'ACTION_PRIORITY':
      return { ...base, qosBucket: r.qosBucket };
    case 'MATCH_SOURCE_ZEROTIER_ADDRESS':
    case 'MATCH_DEST_ZEROTIER_ADDRESS':
      return { ...base, zt: hex40(r.zt) };
    case 'MATCH_VLAN_ID':
      return { ...base, vlanId: r.vlanId };
    case 'MATCH_VLAN_PCP':
      return { ...base, vlanPcp: r.vlanPcp };
    case 'MATCH_VLAN_DEI':
      return { ...base, vlanDei: r.vlanDei };
    case 'MATCH_MAC_SOURCE':
    case 'MATCH_MAC_DEST':
      return { ...base, mac: macToString(r.mac) };
    case 'MATCH_IPV4_SOURCE':
    case 'MATCH_IPV4_DEST':
      return { ...base, ip: `${formatIpv4(r.ip)}/${r.bits}` };
    case 'MATCH_IPV6_SOURCE':
    case 'MATCH_IPV6_DEST':
      return { ...base, ip: `${formatIpv6(r.ip)}/${r.bits}` };
    case 'MATCH_IP_TOS':
      return { ...base, mask: r.mask, start: r.start, end: r.end };
    case 'MATCH_IP_PROTOCOL':
      return { ...base, ipProtocol: r.ipProtocol };
    case 'MATCH_ETHERTYPE':
      return { ...base, etherType: r.etherType };
    case 'MATCH_ICMP':
      return { ...base, icmpType: r.icmpType, icmpCode: r.icmpCode, icmpFlags: r.icmpFlags };
    case 'MATCH_IP_SOURCE_PORT_RANGE':
    case 'MATCH_IP_DEST_PORT_RANGE':
    case 'MATCH_FRAME_SIZE_RANGE':
      return { ...base, start: r.start, end: r.end };
    case 'MATCH_CHARACTERISTICS':
      return { ...base, characteristics: r.characteristics.toString(16).padStart(16, '0') };
    case 'MATCH_RANDOM':
      return { ...base, probability: r.probability };
    case 'MATCH_INTEGER_RANGE':
      return {
        ...base,
        start: r.start.toString(16).padStart(16, '0'),
        endOffset: r.endOffset,
        idx: r.idx,
        format: r.format,
        bits: integerRangeBits(r.format),
        littleEndian: integerRangeLittleEndian(r.format),
      };
    default:
      return { ...base, id: r.id, value: r.value };
  }
}
