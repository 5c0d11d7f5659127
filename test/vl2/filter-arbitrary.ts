/**
 * fast-check generators for the rules-engine property tests: rule tables whose values are drawn
 * from small pools shared with the generated frames (so matches, ORs, tags, TEEs and redirects
 * actually fire), frames that are well-formed IPv4/IPv6/ARP or garbage and possibly truncated,
 * and whole filter contexts (tags on both sides, capabilities, ownership, flags).
 */
import fc from 'fast-check';
import type { Rule } from '../../src/core/vl2/rules-codec.js';
import { rfc4193Address, sixPlaneAddress } from '../../src/core/vl2/ipv6.js';
import { COO_THING_IPV4, COO_THING_IPV6, COO_THING_MAC, OwnershipTable, type OwnershipThing } from '../../src/core/vl2/filter/ownership.js';
import type { FilterCapability, FilterContext, FilterFrame, NetworkFilterConfig, PeerCredentialsView } from '../../src/core/vl2/filter/types.js';
import { macToBytes } from '../../src/core/vl2/mac.js';
import { ruleArb } from './rule-arbitrary.js';
import { seededRandom } from './filter-fixtures.js';

export const NWID = 0x8c0dc01ba4000123n;
export const SELF = 0xcf9d611776;
export const PEER = 0x9dd38c045f;
const OTHER = 0x1122334455;

const ADDRESSES = [SELF, PEER, OTHER, 0, 0x0102030405];
const MACS = [0x229cd3281f9f, 0x22ce9dc50cb6, 0xffffffffffff, 0x333300000001, 0x0100_5e00_0001];
const IPV4S = [
  [10, 147, 17, 5],
  [10, 147, 17, 6],
  [10, 147, 17, 99],
  [192, 168, 1, 9],
  [0, 0, 0, 0],
].map((a) => Uint8Array.from(a));
const IPV6S = [
  sixPlaneAddress(NWID, SELF),
  sixPlaneAddress(NWID, PEER),
  rfc4193Address(NWID, SELF),
  rfc4193Address(NWID, PEER),
  Uint8Array.from([0xfe, 0x80, ...new Array(13).fill(0), 1]),
  Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]),
];
const PORTS = [0, 22, 53, 80, 443, 65535];
const PROTOCOLS = [1, 6, 17, 58, 132, 136, 2];
const ETHERTYPES = [0x0800, 0x86dd, 0x0806, 0x8035];
const TAG_IDS = [1, 2, 3];

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const flags = { not: fc.boolean(), or: fc.boolean() };
const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const smallTag = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(0xffffffff, 0x80000000, 0x10, 0x11));

function r<T extends Rule['type']>(type: T, fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Rule> {
  return fc.record({ type: fc.constant(type), ...flags, ...fields }).map((x) => ({ ...x }) as unknown as Rule);
}

const portRange = fc.oneof(
  pick(PORTS).map((p) => [p, p]),
  fc.tuple(pick(PORTS), pick(PORTS)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]),
  fc.tuple(u16, u16),
);
const range = (type: 'MATCH_IP_SOURCE_PORT_RANGE' | 'MATCH_IP_DEST_PORT_RANGE' | 'MATCH_FRAME_SIZE_RANGE'): fc.Arbitrary<Rule> =>
  fc.tuple(portRange, flags.not, flags.or).map(([[start, end], not, or]) => ({ type, not, or, start, end }) as Rule);

const CHR_BITS = [63, 62, 61, 60, 59, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 40];
const characteristics = fc.subarray(CHR_BITS, { minLength: 1, maxLength: 3 }).map((bits) => bits.reduce((m, b) => m | (1n << BigInt(b)), 0n));

