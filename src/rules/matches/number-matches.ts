/** vlan, vlanpcp, vlandei, ethertype, ipprotocol, iptos, icmp, sport, dport, framesize, random. */
import type { MatchFlags, MatchParser } from './match-parser.js';
import type { MatchRule } from '../rule-objects.js';
import type { Arg } from '../render-context.js';
import { fail } from '../syntax-error.js';
import { inRange, parseNum, parseRange, UINT32_MAX } from '../numbers.js';

/** Shorthand names, exact case. */
const ETHERTYPE_NAMES: ReadonlyMap<string, number> = new Map([
  ['ipv4', 0x0800],
  ['arp', 0x0806],
  ['wol', 0x0842],
  ['rarp', 0x8035],
  ['ipv6', 0x86dd],
  ['atalk', 0x809b],
  ['aarp', 0x80f3],
  ['ipx_a', 0x8137],
  ['ipx_b', 0x8138],
]);

const IP_PROTOCOL_NAMES: ReadonlyMap<string, number> = new Map([
  ['icmp', 1],
  ['icmp4', 1],
  ['icmpv4', 1],
  ['igmp', 2],
  ['ipip', 4],
  ['tcp', 6],
  ['egp', 8],
  ['igp', 9],
  ['udp', 17],
  ['rdp', 27],
  ['esp', 50],
  ['ah', 51],
  ['icmp6', 58],
  ['icmpv6', 58],
  ['l2tp', 115],
  ['sctp', 132],
  ['udplite', 136],
]);

/**
 * A single 32-bit number (or a shorthand name). Only the 32-bit range is checked, as in the
 * reference: `vlan 5000` and `ipprotocol 300` compile and the controller masks them.
 */
function numeric(make: (flags: MatchFlags, n: number) => MatchRule, names?: ReadonlyMap<string, number>): MatchParser {
  return {
    argCount: 1,
    reservedValues: names,
    parse([arg], flags) {
      const n = names?.get(arg.text) ?? parseNum(arg.text);
      if (!inRange(n, 0, UINT32_MAX)) fail(arg, 'Invalid numeric value.');
      return make(flags, n);
    },
  };
}

function range(type: 'MATCH_IP_SOURCE_PORT_RANGE' | 'MATCH_IP_DEST_PORT_RANGE' | 'MATCH_FRAME_SIZE_RANGE'): MatchParser {
  return {
    argCount: 1,
    parse([arg], { not, or }) {
      const r = parseRange(arg.text, 0, 0xffff) ?? fail(arg, 'Invalid numeric range.');
      return { type, not, or, start: r.start, end: r.end };
    },
  };
}

const ipTos: MatchParser = {
  argCount: 2,
  parse([maskArg, rangeArg], { not, or }) {
    const mask = parseNum(maskArg.text);
    if (!inRange(mask, 0, 0xff)) fail(maskArg, 'Invalid mask.');
    const r = parseRange(rangeArg.text, 0, 0xff) ?? fail(rangeArg, 'Invalid value range.');
    return { type: 'MATCH_IP_TOS', not, or, mask, start: r.start, end: r.end };
  },
};

/** `icmp <type> <code>`; a negative or unreadable code means "any code" (null). */
const icmp: MatchParser = {
  argCount: 2,
  parse([typeArg, codeArg], { not, or }) {
    const icmpType = parseNum(typeArg.text);
    if (!inRange(icmpType, 0, 0xff)) fail(typeArg, 'Missing or invalid ICMP type.');
    const code = parseNum(codeArg.text);
    if (code > 0xff) fail(codeArg, 'Invalid ICMP code (use -1 for none).');
    return { type: 'MATCH_ICMP', not, or, icmpType, icmpCode: code < 0 ? null : code };
  },
};

/** Probability 0..1 (clamped; unreadable is 0) scaled to 0..2^32-1. */
const random: MatchParser = {
  argCount: 1,
  parse([arg]: readonly Arg[], { not, or }) {
    const p = Math.min(1, Math.max(0, parseFloat(arg.text) || 0));
    return { type: 'MATCH_RANDOM', not, or, probability: Math.floor(4294967295 * p) };
  },
};

export const NUMBER_MATCHES: ReadonlyMap<string, MatchParser> = new Map([
  ['vlan', numeric(({ not, or }, vlanId) => ({ type: 'MATCH_VLAN_ID', not, or, vlanId }))],
  ['vlanpcp', numeric(({ not, or }, vlanPcp) => ({ type: 'MATCH_VLAN_PCP', not, or, vlanPcp }))],
  ['vlandei', numeric(({ not, or }, vlanDei) => ({ type: 'MATCH_VLAN_DEI', not, or, vlanDei }))],
  ['ethertype', numeric(({ not, or }, etherType) => ({ type: 'MATCH_ETHERTYPE', not, or, etherType }), ETHERTYPE_NAMES)],
  ['ipprotocol', numeric(({ not, or }, ipProtocol) => ({ type: 'MATCH_IP_PROTOCOL', not, or, ipProtocol }), IP_PROTOCOL_NAMES)],
  ['iptos', ipTos],
  ['icmp', icmp],
  ['sport', range('MATCH_IP_SOURCE_PORT_RANGE')],
  ['dport', range('MATCH_IP_DEST_PORT_RANGE')],
  ['framesize', range('MATCH_FRAME_SIZE_RANGE')],
  ['random', random],
]);
