/**
 * Physical endpoints (IPv4/IPv6 address + UDP port) as VL1 writes and judges them: the
 * InetAddress wire form (spec vl1.md 9.2, vl2.md 4), ZeroTier's text form `ip/port`, IP scopes
 * and the "usable for a path" rule (spec 11.2), and the reference's sort order (used when
 * building worlds, spec 10.5).
 *
 * Text output follows inet_ntop (lowercase IPv6, RFC 5952 compression, `::ffff:a.b.c.d`); the
 * parser is strict (inet_pton rules, numeric port) since it reads user input.
 */
import { DecodeError, decodeGuard, fail, ok, type Result } from '../errors.js';
import { BufferReader, BufferWriter } from './buffer-reader.js';
import { bytesEqual } from './bytes.js';

export interface InetAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  ip: Uint8Array;
  /** UDP port; static IPs and routes reuse it for the prefix length. */
  port: number;
}

/** Numbering of node/InetAddress.hpp; it is also the path-quality weight (8 - scope). */
export enum IpScope {
  NONE = 0,
  MULTICAST = 1,
  LOOPBACK = 2,
  PSEUDOPRIVATE = 3,
  GLOBAL = 4,
  LINK_LOCAL = 5,
  SHARED = 6,
  PRIVATE = 7,
}

/** Wire type bytes. 1 and 2 (Ethernet, Bluetooth) and 3 (length-prefixed) are skipped. */
export const INET_TYPE_NIL = 0;
export const INET_TYPE_IPV4 = 4;
export const INET_TYPE_IPV6 = 6;

export function inetAddressOf(family: 4 | 6, ip: Uint8Array, port: number): InetAddress {
  if (ip.length !== (family === 4 ? 4 : 16)) throw new RangeError(`IPv${family} address must be ${family === 4 ? 4 : 16} bytes`);
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`port out of range: ${port}`);
  return { family, ip, port };
}

// ---- Text ---------------------------------------------------------------------------------

export function ipToString(a: InetAddress): string {
  return a.family === 4 ? ipv4ToString(a.ip, 0) : ipv6ToString(a.ip);
}

/** `1.2.3.4/9993`, `2001:db8::1/9993`. */
export function inetAddressToString(a: InetAddress): string {
  return `${ipToString(a)}/${a.port}`;
}

/** Parses `ip/port` or a bare `ip` (port 0), IPv4 dotted quad or IPv6. */
export function parseInetAddress(text: string): Result<InetAddress> {
  const slash = text.indexOf('/');
  const ipText = slash >= 0 ? text.slice(0, slash) : text;
  let port = 0;
  if (slash >= 0) {
    const portText = text.slice(slash + 1);
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 0xffff) {
      return fail(new DecodeError('bad_field', `bad port in address ${JSON.stringify(text.slice(0, 64))}`));
    }
    port = Number(portText);
  }
  const ip = parseIp(ipText);
  if (!ip) return fail(new DecodeError('bad_field', `not an IP address: ${JSON.stringify(ipText.slice(0, 64))}`));
  return ok({ family: ip.length === 4 ? 4 : 6, ip, port });
}

/** Parses an IPv4 or IPv6 address (no port); undefined if it is neither. */
export function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // inet_pton: 1-3 digits, no leading zero, at most 255
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length > 45) return undefined;
  const gap = text.indexOf('::');
  if (gap >= 0 && text.indexOf('::', gap + 1) >= 0) return undefined;
  const groupsOf = (s: string) => (s.length === 0 ? [] : s.split(':'));
  const head = gap >= 0 ? groupsOf(text.slice(0, gap)) : groupsOf(text);
  const tail = gap >= 0 ? groupsOf(text.slice(gap + 2)) : [];
  const words: number[][] = [[], []];
  const lists = [head, tail];
  for (let l = 0; l < 2; l++) {
    const list = lists[l];
    for (let i = 0; i < list.length; i++) {
      const g = list[i];
      const isLast = l === (gap >= 0 ? 1 : 0) && i === list.length - 1;
      if (isLast && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return undefined;
        words[l].push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        words[l].push(parseInt(g, 16));
      }
    }
  }
  const count = words[0].length + words[1].length;
  if (gap >= 0 ? count > 7 : count !== 8) return undefined;
  const all = [...words[0], ...new Array<number>(8 - count).fill(0), ...words[1]];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = all[i] >>> 8;
    out[i * 2 + 1] = all[i] & 0xff;
  }
  return out;
}

