/**
 * A peer: another node's identity, the key we share with it, the versions it announced, up to
 * 64 physical paths, and the timers that drive keepalives and rate limits (spec vl1.md 11).
 *
 * Pure state and decisions: methods here say what should happen (learn a path, confirm it with
 * a HELLO, which paths to ping); the switch and the incoming handlers do the sending.
 */
import type { LocalSocket } from '../host.js';
import type { Address } from './address.js';
import type { Identity } from './identity.js';
import type { InetAddress } from './inet-address.js';
import type { PeerKey } from './peer-key.js';
import { Path, LATENCY_UNKNOWN, NEVER } from './path.js';
import { IntervalGate, PushDirectPathsGate } from './rate-gates.js';
import {
  ZT_MAX_PEER_NETWORK_PATHS,
  ZT_PEER_ACTIVITY_TIMEOUT,
  ZT_PEER_PING_PERIOD,
  ZT_PEER_WHOIS_RATE_LIMIT,
  ZT_PROTO_CIPHER_SUITE__AES_GMAC_SIV,
  ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012,
  ZT_TRUST_EXPIRATION,
} from './constants.js';

/** Protocol version that introduced AES-GMAC-SIV (suite 3). */
const PROTO_VERSION_AES = 12;
/** Protocol version that introduced ECHO. */
const PROTO_VERSION_ECHO = 5;

/** What `learn` found about the path a packet arrived on (spec 11.2). */
export type LearnOutcome =
  /** hops > 0: no path involved. */
  | 'relayed'
  /** A path we had; refreshed. */
  | 'known'
  /** An alive path to the same IP (other port) exists on this socket: not learned, to avoid loops. */
  | 'ignored'
  /** A new address: the caller checks it is usable, then adds it (an OK) or confirms it (HELLO). */
  | 'new';

export class Peer {
  readonly address: Address;
  readonly key: PeerKey;
  /** 0 until the peer tells us in HELLO or OK(HELLO). */
  protocolVersion = 0;
  versionMajor = -1;
  versionMinor = -1;
  versionRevision = -1;
  readonly paths: Path[] = [];
  /** Last authenticated packet from it, by any route. */
  lastReceive = NEVER;
  lastSentFullHello = NEVER;
  /** Last "non-trivial" (VL2 frame-class) packet: makes the peer active (spec 11.7). */
  lastNonTrivialReceive = NEVER;
  /** Last VL2 frame from a certified network member (spec 9.8, 11.5). */
  lastTrustEstablishedReceive = NEVER;
  lastDirectPathPushSent = NEVER;
  readonly whoisReplyGate = new IntervalGate(ZT_PEER_WHOIS_RATE_LIMIT);
  readonly pushDirectPathsGate = new PushDirectPathsGate();

  constructor(
    readonly identity: Identity,
    key: PeerKey,
  ) {
    this.address = identity.address;
    this.key = key;
  }

  /** Suite for everything but HELLO (spec 7.1): AES-GMAC-SIV once it announced protocol >= 12. */
  get cipherSuite(): 1 | 3 {
    return this.protocolVersion >= PROTO_VERSION_AES ? ZT_PROTO_CIPHER_SUITE__AES_GMAC_SIV : ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012;
  }

  /** Keepalives and probes are ECHO for peers that know it (not 1.1.0, which broke it). */
  get prefersEcho(): boolean {
    const is110 = this.versionMajor === 1 && this.versionMinor === 1 && this.versionRevision === 0;
    return this.protocolVersion >= PROTO_VERSION_ECHO && !is110;
  }

  setVersions(protocol: number, major: number, minor: number, revision: number): void {
    this.protocolVersion = protocol;
    this.versionMajor = major;
    this.versionMinor = minor;
    this.versionRevision = revision;
  }

  isFullHelloDue(now: number): boolean {
    return now - this.lastSentFullHello >= ZT_PEER_PING_PERIOD;
  }

  /** Received a VL2 frame-class packet recently (VL2 calls markActive). */
  isActive(now: number): boolean {
    return now - this.lastNonTrivialReceive < ZT_PEER_ACTIVITY_TIMEOUT;
  }

  /** Anything at all from it within the activity timeout (root liveness, eviction). */
  isAlive(now: number): boolean {
    return now - this.lastReceive < ZT_PEER_ACTIVITY_TIMEOUT;
  }

  markActive(now: number): void {
    this.lastNonTrivialReceive = now;
  }

