/**
 * Precompiles rule tables for the fast evaluator (filter.ts): every rule becomes one
 * monomorphic CompiledRule with a small-integer opcode and numeric operands already masked,
 * shifted and split to 32-bit halves, so evaluation is a dense switch with no string compares,
 * BigInt or Map lookups for anything known in advance:
 * - forward actions know whether they name this node;
 * - tag matches carry our own tag value (resolved against the config they were compiled for);
 * - IPv4 prefixes are pre-shifted, IPv6 masks pre-built, impossible IPv6 rules flagged;
 * - each match knows where the next OR match or action is, so a false set skips its remaining
 *   AND matches in one jump (the reference's short-circuit, §8.3).
 *
 * A compiled config is cached per NetworkFilterConfig object (configs are immutable).
 */
import type { Address } from '../../vl1/address.js';
import { rfc4193Address, sixPlaneAddress } from '../ipv6.js';
import { ruleTypeCode, RULE_ACTION_MAX_TYPE, type Rule } from '../rules-codec.js';
import { NETCONF_FLAG_NDP_EMULATION, NETCONF_FLAG_UNSUPPORTED_MATCH_RESULT, type NetworkFilterConfig } from './types.js';

// ---- Opcodes --------------------------------------------------------------------------------
// Actions keep their rule type codes (0..6); 7 stands for every unknown action.
export const OP_DROP = 0;
export const OP_ACCEPT = 1;
export const OP_TEE = 2;
export const OP_WATCH = 3;
export const OP_REDIRECT = 4;
export const OP_BREAK = 5;
export const OP_PRIORITY = 6;
export const OP_UNKNOWN_ACTION = 7;
/** Opcodes from here on are matches. */
export const OP_FIRST_MATCH = 16;
/** A plain result known at compile time (VLAN matches, unknown match types): a = 0/1. */
export const OP_CONST = 16;
export const OP_SOURCE_ZT = 24;
export const OP_DEST_ZT = 25;
export const OP_MAC_SOURCE = 29;
export const OP_MAC_DEST = 30;
export const OP_IPV4_SOURCE = 31;
export const OP_IPV4_DEST = 32;
export const OP_IPV6_SOURCE = 33;
export const OP_IPV6_DEST = 34;
export const OP_IP_TOS = 35;
export const OP_IP_PROTOCOL = 36;
export const OP_ETHERTYPE = 37;
export const OP_ICMP = 38;
export const OP_SOURCE_PORT = 39;
export const OP_DEST_PORT = 40;
export const OP_CHARACTERISTICS = 41;
export const OP_FRAME_SIZE = 42;
export const OP_RANDOM = 43;
export const OP_TAGS_DIFFERENCE = 44;
export const OP_TAGS_AND = 45;
export const OP_TAGS_OR = 46;
export const OP_TAGS_XOR = 47;
export const OP_TAGS_EQUAL = 48;
export const OP_TAG_SENDER = 49;
export const OP_TAG_RECEIVER = 50;
export const OP_INTEGER_RANGE = 51;

/**
 * One rule. Operand meaning by opcode:
 * - TEE/WATCH/REDIRECT: a address, b length, c 1 if the address is this node's.
 * - PRIORITY: a effective bucket.
 * - CONST: a result. ZT/MAC/ETHERTYPE/PROTOCOL: a value.
 * - IPV4_*: a rule address >>> b, b shift, c 1 when bits = 0 (matches any IPv4).
 * - IPV6_*: bytes = 16 address bytes then 16 mask bytes; c 1 when the address has bits outside
 *   the mask (can never match).
 * - IP_TOS: a mask, b start, c end. ICMP: a type, b code, c 1 to compare the code.
 * - ports, FRAME_SIZE: a start, b end. RANDOM: a probability.
 * - CHARACTERISTICS: a mask bits 32..63, b mask bits 0..31.
 * - tags: a id, b value, c our tag's value or -1 when we have none, d the id's slot in the
 *   config's tag-slot numbering (the evaluator caches the peer's value per slot per frame).
 * - INTEGER_RANGE: a idx, b format, c/d start high/low u32, e/f end high/low u32.
 */
export class CompiledRule {
  op = 0;
  not = 0;
  or = 0;
  /** For matches: index of the next action or OR match (where a false set resumes). */
  skip = 0;
  a = 0;
  b = 0;
  c = 0;
  d = 0;
  e = 0;
  f = 0;
  bytes: Uint8Array | null = null;
}

export interface CompiledTable {
  readonly rules: readonly CompiledRule[];
}

export interface CompiledCapability {
  readonly id: number;
  readonly table: CompiledTable;
}

