/**
 * IPv6 NDP emulation (spec vl2.md §11.4). RFC4193 and 6PLANE addresses embed the member's
 * ZeroTier address, so a neighbor solicitation for one of them can be answered locally with the
 * member's MAC instead of being multicast: the solicitation never leaves the node and the host
 * gets a neighbor advertisement at once.
 */
import type { Address } from '../vl1/address.js';
import { readU40 } from '../vl1/bytes.js';
import type { InetAddress } from '../vl1/inet-address.js';
import { ZT_6PLANE_PREFIX_BITS, ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION, ZT_RFC4193_PREFIX_BITS } from './constants.js';
import { sixPlaneNetwork32 } from './ipv6.js';
import { isBroadcastMac, isMulticastMac, writeMac, type MAC, type NetworkMacSpace } from './mac.js';
import type { NetworkConfig } from './netconf.js';

export const ETHERTYPE_IPV6 = 0x86dd;
const IPPROTO_ICMPV6 = 58;
const ICMPV6_NEIGHBOR_SOLICITATION = 135;
const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
/** IPv6 header + NS/NA body (type, code, checksum, reserved/flags, target). */
const MIN_SOLICITATION_LENGTH = 64;
const ADVERTISEMENT_LENGTH = 72;
const ADVERTISEMENT_PAYLOAD_LENGTH = 32;

export interface EmulatedFrame {
  sourceMac: MAC;
  destMac: MAC;
  etherType: number;
  frame: Uint8Array;
}

function prefixEquals(a: Uint8Array, aOffset: number, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aOffset + i] !== b[i]) return false;
  return true;
}

/**
 * The member a solicited target belongs to, judged against our own managed static IPs (first
 * match wins), with the static IP that matched; undefined when no managed prefix matches.
 */
function embeddedMember(config: Pick<NetworkConfig, 'networkId' | 'staticIps'>, frame: Uint8Array, targetOffset: number): { member: Address; ours: InetAddress } | undefined {
  const n32 = sixPlaneNetwork32(config.networkId);
  for (const s of config.staticIps) {
    if (!s || s.family !== 6) continue;
    const ip = s.ip;
    if (s.port === ZT_RFC4193_PREFIX_BITS && ip[0] === 0xfd && ip[9] === 0x99 && ip[10] === 0x93) {
      if (prefixEquals(frame, targetOffset, ip, 11)) return { member: readU40(frame, targetOffset + 11), ours: s };
    } else if (s.port === ZT_6PLANE_PREFIX_BITS && ip[0] === 0xfc && (((ip[1] << 24) | (ip[2] << 16) | (ip[3] << 8) | ip[4]) >>> 0) === n32) {
      if (prefixEquals(frame, targetOffset, ip, 5)) return { member: readU40(frame, targetOffset + 5), ours: s };
    }
  }
  return undefined;
}

/**
 * The neighbor advertisement to hand the host instead of sending `frame` (a solicitation from
 * the host), or undefined if the frame is not one we answer and must go out as usual.
 */
export function emulateNeighborSolicitation(
  config: Pick<NetworkConfig, 'networkId' | 'staticIps' | 'flags'>,
  self: Address,
  macSpace: NetworkMacSpace,
  sourceMac: MAC,
  destMac: MAC,
  etherType: number,
  frame: Uint8Array,
): EmulatedFrame | undefined {
  if ((config.flags & ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION) === 0n) return undefined;
  if (etherType !== ETHERTYPE_IPV6 || frame.length < MIN_SOLICITATION_LENGTH) return undefined;
  if (frame[6] !== IPPROTO_ICMPV6 || frame[40] !== ICMPV6_NEIGHBOR_SOLICITATION) return undefined;
  if (!isMulticastMac(destMac) || isBroadcastMac(destMac)) return undefined;
  const found = embeddedMember(config, frame, 48);
  if (!found || found.member === self) return undefined;

  const memberMac = macSpace.macFromAddress(found.member);
  const na = new Uint8Array(ADVERTISEMENT_LENGTH);
  na[0] = 0x60;
  na[5] = ADVERTISEMENT_PAYLOAD_LENGTH;
  na[6] = IPPROTO_ICMPV6;
  na[7] = 0xff;
  na.set(frame.subarray(48, 64), 8);
  na.set(found.ours.ip, 24);
  na[40] = ICMPV6_NEIGHBOR_ADVERTISEMENT;
  na[44] = 0x60; // solicited + override
  na.set(frame.subarray(48, 64), 48);
  na[64] = 2; // target link-layer address option, 1 × 8 bytes
  na[65] = 1;
  writeMac(na, 66, memberMac);
  const sum = icmpv6Checksum(na, 8, 24, 40, ADVERTISEMENT_PAYLOAD_LENGTH);
  na[42] = sum >>> 8;
  na[43] = sum & 0xff;
  return { sourceMac: memberMac, destMac: sourceMac, etherType: ETHERTYPE_IPV6, frame: na };
}

/** Standard ICMPv6 checksum over the pseudo-header and `length` bytes at `icmp` (checksum field zero). */
export function icmpv6Checksum(buf: Uint8Array, src: number, dst: number, icmp: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < 16; i += 2) sum += ((buf[src + i] << 8) | buf[src + i + 1]) + ((buf[dst + i] << 8) | buf[dst + i + 1]);
  sum += (length >>> 16) + (length & 0xffff) + IPPROTO_ICMPV6;
  for (let i = 0; i < length; i += 2) sum += (buf[icmp + i] << 8) | (i + 1 < length ? buf[icmp + i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
