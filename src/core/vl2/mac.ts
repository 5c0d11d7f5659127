/**
 * Ethernet MAC addresses as 48-bit numbers (spec vl2.md §2.3). Every member of a network gets a
 * MAC derived from (its address, the network ID) by an XOR that is its own inverse, so a
 * unicast destination MAC in the network's space names the member that owns it.
 *
 * 48 bits exceed JavaScript's 32-bit bitwise operators, so octets are split with arithmetic.
 */
import type { Address } from '../vl1/address.js';
import type { NetworkId } from './network-id.js';

export type MAC = number;

export const BROADCAST_MAC: MAC = 0xffffffffffff;
const TWO_40 = 0x10000000000;

/** The MAC's most significant octet (the first one on the wire). */
export function macFirstOctet(mac: MAC): number {
  return Math.floor(mac / TWO_40) & 0xff;
}

export function macFromBytes(bytes: Uint8Array, offset = 0): MAC {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + bytes[offset + i];
  return v;
}

export function writeMac(bytes: Uint8Array, offset: number, mac: MAC): void {
  let v = mac;
  for (let i = 5; i >= 0; i--) {
    bytes[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

export function macToBytes(mac: MAC): Uint8Array {
  const out = new Uint8Array(6);
  writeMac(out, 0, mac);
  return out;
}

/** `xx:xx:xx:xx:xx:xx`, lower case. */
export function macToString(mac: MAC): string {
  const b = macToBytes(mac);
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + b[i].toString(16).padStart(2, '0');
  return s;
}

/** Accepts `xx:xx:xx:xx:xx:xx`, `xx-xx-…` or 12 bare hex digits, any case. */
export function parseMac(text: string): MAC | undefined {
  const m = /^([0-9a-fA-F]{2})([:-]?)([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(text);
  if (!m) return undefined;
  return parseInt(m[1] + m[3] + m[4] + m[5] + m[6] + m[7], 16);
}

export function isMulticastMac(mac: MAC): boolean {
  return (macFirstOctet(mac) & 0x01) !== 0;
}

export function isBroadcastMac(mac: MAC): boolean {
  return mac === BROADCAST_MAC;
}

/**
 * The first octet every member MAC of this network starts with: the nwid's low byte with the
 * multicast bit cleared and the locally-administered bit set, except that 0x52 (used by
 * KVM/libvirt) is replaced by 0x32.
 */
export function firstOctetForNetwork(nwid: NetworkId): number {
  const first = (Number(nwid & 0xfen) | 0x02) & 0xff;
  return first === 0x52 ? 0x32 : first;
}

/**
 * A network's member-MAC space with its XOR mask precomputed, for the frame path (the free
 * functions below recompute it from the bigint network ID on every call).
 */
export class NetworkMacSpace {
  readonly firstOctet: number;
  /** nwid bytes 1..5 reversed (mac[1] ^= nwid byte 1, …, mac[5] ^= nwid byte 5), split 8 + 32 bits. */
  private readonly maskHi: number;
  private readonly maskLo: number;

  constructor(nwid: NetworkId) {
    this.firstOctet = firstOctetForNetwork(nwid);
    const byte = (i: bigint): number => Number((nwid >> (8n * i)) & 0xffn);
    this.maskHi = byte(1n);
    this.maskLo = ((byte(2n) << 24) | (byte(3n) << 16) | (byte(4n) << 8) | byte(5n)) >>> 0;
  }

  /** The MAC of member `address` (40 bits). */
  macFromAddress(address: Address): MAC {
    const hi = (Math.floor(address / 0x100000000) ^ this.maskHi) & 0xff;
    const lo = ((address >>> 0) ^ this.maskLo) >>> 0;
    return this.firstOctet * TWO_40 + hi * 0x100000000 + lo;
  }

  /** The member address a MAC of this space stands for (the first octet is not checked). */
  addressFromMac(mac: MAC): Address {
    const hi = (Math.floor(mac / 0x100000000) ^ this.maskHi) & 0xff;
    const lo = ((mac >>> 0) ^ this.maskLo) >>> 0;
    return hi * 0x100000000 + lo;
  }

  /** True when `mac` is a unicast MAC in this network's member space. */
  isMember(mac: MAC): boolean {
    return macFirstOctet(mac) === this.firstOctet;
  }
}

/** The MAC of member `address` (40 bits) on network `nwid`. */
export function macFromAddress(address: Address, nwid: NetworkId): MAC {
  return new NetworkMacSpace(nwid).macFromAddress(address);
}

/** The member address a MAC of this network's space stands for (ignores the first octet). */
export function addressFromMac(mac: MAC, nwid: NetworkId): Address {
  return new NetworkMacSpace(nwid).addressFromMac(mac);
}

/** True when `mac` is a unicast MAC in the network's member space (first octet matches). */
export function isNetworkMemberMac(mac: MAC, nwid: NetworkId): boolean {
  return macFirstOctet(mac) === firstOctetForNetwork(nwid);
}
