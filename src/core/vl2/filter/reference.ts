/**
 * The reference rules evaluator: spec vl2.md §8.2–8.8 transcribed as directly as possible, with
 * no precomputation, no caching and BigInt wherever a value is 64 bits wide. It is slow on
 * purpose; property tests hold the fast evaluator (filter.ts) to it.
 */
import type { Address } from '../../vl1/address.js';
import { BROADCAST_MAC, isMulticastMac, type MAC } from '../mac.js';
import { rfc4193Address, sixPlaneAddress } from '../ipv6.js';
import { ruleTypeCode, type Rule } from '../rules-codec.js';
import {
  EXT_FRAME_FLAG_REDIRECT_IN,
  EXT_FRAME_FLAG_REDIRECT_OUT,
  EXT_FRAME_FLAG_TEE_IN,
  EXT_FRAME_FLAG_TEE_OUT,
  EXT_FRAME_FLAG_WATCH_IN,
  EXT_FRAME_FLAG_WATCH_OUT,
  FilterOutcome,
  frameLength,
  NETCONF_FLAG_NDP_EMULATION,
  NETCONF_FLAG_UNSUPPORTED_MATCH_RESULT,
  type FilterContext,
  type FilterFrame,
  type PeerCredentialsView,
  type RuleTableResult,
} from './types.js';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;

/** A match result: a plain boolean (NOT applies) or a hard one (NOT ignored). */
type MatchResult = boolean | 'hardYes' | 'hardNo';

/** Everything one rule-table evaluation reads. */
interface Env {
  ctx: FilterContext;
  inbound: boolean;
  ztSource: Address;
  macSource: MAC;
  macDest: MAC;
  etherType: number;
  /** Exactly the Ethernet payload. */
  f: Uint8Array;
}

/** Mutable state of one pass over one table. */
interface Pass {
  superAccept: boolean;
  skipDrop: boolean;
}

interface TableOutcome {
  result: RuleTableResult;
  ztDest: Address;
  cc: Address;
  ccLength: number;
  ccWatch: boolean;
}

const PEER_WITHOUT_RECORD: PeerCredentialsView = { tags: undefined, capabilities: [], ownership: undefined };

// ---- The table walk (§8.3) ----------------------------------------------------------------

function evaluateTable(env: Env, rules: readonly Rule[], ztDestIn: Address, qos: { bucket: number }): TableOutcome {
  const self = env.ctx.config.self;
  const out: TableOutcome = { result: 'NO_MATCH', ztDest: ztDestIn, cc: 0, ccLength: 0, ccWatch: false };
  const pass: Pass = { superAccept: false, skipDrop: false };
  let state = true;
  for (const r of rules) {
    const type = ruleTypeCode(r);
    if (type <= 15) {
      if (!state) {
        if (env.inbound && isForward(r) && r.address === self) pass.superAccept = true;
        state = true;
        continue;
      }
      switch (r.type) {
        case 'ACTION_PRIORITY':
          qos.bucket = r.qosBucket >= 0 && r.qosBucket <= 8 ? r.qosBucket : 4;
          return { ...out, result: 'ACCEPT' };
        case 'ACTION_DROP':
          if (pass.skipDrop) {
            pass.skipDrop = false;
            continue;
          }
          return { ...out, result: 'DROP' };
        case 'ACTION_ACCEPT':
          return { ...out, result: pass.superAccept ? 'SUPER_ACCEPT' : 'ACCEPT' };
        case 'ACTION_TEE':
        case 'ACTION_WATCH':
        case 'ACTION_REDIRECT': {
          const a = r.address;
          if (a === env.ztSource) {
            // copying to the sender is pointless
          } else if (a === self) {
            if (env.inbound) return { ...out, result: 'SUPER_ACCEPT' };
          } else if (a === out.ztDest) {
            // already going there
          } else if (r.type === 'ACTION_REDIRECT') {
            return { ...out, result: 'REDIRECT', ztDest: a };
          } else {
            out.cc = a;
            out.ccLength = r.length === 0 ? env.f.length : Math.min(env.f.length, r.length);
            out.ccWatch = r.type === 'ACTION_WATCH';
          }
          continue;
        }
        case 'ACTION_BREAK':
          return { ...out, result: 'NO_MATCH' };
        default:
          continue;
      }
    }
    if (!state && !r.or) continue;
    const m = match(env, r, out.ztDest, pass);
    const effective = m === 'hardYes' ? true : m === 'hardNo' ? false : m !== r.not;
    state = r.or ? state || effective : state && effective;
  }
  return out;
}

