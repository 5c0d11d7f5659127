/**
 * IP addresses and prefixes as the controller handles them: parsed from the JSON text forms
 * (`ip`, `ip/bits`), compared as integers, printed in canonical inet_ntop text so that stored
 * strings compare equal exactly when the addresses do.
 */
import { inetAddressOf, parseIp, type InetAddress } from '../core/vl1/inet-address.js';
import { formatIp } from '../core/vl2/ip-text.js';

export interface IpValue {
  family: 4 | 6;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

export interface IpPrefix extends IpValue {
  bits: number;
}

export function familyWidth(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function fromBytes(b: Uint8Array): IpValue {
  let value = 0n;
  for (const byte of b) value = (value << 8n) | BigInt(byte);
  return { family: b.length === 4 ? 4 : 6, value };
}

export function ipToBytes(ip: IpValue): Uint8Array {
  const n = ip.family === 4 ? 4 : 16;
  const out = new Uint8Array(n);
  let v = ip.value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A bare IPv4 or IPv6 address; undefined for anything else. */
export function parseIpValue(text: string): IpValue | undefined {
  const bytes = parseIp(text);
  return bytes ? fromBytes(bytes) : undefined;
}

/** An address with an optional `/suffix` that is ignored (how member ipAssignments are read). */
export function parseIpIgnoringSuffix(text: string): IpValue | undefined {
  const slash = text.indexOf('/');
  return parseIpValue(slash === -1 ? text : text.slice(0, slash));
}

/**
 * `ip/bits` with bits valid for the family (0..32 or 0..128); a missing `/bits` reads as /0,
 * as the reference's parser does. Host bits are kept.
 */
export function parsePrefix(text: string): IpPrefix | undefined {
  const slash = text.indexOf('/');
  const ip = parseIpValue(slash === -1 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  let bits = 0;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(b)) return undefined;
    bits = Number(b);
  }
  if (bits > familyWidth(ip.family)) return undefined;
  return { ...ip, bits };
}

export function formatIpValue(ip: IpValue): string {
  return formatIp(ipToBytes(ip));
}

export function formatPrefix(p: IpPrefix): string {
  return `${formatIpValue(p)}/${p.bits}`;
}

/** Canonical text of an address given as text, or undefined if it is not one. */
export function canonicalIpText(text: string): string | undefined {
  const ip = parseIpValue(text);
  return ip ? formatIpValue(ip) : undefined;
}

/**
 * The reference's containment test: same family, and the top `bits` bits of both addresses
 * equal (host bits of the prefix are ignored); a /0 prefix contains every address of its family.
 */
export function prefixContains(prefix: IpPrefix, ip: IpValue): boolean {
  if (prefix.family !== ip.family) return false;
  if (prefix.bits === 0) return true;
  const shift = BigInt(familyWidth(ip.family) - prefix.bits);
  return prefix.value >> shift === ip.value >> shift;
}

/** As VL1's InetAddress, with the prefix length (or 0) in the port field like ZeroTier does. */
export function toInetAddress(ip: IpValue, bits: number): InetAddress {
  return inetAddressOf(ip.family, ipToBytes(ip), bits);
}