export interface CompiledFilterConfig {
  readonly self: Address;
  readonly base: CompiledTable;
  readonly capabilities: readonly CompiledCapability[];
  readonly ndpEmulation: boolean;
  /** Our 6PLANE address when it is one of our static IPs (its first 5 bytes form the /40), else null. */
  readonly sixPlane: Uint8Array | null;
  /** Our RFC4193 address when it is one of our static IPs (its first 11 bytes form the /88), else null. */
  readonly rfc4193: Uint8Array | null;
  /** Peer capabilities compiled against this config (they need our tags and address). */
  readonly peerTables: WeakMap<readonly Rule[], CompiledTable>;
  /** Tag id → slot, for every tag id any of this config's tables mentions. */
  readonly tagSlots: Map<number, number>;
}

const compiledConfigs = new WeakMap<NetworkFilterConfig, CompiledFilterConfig>();

/** The compiled form of a config (cached per object). */
export function compiledConfig(config: NetworkFilterConfig): CompiledFilterConfig {
  let c = compiledConfigs.get(config);
  if (c === undefined) {
    c = compileConfig(config);
    compiledConfigs.set(config, c);
  }
  return c;
}

/** A peer capability's table compiled against our config, cached per rules array. */
export function peerTable(config: NetworkFilterConfig, cc: CompiledFilterConfig, rules: readonly Rule[]): CompiledTable {
  let t = cc.peerTables.get(rules);
  if (t === undefined) {
    t = compileRuleTable(rules, config, cc.tagSlots);
    cc.peerTables.set(rules, t);
  }
  return t;
}

function compileConfig(config: NetworkFilterConfig): CompiledFilterConfig {
  const ownIp = (ip: Uint8Array): Uint8Array | null =>
    config.staticIps.some((s) => s.length === 16 && s.every((b, i) => b === ip[i])) ? ip : null;
  const tagSlots = new Map<number, number>();
  return {
    self: config.self,
    base: compileRuleTable(config.rules, config, tagSlots),
    capabilities: config.capabilities.map((c) => ({ id: c.id, table: compileRuleTable(c.rules, config, tagSlots) })),
    ndpEmulation: (config.flags & NETCONF_FLAG_NDP_EMULATION) !== 0n,
    sixPlane: ownIp(sixPlaneAddress(config.networkId, config.self)),
    rfc4193: ownIp(rfc4193Address(config.networkId, config.self)),
    peerTables: new WeakMap(),
    tagSlots,
  };
}

/**
 * Compiles one rule table for evaluation under `config` (our address, tags and flags); tag ids
 * get slots in `tagSlots`, which all tables evaluated together must share.
 */
export function compileRuleTable(rules: readonly Rule[], config: NetworkFilterConfig, tagSlots = new Map<number, number>()): CompiledTable {
  const out = rules.map((r) => compileRule(r, config, tagSlots));
  // Resume points for a false set: scan backwards so each entry knows the next stop.
  let nextStop = out.length;
  for (let i = out.length - 1; i >= 0; i--) {
    out[i].skip = nextStop;
    if (out[i].op < OP_FIRST_MATCH || out[i].or) nextStop = i;
  }
  return { rules: out };
}

const U32 = 0xffffffffn;
/** Bound on cached tag ids per config; ids beyond it are looked up on every use. */
export const MAX_TAG_SLOTS = 1024;
/** A slot number past any cache: the evaluator then looks the tag up directly. */
export const TAG_SLOT_UNCACHED = 0x7fffffff;

