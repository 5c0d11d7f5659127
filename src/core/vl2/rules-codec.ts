/**
 * Rules: the typed representation, the binary encoding (spec vl2.md §8.1) used by the network
 * config `R` key and inside capabilities, and the controller's JSON rule objects
 * (controller.md §5).
 *
 * Binary: each rule is `u8 t ‖ u8 fieldLength ‖ field`, t = NOT (0x80) | OR (0x40) | type. The
 * decoder mirrors the reference: a known type's fields are read at the field's start whatever
 * the length byte says (bounded only by the end of the buffer), then the cursor moves by the
 * length byte, so unknown types are skipped and a length running past the end simply ends the
 * list. Re-encoding writes canonical lengths, which is what the reference sends.
 */
import { DecodeError, decodeGuard, fail, ok, type Result } from '../errors.js';
import type { Address } from '../vl1/address.js';
import { BufferReader, BufferWriter } from '../vl1/buffer-reader.js';
import { ZT_MAX_NETWORK_RULES } from './constants.js';
import { strtoull } from './c-number.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './ip-text.js';
import { macFromBytes, macToString, writeMac, type MAC } from './mac.js';

// ---- Types -------------------------------------------------------------------------------

export const RULE_TYPE = {
  ACTION_DROP: 0,
  ACTION_ACCEPT: 1,
  ACTION_TEE: 2,
  ACTION_WATCH: 3,
  ACTION_REDIRECT: 4,
  ACTION_BREAK: 5,
  ACTION_PRIORITY: 6,
  MATCH_SOURCE_ZEROTIER_ADDRESS: 24,
  MATCH_DEST_ZEROTIER_ADDRESS: 25,
  MATCH_VLAN_ID: 26,
  MATCH_VLAN_PCP: 27,
  MATCH_VLAN_DEI: 28,
  MATCH_MAC_SOURCE: 29,
  MATCH_MAC_DEST: 30,
  MATCH_IPV4_SOURCE: 31,
  MATCH_IPV4_DEST: 32,
  MATCH_IPV6_SOURCE: 33,
  MATCH_IPV6_DEST: 34,
  MATCH_IP_TOS: 35,
  MATCH_IP_PROTOCOL: 36,
  MATCH_ETHERTYPE: 37,
  MATCH_ICMP: 38,
  MATCH_IP_SOURCE_PORT_RANGE: 39,
  MATCH_IP_DEST_PORT_RANGE: 40,
  MATCH_CHARACTERISTICS: 41,
  MATCH_FRAME_SIZE_RANGE: 42,
  MATCH_RANDOM: 43,
  MATCH_TAGS_DIFFERENCE: 44,
  MATCH_TAGS_BITWISE_AND: 45,
  MATCH_TAGS_BITWISE_OR: 46,
  MATCH_TAGS_BITWISE_XOR: 47,
  MATCH_TAGS_EQUAL: 48,
  MATCH_TAG_SENDER: 49,
  MATCH_TAG_RECEIVER: 50,
  MATCH_INTEGER_RANGE: 51,
} as const;

export type KnownRuleType = keyof typeof RULE_TYPE;

const TYPE_NAME_BY_CODE: (KnownRuleType | undefined)[] = new Array(64).fill(undefined);
for (const [name, code] of Object.entries(RULE_TYPE)) TYPE_NAME_BY_CODE[code] = name as KnownRuleType;

export const RULE_FLAG_NOT = 0x80;
export const RULE_FLAG_OR = 0x40;
/** Types 0..15 are actions (the evaluator closes a set of matches on them); 16..63 are matches. */
export const RULE_ACTION_MAX_TYPE = 15;

interface RuleFlags {
  /** Invert the match (also carried, but meaningless, on actions). */
  not: boolean;
  /** OR this match into the set's state instead of AND. */
  or: boolean;
}