function isForward(r: Rule): r is Extract<Rule, { type: 'ACTION_TEE' | 'ACTION_WATCH' | 'ACTION_REDIRECT' }> {
  return r.type === 'ACTION_TEE' || r.type === 'ACTION_WATCH' || r.type === 'ACTION_REDIRECT';
}

// ---- Match semantics (§8.4, §8.5) ---------------------------------------------------------

function isIpv4(env: Env): boolean {
  return env.etherType === ETHERTYPE_IPV4 && env.f.length >= 20;
}

function isIpv6(env: Env): boolean {
  return env.etherType === ETHERTYPE_IPV6 && env.f.length >= 40;
}

/** The IPv6 extension-header walk: where the upper-layer header starts and what it is. */
function ipv6Payload(f: Uint8Array): { pos: number; next: number } | undefined {
  if (f.length < 40) return undefined;
  let next = f[6];
  let pos = 40;
  while (pos <= f.length) {
    if (next === 0 || next === 43 || next === 60 || next === 135) {
      if (pos + 8 > f.length) return undefined;
      next = f[pos];
      pos += f[pos + 1] * 8 + 8;
    } else {
      return { pos, next };
    }
  }
  return undefined;
}

const u16 = (f: Uint8Array, i: number): number => (f[i] << 8) | f[i + 1];
const PORT_PROTOCOLS = [6, 17, 132, 136];

