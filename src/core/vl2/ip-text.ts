/**
 * IP address text as the reference's C library reads and writes it (inet_pton / inet_ntop as
 * in glibc), for rule JSON and managed-address display: thin family-specific views of VL1's
 * InetAddress text functions. Parsers return undefined on anything inet_pton would refuse.
 */
import { ipToString, parseIp } from '../vl1/inet-address.js';

/** Dotted quad: four decimal parts 0..255, no leading zeros, nothing else. */
export function parseIpv4(text: string): Uint8Array | undefined {
  return text.includes(':') ? undefined : parseIp(text);
}

/** RFC 4291 text: hex groups, at most one `::`, an optional trailing dotted quad. */
export function parseIpv6(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIp(text) : undefined;
}

export function formatIpv4(b: Uint8Array, offset = 0): string {
  return ipToString({ family: 4, ip: b.subarray(offset, offset + 4), port: 0 });
}

/** glibc inet_ntop: first longest zero run as `::`, IPv4-compatible/mapped forms end in a quad. */
export function formatIpv6(b: Uint8Array, offset = 0): string {
  return ipToString({ family: 6, ip: b.subarray(offset, offset + 16), port: 0 });
}

/** 4 bytes → dotted quad, 16 → IPv6 text. */
export function formatIp(b: Uint8Array): string {
  return b.length === 4 ? formatIpv4(b) : formatIpv6(b);
}
