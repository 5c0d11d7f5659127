/**
 * The fast flow-rules filter (spec vl2.md §8): Network::filterOutgoingPacket and
 * Network::filterIncomingPacket over precompiled rule tables (compile.ts) and a frame parsed
 * once (frame.ts). Behaviour is defined by reference.ts; property tests keep the two equal.
 *
 * Allocation: none per frame when the caller passes its own FilterOutcome, except the copies
 * array when TEE/WATCH/REDIRECT fire, and the first sight of a peer capability (compiled once,
 * then cached). Not re-entrant: `random` and the ownership views must not filter frames.
 */
import type { Address } from '../../vl1/address.js';
import { BROADCAST_MAC, isMulticastMac, type MAC } from '../mac.js';
import {
  compiledConfig,
  peerTable,
  OP_FIRST_MATCH,
  OP_REDIRECT,
  OP_TAG_RECEIVER,
  OP_TAG_SENDER,
  OP_TAGS_AND,
  OP_TAGS_DIFFERENCE,
  OP_TAGS_OR,
  OP_TAGS_XOR,
  OP_TEE,
  OP_WATCH,
  type CompiledFilterConfig,
  type CompiledRule,
  type CompiledTable,
} from './compile.js';
import { FrameFacts, parseFrame, PORT_HARD_NO, SRC_IPV4, SRC_IPV6, SRC_NDP_SOLICITATION } from './frame.js';
import {
  EXT_FRAME_FLAG_REDIRECT_IN,
  EXT_FRAME_FLAG_REDIRECT_OUT,
  EXT_FRAME_FLAG_TEE_IN,
  EXT_FRAME_FLAG_TEE_OUT,
  EXT_FRAME_FLAG_WATCH_IN,
  EXT_FRAME_FLAG_WATCH_OUT,
  FilterOutcome,
  type FilterContext,
  type FilterFrame,
  type PeerCredentialsView,
  type RuleTableResult,
} from './types.js';

// Rule-table results.
const NO_MATCH = 0;
const DROP = 1;
const REDIRECT = 2;
const ACCEPT = 3;
const SUPER_ACCEPT = 4;
const RESULT_NAMES: readonly RuleTableResult[] = ['NO_MATCH', 'DROP', 'REDIRECT', 'ACCEPT', 'SUPER_ACCEPT'];

// Match results besides plain 0/1: counted as matched / not matched whatever the NOT bit.
const HARD_YES = 2;
const HARD_NO = 3;

// CHARACTERISTICS bits 32..63, as bits of the high 32-bit word.
const CHR_INBOUND = 1 << 31;
const CHR_MULTICAST = 1 << 30;
const CHR_BROADCAST = 1 << 29;
const CHR_SENDER_IP_AUTHENTICATED = 1 << 28;
const CHR_SENDER_MAC_AUTHENTICATED = 1 << 27;
const CHR_AUTH_BITS = CHR_SENDER_IP_AUTHENTICATED | CHR_SENDER_MAC_AUTHENTICATED;

/** The evaluator's per-frame state; one instance serves every call. */
class Engine {
  readonly facts = new FrameFacts();
  ctx: FilterContext | null = null;
  cc: CompiledFilterConfig | null = null;
  peer: PeerCredentialsView | undefined = undefined;
  inbound = false;
  ztSource: Address = 0;
  /** The frame's own destination; every table starts from it. */
  frameDest: Address = 0;
  macSource: MAC = 0;
  macDest: MAC = 0;
  /** CHARACTERISTICS high word from direction and destination MAC. */
  chrHigh = 0;
  /** Sender-authentication bits, computed on first use (-1 = not yet). */
  auth = -1;
  /**
   * The peer's tag values by tag slot, valid where tagStamp equals frameStamp: each distinct
   * tag id costs one Map lookup per frame however many rules test it.
   */
  tagStamp = new Int32Array(16);
  tagValue = new Float64Array(16);
  frameStamp = 0;

  // Outputs of the current table, reset per table.
  ztDest: Address = 0;
  tee: Address = 0;
  teeLength = 0;
  teeWatch = false;
  /** Shared by all tables of one frame, -1 = untouched. */
  qos = -1;

