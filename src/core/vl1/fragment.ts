/**
 * Fragmentation of armored packets into UDP datagrams and their reassembly (spec vl1.md 6).
 *
 * Sending: the fragmented flag is covered by the MAC, so the sender asks `needsFragmentation`
 * and calls `markFragmented` BEFORE armor, then `fragmentPacket` splits the armored packet.
 *
 * Receiving: `Reassembler` collects the head (a packet with the fragmented flag) and fragments
 * 1..6 of each packet and returns the whole packet once every piece is there. It is bounded in
 * entries (oldest evicted), in bytes per entry (10,024) and in time (partial packets expire);
 * every discarded datagram or entry is counted in `drops` by reason.
 *
 * Entries are keyed by (sourceKey, packet ID), where sourceKey is an opaque string the caller
 * derives from the datagram's remote IP/port. The reference keys by packet ID alone, which lets
 * anyone who sees a packet ID (an on-path observer) spoil that packet from any address by sending
 * a forged fragment first: the genuine one is then ignored as a duplicate. Keying by source too
 * forces such an attacker to also spoof the source address, and keeps unrelated senders from
 * colliding. The cost is that a packet whose pieces arrive from different remote addresses is
 * never reassembled; senders (and relays, which forward each piece over the same best path) do
 * not split a packet across paths, so this does not happen in practice. Pass '' to get the
 * reference's behaviour.
 */
import { DecodeError, fail, ok, type DropReason, type Result } from '../errors.js';
import { readU32, readU40, writeU40 } from './bytes.js';
import {
  TZ_REASSEMBLY_MAX_ENTRIES,
  TZ_REASSEMBLY_TIMEOUT,
  ZT_MAX_PACKET_FRAGMENTS,
  ZT_PACKET_FRAGMENT_IDX_FRAGMENT_NO,
  ZT_PACKET_FRAGMENT_IDX_HOPS,
  ZT_PACKET_FRAGMENT_IDX_INDICATOR,
  ZT_PACKET_FRAGMENT_IDX_PAYLOAD,
  ZT_PACKET_FRAGMENT_INDICATOR,
  ZT_PACKET_IDX_DEST,
  ZT_PACKET_IDX_FLAGS,
  ZT_PACKET_IDX_IV,
  ZT_PROTO_FLAG_FRAGMENTED,
  ZT_PROTO_HOPS_MASK,
  ZT_PROTO_MAX_PACKET_LENGTH,
  ZT_PROTO_MIN_FRAGMENT_LENGTH,
  ZT_PROTO_MIN_PACKET_LENGTH,
} from './constants.js';

// ---- Sending ------------------------------------------------------------------------------

/** True if a packet of `length` bytes must be split to fit datagrams of `mtu` bytes. */
export function needsFragmentation(length: number, mtu: number): boolean {
  return length > mtu;
}

/** Sets the fragmented flag (byte 18, 0x40) in place. Call before armor: the MAC covers it. */
export function markFragmented(packet: Uint8Array): void {
  packet[ZT_PACKET_IDX_FLAGS] |= ZT_PROTO_FLAG_FRAGMENTED;
}

/** The largest packet that receivers can reassemble when sent at `mtu` (head + 6 fragments). */
export function maxPacketLengthForMtu(mtu: number): number {
  return Math.min(ZT_PROTO_MAX_PACKET_LENGTH, mtu + (ZT_MAX_PACKET_FRAGMENTS - 1) * (mtu - ZT_PROTO_MIN_FRAGMENT_LENGTH));
}

/** One fragment datagram: 16-byte header (spec 6.1) followed by `data`. */
export function buildFragment(packetId8: Uint8Array, dest: number, total: number, number: number, hopCount: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(ZT_PACKET_FRAGMENT_IDX_PAYLOAD + data.length);
  writeFragmentHeader(out, packetId8, dest, total, number, hopCount);
  out.set(data, ZT_PACKET_FRAGMENT_IDX_PAYLOAD);
  return out;
}

function writeFragmentHeader(out: Uint8Array, packetId8: Uint8Array, dest: number, total: number, number: number, hopCount: number): void {
  out.set(packetId8.subarray(0, 8), 0);
  writeU40(out, ZT_PACKET_IDX_DEST, dest);
  out[ZT_PACKET_FRAGMENT_IDX_INDICATOR] = ZT_PACKET_FRAGMENT_INDICATOR;
  out[ZT_PACKET_FRAGMENT_IDX_FRAGMENT_NO] = ((total & 0x0f) << 4) | (number & 0x0f);
  out[ZT_PACKET_FRAGMENT_IDX_HOPS] = hopCount & ZT_PROTO_HOPS_MASK;
}

/**
 * Splits an armored packet into the datagrams to send at `mtu` (spec 6.2): the packet itself if
 * it fits, else its first `mtu` bytes (a view, not a copy) then fragments 1..n of up to
 * `mtu - 16` bytes each. Throws if the caller broke the contract: the flag was not set before
 * armor, or the packet is too large for receivers at this MTU (see maxPacketLengthForMtu).
 */