/** Rules with values from the pools the frames use. */
const plausibleRule: fc.Arbitrary<Rule> = fc.oneof(
  { arbitrary: r('ACTION_DROP', {}), weight: 3 },
  { arbitrary: r('ACTION_ACCEPT', {}), weight: 3 },
  { arbitrary: r('ACTION_BREAK', {}), weight: 2 },
  r('ACTION_PRIORITY', { qosBucket: fc.integer({ min: 0, max: 12 }) }),
  { arbitrary: r('ACTION_TEE', { address: pick(ADDRESSES), flags: fc.constant(0), length: pick([0, 10, 64, 2000]) }), weight: 2 },
  { arbitrary: r('ACTION_WATCH', { address: pick(ADDRESSES), flags: fc.constant(0), length: pick([0, 10, 64, 2000]) }), weight: 2 },
  { arbitrary: r('ACTION_REDIRECT', { address: pick(ADDRESSES), flags: fc.constant(0), length: fc.constant(0) }), weight: 2 },
  r('UNKNOWN', { typeCode: fc.integer({ min: 7, max: 15 }) }),
  r('MATCH_SOURCE_ZEROTIER_ADDRESS', { zt: pick(ADDRESSES) }),
  r('MATCH_DEST_ZEROTIER_ADDRESS', { zt: pick(ADDRESSES) }),
  r('MATCH_VLAN_ID', { vlanId: pick([0, 1]) }),
  r('MATCH_VLAN_PCP', { vlanPcp: pick([0, 1]) }),
  r('MATCH_VLAN_DEI', { vlanDei: pick([0, 1]) }),
  r('MATCH_MAC_SOURCE', { mac: pick(MACS) }),
  r('MATCH_MAC_DEST', { mac: pick(MACS) }),
  r('MATCH_IPV4_SOURCE', { ip: pick(IPV4S), bits: pick([0, 8, 16, 24, 30, 32, 33, 40, 255]) }),
  r('MATCH_IPV4_DEST', { ip: pick(IPV4S), bits: pick([0, 8, 16, 24, 30, 32, 33, 40, 255]) }),
  r('MATCH_IPV6_SOURCE', { ip: pick(IPV6S), bits: pick([0, 5, 40, 64, 80, 88, 127, 128, 129, 191, 192, 200, 255]) }),
  r('MATCH_IPV6_DEST', { ip: pick(IPV6S), bits: pick([0, 5, 40, 64, 80, 88, 127, 128, 129, 191, 192, 200, 255]) }),
  r('MATCH_IP_TOS', { mask: pick([0xff, 0xfc, 0x03, 0]), start: pick([0, 4, 0x10, 0xb8]), end: pick([0, 4, 0x10, 0xb8, 0xff]) }),
  { arbitrary: r('MATCH_IP_PROTOCOL', { ipProtocol: pick(PROTOCOLS) }), weight: 3 },
  { arbitrary: r('MATCH_ETHERTYPE', { etherType: pick(ETHERTYPES) }), weight: 3 },
  r('MATCH_ICMP', { icmpType: pick([0, 8, 128, 135, 136]), icmpCode: pick([0, 1]), icmpFlags: pick([0, 1, 0xff]) }),
  { arbitrary: range('MATCH_IP_SOURCE_PORT_RANGE'), weight: 2 },
  { arbitrary: range('MATCH_IP_DEST_PORT_RANGE'), weight: 2 },
  { arbitrary: r('MATCH_CHARACTERISTICS', { characteristics }), weight: 3 },
  range('MATCH_FRAME_SIZE_RANGE'),
  r('MATCH_RANDOM', { probability: pick([0, 0x80000000, 0xffffffff]) }),
  ...(
    [
      'MATCH_TAGS_DIFFERENCE',
      'MATCH_TAGS_BITWISE_AND',
      'MATCH_TAGS_BITWISE_OR',
      'MATCH_TAGS_BITWISE_XOR',
      'MATCH_TAGS_EQUAL',
      'MATCH_TAG_SENDER',
      'MATCH_TAG_RECEIVER',
    ] as const
  ).map((t) => ({ arbitrary: r(t, { id: pick(TAG_IDS), value: smallTag }), weight: 2 })),
  {
    arbitrary: r('MATCH_INTEGER_RANGE', {
      start: fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn })),
      endOffset: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff })),
      idx: fc.integer({ min: 0, max: 70 }),
      format: u8,
    }),
    weight: 2,
  },
  r('UNKNOWN', { typeCode: fc.oneof(fc.integer({ min: 16, max: 23 }), fc.integer({ min: 52, max: 63 })) }),
);

export const filterRuleArb: fc.Arbitrary<Rule> = fc.oneof({ arbitrary: plausibleRule, weight: 5 }, { arbitrary: ruleArb, weight: 1 });
export const ruleTableArb = (maxLength: number): fc.Arbitrary<Rule[]> => fc.array(filterRuleArb, { maxLength, size: 'max' });

const capabilitiesArb: fc.Arbitrary<FilterCapability[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 3 })
  .chain((ids) => fc.tuple(...ids.sort((a, b) => a - b).map((id) => ruleTableArb(8).map((rules) => ({ id, rules })))))
  .map((caps) => [...caps]);

const tagsArb = fc.array(fc.tuple(pick(TAG_IDS), smallTag), { maxLength: 3 }).map((entries) => new Map(entries));