export type ForwardActionType = 'ACTION_TEE' | 'ACTION_WATCH' | 'ACTION_REDIRECT';
export type TagMatchType =
  | 'MATCH_TAGS_DIFFERENCE'
  | 'MATCH_TAGS_BITWISE_AND'
  | 'MATCH_TAGS_BITWISE_OR'
  | 'MATCH_TAGS_BITWISE_XOR'
  | 'MATCH_TAGS_EQUAL'
  | 'MATCH_TAG_SENDER'
  | 'MATCH_TAG_RECEIVER';

export type Rule = RuleFlags &
  (
    | { type: 'ACTION_DROP' | 'ACTION_ACCEPT' | 'ACTION_BREAK' }
    /** address: 40-bit ZeroTier address; flags: u32 (unused); length: u16 (bytes to copy, 0 = all; unused by REDIRECT). */
    | { type: ForwardActionType; address: Address; flags: number; length: number }
    /** The QoS bucket is not carried on the wire: a decoded PRIORITY always has bucket 0. */
    | { type: 'ACTION_PRIORITY'; qosBucket: number }
    | { type: 'MATCH_SOURCE_ZEROTIER_ADDRESS' | 'MATCH_DEST_ZEROTIER_ADDRESS'; zt: Address }
    | { type: 'MATCH_VLAN_ID'; vlanId: number }
    | { type: 'MATCH_VLAN_PCP'; vlanPcp: number }
    | { type: 'MATCH_VLAN_DEI'; vlanDei: number }
    | { type: 'MATCH_MAC_SOURCE' | 'MATCH_MAC_DEST'; mac: MAC }
    /** ip: 4 bytes; bits: prefix length as carried (u8, normally 0..32). */
    | { type: 'MATCH_IPV4_SOURCE' | 'MATCH_IPV4_DEST'; ip: Uint8Array; bits: number }
    /** ip: 16 bytes; bits: prefix length as carried (u8, normally 0..128). */
    | { type: 'MATCH_IPV6_SOURCE' | 'MATCH_IPV6_DEST'; ip: Uint8Array; bits: number }
    | { type: 'MATCH_IP_TOS'; mask: number; start: number; end: number }
    | { type: 'MATCH_IP_PROTOCOL'; ipProtocol: number }
    | { type: 'MATCH_ETHERTYPE'; etherType: number }
    /** icmpFlags bit 0x01: also compare the code. */
    | { type: 'MATCH_ICMP'; icmpType: number; icmpCode: number; icmpFlags: number }
    | { type: 'MATCH_IP_SOURCE_PORT_RANGE' | 'MATCH_IP_DEST_PORT_RANGE' | 'MATCH_FRAME_SIZE_RANGE'; start: number; end: number }
    | { type: 'MATCH_CHARACTERISTICS'; characteristics: bigint }
    /** u32: 0 never … 0xffffffff always. */
    | { type: 'MATCH_RANDOM'; probability: number }
    | { type: TagMatchType; id: number; value: number }
    /**
     * start: u64; endOffset: u32 (end − start, as the reference stores it); idx: u16 frame
     * offset; format: bits 0..5 = bit count − 1, bit 7 = little-endian.
     */
    | { type: 'MATCH_INTEGER_RANGE'; start: bigint; endOffset: number; idx: number; format: number }
    /** Any other type code (actions 7..15, matches 16..23 and 52..63); its field is not kept. */
    | { type: 'UNKNOWN'; typeCode: number }
  );

export type RuleOf<T extends Rule['type']> = Extract<Rule, { type: T }>;

/** The 6-bit type code of a rule. */
export function ruleTypeCode(rule: Rule): number {
  return rule.type === 'UNKNOWN' ? rule.typeCode & 0x3f : RULE_TYPE[rule.type];
}

/** The rule's `t` byte: type code with the NOT and OR bits. */
export function ruleTypeByte(rule: Rule): number {
  return ruleTypeCode(rule) | (rule.not ? RULE_FLAG_NOT : 0) | (rule.or ? RULE_FLAG_OR : 0);
}

