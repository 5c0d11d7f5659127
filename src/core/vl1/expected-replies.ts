/**
 * OK gating (spec vl1.md 5.4): we accept an OK only if it quotes a packet ID we sent recently.
 * Like the reference we remember the upper 32 bits of the ID as it went on the wire (after armor:
 * suite 3 rewrites it) in 256 buckets (by ID byte 3) of 32 slots, overwritten round-robin, so
 * 8,192 outstanding requests are remembered and memory is fixed.
 *
 * Unlike the reference, unused slots never match: an all-zero quoted ID is not "expected".
 */
import { readU32 } from './bytes.js';

const BUCKETS = 256;
const SLOTS = 32;

export class ExpectedReplies {
  private readonly ids = new Uint32Array(BUCKETS * SLOTS);
  /** Per bucket: slots filled so far (saturates at 32) and the next slot to overwrite. */
  private readonly filled = new Uint8Array(BUCKETS);
  private readonly next = new Uint8Array(BUCKETS);

  /** Remembers a request by its 8 wire packet-ID bytes (at `offset`). */
  expect(packetIdBytes: Uint8Array, offset = 0): void {
    const id = readU32(packetIdBytes, offset);
    const bucket = packetIdBytes[offset + 3];
    const slot = this.next[bucket];
    this.ids[bucket * SLOTS + slot] = id;
    this.next[bucket] = (slot + 1) % SLOTS;
    if (this.filled[bucket] < SLOTS) this.filled[bucket]++;
  }

  /** True if an OK quoting these packet-ID bytes answers something we sent. */
  isExpected(inRePacketIdBytes: Uint8Array, offset = 0): boolean {
    const id = readU32(inRePacketIdBytes, offset);
    const bucket = inRePacketIdBytes[offset + 3];
    const base = bucket * SLOTS;
    const n = this.filled[bucket];
    for (let i = 0; i < n; i++) if (this.ids[base + i] === id) return true;
    return false;
  }
}
