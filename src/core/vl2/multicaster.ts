/**
 * Who wants which multicast group (spec vl2.md §10.3, §10.4, §12): members learned from
 * MULTICAST_LIKE and gather replies, per (network, group), each forgotten 600 s after it was
 * last heard of; and the multicasts waiting (5 s) for members a gather may still reveal.
 *
 * Roots keep this table for networks they have not joined, so it is keyed by network ID, not
 * hung off a joined network. Bounded: at most 65 536 groups and 1 048 576 member entries in
 * all (new entries beyond that are refused until expiry frees room), 32 queued multicasts per
 * group (the oldest is evicted).
 */
import type { Address } from '../vl1/address.js';
import {
  TZ_MULTICAST_MAX_GROUPS,
  TZ_MULTICAST_MAX_MEMBER_ENTRIES,
  ZT_MULTICAST_LIKE_EXPIRE,
  ZT_MULTICAST_TRANSMIT_TIMEOUT,
  ZT_TX_QUEUE_SIZE_PER_MULTICAST_GROUP,
} from './constants.js';
import type { MAC } from './mac.js';
import { multicastGroupKey, type MulticastGroup } from './multicast-group.js';
import type { NetworkId } from './network-id.js';

/** A multicast sent while too few members were known, kept to reach members learned soon after. */
export interface OutboundMulticast {
  readonly created: number;
  /** Recipients allowed in all (the network's multicast limit). */
  readonly limit: number;
  /** Never sent to: the member that asked us to replicate (0 = none). */
  readonly origin: Address;
  readonly sentTo: Set<Address>;
  readonly sourceMac: MAC;
  /** The source MAC is not ours (we bridge it): carried explicitly. */
  readonly bridged: boolean;
  readonly etherType: number;
  /** A copy of the Ethernet payload. */
  readonly frame: Uint8Array;
  readonly gatherLimit: number;
}

interface GroupEntry {
  readonly networkId: NetworkId;
  readonly group: MulticastGroup;
  /** member → last time it was heard of (ms). */
  readonly members: Map<Address, number>;
  lastExplicitGather: number;
  queue: OutboundMulticast[];
}

function keyOf(nwid: NetworkId, group: MulticastGroup): string {
  return nwid.toString(16) + '/' + multicastGroupKey(group);
}

export class Multicaster {
  private readonly groups = new Map<string, GroupEntry>();
  private memberEntries = 0;

  constructor(
    private readonly maxGroups = TZ_MULTICAST_MAX_GROUPS,
    private readonly maxMemberEntries = TZ_MULTICAST_MAX_MEMBER_ENTRIES,
  ) {}

  get groupCount(): number {
    return this.groups.size;
  }

  get memberEntryCount(): number {
    return this.memberEntries;
  }

  private entry(nwid: NetworkId, group: MulticastGroup, create: boolean): GroupEntry | undefined {
    const key = keyOf(nwid, group);
    let e = this.groups.get(key);
    if (!e && create && this.groups.size < this.maxGroups) {
      e = { networkId: nwid, group, members: new Map(), lastExplicitGather: -Infinity, queue: [] };
      this.groups.set(key, e);
    }
    return e;
  }

  /** Records (or refreshes) `member` as wanting the group; true if it is new. */
  add(now: number, nwid: NetworkId, group: MulticastGroup, member: Address): boolean {
    const e = this.entry(nwid, group, true);
    if (!e) return false;
    const known = e.members.has(member);
    if (!known && this.memberEntries >= this.maxMemberEntries) return false;
    e.members.set(member, now);
    if (known) return false;
    this.memberEntries++;
    return true;
  }

  remove(nwid: NetworkId, group: MulticastGroup, member: Address): void {
    const e = this.entry(nwid, group, false);
    if (e && e.members.delete(member)) this.memberEntries--;
  }

  /** The known members of the group (unordered). */
  members(nwid: NetworkId, group: MulticastGroup): Address[] {
    const e = this.entry(nwid, group, false);
    return e ? [...e.members.keys()] : [];
  }

  memberCount(nwid: NetworkId, group: MulticastGroup): number {
    return this.entry(nwid, group, false)?.members.size ?? 0;
  }

  lastExplicitGather(nwid: NetworkId, group: MulticastGroup): number {
    return this.entry(nwid, group, false)?.lastExplicitGather ?? -Infinity;
  }

  setLastExplicitGather(nwid: NetworkId, group: MulticastGroup, now: number): void {
    const e = this.entry(nwid, group, true);
    if (e) e.lastExplicitGather = now;
  }

  /** Keeps `om` for members learned in the next 5 s (the oldest goes when 32 are queued). */
  enqueue(nwid: NetworkId, group: MulticastGroup, om: OutboundMulticast): void {
    const e = this.entry(nwid, group, true);
    if (!e) return;
    if (e.queue.length >= ZT_TX_QUEUE_SIZE_PER_MULTICAST_GROUP) e.queue.shift();
    e.queue.push(om);
  }

  /** Queued multicasts of the group still within their 5 s. */
  queued(now: number, nwid: NetworkId, group: MulticastGroup): readonly OutboundMulticast[] {
    const e = this.entry(nwid, group, false);
    if (!e || e.queue.length === 0) return [];
    if (e.queue.some((om) => now - om.created >= ZT_MULTICAST_TRANSMIT_TIMEOUT)) e.queue = e.queue.filter((om) => now - om.created < ZT_MULTICAST_TRANSMIT_TIMEOUT);
    return e.queue;
  }

  /** Forgets members silent for 600 s, expired queued multicasts and empty groups. */
  clean(now: number): void {
    for (const [key, e] of this.groups) {
      for (const [member, t] of e.members) {
        if (now - t >= ZT_MULTICAST_LIKE_EXPIRE) {
          e.members.delete(member);
          this.memberEntries--;
        }
      }
      e.queue = e.queue.filter((om) => now - om.created < ZT_MULTICAST_TRANSMIT_TIMEOUT);
      if (e.members.size === 0 && e.queue.length === 0 && now - e.lastExplicitGather >= ZT_MULTICAST_LIKE_EXPIRE) this.groups.delete(key);
    }
  }

  /** Drops everything about one network (we left it). */
  forgetNetwork(nwid: NetworkId): void {
    for (const [key, e] of this.groups) {
      if (e.networkId !== nwid) continue;
      this.memberEntries -= e.members.size;
      this.groups.delete(key);
    }
  }

  /** True if anything is queued (the owner then wants a tick within 5 s). */
  hasQueued(): boolean {
    for (const e of this.groups.values()) if (e.queue.length > 0) return true;
    return false;
  }
}