export function isActionRule(rule: Rule): boolean {
  return ruleTypeCode(rule) <= RULE_ACTION_MAX_TYPE;
}

export function ruleTypeName(code: number): KnownRuleType | undefined {
  return TYPE_NAME_BY_CODE[code & 0x3f];
}

/** INTEGER_RANGE: how many bits the value has (1..64). */
export function integerRangeBits(format: number): number {
  return (format & 63) + 1;
}

/** INTEGER_RANGE: whether the value is read little-endian. */
export function integerRangeLittleEndian(format: number): boolean {
  return (format & 0x80) !== 0;
}

// ---- Binary encoding ---------------------------------------------------------------------

const U64_MASK = 0xffffffffffffffffn;

function writeAddressU64(w: BufferWriter, address: Address): void {
  w.u64(BigInt(address) & 0xffffffffffn);
}

/** Appends one rule's canonical encoding. Values are masked to their wire widths. */
export function writeRule(w: BufferWriter, rule: Rule): void {
  w.u8(ruleTypeByte(rule));
  switch (rule.type) {
    case 'ACTION_TEE':
    case 'ACTION_WATCH':
    case 'ACTION_REDIRECT':
      w.u8(14);
      writeAddressU64(w, rule.address);
      w.u32(rule.flags >>> 0);
      w.u16(rule.length & 0xffff);
      return;
    case 'MATCH_SOURCE_ZEROTIER_ADDRESS':
    case 'MATCH_DEST_ZEROTIER_ADDRESS':
      w.u8(5).u40(rule.zt % 0x10000000000);
      return;
    case 'MATCH_VLAN_ID':
      w.u8(2).u16(rule.vlanId);
      return;
    case 'MATCH_VLAN_PCP':
      w.u8(1).u8(rule.vlanPcp);
      return;
    case 'MATCH_VLAN_DEI':
      w.u8(1).u8(rule.vlanDei);
      return;
    case 'MATCH_MAC_SOURCE':
    case 'MATCH_MAC_DEST': {
      const mac = new Uint8Array(6);
      writeMac(mac, 0, rule.mac);
      w.u8(6).bytes(mac);
      return;
    }
    case 'MATCH_IPV4_SOURCE':
    case 'MATCH_IPV4_DEST':
      w.u8(5).bytes(fixedBytes(rule.ip, 4)).u8(rule.bits);
      return;
    case 'MATCH_IPV6_SOURCE':
    case 'MATCH_IPV6_DEST':
      w.u8(17).bytes(fixedBytes(rule.ip, 16)).u8(rule.bits);
      return;
    case 'MATCH_IP_TOS':
      w.u8(3).u8(rule.mask).u8(rule.start).u8(rule.end);
      return;
    case 'MATCH_IP_PROTOCOL':
      w.u8(1).u8(rule.ipProtocol);
      return;
    case 'MATCH_ETHERTYPE':
      w.u8(2).u16(rule.etherType);
      return;
    case 'MATCH_ICMP':
      w.u8(3).u8(rule.icmpType).u8(rule.icmpCode).u8(rule.icmpFlags);
      return;
    case 'MATCH_IP_SOURCE_PORT_RANGE':
    case 'MATCH_IP_DEST_PORT_RANGE':
    case 'MATCH_FRAME_SIZE_RANGE':
      w.u8(4).u16(rule.start).u16(rule.end);
      return;
    case 'MATCH_CHARACTERISTICS':
      w.u8(8).u64(rule.characteristics & U64_MASK);
      return;
    case 'MATCH_RANDOM':
      w.u8(4).u32(rule.probability >>> 0);
      return;
    case 'MATCH_TAGS_DIFFERENCE':
    case 'MATCH_TAGS_BITWISE_AND':
    case 'MATCH_TAGS_BITWISE_OR':
    case 'MATCH_TAGS_BITWISE_XOR':
    case 'MATCH_TAGS_EQUAL':
    case 'MATCH_TAG_SENDER':
    case 'MATCH_TAG_RECEIVER':
      w.u8(8).u32(rule.id >>> 0).u32(rule.value >>> 0);
      return;
    case 'MATCH_INTEGER_RANGE': {
      const start = rule.start & U64_MASK;
      // The end travels as an absolute u64 (start + offset), not as the stored offset.
      w.u8(19).u64(start).u64((start + BigInt(rule.endOffset >>> 0)) & U64_MASK).u16(rule.idx).u8(rule.format);
      return;
    }
    default:
      // DROP, ACCEPT, BREAK, PRIORITY (its bucket is not serialized) and unknown types.
      w.u8(0);
  }
}

