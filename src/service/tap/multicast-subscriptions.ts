/**
 * Which multicast groups a network port wants (vl2.md §11.5, service-api.md §8.5): every
 * multicast MAC the OS has joined on the device (ADI 0) — IPv6 all-nodes and solicited-node
 * groups of its link-local address, IGMP groups — plus, for each IP address on the port, its
 * address-resolution group (ARP: broadcast with the IPv4 address as ADI; IPv6: solicited-node).
 * The service recomputes the set every few seconds and after address changes and tells the core
 * only the differences.
 */
import { type MAC, isMulticastMac } from '../../core/vl2/mac.js';
import {
  type MulticastGroup,
  addressResolutionGroup,
  compareMulticastGroups,
  multicastGroup,
  multicastGroupKey,
} from '../../core/vl2/multicast-group.js';

/**
 * Multicast MACs of device `name` in /proc/net/dev_mcast text (`index name users global hex`).
 * Malformed lines are skipped.
 */
export function parseDevMcast(text: string, name: string): MAC[] {
  const out: MAC[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || f[1] !== name || !/^[0-9a-fA-F]{12}$/.test(f[4]!)) continue;
    const mac = parseInt(f[4]!, 16);
    if (isMulticastMac(mac)) out.push(mac);
  }
  return out;
}

/** The groups for these OS multicast MACs and these IPs (4 or 16 bytes each), sorted, unique. */
export function wantedGroups(osMacs: readonly MAC[], ips: readonly Uint8Array[]): MulticastGroup[] {
  const byKey = new Map<string, MulticastGroup>();
  const add = (g: MulticastGroup | undefined) => {
    if (g) byKey.set(multicastGroupKey(g), g);
  };
  for (const mac of osMacs) add(multicastGroup(mac, 0));
  for (const ip of ips) add(addressResolutionGroup(ip));
  return [...byKey.values()].sort(compareMulticastGroups);
}

export interface GroupChanges {
  subscribe: MulticastGroup[];
  unsubscribe: MulticastGroup[];
}

/** What to (un)subscribe to go from `current` to `wanted`. */
export function groupChanges(current: readonly MulticastGroup[], wanted: readonly MulticastGroup[]): GroupChanges {
  const have = new Set(current.map(multicastGroupKey));
  const want = new Set(wanted.map(multicastGroupKey));
  return {
    subscribe: wanted.filter((g) => !have.has(multicastGroupKey(g))),
    unsubscribe: current.filter((g) => !want.has(multicastGroupKey(g))),
  };
}
