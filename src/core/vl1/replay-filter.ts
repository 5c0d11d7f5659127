/**
 * A small cache of recently accepted packet IDs. VL1 1.x has no replay protection (spec vl1.md
 * 13): IDs are random nonces. The spec allows a recent-ID cache as long as it never rejects
 * legitimate traffic; with random 64-bit IDs a false match is negligible, so a packet whose ID
 * was accepted within the last `capacity` packets is a replay (or a network duplicate) and is
 * dropped before it can change state a second time.
 *
 * The key is the ID *and the path it arrived on*: ZeroTier sends the same packet (same ID, same
 * bytes) from every bound socket when it has no path yet (HELLO to roots, for one), and every
 * copy must be answered so each local socket learns its own path; the interop trial showed a
 * node whose primary port was firewalled never coming online when copies were dropped. A
 * replay over the same path is still caught.
 *
 * Keys fold the 64-bit ID and a 32-bit path hash into 53 bits (a JS number) so lookups allocate
 * nothing. Memory is a fixed ring plus a Set of the same size: the oldest key is forgotten when
 * a new one arrives.
 */
import type { LocalSocket } from '../host.js';
import { readU32 } from './bytes.js';
import type { InetAddress } from './inet-address.js';

/** FNV-1a over the local socket, remote IP and port: which path a packet came through. */
export function pathHash(localSocket: LocalSocket, from: InetAddress): number {
  let h = 0x811c9dc5;
  const mix = (b: number) => {
    h ^= b & 0xff;
    h = Math.imul(h, 0x01000193);
  };
  mix(localSocket);
  mix(localSocket >>> 8);
  for (let i = 0; i < from.ip.length; i++) mix(from.ip[i]);
  mix(from.port >>> 8);
  mix(from.port);
  return h >>> 0;
}

export class ReplayFilter {
  private readonly ring: Float64Array;
  private readonly seen = new Set<number>();
  private at = 0;

  constructor(readonly capacity = 8192) {
    this.ring = new Float64Array(capacity).fill(-1);
  }

  private static key(idBytes: Uint8Array, offset: number, path: number): number {
    return ((readU32(idBytes, offset) ^ path) >>> 0) * 0x200000 + (readU32(idBytes, offset + 4) & 0x1fffff);
  }

  /** True if this ID was seen recently over the same path; otherwise records it and returns false. */
  checkAndRecord(idBytes: Uint8Array, path: number, offset = 0): boolean {
    const k = ReplayFilter.key(idBytes, offset, path);
    if (this.seen.has(k)) return true;
    const old = this.ring[this.at];
    if (old >= 0) this.seen.delete(old);
    this.ring[this.at] = k;
    this.at = (this.at + 1) % this.capacity;
    this.seen.add(k);
    return false;
  }
}
