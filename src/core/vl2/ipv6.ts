/**
 * Managed IPv6 addresses (spec vl2.md §2.5). Both schemes embed the member's ZeroTier address,
 * so a node can answer neighbor discovery for them without asking anyone (NDP emulation):
 * - RFC4193, /88: `fd` ‖ nwid ‖ `99 93` ‖ address.
 * - 6PLANE, /40: `fc` ‖ (nwid XOR nwid>>32, low 32 bits) ‖ address ‖ 0… ‖ `01`; every member
 *   effectively owns the /80 that starts with its address.
 */
import { readU40, writeU40 } from '../vl1/bytes.js';
import type { Address } from '../vl1/address.js';
import type { NetworkId } from './network-id.js';

export { ZT_RFC4193_PREFIX_BITS, ZT_6PLANE_PREFIX_BITS } from './constants.js';

/** The network's 32-bit 6PLANE prefix word: (nwid XOR nwid >> 32) & 0xffffffff. */
export function sixPlaneNetwork32(nwid: NetworkId): number {
  return Number((nwid ^ (nwid >> 32n)) & 0xffffffffn);
}

export function rfc4193Address(nwid: NetworkId, address: Address): Uint8Array {
  const out = new Uint8Array(16);
  out[0] = 0xfd;
  for (let i = 0; i < 8; i++) out[1 + i] = Number((nwid >> BigInt(56 - 8 * i)) & 0xffn);
  out[9] = 0x99;
  out[10] = 0x93;
  writeU40(out, 11, address);
  return out;
}

export function sixPlaneAddress(nwid: NetworkId, address: Address): Uint8Array {
  const out = new Uint8Array(16);
  const n32 = sixPlaneNetwork32(nwid);
  out[0] = 0xfc;
  out[1] = n32 >>> 24;
  out[2] = (n32 >>> 16) & 0xff;
  out[3] = (n32 >>> 8) & 0xff;
  out[4] = n32 & 0xff;
  writeU40(out, 5, address);
  out[15] = 0x01;
  return out;
}

/** True when `ip` lies in the network's RFC4193 /88 (the first 11 bytes match). */
export function isInRfc4193Prefix(nwid: NetworkId, ip: Uint8Array): boolean {
  if (ip.length !== 16 || ip[0] !== 0xfd || ip[9] !== 0x99 || ip[10] !== 0x93) return false;
  for (let i = 0; i < 8; i++) if (ip[1 + i] !== Number((nwid >> BigInt(56 - 8 * i)) & 0xffn)) return false;
  return true;
}

/** True when `ip` lies in the network's 6PLANE /40 (the first 5 bytes match). */
export function isInSixPlanePrefix(nwid: NetworkId, ip: Uint8Array): boolean {
  if (ip.length !== 16 || ip[0] !== 0xfc) return false;
  const n32 = sixPlaneNetwork32(nwid);
  return (((ip[1] << 24) | (ip[2] << 16) | (ip[3] << 8) | ip[4]) >>> 0) === n32;
}

/** The member whose RFC4193 address `ip` is, or undefined. */
export function rfc4193Owner(nwid: NetworkId, ip: Uint8Array): Address | undefined {
  return isInRfc4193Prefix(nwid, ip) ? readU40(ip, 11) : undefined;
}

/** The member whose 6PLANE /80 contains `ip` (bytes 10..15 are that member's to use), or undefined. */
export function sixPlaneOwner(nwid: NetworkId, ip: Uint8Array): Address | undefined {
  return isInSixPlanePrefix(nwid, ip) ? readU40(ip, 5) : undefined;
}

/** The member a managed (RFC4193 or 6PLANE) IPv6 address belongs to, or undefined. */
export function managedIpv6Owner(nwid: NetworkId, ip: Uint8Array): Address | undefined {
  return rfc4193Owner(nwid, ip) ?? sixPlaneOwner(nwid, ip);
}
