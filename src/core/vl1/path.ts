/**
 * One physical path to a peer: (local socket, remote IP:port) plus the timers that say whether
 * it is alive, needs a keepalive, or has expired, and the quality used to choose among a peer's
 * paths (spec vl1.md 11.2). Pure bookkeeping: it never sends anything.
 *
 * Each peer owns its own Path objects (the reference shares them in a global table; per-peer
 * copies cost a few dozen bytes and need no reference counting).
 */
import type { LocalSocket } from '../host.js';
import { type InetAddress, IpScope, inetAddressEquals, inetAddressIpEquals, ipScope } from './inet-address.js';
import {
  TZ_DEAD_PATH_PROBE_INTERVAL,
  TZ_PATH_PROBE_AFTER_SILENCE,
  TZ_PATH_PROBE_ANSWER_TIMEOUT,
  ZT_PATH_ALIVE_TIMEOUT,
  ZT_PATH_HEARTBEAT_PERIOD,
  ZT_PEER_PATH_EXPIRATION,
} from './constants.js';

/** "Never happened" for timestamps, so a clock that starts at 0 (simulations) behaves like a real one. */
export const NEVER = -Infinity;
/** Latency value meaning "not measured yet" (the reference's initial 0xffff). */
export const LATENCY_UNKNOWN = 0xffff;
/** Quality age cap: a path silent longer than this is no worse than one silent this long. */
const QUALITY_MAX_AGE = 140_000;

export class Path {
  readonly scope: IpScope;
  lastSend = NEVER;
  lastReceive = NEVER;
  latency = LATENCY_UNKNOWN;
  /** Raised only by legacy cluster redirects (PUSH_DIRECT_PATHS flag 0x02). */
  priority = 1;
  /** Last trust-established (VL2 frame from a certified member) packet seen on this path. */
  lastTrustEstablishedReceive = NEVER;
  /** Last OK(ECHO) we sent back over this path (ECHO reply rate limit, spec 9.7). */
  lastEchoReply = NEVER;
  /** Last probe (a HELLO or ECHO, which the peer answers) sent on this path. */
  lastProbe = NEVER;
  /** First probe sent since the last receive: how long the path has left a question unanswered. */
  unansweredProbeSince = NEVER;

  constructor(
    readonly localSocket: LocalSocket,
    readonly address: InetAddress,
  ) {
    this.scope = ipScope(address);
  }

  /** Same socket and exactly the same remote IP and port. */
  is(localSocket: LocalSocket, address: InetAddress): boolean {
    return this.localSocket === localSocket && inetAddressEquals(this.address, address);
  }

  /** Same socket and same remote IP, any port. */
  sameIp(localSocket: LocalSocket, address: InetAddress): boolean {
    return this.localSocket === localSocket && inetAddressIpEquals(this.address, address);
  }

  received(now: number): void {
    this.lastReceive = now;
    this.unansweredProbeSince = NEVER;
  }

  sent(now: number): void {
    this.lastSend = now;
  }

  /** A packet the peer answers (HELLO, ECHO) went out on this path. */
  probed(now: number): void {
    this.lastSend = now;
    this.lastProbe = now;
    if (this.unansweredProbeSince === NEVER) this.unansweredProbeSince = now;
  }

  /**
   * Traffic on this path should carry a probe: nothing received for a heartbeat period (so the
   * peer's own traffic is not answering for us) and no probe in the last 2 s.
   */
  wantsProbe(now: number): boolean {
    return now - this.lastReceive >= TZ_PATH_PROBE_AFTER_SILENCE && now - this.lastProbe >= TZ_DEAD_PATH_PROBE_INTERVAL;
  }

  /**
   * Silently dead, as far as we can tell (TierZero's fallback rule, see constants.ts): not alive,
   * and a probe sent on it since its last receive has gone unanswered for 3 s. A path that was
   * merely idle is never dead: it has no unanswered probe until traffic resumes and asks.
   */
  dead(now: number): boolean {
    return !this.alive(now) && this.unansweredProbeSince !== NEVER && now - this.unansweredProbeSince >= TZ_PATH_PROBE_ANSWER_TIMEOUT;
  }

  /** Something was received on it recently enough to believe it works. */
  alive(now: number): boolean {
    return now - this.lastReceive < ZT_PATH_ALIVE_TIMEOUT;
  }

  /** Nothing was sent on it for a heartbeat period: a keepalive is due. */
  needsHeartbeat(now: number): boolean {
    return now - this.lastSend >= ZT_PATH_HEARTBEAT_PERIOD;
  }

  /** No authenticated packet came through it for 243 s: the peer forgets it. */
  expired(now: number): boolean {
    return now - this.lastReceive >= ZT_PEER_PATH_EXPIRATION;
  }

  /** Smoothed round-trip time from OK(HELLO): the first sample is taken as is. */
  updateLatency(sample: number): void {
    const l = Math.max(0, Math.min(LATENCY_UNKNOWN - 1, Math.round(sample)));
    this.latency = this.latency === LATENCY_UNKNOWN ? l : (this.latency + l) >> 1;
  }

  /**
   * Lower is better. Latency weighted by scope (private x1 ... pseudo-private x5), with a large
   * penalty once the path is no longer alive, growing with silence up to 140 s.
   */
  quality(now: number): number {
    const age = Math.min(now - this.lastReceive, QUALITY_MAX_AGE);
    const base = age < ZT_PATH_ALIVE_TIMEOUT ? this.latency : this.latency + LATENCY_UNKNOWN + age;
    return base * (8 - this.scope);
  }
}