export function fragmentPacket(armoredPacket: Uint8Array, mtu: number): Uint8Array[] {
  const size = armoredPacket.length;
  if (!Number.isInteger(mtu) || mtu < ZT_PROTO_MIN_PACKET_LENGTH) throw new RangeError(`MTU ${mtu} cannot carry a packet header`);
  if (!needsFragmentation(size, mtu)) return [armoredPacket];
  if ((armoredPacket[ZT_PACKET_IDX_FLAGS] & ZT_PROTO_FLAG_FRAGMENTED) === 0) {
    throw new Error('packet needs fragmentation but its fragmented flag was not set before armor');
  }
  const chunk = mtu - ZT_PROTO_MIN_FRAGMENT_LENGTH;
  const fragments = Math.ceil((size - mtu) / chunk);
  const total = fragments + 1;
  if (total > ZT_MAX_PACKET_FRAGMENTS) {
    throw new RangeError(`packet of ${size} bytes needs ${total} datagrams at MTU ${mtu}; receivers accept ${ZT_MAX_PACKET_FRAGMENTS}`);
  }
  const id = armoredPacket.subarray(ZT_PACKET_IDX_IV, ZT_PACKET_IDX_IV + 8);
  const dest = readU40(armoredPacket, ZT_PACKET_IDX_DEST);
  const out: Uint8Array[] = [armoredPacket.subarray(0, mtu)];
  for (let f = 1, at = mtu; f <= fragments; f++, at += chunk) {
    out.push(buildFragment(id, dest, total, f, 0, armoredPacket.subarray(at, Math.min(size, at + chunk))));
  }
  return out;
}

// ---- Fragment decoding --------------------------------------------------------------------

/** A decoded fragment datagram. `packetIdBytes` and `data` are views into the datagram. */
export interface FragmentView {
  packetIdBytes: Uint8Array;
  destination: number;
  /** Total pieces including the head, as written by the sender (0..15 on the wire). */
  total: number;
  /** This fragment's number (0..15 on the wire; 1..6 are valid for reassembly). */
  number: number;
  hops: number;
  data: Uint8Array;
}

/**
 * Structural decode of a fragment datagram: length (17..10,024) and the 0xff indicator. Range
 * checks of number and total belong to reassembly, so relays can forward what they do not keep.
 */
export function decodeFragment(datagram: Uint8Array): Result<FragmentView> {
  const n = datagram.length;
  if (n <= ZT_PROTO_MIN_FRAGMENT_LENGTH) return fail(new DecodeError('truncated', `fragment of ${n} bytes carries no data`));
  if (n > ZT_PROTO_MAX_PACKET_LENGTH) return fail(new DecodeError('oversized', `fragment of ${n} bytes exceeds ${ZT_PROTO_MAX_PACKET_LENGTH}`));
  if (datagram[ZT_PACKET_FRAGMENT_IDX_INDICATOR] !== ZT_PACKET_FRAGMENT_INDICATOR) {
    return fail(new DecodeError('bad_fragment', 'byte 13 is not the 0xff fragment indicator'));
  }
  const b = datagram[ZT_PACKET_FRAGMENT_IDX_FRAGMENT_NO];
  return ok({
    packetIdBytes: datagram.subarray(ZT_PACKET_IDX_IV, ZT_PACKET_IDX_IV + 8),
    destination: readU40(datagram, ZT_PACKET_IDX_DEST),
    total: b >>> 4,
    number: b & 0x0f,
    hops: datagram[ZT_PACKET_FRAGMENT_IDX_HOPS] & ZT_PROTO_HOPS_MASK,
    data: datagram.subarray(ZT_PACKET_FRAGMENT_IDX_PAYLOAD),
  });
}

/** Hop count of a fragment datagram (precondition: length >= 16). */
export function fragmentHops(datagram: Uint8Array): number {
  return datagram[ZT_PACKET_FRAGMENT_IDX_HOPS] & ZT_PROTO_HOPS_MASK;
}

/** Rewrites a fragment's hop count, for relaying; the upper bits are written as 0. */
export function setFragmentHops(datagram: Uint8Array, hopCount: number): void {
  datagram[ZT_PACKET_FRAGMENT_IDX_HOPS] = hopCount & ZT_PROTO_HOPS_MASK;
}

// ---- Reassembly ---------------------------------------------------------------------------

export type ReassemblyDropReason = Extract<
  DropReason,
  'truncated' | 'oversized' | 'bad_fragment' | 'too_many_fragments' | 'duplicate_fragment' | 'reassembly_expired' | 'reassembly_evicted'
>;

interface Entry {
  created: number;
  /** Piece 0 is the head, 1..6 the fragments' data; all copies owned by the entry. */
  pieces: (Uint8Array | undefined)[];
  /** Bit i set when piece i is present. */
  received: number;
  /** From the most recent fragment (spec 6.3); 0 until a fragment arrives. */
  total: number;
  bytes: number;
}