const ipThing = fc.oneof(
  pick(IPV4S).map((value): OwnershipThing => ({ type: COO_THING_IPV4, value })),
  pick(IPV6S).map((value): OwnershipThing => ({ type: COO_THING_IPV6, value })),
  pick(MACS).map((mac): OwnershipThing => ({ type: COO_THING_MAC, value: macToBytes(mac) })),
);
const ownershipArb = fc.array(ipThing, { maxLength: 4 }).map((things) => new OwnershipTable(things));

const configArb: fc.Arbitrary<NetworkFilterConfig> = fc
  .record({
    flags: pick([0n, 0x04n, 0x08n, 0x0cn, 0x06n]),
    rules: ruleTableArb(24),
    capabilities: capabilitiesArb,
    tags: tagsArb,
    ownership: ownershipArb,
    staticIps: fc.subarray([IPV4S[0], sixPlaneAddress(NWID, SELF), rfc4193Address(NWID, SELF), IPV6S[5]]),
  })
  .map((c) => ({ networkId: NWID, self: SELF, ...c }));

export const peerArb: fc.Arbitrary<PeerCredentialsView | undefined> = fc.option(
  fc.record({
    tags: fc.option(tagsArb, { nil: undefined }),
    capabilities: capabilitiesArb,
    ownership: fc.option(ownershipArb, { nil: undefined }),
  }),
  { nil: undefined },
);

// ---- Frames -----------------------------------------------------------------------------------

const noise = fc.uint8Array({ minLength: 0, maxLength: 24, size: 'max' });

/** A transport header for `protocol` (TCP with real flag bytes, UDP/SCTP ports, ICMP type/code). */
const transportArb = (protocol: number): fc.Arbitrary<number[]> =>
  fc
    .record({
      sport: pick(PORTS),
      dport: pick(PORTS),
      tcpOffsetByte: fc.oneof(pick([0x50, 0x51, 0x5f]), u8),
      tcpFlags: fc.oneof(pick([0x02, 0x12, 0x10, 0x11, 0x04]), u8),
      icmpType: pick([0, 8, 3, 128, 129, 135, 136]),
      icmpCode: pick([0, 1]),
      tail: noise,
    })
    .map((x) => {
      if (protocol === 1 || protocol === 58) return [x.icmpType, x.icmpCode, 0, 0, ...x.tail];
      const ports = [x.sport >> 8, x.sport & 0xff, x.dport >> 8, x.dport & 0xff];
      if (protocol === 6) return [...ports, 0, 0, 0, 1, 0, 0, 0, 0, x.tcpOffsetByte, x.tcpFlags, 0xff, 0xff, 0, 0, 0, 0, ...x.tail];
      return [...ports, ...x.tail];
    });

const protocolArb = fc.oneof({ arbitrary: pick([6, 17]), weight: 3 }, { arbitrary: pick(PROTOCOLS), weight: 2 });

const ipv4Frame = fc
  .record({
    ihl: fc.oneof({ arbitrary: fc.constant(5), weight: 4 }, fc.integer({ min: 0, max: 15 })),
    tos: pick([0, 0x10, 0xb8, 0x03, 0xff]),
    protocol: protocolArb,
    src: pick(IPV4S),
    dst: pick(IPV4S),
  })
  .chain((x) => transportArb(x.protocol).map((l4) => ({ ...x, l4 })))
  .map((x) => {
    const header = new Array(Math.max(20, 4 * x.ihl)).fill(0);
    header[0] = 0x40 | x.ihl;
    header[1] = x.tos;
    header[8] = 64;
    header[9] = x.protocol;
    header.splice(12, 4, ...x.src);
    header.splice(16, 4, ...x.dst);
    return { etherType: 0x0800, bytes: Uint8Array.from([...header, ...x.l4]) };
  });

function ipv6Header(tc: number, next: number, src: Uint8Array, dst: Uint8Array): number[] {
  return [0x60 | (tc >> 4), (tc & 0x0f) << 4, 0, 0, 0, 0, next, 64, ...src, ...dst];
}

const extHeader = fc.record({ type: pick([0, 43, 60, 135, 44]), len: fc.integer({ min: 0, max: 2 }) });
const ipv6Frame = fc
  .record({
    tc: u8,
    ext: fc.oneof({ arbitrary: fc.constant<{ type: number; len: number }[]>([]), weight: 2 }, fc.array(extHeader, { maxLength: 3 })),
    protocol: fc.oneof(protocolArb, fc.constant(58)),
    src: pick(IPV6S),
    dst: pick(IPV6S),
  })
  .chain((x) => transportArb(x.protocol).map((l4) => ({ ...x, l4 })))
  .map((x) => {
    const bytes = ipv6Header(x.tc, x.ext.length ? x.ext[0].type : x.protocol, x.src, x.dst);
    x.ext.forEach((h, i) => {
      const next = i + 1 < x.ext.length ? x.ext[i + 1].type : x.protocol;
      bytes.push(next, h.len, ...new Array(6 + 8 * h.len).fill(0));
    });
    bytes.push(...x.l4);
    return { etherType: 0x86dd, bytes: Uint8Array.from(bytes) };
  });