function fixedBytes(b: Uint8Array, n: number): Uint8Array {
  if (b.length === n) return b;
  const out = new Uint8Array(n);
  out.set(b.subarray(0, n));
  return out;
}

/** The concatenated encoding of a rule list (the `R` value, or a capability's rules). */
export function encodeRules(rules: readonly Rule[]): Uint8Array {
  const w = new BufferWriter(rules.length * 8 + 16);
  for (const r of rules) writeRule(w, r);
  return w.toBytes();
}

export function encodeRule(rule: Rule): Uint8Array {
  return encodeRules([rule]);
}

/**
 * Reads the field of a rule of type `code` starting at `r.offset` (the reader's end is the end
 * of the whole buffer, as in the reference). Throws DecodeError('truncated') past the end.
 */
function readRuleField(r: BufferReader, t: number): Rule {
  const not = (t & RULE_FLAG_NOT) !== 0;
  const or = (t & RULE_FLAG_OR) !== 0;
  const code = t & 0x3f;
  const type = TYPE_NAME_BY_CODE[code];
  switch (type) {
    case 'ACTION_DROP':
    case 'ACTION_ACCEPT':
    case 'ACTION_BREAK':
      return { type, not, or };
    case 'ACTION_PRIORITY':
      return { type, not, or, qosBucket: 0 };
    case 'ACTION_TEE':
    case 'ACTION_WATCH':
    case 'ACTION_REDIRECT': {
      const address = Number(r.u64('forward address') & 0xffffffffffn);
      const flags = r.u32('forward flags');
      const length = r.u16('forward length');
      return { type, not, or, address, flags, length };
    }
    case 'MATCH_SOURCE_ZEROTIER_ADDRESS':
    case 'MATCH_DEST_ZEROTIER_ADDRESS':
      return { type, not, or, zt: r.u40('rule address') };
    case 'MATCH_VLAN_ID':
      return { type, not, or, vlanId: r.u16('vlan id') };
    case 'MATCH_VLAN_PCP':
      return { type, not, or, vlanPcp: r.u8('vlan pcp') };
    case 'MATCH_VLAN_DEI':
      return { type, not, or, vlanDei: r.u8('vlan dei') };
    case 'MATCH_MAC_SOURCE':
    case 'MATCH_MAC_DEST':
      return { type, not, or, mac: macFromBytes(r.bytesView(6, 'rule mac')) };
    case 'MATCH_IPV4_SOURCE':
    case 'MATCH_IPV4_DEST': {
      const ip = r.bytesCopy(4, 'rule ipv4');
      return { type, not, or, ip, bits: r.u8('rule ipv4 bits') };
    }
    case 'MATCH_IPV6_SOURCE':
    case 'MATCH_IPV6_DEST': {
      const ip = r.bytesCopy(16, 'rule ipv6');
      return { type, not, or, ip, bits: r.u8('rule ipv6 bits') };
    }
    case 'MATCH_IP_TOS': {
      r.need(3, 'ip tos');
      return { type, not, or, mask: r.u8(), start: r.u8(), end: r.u8() };
    }
    case 'MATCH_IP_PROTOCOL':
      return { type, not, or, ipProtocol: r.u8('ip protocol') };
    case 'MATCH_ETHERTYPE':
      return { type, not, or, etherType: r.u16('ethertype') };
    case 'MATCH_ICMP': {
      r.need(3, 'icmp');
      return { type, not, or, icmpType: r.u8(), icmpCode: r.u8(), icmpFlags: r.u8() };
    }
    case 'MATCH_IP_SOURCE_PORT_RANGE':
    case 'MATCH_IP_DEST_PORT_RANGE':
    case 'MATCH_FRAME_SIZE_RANGE': {
      r.need(4, 'range');
      return { type, not, or, start: r.u16(), end: r.u16() };
    }
    case 'MATCH_CHARACTERISTICS':
      return { type, not, or, characteristics: r.u64('characteristics') };
    case 'MATCH_RANDOM':
      return { type, not, or, probability: r.u32('probability') };
    case 'MATCH_TAGS_DIFFERENCE':
    case 'MATCH_TAGS_BITWISE_AND':
    case 'MATCH_TAGS_BITWISE_OR':
    case 'MATCH_TAGS_BITWISE_XOR':
    case 'MATCH_TAGS_EQUAL':
    case 'MATCH_TAG_SENDER':
    case 'MATCH_TAG_RECEIVER': {
      r.need(8, 'tag match');
      return { type, not, or, id: r.u32(), value: r.u32() };
    }
    case 'MATCH_INTEGER_RANGE': {
      r.need(19, 'integer range');
      const start = r.u64();
      const endOffset = Number((r.u64() - start) & 0xffffffffn);
      return { type, not, or, start, endOffset, idx: r.u16(), format: r.u8() };
    }
    default:
      return { type: 'UNKNOWN', not, or, typeCode: code };
  }
}

