/**
 * The rate limits of spec vl1.md 13, as small gates. A gate answers "may I do this now?" and,
 * when it says yes, records that it happened. All state is bounded:
 *  - IntervalGate: one timestamp (per peer / per path limits live on those objects);
 *  - KeyedIntervalGate: a Map bounded in size; the entry touched longest ago is evicted first,
 *    and an evicted entry can only make the gate more permissive for that key, never stricter;
 *  - IdentityVerificationGate: a fixed table of 16,384 slots, like the reference.
 */
import type { InetAddress } from './inet-address.js';
import {
  ZT_IDENTITY_VALIDATION_SOURCE_RATE_LIMIT,
  ZT_PUSH_DIRECT_PATHS_CUTOFF_LIMIT,
  ZT_PUSH_DIRECT_PATHS_CUTOFF_TIME,
} from './constants.js';

/** At most one event per `interval` ms. */
export class IntervalGate {
  private last = -Infinity;
  constructor(readonly interval: number) {}

  allow(now: number): boolean {
    if (now - this.last < this.interval) return false;
    this.last = now;
    return true;
  }

  /** When the gate opens again (absolute ms). */
  get nextAllowed(): number {
    return this.last + this.interval;
  }
}

/** At most one event per `interval` ms per key, for at most `maxKeys` keys at once. */
export class KeyedIntervalGate<K> {
  private readonly last = new Map<K, number>();

  constructor(
    readonly interval: number,
    readonly maxKeys = 4096,
  ) {}

  /** True without recording: would `allow` say yes? */
  wouldAllow(now: number, key: K): boolean {
    const t = this.last.get(key);
    return t === undefined || now - t >= this.interval;
  }

  allow(now: number, key: K): boolean {
    const t = this.last.get(key);
    if (t !== undefined) {
      if (now - t < this.interval) return false;
      this.last.delete(key); // re-insert so Map order stays "least recently allowed first"
    } else if (this.last.size >= this.maxKeys) {
      this.evictOne();
    }
    this.last.set(key, now);
    return true;
  }

  /** Forgets entries that no longer restrict anything. */
  clean(now: number): void {
    for (const [k, t] of this.last) {
      if (now - t < this.interval) break; // Map order is oldest first
      this.last.delete(k);
    }
  }

  get size(): number {
    return this.last.size;
  }

  private evictOne(): void {
    for (const k of this.last.keys()) {
      this.last.delete(k);
      return;
    }
  }
}

/**
 * Inbound PUSH_DIRECT_PATHS limit (spec 9.8): a push arriving within 30 s of the previous one
 * increments a counter (else it resets to 0); pushes are processed while the counter is < 8.
 */
export class PushDirectPathsGate {
  private lastPush = -Infinity;
  private count = 0;

  allow(now: number): boolean {
    if (now - this.lastPush < ZT_PUSH_DIRECT_PATHS_CUTOFF_TIME) this.count++;
    else this.count = 0;
    this.lastPush = now;
    return this.count < ZT_PUSH_DIRECT_PATHS_CUTOFF_LIMIT;
  }
}

const IDENTITY_GATE_SLOTS = 16_384;

/**
 * New-identity verification limit (spec 9.2 step 3): one memory-hard validation per source
 * "IP prefix" (IPv4 /24, IPv6 first 48 bits) per 2,000 ms, prefixes hashed into 16,384 slots.
 */
export class IdentityVerificationGate {
  private readonly last = new Float64Array(IDENTITY_GATE_SLOTS).fill(-Infinity);

  constructor(readonly interval = ZT_IDENTITY_VALIDATION_SOURCE_RATE_LIMIT) {}

  static slot(from: InetAddress): number {
    const ip = from.ip;
    let h = from.family === 4 ? 0x811c9dc5 : 0x01000193;
    const n = from.family === 4 ? 3 : 6;
    for (let i = 0; i < n && i < ip.length; i++) h = Math.imul(h ^ ip[i], 0x01000193);
    return (h >>> 0) % IDENTITY_GATE_SLOTS;
  }

  allow(now: number, from: InetAddress): boolean {
    const s = IdentityVerificationGate.slot(from);
    if (now - this.last[s] < this.interval) return false;
    this.last[s] = now;
    return true;
  }
}
