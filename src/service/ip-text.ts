/**
 * IP text <-> bytes for the service's edge with Node's sockets and the OS: dgram and
 * os.networkInterfaces() speak strings, the core speaks InetAddress (bytes + port). Parsing
 * never throws; it returns undefined for anything that is not a plain IPv4/IPv6 literal.
 *
 * Parsing is the core's (strict, inet_pton rules); this module adds zone suffixes, CIDRs,
 * "ip:port" forms, and a cheap uncompressed formatter for the send path.
 */
import { type InetAddress, ipToString as ipToText, parseIp as parseIpBytes } from '../core/vl1/inet-address.js';

export interface IpBytes {
  family: 4 | 6;
  ip: Uint8Array;
}

/** "10.1.2.3" or "fd00::1" (an IPv6 zone suffix like "%eth0", as dgram reports, is ignored). */
export function parseIp(text: string): IpBytes | undefined {
  const zone = text.indexOf('%');
  const ip = parseIpBytes(zone >= 0 ? text.slice(0, zone) : text);
  if (!ip) return undefined;
  return { family: ip.length === 4 ? 4 : 6, ip };
}

/** Bytes to the text dgram.send() accepts (IPv6 uncompressed: cheap and unambiguous). */
export function ipToString(family: 4 | 6, ip: Uint8Array): string {
  if (family === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  let s = '';
  for (let i = 0; i < 16; i += 2) {
    if (i > 0) s += ':';
    s += ((ip[i]! << 8) | ip[i + 1]!).toString(16);
  }
  return s;
}

/** A network in CIDR form; `bits` is the prefix length. */
export interface Cidr extends IpBytes {
  bits: number;
}

/** "10.0.0.0/8", "fd00::/8"; a bare IP is a host route (/32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ipText = slash >= 0 ? text.slice(0, slash) : text;
  const ip = parseIp(ipText);
  if (!ip || ipText.includes('%')) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ...ip, bits: max };
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > max) return undefined;
  return { ...ip, bits };
}

/** "ip/port" (ZeroTier's form) or "[v6]:port" / "v4:port"; port 0..65535. */
export function parseIpPort(text: string): InetAddress | undefined {
  let ipText: string;
  let portText: string;
  const slash = text.lastIndexOf('/');
  if (slash >= 0) {
    ipText = text.slice(0, slash);
    portText = text.slice(slash + 1);
  } else if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) return undefined;
    ipText = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0 || text.indexOf(':') !== colon) return undefined;
    ipText = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  const ip = parseIp(ipText);
  if (!ip || !/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  return { family: ip.family, ip: ip.ip, port };
}

/** Whether `ip` lies inside `net` (same family, first `bits` bits equal). */
export function cidrContains(net: Cidr, family: 4 | 6, ip: Uint8Array): boolean {
  if (net.family !== family) return false;
  let bits = net.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((net.ip[i]! & mask) !== (ip[i]! & mask)) return false;
  }
  return true;
}

export function cidrToText(c: Cidr): string {
  return `${ipToText({ family: c.family, ip: c.ip, port: 0 })}/${c.bits}`;
}