/**
 * Reads rules from `bytes[offset..end)` until `maxCount` rules are read or the cursor reaches
 * `end`. For use inside other decoders (capabilities read a counted list from a larger
 * buffer); throws DecodeError, so call it under decodeGuard. Returns the cursor after the last
 * rule, which may lie past `end` when a length byte overshoots (the reference accepts that).
 */
export function readRules(bytes: Uint8Array, offset: number, end: number, maxCount: number): { rules: Rule[]; offset: number } {
  const rules: Rule[] = [];
  let p = offset;
  const r = new BufferReader(bytes, 0, end);
  while (rules.length < maxCount && p < end) {
    r.offset = p;
    const t = r.u8('rule type');
    const fieldLength = r.u8('rule field length');
    rules.push(readRuleField(r, t));
    p = p + 2 + fieldLength;
  }
  return { rules, offset: p };
}

/** Decodes a whole rule list (e.g. the `R` value); at most `maxCount` rules, extra bytes ignored. */
export function decodeRules(bytes: Uint8Array, maxCount: number = ZT_MAX_NETWORK_RULES): Result<Rule[]> {
  return decodeGuard(() => readRules(bytes, 0, bytes.length, maxCount).rules);
}

// ---- Controller JSON ---------------------------------------------------------------------

/** A rule object as the controller stores and serves it (keys in sorted order, like its output). */
export type RuleJson = Record<string, unknown>;

function hex(v: bigint, digits: number): string {
  return v.toString(16).padStart(digits, '0');
}

function addressHex(a: Address): string {
  return (a % 0x10000000000).toString(16).padStart(10, '0');
}

function sortedObject(entries: Record<string, unknown>): RuleJson {
  const out: RuleJson = {};
  for (const k of Object.keys(entries).sort()) out[k] = entries[k];
  return out;
}

/**
 * Renders a rule as the controller does: matches carry `not` and `or`, actions never do;
 * PRIORITY and unknown types render as `{}` (the controller never stores them).
 */
