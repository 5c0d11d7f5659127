/**
 * A local controller's memory of whom it configured and when (spec vl2.md §14.6, §14.7): a
 * member configured in the last 180 s may send us MULTICAST_LIKE and MULTICAST_GATHER without a
 * COM, and members seen within the peer activity timeout receive revocations. Bounded: the
 * least recently configured pair is forgotten first.
 */
import type { Address } from '../vl1/address.js';
import { ZT_PEER_ACTIVITY_TIMEOUT } from '../vl1/constants.js';
import { TZ_LOCAL_CONTROLLER_MAX_MEMBERS, ZT_LOCAL_CONTROLLER_AUTHORIZATION_TIMEOUT } from './constants.js';
import type { NetworkId } from './network-id.js';

interface Entry {
  networkId: NetworkId;
  member: Address;
  at: number;
}

export class ConfiguredMembers {
  /** Insertion order = least recently configured first. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = TZ_LOCAL_CONTROLLER_MAX_MEMBERS) {}

  private static key(nwid: NetworkId, member: Address): string {
    return `${nwid.toString(16)}/${member}`;
  }

  record(now: number, nwid: NetworkId, member: Address): void {
    const key = ConfiguredMembers.key(nwid, member);
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { networkId: nwid, member, at: now });
  }

  /** Configured within the last 180 s. */
  recentlyAuthorized(now: number, nwid: NetworkId, member: Address): boolean {
    const e = this.entries.get(ConfiguredMembers.key(nwid, member));
    return e !== undefined && now - e.at < ZT_LOCAL_CONTROLLER_AUTHORIZATION_TIMEOUT;
  }

  /** Members of `nwid` configured within the peer activity timeout (ascending). */
  recentMembers(now: number, nwid: NetworkId): Address[] {
    const out: Address[] = [];
    for (const e of this.entries.values()) if (e.networkId === nwid && now - e.at < ZT_PEER_ACTIVITY_TIMEOUT) out.push(e.member);
    return out.sort((a, b) => a - b);
  }

  clean(now: number): void {
    for (const [key, e] of this.entries) if (now - e.at >= ZT_PEER_ACTIVITY_TIMEOUT) this.entries.delete(key);
  }
}