/** Neighbor solicitations/advertisements (the sender-authentication special cases). */
const ndpFrame = fc
  .record({ type: pick([135, 136]), src: pick(IPV6S), dst: pick(IPV6S), target: pick(IPV6S), options: noise })
  .map((x) => ({
    etherType: 0x86dd,
    bytes: Uint8Array.from([...ipv6Header(0, 58, x.src, x.dst), x.type, 0, 0, 0, 0, 0, 0, 0, ...x.target, ...x.options]),
  }));

const arpFrame = fc.record({ sender: pick(IPV4S), target: pick(IPV4S) }).map((x) => ({
  etherType: 0x0806,
  bytes: Uint8Array.from([0, 1, 8, 0, 6, 4, 0, 1, 0, 0, 0, 0, 0, 0, ...x.sender, 0, 0, 0, 0, 0, 0, ...x.target]),
}));

const garbageFrame = fc.record({
  etherType: fc.oneof(pick(ETHERTYPES), u16),
  bytes: fc.uint8Array({ maxLength: 120 }),
});

export interface GeneratedFrame {
  etherType: number;
  bytes: Uint8Array;
}

/** Payload bytes and ethertype: well-formed (often truncated) or garbage. */
export const payloadArb: fc.Arbitrary<GeneratedFrame> = fc
  .tuple(
    fc.oneof({ arbitrary: ipv4Frame, weight: 3 }, { arbitrary: ipv6Frame, weight: 3 }, ndpFrame, arpFrame, garbageFrame),
    fc.oneof({ arbitrary: fc.constant(undefined), weight: 7 }, { arbitrary: fc.nat(), weight: 3 }),
  )
  .map(([f, cut]) => (cut === undefined ? f : { etherType: f.etherType, bytes: f.bytes.subarray(0, cut % (f.bytes.length + 1)) }));

/** The frame placed at a random offset inside a larger buffer, with the addressing around it. */
export const frameArb = (inbound: boolean): fc.Arbitrary<FilterFrame> =>
  fc
    .record({
      payload: payloadArb,
      pad: fc.integer({ min: 0, max: 8 }),
      padAfter: fc.integer({ min: 0, max: 8 }),
      remote: pick([PEER, OTHER, 0, SELF]),
      macSource: pick(MACS),
      macDest: pick(MACS),
    })
    .map((x) => {
      const data = new Uint8Array(x.pad + x.payload.bytes.length + x.padAfter).fill(0xa5);
      data.set(x.payload.bytes, x.pad);
      return {
        ztSource: inbound ? x.remote : SELF,
        ztDest: inbound ? SELF : x.remote,
        macSource: x.macSource,
        macDest: x.macDest,
        etherType: x.payload.etherType,
        data,
        offset: x.pad,
        length: x.payload.bytes.length,
      };
    });

export interface FilterCase {
  inbound: boolean;
  config: NetworkFilterConfig;
  peer: PeerCredentialsView | undefined;
  noTee: boolean;
  seed: number;
  frames: FilterFrame[];
}

/** A config and peer with several frames to push through it (in one direction). */
export const filterCaseArb: fc.Arbitrary<FilterCase> = fc.boolean().chain((inbound) =>
  fc.record({
    inbound: fc.constant(inbound),
    config: configArb,
    peer: peerArb,
    noTee: fc.boolean(),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    frames: fc.array(frameArb(inbound), { minLength: 1, maxLength: 4 }),
  }),
);

export function contextOf(c: FilterCase): FilterContext {
  return { config: c.config, peer: c.peer, noTee: c.noTee, random: seededRandom(c.seed) };
}

// ---- Focused generators ------------------------------------------------------------------------

/** A well-formed (untruncated) frame of the kinds whose fields rules read. */
export const wellFormedPayloadArb: fc.Arbitrary<GeneratedFrame> = fc.oneof(ipv4Frame, ipv6Frame, ndpFrame, arpFrame);