function ipv4ToString(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** inet_ntop's IPv6 form: the first longest run (>= 2) of zero groups becomes `::`. */
function ipv6ToString(ip: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((ip[i * 2] << 8) | ip[i * 2 + 1]);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // IPv4-compatible and IPv4-mapped addresses end in dotted form
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += ipv4ToString(ip, 12);
      return out;
    }
    out += w[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

// ---- Wire form ----------------------------------------------------------------------------

/** Writes the InetAddress serialization; null (unknown) is a single 0x00. */
export function writeInetAddress(w: BufferWriter, a: InetAddress | null): void {
  if (!a) {
    w.u8(INET_TYPE_NIL);
    return;
  }
  w.u8(a.family === 4 ? INET_TYPE_IPV4 : INET_TYPE_IPV6);
  w.bytes(a.ip);
  w.u16(a.port);
}

export function serializeInetAddress(a: InetAddress | null): Uint8Array {
  const w = new BufferWriter(19);
  writeInetAddress(w, a);
  return w.toBytes();
}

/**
 * Reads one InetAddress. Types 0 (nil) and the reference's skipped types 1, 2 and 3 yield null;
 * any other type is a DecodeError.
 */
export function readInetAddress(r: BufferReader): InetAddress | null {
  const type = r.u8('address type');
  switch (type) {
    case INET_TYPE_NIL:
      return null;
    case INET_TYPE_IPV4: {
      const ip = r.bytesCopy(4, 'IPv4 address');
      return { family: 4, ip, port: r.u16('port') };
    }
    case INET_TYPE_IPV6: {
      const ip = r.bytesCopy(16, 'IPv6 address');
      return { family: 6, ip, port: r.u16('port') };
    }
    case 1:
    case 2:
      r.skip(6, 'reserved address type');
      return null;
    case 3:
      r.skip(r.u16('reserved address length'), 'reserved address');
      return null;
    default:
      throw new DecodeError('bad_type', `unknown address type ${type}`);
  }
}

export function decodeInetAddress(bytes: Uint8Array, offset = 0): Result<{ address: InetAddress | null; length: number }> {
  return decodeGuard(() => {
    const r = new BufferReader(bytes, offset);
    const address = readInetAddress(r);
    return { address, length: r.offset - offset };
  });
}

// ---- Scope and usability ------------------------------------------------------------------

const PSEUDOPRIVATE_IPV4_FIRST_OCTETS = new Set([6, 11, 21, 22, 25, 26, 28, 29, 30, 51, 55, 56]);

export function ipScope(a: InetAddress): IpScope {
  return a.family === 4 ? ipv4Scope(a.ip) : ipv6Scope(a.ip);
}

function ipv4Scope(b: Uint8Array): IpScope {
  const [a0, a1, a2] = b;
  if (a0 === 0 || a0 === 255) return IpScope.NONE;
  if (a0 === 127) return IpScope.LOOPBACK;
  if (a0 === 10) return IpScope.PRIVATE;
  if (PSEUDOPRIVATE_IPV4_FIRST_OCTETS.has(a0)) return IpScope.PSEUDOPRIVATE;
  if (a0 === 100 && (a1 & 0xc0) === 64) return IpScope.PRIVATE; // 100.64/10 (carrier-grade NAT)
  if (a0 === 169 && a1 === 254) return IpScope.LINK_LOCAL;
  if (a0 === 172 && (a1 & 0xf0) === 16) return IpScope.PRIVATE;
  if (a0 === 192 && a1 === 168) return IpScope.PRIVATE;
  if (a0 === 192 && a1 === 0 && a2 === 2) return IpScope.PRIVATE; // TEST-NET-1
  if (a0 === 198 && (a1 & 0xfe) === 18) return IpScope.PRIVATE; // 198.18/15 benchmarking
  if (a0 === 198 && a1 === 51 && a2 === 100) return IpScope.PRIVATE; // TEST-NET-2
  if (a0 === 203 && a1 === 0 && a2 === 113) return IpScope.PRIVATE; // TEST-NET-3
  if (a0 >> 4 === 0xe) return IpScope.MULTICAST;
  if (a0 >> 4 === 0xf) return IpScope.PSEUDOPRIVATE; // 240/4
  return IpScope.GLOBAL;
}

function ipv6Scope(b: Uint8Array): IpScope {
  if (b[0] === 0xff) return IpScope.MULTICAST;
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) {
    return zerosFrom(b, 2, 15) && b[15] === 1 ? IpScope.LOOPBACK : IpScope.LINK_LOCAL; // fe80::1 counts as loopback
  }
  if ((b[0] & 0xfe) === 0xfc) return IpScope.PRIVATE;
  if (zerosFrom(b, 0, 15)) {
    if (b[15] === 1) return IpScope.LOOPBACK;
    if (b[15] === 0) return IpScope.NONE;
  }
  if (zerosFrom(b, 0, 10) && b[10] === 0xff && b[11] === 0xff && b[12] === 127) return IpScope.LOOPBACK; // ::ffff:127/104
  return IpScope.GLOBAL;
}

function zerosFrom(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * The protocol part of "may this be a path": scope private, pseudo-private, shared or global, and
 * not a Hurricane Electric tunnel (2001:470::/32). Root endpoint restrictions, managed ranges and
 * local blacklists are the caller's business.
 */
export function isAddressValidForPath(a: InetAddress): boolean {
  switch (ipScope(a)) {
    case IpScope.PRIVATE:
    case IpScope.PSEUDOPRIVATE:
    case IpScope.SHARED:
    case IpScope.GLOBAL:
      return !(a.family === 6 && a.ip[0] === 0x20 && a.ip[1] === 0x01 && a.ip[2] === 0x04 && a.ip[3] === 0x70);
    default:
      return false;
  }
}

// ---- Comparison ---------------------------------------------------------------------------

export function inetAddressEquals(a: InetAddress, b: InetAddress): boolean {
  return a.family === b.family && a.port === b.port && bytesEqual(a.ip, b.ip);
}

/** Same IP, any port. */
export function inetAddressIpEquals(a: InetAddress, b: InetAddress): boolean {
  return a.family === b.family && bytesEqual(a.ip, b.ip);
}

/**
 * The reference's ordering on Linux x86-64 (used by genmoon to sort endpoints): IPv4 before
 * IPv6; then the port and, for IPv4, the address compared as the little-endian integers their
 * network-order bytes make in memory; IPv6 addresses compare bytewise.
 */
export function compareInetAddressesLikeReference(a: InetAddress, b: InetAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  const pa = swap16(a.port);
  const pb = swap16(b.port);
  if (pa !== pb) return pa - pb;
  if (a.family === 4) return littleEndianU32(a.ip) - littleEndianU32(b.ip);
  for (let i = 0; i < 16; i++) if (a.ip[i] !== b.ip[i]) return a.ip[i] - b.ip[i];
  return 0;
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | (v >>> 8);
}

function littleEndianU32(b: Uint8Array): number {
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}
