/**
 * A small cache of recently accepted packet IDs. VL1 1.x has no replay protection (spec vl1.md
 * 13): IDs are random nonces. The spec allows a recent-ID cache as long as it never rejects
 * legitimate traffic; with random 64-bit IDs a false match is negligible, so a packet whose ID
 * was accepted within the last `capacity` packets is a replay (or a network duplicate) and is
 * dropped before it can change state a second time.
 *
 * Keys fold the 64-bit ID into 53 bits (a JS number) so lookups allocate nothing. Memory is a
 * fixed ring plus a Set of the same size: the oldest ID is forgotten when a new one arrives.
 */
import { readU32 } from './bytes.js';

export class ReplayFilter {
  private readonly ring: Float64Array;
  private readonly seen = new Set<number>();
  private at = 0;

  constructor(readonly capacity = 8192) {
    this.ring = new Float64Array(capacity).fill(-1);
  }

  private static key(idBytes: Uint8Array, offset: number): number {
    return readU32(idBytes, offset) * 0x200000 + (readU32(idBytes, offset + 4) & 0x1fffff);
  }

  /** True if the ID was seen recently; otherwise records it and returns false. */
  checkAndRecord(idBytes: Uint8Array, offset = 0): boolean {
    const k = ReplayFilter.key(idBytes, offset);
    if (this.seen.has(k)) return true;
    const old = this.ring[this.at];
    if (old >= 0) this.seen.delete(old);
    this.ring[this.at] = k;
    this.at = (this.at + 1) % this.capacity;
    this.seen.add(k);
    return false;
  }
}