function match(env: Env, r: Rule, ztDest: Address, pass: Pass): MatchResult {
  const f = env.f;
  switch (r.type) {
    case 'MATCH_SOURCE_ZEROTIER_ADDRESS':
      return r.zt === env.ztSource;
    case 'MATCH_DEST_ZEROTIER_ADDRESS':
      return r.zt === ztDest;
    case 'MATCH_VLAN_ID':
      return r.vlanId === 0;
    case 'MATCH_VLAN_PCP':
      return r.vlanPcp === 0;
    case 'MATCH_VLAN_DEI':
      return r.vlanDei === 0;
    case 'MATCH_MAC_SOURCE':
      return r.mac === env.macSource;
    case 'MATCH_MAC_DEST':
      return r.mac === env.macDest;
    case 'MATCH_IPV4_SOURCE':
    case 'MATCH_IPV4_DEST':
      if (!isIpv4(env)) return 'hardNo';
      return ipv4PrefixMatches(f, r.type === 'MATCH_IPV4_SOURCE' ? 12 : 16, r.ip, r.bits);
    case 'MATCH_IPV6_SOURCE':
    case 'MATCH_IPV6_DEST': {
      if (!isIpv6(env)) return 'hardNo';
      const at = r.type === 'MATCH_IPV6_SOURCE' ? 8 : 24;
      for (let i = 0; i < 16; i++) if ((f[at + i] & ipv6MaskByte(r.bits, i)) !== (r.ip[i] ?? 0)) return false;
      return true;
    }
    case 'MATCH_IP_TOS': {
      let tos: number;
      if (isIpv4(env)) tos = f[1];
      else if (isIpv6(env)) tos = ((f[0] << 4) | (f[1] >> 4)) & 0xff;
      else return 'hardNo';
      const t = tos & r.mask;
      return t >= r.start && t <= r.end;
    }
    case 'MATCH_IP_PROTOCOL': {
      if (isIpv4(env)) return f[9] === r.ipProtocol;
      if (env.etherType !== ETHERTYPE_IPV6) return 'hardNo';
      const p = ipv6Payload(f);
      return p === undefined ? 'hardNo' : p.next === r.ipProtocol;
    }
    case 'MATCH_ETHERTYPE':
      return r.etherType === env.etherType;
    case 'MATCH_ICMP': {
      let at: number;
      if (isIpv4(env)) {
        if (f[9] !== 1) return 'hardNo';
        at = 4 * (f[0] & 0x0f);
        if (f.length < at + 2) return 'hardNo';
      } else if (env.etherType === ETHERTYPE_IPV6) {
        const p = ipv6Payload(f);
        if (p === undefined || p.next !== 58 || f.length < p.pos + 2) return 'hardNo';
        at = p.pos;
      } else {
        return 'hardNo';
      }
      if (f[at] !== r.icmpType) return 'hardNo';
      return r.icmpFlags & 0x01 ? f[at + 1] === r.icmpCode : 'hardYes';
    }
    case 'MATCH_IP_SOURCE_PORT_RANGE':
    case 'MATCH_IP_DEST_PORT_RANGE': {
      const portAt = r.type === 'MATCH_IP_SOURCE_PORT_RANGE' ? 0 : 2;
      if (isIpv4(env)) {
        const ihl = 4 * (f[0] & 0x0f);
        if (!PORT_PROTOCOLS.includes(f[9]) || !(f.length > ihl + 4)) return false;
        const port = u16(f, ihl + portAt);
        return port >= r.start && port <= r.end;
      }
      if (env.etherType !== ETHERTYPE_IPV6) return 'hardNo';
      const p = ipv6Payload(f);
      if (p === undefined) return 'hardNo';
      if (!PORT_PROTOCOLS.includes(p.next) || !(f.length > p.pos + 4)) return false;
      const port = u16(f, p.pos + portAt);
      return port > 0 && port >= r.start && port <= r.end;
    }
    case 'MATCH_CHARACTERISTICS':
      return (characteristics(env) & r.characteristics) !== 0n;
    case 'MATCH_FRAME_SIZE_RANGE':
      return f.length >= r.start && f.length <= r.end;
    case 'MATCH_RANDOM':
      return env.ctx.random() >>> 0 <= r.probability >>> 0;
    case 'MATCH_INTEGER_RANGE': {
      const v = integerRangeValue(f, r.idx, r.format);
      const start = BigInt.asUintN(64, r.start);
      return v >= start && v <= BigInt.asUintN(64, start + BigInt(r.endOffset >>> 0));
    }
    case 'MATCH_TAGS_DIFFERENCE':
    case 'MATCH_TAGS_BITWISE_AND':
    case 'MATCH_TAGS_BITWISE_OR':
    case 'MATCH_TAGS_BITWISE_XOR':
    case 'MATCH_TAGS_EQUAL': {
      const L = localTag(env, r.id);
      if (L === undefined) return 'hardNo';
      const R = remoteTag(env, r.id);
      const v = r.value >>> 0;
      if (R !== undefined) {
        switch (r.type) {
          case 'MATCH_TAGS_DIFFERENCE':
            return Math.abs(L - R) <= v;
          case 'MATCH_TAGS_BITWISE_AND':
            return (L & R) >>> 0 === v;
          case 'MATCH_TAGS_BITWISE_OR':
            return (L | R) >>> 0 === v;
          case 'MATCH_TAGS_BITWISE_XOR':
            return (L ^ R) >>> 0 === v;
          default:
            return L === v && R === v;
        }
      }
      if (env.inbound && !pass.superAccept) return 'hardNo';
      pass.skipDrop = true;
      return 'hardYes';
    }
    case 'MATCH_TAG_SENDER':
    case 'MATCH_TAG_RECEIVER': {
      if (pass.superAccept) {
        pass.skipDrop = true;
        return 'hardYes';
      }
      const v = r.value >>> 0;
      const remoteSide = (r.type === 'MATCH_TAG_SENDER') === env.inbound;
      if (remoteSide) {
        const R = remoteTag(env, r.id);
        if (R !== undefined) return R === v;
        if (r.type === 'MATCH_TAG_RECEIVER') {
          pass.skipDrop = true;
          return 'hardYes';
        }
        return 'hardNo';
      }
      const L = localTag(env, r.id);
      return L === undefined ? 'hardNo' : L === v;
    }
    default:
      // Unknown match types (the codec's 'UNKNOWN' with a code of 16 or more).
      return (env.ctx.config.flags & NETCONF_FLAG_UNSUPPORTED_MATCH_RESULT) !== 0n;
  }
}