export function ruleToJson(rule: Rule): RuleJson {
  const o: Record<string, unknown> = { type: rule.type };
  switch (rule.type) {
    case 'ACTION_DROP':
    case 'ACTION_ACCEPT':
    case 'ACTION_BREAK':
      return o;
    case 'ACTION_TEE':
    case 'ACTION_WATCH':
      return sortedObject({ ...o, address: addressHex(rule.address), flags: rule.flags >>> 0, length: rule.length & 0xffff });
    case 'ACTION_REDIRECT':
      return sortedObject({ ...o, address: addressHex(rule.address), flags: rule.flags >>> 0 });
    case 'ACTION_PRIORITY':
    case 'UNKNOWN':
      return {};
    case 'MATCH_SOURCE_ZEROTIER_ADDRESS':
    case 'MATCH_DEST_ZEROTIER_ADDRESS':
      o.zt = addressHex(rule.zt);
      break;
    case 'MATCH_VLAN_ID':
      o.vlanId = rule.vlanId;
      break;
    case 'MATCH_VLAN_PCP':
      o.vlanPcp = rule.vlanPcp;
      break;
    case 'MATCH_VLAN_DEI':
      o.vlanDei = rule.vlanDei;
      break;
    case 'MATCH_MAC_SOURCE':
    case 'MATCH_MAC_DEST':
      o.mac = macToString(rule.mac);
      break;
    case 'MATCH_IPV4_SOURCE':
    case 'MATCH_IPV4_DEST':
      o.ip = `${formatIpv4(fixedBytes(rule.ip, 4))}/${rule.bits}`;
      break;
    case 'MATCH_IPV6_SOURCE':
    case 'MATCH_IPV6_DEST':
      o.ip = `${formatIpv6(fixedBytes(rule.ip, 16))}/${rule.bits}`;
      break;
    case 'MATCH_IP_TOS':
      o.mask = rule.mask;
      o.start = rule.start;
      o.end = rule.end;
      break;
    case 'MATCH_IP_PROTOCOL':
      o.ipProtocol = rule.ipProtocol;
      break;
    case 'MATCH_ETHERTYPE':
      o.etherType = rule.etherType;
      break;
    case 'MATCH_ICMP':
      o.icmpType = rule.icmpType;
      o.icmpCode = rule.icmpFlags & 0x01 ? rule.icmpCode : null;
      break;
    case 'MATCH_IP_SOURCE_PORT_RANGE':
    case 'MATCH_IP_DEST_PORT_RANGE':
    case 'MATCH_FRAME_SIZE_RANGE':
      o.start = rule.start;
      o.end = rule.end;
      break;
    case 'MATCH_CHARACTERISTICS':
      o.mask = hex(rule.characteristics & U64_MASK, 16);
      break;
    case 'MATCH_RANDOM':
      o.probability = rule.probability >>> 0;
      break;
    case 'MATCH_INTEGER_RANGE': {
      // Rendered under the name the controller's parser would look for, which it then drops.
      const start = rule.start & U64_MASK;
      o.type = 'INTEGER_RANGE';
      o.start = hex(start, 16);
      o.end = hex((start + BigInt(rule.endOffset >>> 0)) & U64_MASK, 16);
      o.idx = rule.idx;
      o.little = integerRangeLittleEndian(rule.format);
      o.bits = integerRangeBits(rule.format);
      break;
    }
    default:
      // The seven tag matches.
      o.id = rule.id >>> 0;
      o.value = rule.value >>> 0;
  }
  o.not = rule.not;
  o.or = rule.or;
  return sortedObject(o);
}

// JSON coercions of the reference controller (nlohmann json read through OSUtils helpers).

function numberToU64(n: number): bigint {
  if (!Number.isFinite(n)) return 0n;
  return BigInt(Math.trunc(n)) & U64_MASK;
}