  begin(ctx: FilterContext, frame: FilterFrame, inbound: boolean): void {
    parseFrame(this.facts, frame);
    this.ctx = ctx;
    this.cc = compiledConfig(ctx.config);
    this.peer = ctx.peer;
    this.inbound = inbound;
    this.ztSource = frame.ztSource;
    this.frameDest = frame.ztDest;
    this.macSource = frame.macSource;
    this.macDest = frame.macDest;
    let high = inbound ? CHR_INBOUND : 0;
    if (isMulticastMac(frame.macDest)) high |= CHR_MULTICAST;
    if (frame.macDest === BROADCAST_MAC) high |= CHR_BROADCAST;
    this.chrHigh = high;
    this.auth = -1;
    this.qos = -1;
    this.frameStamp = (this.frameStamp + 1) | 0;
    const slots = this.cc.tagSlots.size;
    if (this.frameStamp === 0 || this.tagStamp.length < slots) {
      // Wrapped (every 2^32 frames) or more tag ids than slots: start the cache afresh.
      const size = Math.max(this.tagStamp.length, slots);
      this.tagStamp = new Int32Array(size);
      this.tagValue = new Float64Array(size);
      this.frameStamp = 1;
    }
  }

  end(): void {
    // Drop references so a finished frame's buffers and views are not kept alive.
    this.facts.data = EMPTY;
    this.ctx = null;
    this.cc = null;
    this.peer = undefined;
  }

