/**
 * What the controller's addresses and routes become on this machine (service-api.md §7.1,
 * §8.3, §8.4), as pure functions of the network config and the local settings:
 *
 * - a target is allowed only with allowManaged, inside the whitelist if there is one, a default
 *   route only with allowDefault, global space only with allowGlobal, and never loopback,
 *   link-local, multicast or unspecified space;
 * - a route needs a source address of its family among the port's addresses (longest common
 *   prefix with the target, ties to the last); a route whose gateway is one of our own addresses,
 *   or that an address's connected route already covers, is left out;
 * - a default route is installed as two halves (/1 + /1) so the system default stays in place;
 * - routes with a gateway get metric 5000, as ZeroTier's.
 */
import { IpScope, ipScope } from '../../core/vl1/inet-address.js';
import type { InetAddress } from '../../core/vl1/inet-address.js';
import type { NetworkConfig, NetworkRoute } from '../../core/vl2/netconf.js';
import { ipToString as inetIpToString } from '../../core/vl1/inet-address.js';
import { type Cidr, type IpBytes, cidrContains, cidrToText } from '../ip-text.js';
import type { NetworkSettings } from './network-settings.js';

export const MANAGED_ROUTE_METRIC = 5000;

export interface RouteSpec {
  target: Cidr;
  via?: IpBytes;
  /** Preferred source (routes without a gateway). */
  src?: IpBytes;
  metric?: number;
}

export function cidrOf(a: InetAddress): Cidr {
  return { family: a.family, ip: a.ip, bits: a.port };
}

function isDefault(c: Cidr): boolean {
  return c.bits === 0;
}

/** service-api.md §7.1. */
export function managedTargetAllowed(s: NetworkSettings, target: Cidr): boolean {
  if (!s.allowManaged) return false;
  if (s.managedWhitelist.length > 0 && !s.managedWhitelist.some((w) => w.bits <= target.bits && cidrContains(w, target.family, target.ip))) return false;
  if (isDefault(target)) return s.allowDefault;
  switch (ipScope({ family: target.family, ip: target.ip, port: 0 })) {
    case IpScope.NONE:
    case IpScope.LOOPBACK:
    case IpScope.LINK_LOCAL:
    case IpScope.MULTICAST:
      return false;
    case IpScope.GLOBAL:
      return s.allowGlobal;
    default:
      return true;
  }
}

/** The config's static addresses this machine may assign to the port, in config order. */
export function planManagedAddresses(s: NetworkSettings, config: NetworkConfig | undefined): Cidr[] {
  if (!config) return [];
  const out: Cidr[] = [];
  for (const a of config.staticIps) {
    if (!a) continue;
    const c = cidrOf(a);
    if (c.bits > (c.family === 4 ? 32 : 128)) continue;
    if (managedTargetAllowed(s, c) && !out.some((o) => sameIp(o, c))) out.push(c);
  }
  return out;
}

function sameIp(a: IpBytes, b: IpBytes): boolean {
  if (a.family !== b.family) return false;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return false;
  return true;
}

function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! ^ b[i]!;
    if (x === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(x) - 24;
  }
  return bits;
}

function halves(target: Cidr): Cidr[] {
  const zero = new Uint8Array(target.family === 4 ? 4 : 16);
  const high = zero.slice();
  high[0] = 0x80;
  return [
    { family: target.family, ip: zero, bits: 1 },
    { family: target.family, ip: high, bits: 1 },
  ];
}

/** Routes to install for the config's routes, given the port's (managed) addresses. */
export function planManagedRoutes(s: NetworkSettings, config: NetworkConfig | undefined, addresses: readonly Cidr[]): RouteSpec[] {
  if (!config) return [];
  const direct: RouteSpec[] = [];
  const gatewayed: RouteSpec[] = [];
  for (const r of config.routes) {
    const spec = planRoute(s, r, addresses);
    for (const one of spec) (one.via ? gatewayed : direct).push(one);
  }
  // Routes onto the network first, then those through a gateway that they make reachable.
  return dedupe([...direct, ...gatewayed]);
}

function planRoute(s: NetworkSettings, r: NetworkRoute, addresses: readonly Cidr[]): RouteSpec[] {
  if (!r.target) return [];
  const target = networkOf(cidrOf(r.target));
  if (target.bits > (target.family === 4 ? 32 : 128)) return [];
  if (!managedTargetAllowed(s, target)) return [];
  const via = r.via && r.via.family === target.family ? { family: r.via.family, ip: r.via.ip } : undefined;
  if (via && addresses.some((a) => sameIp(a, via))) return [];
  let src: Cidr | undefined;
  let best = -1;
  for (const a of addresses) {
    if (a.family !== target.family) continue;
    const n = commonPrefixBits(a.ip, target.ip);
    if (n >= best) {
      best = n;
      src = a;
    }
  }
  if (!src) return [];
  if (!via && addresses.some((a) => a.bits === target.bits && cidrContains(target, a.family, a.ip))) return [];
  const targets = isDefault(target) ? halves(target) : [target];
  return targets.map((t) =>
    via ? { target: t, via, metric: MANAGED_ROUTE_METRIC } : { target: t, src: { family: src!.family, ip: src!.ip } },
  );
}

/** RFC 5952 / dotted text of an IP. */
export function ipText(a: IpBytes): string {
  return inetIpToString({ family: a.family, ip: a.ip, port: 0 });
}

/** The network of a CIDR (host bits cleared), as `ip route` wants a target. */
export function networkOf(c: Cidr): Cidr {
  const ip = c.ip.slice();
  for (let i = 0; i < ip.length; i++) {
    const keep = Math.max(0, Math.min(8, c.bits - i * 8));
    ip[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return { family: c.family, ip, bits: c.bits };
}

export function routeKey(r: RouteSpec): string {
  return `${cidrToText(r.target)}${r.via ? ` via ${ipText(r.via)}` : ''}`;
}

function dedupe(routes: RouteSpec[]): RouteSpec[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const k = routeKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