/** A C string view of a JSON string: it ends at the first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

function jsonInt(v: unknown, dflt: bigint): bigint {
  if (typeof v === 'number') return numberToU64(v);
  if (typeof v === 'string') return strtoull(cString(v), 10);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return dflt;
}

function jsonBool(v: unknown, dflt: boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return numberToU64(v) > 0n;
  if (typeof v === 'string') return v.length > 0 && (v[0] === 't' || v[0] === 'T' || v[0] === '1');
  return dflt;
}

function jsonString(v: unknown, dflt: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToU64(v).toString(10);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return dflt;
}

function jsonHex(v: unknown, dflt: string): bigint {
  return strtoull(cString(jsonString(v, dflt)), 16);
}

function masked(v: bigint, bits: number): number {
  return Number(v & ((1n << BigInt(bits)) - 1n));
}

const utf8 = new TextEncoder();

/** The reference's MAC reading: drop `:` and `-`, then pairs of hex digits (bad digits count as 0). */
function parseMacLenient(text: string): MAC {
  const b = utf8.encode(cString(text).replace(/[:-]/g, ''));
  const out = new Uint8Array(6);
  const nibble = (c: number): number =>
    c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 87 : c >= 0x41 && c <= 0x46 ? c - 55 : 0;
  for (let i = 0; i < 6 && i * 2 + 1 < b.length; i++) out[i] = (nibble(b[i * 2]) << 4) | nibble(b[i * 2 + 1]);
  return macFromBytes(out);
}

/**
 * The reference's `InetAddress(string)` as a rule reads it: `ip/bits`, the family chosen by
 * whether the address part has a `:` (IPv6) or a `.` (IPv4). An address inet_pton refuses reads
 * as zeros with the bits kept; no `:`/`.`, or 64+ characters, gives family none, bits 0.
 */
function parseRuleIp(text: string): { family: 4 | 6 | 0; ip: Uint8Array; port: number } {
  const s = cString(text);
  if (s.length === 0 || utf8.encode(s).length >= 64) return { family: 0, ip: new Uint8Array(16), port: 0 };
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const port = slash === -1 ? 0 : Number(strtoull(s.slice(slash + 1), 10) & 0xffffn);
  if (addr.includes(':')) return { family: 6, ip: parseIpv6(addr) ?? new Uint8Array(16), port };
  if (addr.includes('.')) return { family: 4, ip: parseIpv4(addr) ?? new Uint8Array(4), port };
  return { family: 0, ip: new Uint8Array(16), port: 0 };
}

/**
 * Parses a controller JSON rule object the way the reference controller does. Returns
 * ok(undefined) for anything the controller silently drops (non-objects, unknown types,
 * PRIORITY, INTEGER_RANGE), and an error where the reference's JSON library would throw (a
 * CHARACTERISTICS `mask` that is neither a number nor a string), which makes the controller
 * answer the whole request with HTTP 500.
 */