  /**
   * One rule table (the reference's _doZtFilter), §8.3. Case labels are literal opcodes (equal
   * to the §8.1 type codes): V8 turns a switch into a jump table only when its labels are
   * literals, which halves the cost per rule compared with named constants. The destination
   * comes from `frameDest`, not an argument: a 40-bit address is a double, and passing one to
   * this (never inlined) method would box it on every call.
   */
  run(table: CompiledTable): number {
    this.ztDest = this.frameDest;
    this.tee = 0;
    this.teeLength = 0;
    this.teeWatch = false;
    const rules = table.rules;
    const n = rules.length;
    const f = this.facts;
    const inbound = this.inbound;
    let state = 1;
    let superAccept = 0;
    let skipDrop = 0;
    let i = 0;
    while (i < n) {
      const r = rules[i];
      const op = r.op;
      if (op < OP_FIRST_MATCH) {
        i++;
        if (state === 0) {
          if (inbound && r.c === 1 && (op === OP_TEE || op === OP_WATCH || op === OP_REDIRECT)) superAccept = 1;
          state = 1;
          continue;
        }
        switch (op) {
          case 0: // OP_DROP
            if (skipDrop) {
              skipDrop = 0;
              continue;
            }
            return DROP;
          case 1: // OP_ACCEPT
            return superAccept ? SUPER_ACCEPT : ACCEPT;
          case 2: // OP_TEE
          case 3: // OP_WATCH
          case 4: { // OP_REDIRECT
            const a = r.a;
            if (a === this.ztSource) continue;
            if (r.c === 1) {
              if (inbound) return SUPER_ACCEPT;
              continue;
            }
            if (a === this.ztDest) continue;
            if (op === OP_REDIRECT) {
              this.ztDest = a;
              return REDIRECT;
            }
            this.tee = a;
            this.teeLength = r.b === 0 || r.b > f.len ? f.len : r.b;
            this.teeWatch = op === OP_WATCH;
            continue;
          }
          case 5: // OP_BREAK
            return NO_MATCH;
          case 6: // OP_PRIORITY
            this.qos = r.a;
            return ACCEPT;
          default:
            continue;
        }
      }
      if (state === 0 && r.or === 0) {
        i = r.skip;
        continue;
      }
      let m: number;
      switch (op) {
        case 16: // OP_CONST
          m = r.a;
          break;
        case 24: // OP_SOURCE_ZT
          m = r.a === this.ztSource ? 1 : 0;
          break;
        case 25: // OP_DEST_ZT
          m = r.a === this.ztDest ? 1 : 0;
          break;
        case 29: // OP_MAC_SOURCE
          m = r.a === this.macSource ? 1 : 0;
          break;
        case 30: // OP_MAC_DEST
          m = r.a === this.macDest ? 1 : 0;
          break;
        case 31: // OP_IPV4_SOURCE
          m = f.ipv4 ? (r.c === 1 || f.ipv4Source >>> r.b === r.a ? 1 : 0) : HARD_NO;
          break;
        case 32: // OP_IPV4_DEST
          m = f.ipv4 ? (r.c === 1 || f.ipv4Dest >>> r.b === r.a ? 1 : 0) : HARD_NO;
          break;
        case 33: // OP_IPV6_SOURCE
          m = f.ipv6 ? ipv6Matches(f, 8, r) : HARD_NO;
          break;
        case 34: // OP_IPV6_DEST
          m = f.ipv6 ? ipv6Matches(f, 24, r) : HARD_NO;
          break;
        case 35: { // OP_IP_TOS
          if (f.tos < 0) {
            m = HARD_NO;
          } else {
            const t = f.tos & r.a;
            m = t >= r.b && t <= r.c ? 1 : 0;
          }
          break;
        }
        case 36: // OP_IP_PROTOCOL
          m = f.protocol < 0 ? HARD_NO : f.protocol === r.a ? 1 : 0;
          break;
        case 37: // OP_ETHERTYPE
          m = f.etherType === r.a ? 1 : 0;
          break;
        case 38: // OP_ICMP
          if (f.icmpType !== r.a) m = HARD_NO;
          else m = r.c === 1 ? (f.icmpCode === r.b ? 1 : 0) : HARD_YES;
          break;
        case 39: // OP_SOURCE_PORT
          m = portMatch(f.sourcePort, r);
          break;
        case 40: // OP_DEST_PORT
          m = portMatch(f.destPort, r);
          break;
        case 41: { // OP_CHARACTERISTICS
          // Authentication costs ownership lookups: only when the rule asks for it.
          const high = r.a & CHR_AUTH_BITS ? this.chrHigh | this.senderAuth() : this.chrHigh;
          m = (high & r.a) !== 0 || (f.tcpFlags & r.b) !== 0 ? 1 : 0;
          break;
        }
        case 42: // OP_FRAME_SIZE
          m = f.len >= r.a && f.len <= r.b ? 1 : 0;
          break;
        case 43: // OP_RANDOM
          m = this.ctx!.random() >>> 0 <= r.a ? 1 : 0;
          break;
        case 51: // OP_INTEGER_RANGE
          m = integerRangeMatches(f, r);
          break;
        case 44: // OP_TAGS_DIFFERENCE
        case 45: // OP_TAGS_AND
        case 46: // OP_TAGS_OR
        case 47: // OP_TAGS_XOR
        case 48: { // OP_TAGS_EQUAL
          const local = r.c;
          if (local < 0) {
            m = HARD_NO;
            break;
          }
          const remote = this.remoteTag(r);
          if (remote >= 0) {
            const v = r.b;
            if (op === OP_TAGS_DIFFERENCE) m = (local > remote ? local - remote : remote - local) <= v ? 1 : 0;
            else if (op === OP_TAGS_AND) m = (local & remote) >>> 0 === v ? 1 : 0;
            else if (op === OP_TAGS_OR) m = (local | remote) >>> 0 === v ? 1 : 0;
            else if (op === OP_TAGS_XOR) m = (local ^ remote) >>> 0 === v ? 1 : 0;
            else m = local === v && remote === v ? 1 : 0;
          } else if (inbound && superAccept === 0) {
            m = HARD_NO;
          } else {
            skipDrop = 1;
            m = HARD_YES;
          }
          break;
        }
        case 49: // OP_TAG_SENDER
        case 50: { // OP_TAG_RECEIVER
          if (superAccept) {
            skipDrop = 1;
            m = HARD_YES;
          } else if ((op === OP_TAG_SENDER) === inbound) {
            // The remote side's tag.
            const remote = this.remoteTag(r);
            if (remote >= 0) m = remote === r.b ? 1 : 0;
            else if (op === OP_TAG_RECEIVER) {
              skipDrop = 1;
              m = HARD_YES;
            } else m = HARD_NO;
          } else {
            m = r.c < 0 ? HARD_NO : r.c === r.b ? 1 : 0;
          }
          break;
        }
        default:
          m = 0;
      }
      const effective = m < HARD_YES ? m ^ r.not : m === HARD_YES ? 1 : 0;
      state = r.or === 1 ? state | effective : state & effective;
      i++;
    }
    return NO_MATCH;
  }

  /** The peer's value of the tag in rule `r` (id r.a, slot r.d), -1 when unknown. */
  private remoteTag(r: CompiledRule): number {
    const slot = r.d;
    if (slot < this.tagStamp.length && this.tagStamp[slot] === this.frameStamp) return this.tagValue[slot];
    const v = this.peer?.tags?.get(r.a);
    const value = v === undefined ? -1 : v >>> 0;
    if (slot < this.tagStamp.length) {
      this.tagStamp[slot] = this.frameStamp;
      this.tagValue[slot] = value;
    }
    return value;
  }

