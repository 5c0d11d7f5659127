/**
 * Inputs and outputs of the flow-rules filter (spec vl2.md §8.2, §8.6–8.8), shared by the fast
 * evaluator (filter.ts) and the slow reference (reference.ts) so the two can be compared on
 * identical inputs.
 *
 * Everything the filter needs from the membership machinery comes through two small read-only
 * views (the local config, the remote member's credentials); time validity and revocation are
 * the provider's business — the filter treats whatever it is given as valid.
 */
import type { Address } from '../../vl1/address.js';
import type { MAC } from '../mac.js';
import type { NetworkId } from '../network-id.js';
import type { Rule } from '../rules-codec.js';

/** "Does this certificate-of-ownership set cover that address?" (spec §6.4 `owns`). */
export interface AddressOwnership {
  /** Whether the `length` (4 or 16) address bytes at `bytes[offset]` are owned. */
  ownsIp(bytes: Uint8Array, offset: number, length: 4 | 16): boolean;
  ownsMac(mac: MAC): boolean;
}

/** A capability as the filter sees it: its id and its rule table. */
export interface FilterCapability {
  readonly id: number;
  readonly rules: readonly Rule[];
}

/**
 * The remote member's record (spec §6.6) reduced to what the rules look at. Only time-valid,
 * unrevoked credentials belong here.
 */
export interface PeerCredentialsView {
  /** Its tags by id (id → value, u32); undefined or missing ids mean "not known". */
  readonly tags: ReadonlyMap<number, number> | undefined;
  /** The capabilities it presented, in evaluation order (ascending id). Used on inbound only. */
  readonly capabilities: readonly FilterCapability[];
  /** What its certificates of ownership cover; undefined = none. */
  readonly ownership: AddressOwnership | undefined;
}

/** The local network config, reduced to what the rules look at. Treat it as immutable: the fast
 *  evaluator caches a compiled form per object. */
export interface NetworkFilterConfig {
  readonly networkId: NetworkId;
  /** This node's address (the config's issuedTo). */
  readonly self: Address;
  /** The config's `f` flags: 0x04 NDP emulation, 0x08 result of unsupported matches. */
  readonly flags: bigint;
  readonly rules: readonly Rule[];
  /** Our own capabilities, in ascending id order (evaluated on outbound NO_MATCH). */
  readonly capabilities: readonly FilterCapability[];
  /** Our own tags (id → value, u32). */
  readonly tags: ReadonlyMap<number, number>;
  /** What our own certificates of ownership cover (checked without a time window). */
  readonly ownership: AddressOwnership;
  /** The address part (4 or 16 bytes) of each of our static IPs. */
  readonly staticIps: readonly Uint8Array[];
}

/** One filter invocation's surroundings. */
export interface FilterContext {
  readonly config: NetworkFilterConfig;
  /**
   * The remote member's record. Inbound: the sender's (undefined behaves as a fresh, empty
   * record, which is what the reference creates). Outbound: the destination's if one exists,
   * else undefined.
   */
  readonly peer: PeerCredentialsView | undefined;
  /** Uniform u32 source for MATCH_RANDOM (randomness comes from the host). */
  readonly random: () => number;
  /** Outbound only: suppress TEE/WATCH copies (per-recipient passes of multicast and bridging). */
  readonly noTee?: boolean;
}

/** The frame under inspection. `data[offset, offset + length)` is the Ethernet payload. */
export interface FilterFrame {
  readonly ztSource: Address;
  /** 0 = none (first pass of a multicast, or a bridged destination). */
  readonly ztDest: Address;
  readonly macSource: MAC;
  readonly macDest: MAC;
  readonly etherType: number;
  readonly data: Uint8Array;
  readonly offset: number;
  readonly length: number;
}

/** Result of one rule table (the reference's _doZtFilter). */
export type RuleTableResult = 'NO_MATCH' | 'DROP' | 'REDIRECT' | 'ACCEPT' | 'SUPER_ACCEPT';

/** Final verdict: outbound is drop/accept; inbound may also be super-accept (§8.7). */
export type FilterVerdict = 'drop' | 'accept' | 'super-accept';

/** An EXT_FRAME the filter wants sent: the first `length` bytes of the frame, to `dest`. */
export interface FilterCopy {
  readonly dest: Address;
  /** EXT_FRAME flags (§8.8): 0x02 tee, 0x16 watch, 0x04 redirect outbound; 0x08, 0x1c, 0x0a inbound. */
  readonly flags: number;
  readonly length: number;
}

export const EXT_FRAME_FLAG_TEE_OUT = 0x02;
export const EXT_FRAME_FLAG_WATCH_OUT = 0x16;
export const EXT_FRAME_FLAG_REDIRECT_OUT = 0x04;
export const EXT_FRAME_FLAG_TEE_IN = 0x08;
export const EXT_FRAME_FLAG_WATCH_IN = 0x1c;
export const EXT_FRAME_FLAG_REDIRECT_IN = 0x0a;

/** Config flag bits the rules engine reads. */
export const NETCONF_FLAG_NDP_EMULATION = 0x04n;
export const NETCONF_FLAG_UNSUPPORTED_MATCH_RESULT = 0x08n;

const NO_COPIES: readonly FilterCopy[] = Object.freeze([]);

/**
 * What a filter call decided. The fast evaluator refills one instance per call (pass it in to
 * avoid allocation); `copies` is a fresh array only when there are copies.
 */
export class FilterOutcome {
  verdict: FilterVerdict = 'drop';
  /** EXT_FRAMEs to send, in the reference's order: capability TEE, base TEE, redirect. */
  copies: readonly FilterCopy[] = NO_COPIES;
  /** QoS bucket chosen by a PRIORITY action, or -1 when none was taken. */
  qosBucket = -1;
  /** Id of the capability that accepted, or -1. */
  capabilityId = -1;
  /** The base rule table's own result and side outputs (for traces and tests). */
  baseResult: RuleTableResult = 'NO_MATCH';
  /** Base TEE/WATCH target, 0 = none. */
  baseTee: Address = 0;
  baseTeeLength = 0;
  baseTeeWatch = false;
  /** Destination after the base table (differs from the frame's only after REDIRECT). */
  baseDest: Address = 0;
  /** Bucket set by the base table, -1 = none. */
  baseQosBucket = -1;

  reset(): void {
    this.verdict = 'drop';
    this.copies = NO_COPIES;
    this.qosBucket = -1;
    this.capabilityId = -1;
    this.baseResult = 'NO_MATCH';
    this.baseTee = 0;
    this.baseTeeLength = 0;
    this.baseTeeWatch = false;
    this.baseDest = 0;
    this.baseQosBucket = -1;
  }

  addCopy(dest: Address, flags: number, length: number): void {
    const c: FilterCopy = { dest, flags, length };
    this.copies = this.copies.length === 0 ? [c] : [...this.copies, c];
  }
}

/** The usable payload length: `length` clipped to the buffer (both evaluators use this). */
export function frameLength(frame: FilterFrame): number {
  const { data, offset, length } = frame;
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length <= 0) return 0;
  const room = data.length - offset;
  return length < room ? length : room > 0 ? room : 0;
}