export function ruleFromJson(json: unknown): Result<Rule | undefined> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return ok(undefined);
  const j = json as Record<string, unknown>;
  const type = cString(jsonString(j.type, ''));
  const not = jsonBool(j.not, false);
  const or = jsonBool(j.or, false);
  const int = (key: string, bits: number, dflt = 0n): number => masked(jsonInt(j[key], dflt), bits);

  switch (type) {
    case 'ACTION_DROP':
    case 'ACTION_ACCEPT':
    case 'ACTION_BREAK':
      return ok({ type, not, or });
    case 'ACTION_TEE':
    case 'ACTION_WATCH':
      return ok({ type, not, or, address: masked(jsonHex(j.address, '0'), 40), flags: int('flags', 32), length: int('length', 16) });
    case 'ACTION_REDIRECT':
      return ok({ type, not, or, address: masked(jsonHex(j.address, '0'), 40), flags: int('flags', 32), length: 0 });
    case 'MATCH_SOURCE_ZEROTIER_ADDRESS':
    case 'MATCH_DEST_ZEROTIER_ADDRESS':
      return ok({ type, not, or, zt: masked(jsonHex(j.zt, '0'), 40) });
    case 'MATCH_VLAN_ID':
      return ok({ type, not, or, vlanId: int('vlanId', 16) });
    case 'MATCH_VLAN_PCP':
      return ok({ type, not, or, vlanPcp: int('vlanPcp', 8) });
    case 'MATCH_VLAN_DEI':
      return ok({ type, not, or, vlanDei: int('vlanDei', 8) });
    case 'MATCH_MAC_SOURCE':
    case 'MATCH_MAC_DEST':
      return ok({ type, not, or, mac: parseMacLenient(jsonString(j.mac, '0')) });
    case 'MATCH_IPV4_SOURCE':
    case 'MATCH_IPV4_DEST': {
      const a = parseRuleIp(jsonString(j.ip, '0.0.0.0'));
      // An IPv6 text read through the IPv4 view yields the (zero) flow-info word as address.
      const ip = a.family === 4 ? a.ip : new Uint8Array(4);
      return ok({ type, not, or, ip, bits: Math.min(a.port & 0xff, 32) });
    }
    case 'MATCH_IPV6_SOURCE':
    case 'MATCH_IPV6_DEST': {
      const a = parseRuleIp(jsonString(j.ip, '::0'));
      const ip = a.family === 6 ? a.ip : new Uint8Array(16);
      return ok({ type, not, or, ip, bits: Math.min(a.port & 0xff, 128) });
    }
    case 'MATCH_IP_TOS':
      return ok({ type, not, or, mask: int('mask', 8), start: int('start', 8), end: int('end', 8) });
    case 'MATCH_IP_PROTOCOL':
      return ok({ type, not, or, ipProtocol: int('ipProtocol', 8) });
    case 'MATCH_ETHERTYPE':
      return ok({ type, not, or, etherType: int('etherType', 16) });
    case 'MATCH_ICMP': {
      const icmpType = int('icmpType', 8);
      const code = j.icmpCode;
      if (code === null || code === undefined) return ok({ type, not, or, icmpType, icmpCode: 0, icmpFlags: 0 });
      return ok({ type, not, or, icmpType, icmpCode: masked(jsonInt(code, 0n), 8), icmpFlags: 0x01 });
    }
    case 'MATCH_IP_SOURCE_PORT_RANGE':
    case 'MATCH_IP_DEST_PORT_RANGE':
    case 'MATCH_FRAME_SIZE_RANGE': {
      const start = int('start', 16);
      return ok({ type, not, or, start, end: int('end', 16, BigInt(start)) });
    }
    case 'MATCH_CHARACTERISTICS': {
      let characteristics = 0n;
      if (Object.hasOwn(j, 'mask')) {
        const m = j.mask;
        if (typeof m === 'number') characteristics = numberToU64(m);
        else if (typeof m === 'string') characteristics = strtoull(cString(m), 16);
        else return fail(new DecodeError('bad_field', 'MATCH_CHARACTERISTICS mask must be a number or a hex string'));
      }
      return ok({ type, not, or, characteristics });
    }
    case 'MATCH_RANDOM':
      return ok({ type, not, or, probability: int('probability', 32) });
    case 'MATCH_TAGS_DIFFERENCE':
    case 'MATCH_TAGS_BITWISE_AND':
    case 'MATCH_TAGS_BITWISE_OR':
    case 'MATCH_TAGS_BITWISE_XOR':
    case 'MATCH_TAGS_EQUAL':
    case 'MATCH_TAG_SENDER':
    case 'MATCH_TAG_RECEIVER':
      return ok({ type, not, or, id: int('id', 32), value: int('value', 32) });
    default:
      return ok(undefined);
  }
}

/**
 * The controller's normalization of one posted rule: parse, then render. ok(undefined) when the
 * rule is dropped; an error when the whole request fails (see ruleFromJson).
 */
export function normalizeRuleJson(json: unknown): Result<RuleJson | undefined> {
  const r = ruleFromJson(json);
  if (!r.ok || r.value === undefined) return r as Result<undefined>;
  return ok(ruleToJson(r.value));
}
