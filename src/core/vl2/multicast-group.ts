/**
 * Multicast groups (spec vl2.md §2.4): a 48-bit MAC plus a 32-bit ADI ("additional
 * distinguishing information"). ARP rides on (broadcast, IPv4 address) groups so that an ARP
 * request reaches only the members that hold the address; IPv6 uses solicited-node groups.
 */
import { BROADCAST_MAC, macToString, type MAC } from './mac.js';

export interface MulticastGroup {
  readonly mac: MAC;
  /** u32 */
  readonly adi: number;
}

/** Plain Ethernet broadcast (non-ARP). */
export const BROADCAST_GROUP: MulticastGroup = Object.freeze({ mac: BROADCAST_MAC, adi: 0 });

export function multicastGroup(mac: MAC, adi = 0): MulticastGroup {
  return { mac, adi: adi >>> 0 };
}

/** The group an ARP request for `ipv4` (4 bytes, or a u32) goes to: (broadcast, address). */
export function arpMulticastGroup(ipv4: Uint8Array | number): MulticastGroup {
  const adi =
    typeof ipv4 === 'number' ? ipv4 >>> 0 : ((ipv4[0] << 24) | (ipv4[1] << 16) | (ipv4[2] << 8) | ipv4[3]) >>> 0;
  return { mac: BROADCAST_MAC, adi };
}

/** The IPv6 solicited-node group: 33:33:ff and the address's last three bytes, ADI 0. */
export function solicitedNodeMulticastGroup(ipv6: Uint8Array): MulticastGroup {
  const mac = 0x3333ff000000 + ipv6[13] * 0x10000 + ipv6[14] * 0x100 + ipv6[15];
  return { mac, adi: 0 };
}

/**
 * The group a node subscribes to for each of its IP addresses so that address resolution
 * (ARP or NDP) for that address reaches it. `ip` is 4 or 16 bytes; anything else has none.
 */
export function addressResolutionGroup(ip: Uint8Array): MulticastGroup | undefined {
  if (ip.length === 4) return arpMulticastGroup(ip);
  if (ip.length === 16) return solicitedNodeMulticastGroup(ip);
  return undefined;
}

/** Orders by MAC, then ADI (the reference's sort order, used for sorting and dedup). */
export function compareMulticastGroups(a: MulticastGroup, b: MulticastGroup): number {
  if (a.mac !== b.mac) return a.mac < b.mac ? -1 : 1;
  if (a.adi !== b.adi) return a.adi < b.adi ? -1 : 1;
  return 0;
}

export function multicastGroupsEqual(a: MulticastGroup, b: MulticastGroup): boolean {
  return a.mac === b.mac && a.adi === b.adi;
}

/** A value-equal key for Maps and Sets: 12 hex digits of MAC then 8 of ADI. */
export function multicastGroupKey(g: MulticastGroup): string {
  return g.mac.toString(16).padStart(12, '0') + (g.adi >>> 0).toString(16).padStart(8, '0');
}

/** `xx:xx:xx:xx:xx:xx/adi` with the ADI in 8 hex digits, for logs and the service API. */
export function multicastGroupToString(g: MulticastGroup): string {
  return `${macToString(g.mac)}/${(g.adi >>> 0).toString(16).padStart(8, '0')}`;
}