  /** Called by VL2 when a frame from a certified member of a shared network arrives. */
  markTrustEstablished(now: number, path?: Path): void {
    this.lastTrustEstablishedReceive = now;
    if (path) path.lastTrustEstablishedReceive = now;
  }

  isTrustEstablished(now: number): boolean {
    return now - this.lastTrustEstablishedReceive < ZT_TRUST_EXPIRATION;
  }

  findPath(localSocket: LocalSocket, address: InetAddress): Path | undefined {
    for (const p of this.paths) if (p.is(localSocket, address)) return p;
    return undefined;
  }

  /** Path learning for an authenticated packet (spec 11.2): what do we know of its arrival path? */
  learn(now: number, localSocket: LocalSocket, from: InetAddress, hops: number): LearnOutcome {
    this.lastReceive = now;
    if (hops > 0) return 'relayed';
    const existing = this.findPath(localSocket, from);
    if (existing) {
      existing.received(now);
      return 'known';
    }
    for (const p of this.paths) if (p.sameIp(localSocket, from) && p.alive(now)) return 'ignored';
    return 'new';
  }

  /**
   * Adds a path (into a free slot, else over a dead path to the same IP and socket, else over the
   * path silent the longest) and returns it.
   */
  addPath(now: number, localSocket: LocalSocket, address: InetAddress): Path {
    const existing = this.findPath(localSocket, address);
    if (existing) return existing;
    const path = new Path(localSocket, { family: address.family, ip: address.ip.slice(), port: address.port });
    if (this.paths.length < ZT_MAX_PEER_NETWORK_PATHS) {
      this.paths.push(path);
      return path;
    }
    let victim = -1;
    for (let i = 0; i < this.paths.length; i++) {
      const p = this.paths[i];
      if (p.sameIp(localSocket, address) && !p.alive(now)) {
        victim = i;
        break;
      }
    }
    if (victim < 0) {
      victim = 0;
      for (let i = 1; i < this.paths.length; i++) if (this.paths[i].lastReceive < this.paths[victim].lastReceive) victim = i;
    }
    this.paths[victim] = path;
    return path;
  }

  /**
   * The preferred direct path: among non-expired paths, the lowest quality/priority; ties go to
   * the later slot (spec 11.2). `allowed` lets the caller veto paths (root endpoint rule).
   */
  bestPath(now: number, allowed?: (p: Path) => boolean): Path | undefined {
    let best: Path | undefined;
    let bestScore = Infinity;
    for (const p of this.paths) {
      if (p.expired(now) || (allowed && !allowed(p))) continue;
      const score = p.quality(now) / p.priority;
      if (score <= bestScore) {
        best = p;
        bestScore = score;
      }
    }
    return best;
  }

  /** Any path at all, even expired (last resort when neither a direct path nor a relay exists). */
  anyPath(): Path | undefined {
    let best: Path | undefined;
    for (const p of this.paths) if (!best || p.lastReceive >= best.lastReceive) best = p;
    return best;
  }

  /** True if some non-expired path exists to exactly this IP and port (any socket). */
  hasActivePathTo(now: number, address: InetAddress): boolean {
    for (const p of this.paths) if (!p.expired(now) && p.address.port === address.port && p.sameIp(p.localSocket, address)) return true;
    return false;
  }

  /** Drops expired paths; returns the survivors. */
  removeExpiredPaths(now: number): Path[] {
    let w = 0;
    for (let r = 0; r < this.paths.length; r++) {
      const p = this.paths[r];
      if (!p.expired(now)) this.paths[w++] = p;
    }
    this.paths.length = w;
    return this.paths;
  }

  /** Latency of the best path, or -1 if unknown. */
  latency(now: number): number {
    const p = this.bestPath(now);
    return p && p.latency !== LATENCY_UNKNOWN ? p.latency : -1;
  }

  /**
   * Root relay quality (spec 10.7): infinite if silent 500 s, else the best path's latency (65535
   * if unknown) times one more than the number of whole 61 s periods since we last heard from it.
   */
  relayQuality(now: number): number {
    const since = now - this.lastReceive;
    if (since >= ZT_PEER_ACTIVITY_TIMEOUT) return Infinity;
    const p = this.bestPath(now);
    const latency = p && p.latency !== LATENCY_UNKNOWN && p.latency !== 0 ? p.latency : LATENCY_UNKNOWN;
    return latency * (Math.floor(since / 61_000) + 1);
  }
}
