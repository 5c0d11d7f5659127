/**
 * What the engine did, for metrics and tests: datagrams and bytes in and out, packets per verb,
 * relayed packets, and every drop by its named reason. Plain numbers, incremented in place.
 */
import type { DropReason } from '../errors.js';
import { verbName } from './packet.js';

const VERB_NAMES: string[] = Array.from({ length: 32 }, (_, v) => verbName(v));

export class NodeCounters {
  datagramsIn = 0;
  bytesIn = 0;
  datagramsOut = 0;
  bytesOut = 0;
  /** Packets and fragments forwarded for others. */
  relayed = 0;
  /** Authenticated packets received, by verb name (unknown verbs as UNKNOWN_0x..). */
  readonly verbsIn: Record<string, number> = {};
  /** Packets sent (not datagrams: a fragmented packet counts once), by verb name. */
  readonly verbsOut: Record<string, number> = {};
  /** Bytes of those packets (as received after decompression / as sent before armoring), by verb name. */
  readonly verbBytesIn: Record<string, number> = {};
  readonly verbBytesOut: Record<string, number> = {};
  readonly drops: Partial<Record<DropReason, number>> = {};

  drop(reason: DropReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  verbIn(verb: number, bytes = 0): void {
    const n = VERB_NAMES[verb & 0x1f];
    this.verbsIn[n] = (this.verbsIn[n] ?? 0) + 1;
    this.verbBytesIn[n] = (this.verbBytesIn[n] ?? 0) + bytes;
  }

  verbOut(verb: number, bytes = 0): void {
    const n = VERB_NAMES[verb & 0x1f];
    this.verbsOut[n] = (this.verbsOut[n] ?? 0) + 1;
    this.verbBytesOut[n] = (this.verbBytesOut[n] ?? 0) + bytes;
  }

  get totalDrops(): number {
    let n = 0;
    for (const v of Object.values(this.drops)) n += v ?? 0;
    return n;
  }
}