/** Short tables dominated by tag matches and forwarding actions (superAccept, skipDrop, leniency). */
const tagHeavyRule: fc.Arbitrary<Rule> = fc.oneof(
  ...(
    [
      'MATCH_TAGS_DIFFERENCE',
      'MATCH_TAGS_BITWISE_AND',
      'MATCH_TAGS_BITWISE_OR',
      'MATCH_TAGS_BITWISE_XOR',
      'MATCH_TAGS_EQUAL',
      'MATCH_TAG_SENDER',
      'MATCH_TAG_RECEIVER',
    ] as const
  ).map((t) => ({ arbitrary: r(t, { id: pick(TAG_IDS), value: smallTag }), weight: 3 })),
  { arbitrary: r('ACTION_TEE', { address: pick(ADDRESSES), flags: fc.constant(0), length: pick([0, 10]) }), weight: 2 },
  { arbitrary: r('ACTION_WATCH', { address: pick(ADDRESSES), flags: fc.constant(0), length: pick([0, 10]) }), weight: 2 },
  { arbitrary: r('ACTION_REDIRECT', { address: pick(ADDRESSES), flags: fc.constant(0), length: fc.constant(0) }), weight: 2 },
  { arbitrary: r('ACTION_DROP', {}), weight: 3 },
  { arbitrary: r('ACTION_ACCEPT', {}), weight: 2 },
  r('ACTION_BREAK', {}),
  r('MATCH_ETHERTYPE', { etherType: pick(ETHERTYPES) }),
  r('MATCH_SOURCE_ZEROTIER_ADDRESS', { zt: pick(ADDRESSES) }),
);
/** An unmatched set closed by a forward action naming this node: it sets inbound superAccept. */
const superAcceptPrefix = pick(['ACTION_TEE', 'ACTION_WATCH', 'ACTION_REDIRECT'] as const).map((type): Rule[] => [
  { type: 'MATCH_ETHERTYPE', not: false, or: false, etherType: 0x1234 },
  { type, not: false, or: false, address: SELF, flags: 0, length: 0 },
]);
const tagTable = fc
  .tuple(fc.option(superAcceptPrefix, { nil: undefined, freq: 2 }), fc.array(tagHeavyRule, { minLength: 1, maxLength: 8, size: 'max' }))
  .map(([prefix, rest]) => (prefix ? [...prefix, ...rest] : rest));

export const tagCaseArb: fc.Arbitrary<FilterCase> = fc.boolean().chain((inbound) =>
  fc.record({
    inbound: fc.constant(inbound),
    config: fc.record({ rules: tagTable, tags: tagsArb, caps: fc.array(tagTable, { maxLength: 2 }) }).map(
      (x): NetworkFilterConfig => ({
        networkId: NWID,
        self: SELF,
        flags: 0n,
        rules: x.rules,
        capabilities: x.caps.map((rules, id) => ({ id, rules })),
        tags: x.tags,
        ownership: new OwnershipTable([]),
        staticIps: [],
      }),
    ),
    peer: fc.option(
      fc.record({
        tags: fc.option(tagsArb, { nil: undefined }),
        capabilities: fc.array(tagTable, { maxLength: 2 }).map((caps) => caps.map((rules, id) => ({ id, rules }))),
        ownership: fc.constant(undefined),
      }),
      { nil: undefined },
    ),
    noTee: fc.boolean(),
    seed: fc.constant(1),
    frames: fc.array(frameArb(inbound), { minLength: 1, maxLength: 2 }),
  }),
);

/** The sweep's fixed surroundings: NDP emulation on, our managed addresses static, COOs on both sides. */
export const sweepConfig = (rules: Rule[]): NetworkFilterConfig => ({
  networkId: NWID,
  self: SELF,
  flags: 0x04n,
  rules,
  capabilities: [],
  tags: new Map([[1, 5]]),
  ownership: new OwnershipTable([
    { type: COO_THING_IPV4, value: IPV4S[0] },
    { type: COO_THING_IPV6, value: IPV6S[5] },
    { type: COO_THING_MAC, value: macToBytes(MACS[1]) },
  ]),
  staticIps: [IPV4S[0], sixPlaneAddress(NWID, SELF), rfc4193Address(NWID, SELF)],
});

export const sweepPeer: PeerCredentialsView = {
  tags: new Map([[1, 7]]),
  capabilities: [],
  ownership: new OwnershipTable([
    { type: COO_THING_IPV4, value: IPV4S[1] },
    { type: COO_THING_IPV6, value: IPV6S[4] },
    { type: COO_THING_MAC, value: macToBytes(MACS[0]) },
  ]),
};

export { MACS as SWEEP_MACS };