export interface ReassemblerOptions {
  maxEntries?: number;
  timeout?: number;
}

export class Reassembler {
  /** Datagrams (or, for expired/evicted/oversized, whole entries) discarded, by reason. */
  readonly drops: Record<ReassemblyDropReason, number> = {
    truncated: 0,
    oversized: 0,
    bad_fragment: 0,
    too_many_fragments: 0,
    duplicate_fragment: 0,
    reassembly_expired: 0,
    reassembly_evicted: 0,
  };
  readonly maxEntries: number;
  readonly timeout: number;
  // Map order is creation order, so the first entry is both the oldest and the next to expire.
  private readonly entries = new Map<string, Entry>();

  constructor(options: ReassemblerOptions = {}) {
    this.maxEntries = options.maxEntries ?? TZ_REASSEMBLY_MAX_ENTRIES;
    this.timeout = options.timeout ?? TZ_REASSEMBLY_TIMEOUT;
    if (!(this.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  /** Partial packets currently held. */
  get size(): number {
    return this.entries.size;
  }

  /** When the oldest partial packet expires, for the caller's timer; undefined if none. */
  nextDeadline(): number | undefined {
    for (const e of this.entries.values()) return e.created + this.timeout;
    return undefined;
  }

  /** Drops partial packets older than the timeout; returns how many. */
  expire(now: number): number {
    let expired = 0;
    for (const [key, e] of this.entries) {
      if (now - e.created < this.timeout) break;
      this.entries.delete(key);
      expired++;
    }
    this.drops.reassembly_expired += expired;
    return expired;
  }

  /**
   * Adds a packet head (a packet whose fragmented flag is set). Returns the whole packet if this
   * completed it. A packet without the flag is already whole and is returned as is.
   */
  addHead(now: number, packet: Uint8Array, sourceKey = ''): Uint8Array | undefined {
    if (packet.length < ZT_PROTO_MIN_PACKET_LENGTH) return this.drop('truncated');
    if (packet.length > ZT_PROTO_MAX_PACKET_LENGTH) return this.drop('oversized');
    if ((packet[ZT_PACKET_IDX_FLAGS] & ZT_PROTO_FLAG_FRAGMENTED) === 0) return packet;
    return this.addPiece(now, entryKey(sourceKey, packet), 0, 0, packet);
  }

  /** Adds fragment 1..6 (raw datagram or decoded view). Returns the whole packet if completed. */
  addFragment(now: number, fragment: Uint8Array | FragmentView, sourceKey = ''): Uint8Array | undefined {
    let view: FragmentView;
    if (fragment instanceof Uint8Array) {
      const r = decodeFragment(fragment);
      if (!r.ok) return this.drop(r.error.reason as ReassemblyDropReason);
      view = r.value;
    } else {
      view = fragment;
    }
    const { total, number } = view;
    if (total > ZT_MAX_PACKET_FRAGMENTS) return this.drop('too_many_fragments');
    if (total < 2 || number < 1 || number >= total) return this.drop('bad_fragment');
    return this.addPiece(now, entryKey(sourceKey, view.packetIdBytes), number, total, view.data);
  }

  private addPiece(now: number, key: string, index: number, total: number, bytes: Uint8Array): Uint8Array | undefined {
    this.expire(now);
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= this.maxEntries) this.evictOldest();
      e = { created: now, pieces: new Array(ZT_MAX_PACKET_FRAGMENTS), received: 0, total: 0, bytes: 0 };
      this.entries.set(key, e);
    }
    if ((e.received & (1 << index)) !== 0) return this.drop('duplicate_fragment');
    if (e.bytes + bytes.length > ZT_PROTO_MAX_PACKET_LENGTH) {
      this.entries.delete(key);
      return this.drop('oversized');
    }
    e.pieces[index] = bytes.slice();
    e.received |= 1 << index;
    e.bytes += bytes.length;
    if (total !== 0) e.total = total;

    if (e.total === 0) return undefined;
    const all = (1 << e.total) - 1;
    if ((e.received & all) !== all) return undefined;
    this.entries.delete(key);
    return assemble(e);
  }

  private evictOldest(): void {
    for (const key of this.entries.keys()) {
      this.entries.delete(key);
      this.drops.reassembly_evicted++;
      return;
    }
  }

  private drop(reason: ReassemblyDropReason): undefined {
    this.drops[reason]++;
    return undefined;
  }
}

function entryKey(sourceKey: string, idBytes: Uint8Array): string {
  // The ID part never contains '|', so distinct (sourceKey, ID) pairs give distinct keys.
  return `${sourceKey}|${readU32(idBytes, 0).toString(36)}.${readU32(idBytes, 4).toString(36)}`;
}

function assemble(e: Entry): Uint8Array {
  let length = 0;
  for (let i = 0; i < e.total; i++) length += e.pieces[i]!.length;
  const out = new Uint8Array(length);
  for (let i = 0, at = 0; i < e.total; i++) {
    const piece = e.pieces[i]!;
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