  /** Sender IP/MAC authentication bits (§8.4), once per frame. */
  private senderAuth(): number {
    if (this.auth >= 0) return this.auth;
    const f = this.facts;
    let mask = 0;
    if (f.sourceKind === SRC_NDP_SOLICITATION) mask |= CHR_SENDER_IP_AUTHENTICATED;
    const hasSource = f.sourceKind === SRC_IPV4 || f.sourceKind === SRC_IPV6;
    const at = f.base + f.sourceAt;
    const ipLength = f.sourceKind === SRC_IPV4 ? 4 : 16;
    if (this.inbound) {
      const ownership = this.peer?.ownership;
      if (hasSource && ((f.sourceKind === SRC_IPV6 && this.unspoofable(at)) || (ownership !== undefined && ownership.ownsIp(f.data, at, ipLength)))) {
        mask |= CHR_SENDER_IP_AUTHENTICATED;
      }
      if (ownership !== undefined && ownership.ownsMac(this.macSource)) mask |= CHR_SENDER_MAC_AUTHENTICATED;
    } else {
      const ownership = this.ctx!.config.ownership;
      if (hasSource && ownership.ownsIp(f.data, at, ipLength)) mask |= CHR_SENDER_IP_AUTHENTICATED;
      if (ownership.ownsMac(this.macSource)) mask |= CHR_SENDER_MAC_AUTHENTICATED;
    }
    this.auth = mask;
    return mask;
  }

  /** An IPv6 source in our own 6PLANE /40 or RFC4193 /88 with NDP emulation on. */
  private unspoofable(at: number): boolean {
    const cc = this.cc!;
    if (!cc.ndpEmulation) return false;
    const d = this.facts.data;
    return (cc.sixPlane !== null && prefixEqual(d, at, cc.sixPlane, 5)) || (cc.rfc4193 !== null && prefixEqual(d, at, cc.rfc4193, 11));
  }
}

const EMPTY = new Uint8Array(0);

function prefixEqual(d: Uint8Array, at: number, own: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (d[at + i] !== own[i]) return false;
  return true;
}

function portMatch(port: number, r: CompiledRule): number {
  if (port < 0) return port === PORT_HARD_NO ? HARD_NO : 0;
  return port >= r.a && port <= r.b ? 1 : 0;
}

function ipv6Matches(f: FrameFacts, at: number, r: CompiledRule): number {
  if (r.c === 1) return 0;
  const rb = r.bytes!;
  const d = f.data;
  const p = f.base + at;
  for (let i = 0; i < 16; i++) if ((d[p + i] & rb[16 + i]) !== rb[i]) return 0;
  return 1;
}

/** INTEGER_RANGE (§8.4) with the 64-bit value and bounds as 32-bit halves. */
function integerRangeMatches(f: FrameFacts, r: CompiledRule): number {
  const idx = r.a;
  const format = r.b;
  const bits = (format & 63) + 1;
  const d = f.data;
  const p = f.base + idx;
  let hi = 0;
  let lo = 0;
  if (format & 0x80) {
    const bytes = (bits + 7) >> 3;
    if (idx + bytes <= f.len) {
      for (let k = 0; k < bytes; k++) {
        if (k < 4) lo |= d[p + k] << (8 * k);
        else hi |= d[p + k] << (8 * (k - 4));
      }
      lo >>>= 0;
      hi >>>= 0;
      const s = 8 * bytes - bits;
      if (s > 0) {
        lo = ((lo >>> s) | (hi << (32 - s))) >>> 0;
        hi = hi >>> s;
      }
    }
  } else if (idx + 8 <= f.len) {
    hi = ((d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3]) >>> 0;
    lo = ((d[p + 4] << 24) | (d[p + 5] << 16) | (d[p + 6] << 8) | d[p + 7]) >>> 0;
    if (bits <= 32) {
      hi = 0;
      if (bits < 32) lo = (lo & ((1 << bits) - 1)) >>> 0;
    } else if (bits < 64) {
      hi = (hi & ((1 << (bits - 32)) - 1)) >>> 0;
    }
  }
  const aboveStart = hi > r.c || (hi === r.c && lo >= r.d);
  const belowEnd = hi < r.e || (hi === r.e && lo <= r.f);
  return aboveStart && belowEnd ? 1 : 0;
}

const engine = new Engine();