function localTag(env: Env, id: number): number | undefined {
  const v = env.ctx.config.tags.get(id >>> 0);
  return v === undefined ? undefined : v >>> 0;
}

function remoteTag(env: Env, id: number): number | undefined {
  const v = env.ctx.peer?.tags?.get(id >>> 0);
  return v === undefined ? undefined : v >>> 0;
}

/** IPv4 prefix test; a prefix beyond 32 bits shifts like the reference's 32-bit shift on x86-64 (count mod 32). */
function ipv4PrefixMatches(f: Uint8Array, at: number, ruleIp: Uint8Array, bits: number): boolean {
  if (bits === 0) return true;
  const shift = (32 - bits) & 31;
  const packet = ((f[at] << 24) | (f[at + 1] << 16) | (f[at + 2] << 8) | f[at + 3]) >>> 0;
  const rule = (((ruleIp[0] ?? 0) << 24) | ((ruleIp[1] ?? 0) << 16) | ((ruleIp[2] ?? 0) << 8) | (ruleIp[3] ?? 0)) >>> 0;
  return packet >>> shift === rule >>> shift;
}

/**
 * Byte `i` of the IPv6 netmask for `bits`, built as the reference builds it from two 64-bit
 * words; beyond 128 bits the low word's shift count wraps mod 64 as on x86-64.
 */
function ipv6MaskByte(bits: number, i: number): number {
  if (bits === 0) return 0;
  const all = (1n << 64n) - 1n;
  const hi = bits >= 64 ? all : (all << BigInt(64 - bits)) & all;
  const lo = bits <= 64 ? 0n : (all << BigInt((128 - bits) & 63)) & all;
  const word = i < 8 ? hi : lo;
  return Number((word >> BigInt(56 - 8 * (i % 8))) & 0xffn);
}

/** INTEGER_RANGE's value (§8.4): big-endian reads a 64-bit word at idx, little-endian `bytes` bytes. */
export function integerRangeValue(f: Uint8Array, idx: number, format: number): bigint {
  const bits = (format & 63) + 1;
  if (format & 0x80) {
    const bytes = Math.ceil(bits / 8);
    if (idx + bytes > f.length) return 0n;
    let v = 0n;
    for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(f[idx + i]);
    return v >> BigInt(8 * bytes - bits);
  }
  if (idx + 8 > f.length) return 0n;
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(f[idx + i]);
  return BigInt.asUintN(bits, v);
}

// ---- Characteristics (§8.4) ---------------------------------------------------------------

const CHR_INBOUND = 1n << 63n;
const CHR_MULTICAST = 1n << 62n;
const CHR_BROADCAST = 1n << 61n;
const CHR_SENDER_IP_AUTHENTICATED = 1n << 60n;
const CHR_SENDER_MAC_AUTHENTICATED = 1n << 59n;