function compileRule(r: Rule, config: NetworkFilterConfig, tagSlots: Map<number, number>): CompiledRule {
  const c = new CompiledRule();
  c.not = r.not ? 1 : 0;
  c.or = r.or ? 1 : 0;
  const code = ruleTypeCode(r);
  switch (r.type) {
    case 'ACTION_DROP':
    case 'ACTION_ACCEPT':
    case 'ACTION_BREAK':
      c.op = code;
      break;
    case 'ACTION_PRIORITY':
      c.op = OP_PRIORITY;
      c.a = r.qosBucket >= 0 && r.qosBucket <= 8 ? r.qosBucket : 4;
      break;
    case 'ACTION_TEE':
    case 'ACTION_WATCH':
    case 'ACTION_REDIRECT':
      c.op = code;
      c.a = r.address;
      c.b = r.length;
      c.c = r.address === config.self ? 1 : 0;
      break;
    case 'MATCH_SOURCE_ZEROTIER_ADDRESS':
    case 'MATCH_DEST_ZEROTIER_ADDRESS':
      c.op = code;
      c.a = r.zt;
      break;
    case 'MATCH_VLAN_ID':
      constant(c, r.vlanId === 0);
      break;
    case 'MATCH_VLAN_PCP':
      constant(c, r.vlanPcp === 0);
      break;
    case 'MATCH_VLAN_DEI':
      constant(c, r.vlanDei === 0);
      break;
    case 'MATCH_MAC_SOURCE':
    case 'MATCH_MAC_DEST':
      c.op = code;
      c.a = r.mac;
      break;
    case 'MATCH_IPV4_SOURCE':
    case 'MATCH_IPV4_DEST': {
      c.op = code;
      const ip = r.ip;
      const value = (((ip[0] ?? 0) << 24) | ((ip[1] ?? 0) << 16) | ((ip[2] ?? 0) << 8) | (ip[3] ?? 0)) >>> 0;
      // JavaScript's >>> takes the count mod 32, like the reference's shift on x86-64.
      c.b = (32 - r.bits) & 31;
      c.a = value >>> c.b;
      c.c = r.bits === 0 ? 1 : 0;
      break;
    }
    case 'MATCH_IPV6_SOURCE':
    case 'MATCH_IPV6_DEST': {
      c.op = code;
      const bytes = new Uint8Array(32);
      for (let i = 0; i < 16; i++) {
        bytes[i] = r.ip[i] ?? 0;
        bytes[16 + i] = ipv6MaskByte(r.bits, i);
        if ((bytes[i] & ~bytes[16 + i]) !== 0) c.c = 1;
      }
      c.bytes = bytes;
      break;
    }
    case 'MATCH_IP_TOS':
      c.op = code;
      c.a = r.mask;
      c.b = r.start;
      c.c = r.end;
      break;
    case 'MATCH_IP_PROTOCOL':
      c.op = code;
      c.a = r.ipProtocol;
      break;
    case 'MATCH_ETHERTYPE':
      c.op = code;
      c.a = r.etherType;
      break;
    case 'MATCH_ICMP':
      c.op = code;
      c.a = r.icmpType;
      c.b = r.icmpCode;
      c.c = r.icmpFlags & 0x01;
      break;
    case 'MATCH_IP_SOURCE_PORT_RANGE':
    case 'MATCH_IP_DEST_PORT_RANGE':
    case 'MATCH_FRAME_SIZE_RANGE':
      c.op = code;
      c.a = r.start;
      c.b = r.end;
      break;
    case 'MATCH_CHARACTERISTICS':
      c.op = code;
      c.a = Number((r.characteristics >> 32n) & U32);
      c.b = Number(r.characteristics & U32);
      break;
    case 'MATCH_RANDOM':
      c.op = code;
      c.a = r.probability >>> 0;
      break;
    case 'MATCH_TAGS_DIFFERENCE':
    case 'MATCH_TAGS_BITWISE_AND':
    case 'MATCH_TAGS_BITWISE_OR':
    case 'MATCH_TAGS_BITWISE_XOR':
    case 'MATCH_TAGS_EQUAL':
    case 'MATCH_TAG_SENDER':
    case 'MATCH_TAG_RECEIVER': {
      c.op = code;
      c.a = r.id >>> 0;
      c.b = r.value >>> 0;
      const local = config.tags.get(r.id >>> 0);
      c.c = local === undefined ? -1 : local >>> 0;
      let slot = tagSlots.get(c.a);
      if (slot === undefined && tagSlots.size < MAX_TAG_SLOTS) tagSlots.set(c.a, (slot = tagSlots.size));
      c.d = slot ?? TAG_SLOT_UNCACHED;
      break;
    }
    case 'MATCH_INTEGER_RANGE': {
      c.op = code;
      c.a = r.idx;
      c.b = r.format;
      const start = BigInt.asUintN(64, r.start);
      const end = BigInt.asUintN(64, start + BigInt(r.endOffset >>> 0));
      c.c = Number(start >> 32n);
      c.d = Number(start & U32);
      c.e = Number(end >> 32n);
      c.f = Number(end & U32);
      break;
    }
    default:
      // Unknown type codes: actions are no-ops, matches take the config's configured result.
      if (code <= RULE_ACTION_MAX_TYPE) c.op = OP_UNKNOWN_ACTION;
      else constant(c, (config.flags & NETCONF_FLAG_UNSUPPORTED_MATCH_RESULT) !== 0n);
  }
  return c;
}

function constant(c: CompiledRule, value: boolean): void {
  c.op = OP_CONST;
  c.a = value ? 1 : 0;
}

/** IPv6 netmask byte as the reference builds it (two 64-bit words; see reference.ts). */
function ipv6MaskByte(bits: number, i: number): number {
  if (bits === 0) return 0;
  // Set bits in each 64-bit word: the high word's shift never wraps, the low word's wraps mod 64.
  const hiOnes = bits >= 64 ? 64 : bits;
  const loOnes = bits <= 64 ? 0 : 64 - ((128 - bits) & 63);
  const ones = i < 8 ? hiOnes - 8 * i : loOnes - 8 * (i - 8);
  return ones >= 8 ? 0xff : ones <= 0 ? 0 : (0xff << (8 - ones)) & 0xff;
}