function recordBase(out: FilterOutcome, result: number): void {
  out.baseResult = RESULT_NAMES[result];
  out.baseTee = engine.tee;
  out.baseTeeLength = engine.tee !== 0 ? engine.teeLength : 0;
  out.baseTeeWatch = engine.tee !== 0 ? engine.teeWatch : false;
  out.baseDest = engine.ztDest;
  out.baseQosBucket = engine.qos;
}

/**
 * Network::filterOutgoingPacket (§8.6): whether `frame` may be sent, plus the EXT_FRAME copies
 * to send. A REDIRECT yields verdict 'drop' and a copy to the new destination.
 */
export function filterOutgoing(ctx: FilterContext, frame: FilterFrame, out: FilterOutcome = new FilterOutcome()): FilterOutcome {
  out.reset();
  const e = engine;
  e.begin(ctx, frame, false);
  try {
    const cc = e.cc!;
    const base = e.run(cc.base);
    recordBase(out, base);
    const baseTee = e.tee;
    const baseTeeLength = e.teeLength;
    const baseTeeWatch = e.teeWatch;
    let finalDest = e.ztDest;
    let accepted = base === ACCEPT || base === SUPER_ACCEPT || base === REDIRECT;
    if (base === NO_MATCH) {
      const caps = cc.capabilities;
      for (let i = 0; i < caps.length; i++) {
        const c = e.run(caps[i].table);
        if (c === DROP || c === NO_MATCH) continue;
        accepted = true;
        finalDest = e.ztDest;
        out.capabilityId = caps[i].id;
        if (!ctx.noTee && e.tee !== 0) out.addCopy(e.tee, e.teeWatch ? EXT_FRAME_FLAG_WATCH_OUT : EXT_FRAME_FLAG_TEE_OUT, e.teeLength);
        break;
      }
    }
    out.qosBucket = e.qos;
    if (!accepted) return out;
    if (!ctx.noTee && baseTee !== 0) out.addCopy(baseTee, baseTeeWatch ? EXT_FRAME_FLAG_WATCH_OUT : EXT_FRAME_FLAG_TEE_OUT, baseTeeLength);
    if (finalDest !== frame.ztDest && finalDest !== 0) {
      out.addCopy(finalDest, EXT_FRAME_FLAG_REDIRECT_OUT, e.facts.len);
      return out;
    }
    out.verdict = 'accept';
    return out;
  } finally {
    e.end();
  }
}

/**
 * Network::filterIncomingPacket (§8.7): whether `frame` from `frame.ztSource` may be delivered
 * ('super-accept' also overrides bridging checks), plus the EXT_FRAME copies to send. A
 * REDIRECT yields 'drop' and a copy to the new destination.
 */
export function filterIncoming(ctx: FilterContext, frame: FilterFrame, out: FilterOutcome = new FilterOutcome()): FilterOutcome {
  out.reset();
  const e = engine;
  e.begin(ctx, frame, true);
  try {
    const cc = e.cc!;
    const base = e.run(cc.base);
    recordBase(out, base);
    const baseTee = e.tee;
    const baseTeeLength = e.teeLength;
    const baseTeeWatch = e.teeWatch;
    let finalDest = e.ztDest;
    let verdict = base === SUPER_ACCEPT ? 2 : base === ACCEPT || base === REDIRECT ? 1 : 0;
    if (base === NO_MATCH && ctx.peer !== undefined) {
      const caps = ctx.peer.capabilities;
      for (let i = 0; i < caps.length; i++) {
        const c = e.run(peerTable(ctx.config, cc, caps[i].rules));
        if (c === DROP || c === NO_MATCH) continue;
        verdict = c === SUPER_ACCEPT ? 2 : 1;
        finalDest = e.ztDest;
        out.capabilityId = caps[i].id;
        if (e.tee !== 0) out.addCopy(e.tee, e.teeWatch ? EXT_FRAME_FLAG_WATCH_IN : EXT_FRAME_FLAG_TEE_IN, e.teeLength);
        break;
      }
    }
    out.qosBucket = e.qos;
    if (verdict === 0) return out;
    if (baseTee !== 0) out.addCopy(baseTee, baseTeeWatch ? EXT_FRAME_FLAG_WATCH_IN : EXT_FRAME_FLAG_TEE_IN, baseTeeLength);
    if (finalDest !== frame.ztDest && finalDest !== 0) {
      out.addCopy(finalDest, EXT_FRAME_FLAG_REDIRECT_IN, e.facts.len);
      return out;
    }
    out.verdict = verdict === 2 ? 'super-accept' : 'accept';
    return out;
  } finally {
    e.end();
  }
}