function characteristics(env: Env): bigint {
  const f = env.f;
  let cf = env.inbound ? CHR_INBOUND : 0n;
  if (isMulticastMac(env.macDest)) cf |= CHR_MULTICAST;
  if (env.macDest === BROADCAST_MAC) cf |= CHR_BROADCAST;
  cf |= senderAuthentication(env);
  // The reference reads IPv4 TCP flags without a bounds check; we read missing bytes as 0.
  const byte = (i: number): number => (i < f.length ? f[i] : 0);
  if (isIpv4(env) && f[9] === 6) {
    const ihl = 4 * (f[0] & 0x0f);
    cf |= BigInt(byte(ihl + 13)) | (BigInt(byte(ihl + 12) & 0x0f) << 8n);
  } else if (env.etherType === ETHERTYPE_IPV6) {
    const p = ipv6Payload(f);
    if (p !== undefined && p.next === 6 && f.length > p.pos + 14) {
      cf |= BigInt(f[p.pos + 13]) | (BigInt(f[p.pos + 12] & 0x0f) << 8n);
    }
  }
  return cf;
}

function senderAuthentication(env: Env): bigint {
  const f = env.f;
  let mask = 0n;
  let src: { at: number; length: 4 | 16 } | undefined;
  if (isIpv4(env)) {
    src = { at: 12, length: 4 };
  } else if (isIpv6(env)) {
    if (f.length >= 64 && f[6] === 58 && (f[40] === 135 || f[40] === 136)) {
      // Neighbor solicitations carry no usable source: counted as authenticated.
      if (f[40] === 135) mask |= CHR_SENDER_IP_AUTHENTICATED;
      else src = { at: 48, length: 16 };
    } else {
      src = { at: 8, length: 16 };
    }
  } else if (env.etherType === ETHERTYPE_ARP && f.length >= 28) {
    src = { at: 14, length: 4 };
  }
  const config = env.ctx.config;
  if (env.inbound) {
    const peer = env.ctx.peer ?? PEER_WITHOUT_RECORD;
    if (src && (unspoofable(env, src.at, src.length) || peer.ownership?.ownsIp(f, src.at, src.length))) {
      mask |= CHR_SENDER_IP_AUTHENTICATED;
    }
    if (peer.ownership?.ownsMac(env.macSource)) mask |= CHR_SENDER_MAC_AUTHENTICATED;
  } else {
    if (src && config.ownership.ownsIp(f, src.at, src.length)) mask |= CHR_SENDER_IP_AUTHENTICATED;
    if (config.ownership.ownsMac(env.macSource)) mask |= CHR_SENDER_MAC_AUTHENTICATED;
  }
  return mask;
}

/** IPv6 sources inside our own 6PLANE /40 or RFC4193 /88 count as owned when NDP emulation is on. */
function unspoofable(env: Env, at: number, length: 4 | 16): boolean {
  const config = env.ctx.config;
  if (length !== 16 || (config.flags & NETCONF_FLAG_NDP_EMULATION) === 0n) return false;
  const samePrefix = (own: Uint8Array, n: number): boolean => {
    if (!config.staticIps.some((ip) => ip.length === 16 && ip.every((b, i) => b === own[i]))) return false;
    for (let i = 0; i < n; i++) if (env.f[at + i] !== own[i]) return false;
    return true;
  };
  return samePrefix(sixPlaneAddress(config.networkId, config.self), 5) || samePrefix(rfc4193Address(config.networkId, config.self), 11);
}

// ---- The filters (§8.6, §8.7) -------------------------------------------------------------

function envFor(ctx: FilterContext, frame: FilterFrame, inbound: boolean): Env {
  const len = frameLength(frame);
  return {
    ctx,
    inbound,
    ztSource: frame.ztSource,
    macSource: frame.macSource,
    macDest: frame.macDest,
    etherType: frame.etherType,
    f: frame.data.subarray(frame.offset, frame.offset + len),
  };
}

function recordBase(out: FilterOutcome, base: TableOutcome, qos: { bucket: number }): void {
  out.baseResult = base.result;
  out.baseTee = base.cc;
  out.baseTeeLength = base.cc ? base.ccLength : 0;
  out.baseTeeWatch = base.cc ? base.ccWatch : false;
  out.baseDest = base.ztDest;
  out.baseQosBucket = qos.bucket;
}

/** Network::filterOutgoingPacket: may this frame leave, and which copies go where. */
export function referenceFilterOutgoing(ctx: FilterContext, frame: FilterFrame): FilterOutcome {
  const env = envFor(ctx, frame, false);
  const out = new FilterOutcome();
  const qos = { bucket: -1 };
  const base = evaluateTable(env, ctx.config.rules, frame.ztDest, qos);
  recordBase(out, base, qos);
  let accepted = base.result !== 'DROP' && base.result !== 'NO_MATCH';
  let finalDest = base.ztDest;
  if (base.result === 'NO_MATCH') {
    for (const cap of ctx.config.capabilities) {
      const c = evaluateTable(env, cap.rules, frame.ztDest, qos);
      if (c.result === 'DROP' || c.result === 'NO_MATCH') continue;
      accepted = true;
      finalDest = c.ztDest;
      out.capabilityId = cap.id;
      if (!ctx.noTee && c.cc) out.addCopy(c.cc, c.ccWatch ? EXT_FRAME_FLAG_WATCH_OUT : EXT_FRAME_FLAG_TEE_OUT, c.ccLength);
      break;
    }
  }
  out.qosBucket = qos.bucket;
  if (!accepted) return out;
  if (!ctx.noTee && base.cc) out.addCopy(base.cc, base.ccWatch ? EXT_FRAME_FLAG_WATCH_OUT : EXT_FRAME_FLAG_TEE_OUT, base.ccLength);
  if (finalDest !== frame.ztDest && finalDest !== 0) {
    out.addCopy(finalDest, EXT_FRAME_FLAG_REDIRECT_OUT, env.f.length);
    return out;
  }
  out.verdict = 'accept';
  return out;
}

/** Network::filterIncomingPacket: may this frame be delivered, and which copies go where. */
export function referenceFilterIncoming(ctx: FilterContext, frame: FilterFrame): FilterOutcome {
  const env = envFor(ctx, frame, true);
  const out = new FilterOutcome();
  const qos = { bucket: -1 };
  const base = evaluateTable(env, ctx.config.rules, frame.ztDest, qos);
  recordBase(out, base, qos);
  let verdict: 'drop' | 'accept' | 'super-accept' = 'drop';
  let finalDest = base.ztDest;
  if (base.result === 'ACCEPT' || base.result === 'REDIRECT') verdict = 'accept';
  else if (base.result === 'SUPER_ACCEPT') verdict = 'super-accept';
  else if (base.result === 'NO_MATCH') {
    for (const cap of (ctx.peer ?? PEER_WITHOUT_RECORD).capabilities) {
      const c = evaluateTable(env, cap.rules, frame.ztDest, qos);
      if (c.result === 'DROP' || c.result === 'NO_MATCH') continue;
      verdict = c.result === 'SUPER_ACCEPT' ? 'super-accept' : 'accept';
      finalDest = c.ztDest;
      out.capabilityId = cap.id;
      if (c.cc) out.addCopy(c.cc, c.ccWatch ? EXT_FRAME_FLAG_WATCH_IN : EXT_FRAME_FLAG_TEE_IN, c.ccLength);
      break;
    }
  }
  out.qosBucket = qos.bucket;
  if (verdict === 'drop') return out;
  if (base.cc) out.addCopy(base.cc, base.ccWatch ? EXT_FRAME_FLAG_WATCH_IN : EXT_FRAME_FLAG_TEE_IN, base.ccLength);
  if (finalDest !== frame.ztDest && finalDest !== 0) {
    out.addCopy(finalDest, EXT_FRAME_FLAG_REDIRECT_IN, env.f.length);
    return out;
  }
  out.verdict = verdict;
  return out;
}
