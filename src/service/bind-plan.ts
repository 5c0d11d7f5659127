/**
 * Which local addresses get UDP sockets, as ZeroTier One decides it: one socket per (interface
 * address, port), never a wildcard, so each path has a definite local address and replies leave
 * from the address the peer wrote to.
 *
 * Pure: takes the interface list (as os.networkInterfaces() reports it) and the policy from
 * local.conf, returns the addresses. Skipped: interfaces named lo*, zt*, tun*, tap* (loopback
 * and virtual links — our own or another VPN's — must never carry the underlay), names starting
 * with a prefix from settings.interfacePrefixBlacklist, addresses inside a blacklisted `physical`
 * network, and scopes other than private, pseudo-private, shared and global. `settings.bind`
 * replaces enumeration with exactly the listed IPs.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { IpScope, ipScope } from '../core/vl1/inet-address.js';
import { type Cidr, type IpBytes, cidrContains, ipToString, parseIp } from './ip-text.js';

export const SKIPPED_INTERFACE_PREFIXES = ['lo', 'zt', 'tun', 'tap'] as const;

export interface LocalInterfaceAddress extends IpBytes {
  /** Interface name ('' for a `settings.bind` address not found on any interface, or a wildcard). */
  ifname: string;
  /** Canonical text, as used to bind the socket. */
  text: string;
}

export interface BindPolicy {
  bind?: IpBytes[];
  interfacePrefixBlacklist: string[];
  blacklistedNetworks: Cidr[];
}

const USABLE_SCOPES = new Set([IpScope.PRIVATE, IpScope.PSEUDOPRIVATE, IpScope.SHARED, IpScope.GLOBAL]);

/** Flattens os.networkInterfaces() output into addresses (unparseable entries dropped). */
export function flattenInterfaces(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]>): LocalInterfaceAddress[] {
  const out: LocalInterfaceAddress[] = [];
  for (const [ifname, infos] of Object.entries(ifaces)) {
    for (const info of infos ?? []) {
      const ip = parseIp(info.address);
      if (!ip) continue;
      out.push({ ifname, family: ip.family, ip: ip.ip, text: canonicalText(ip) });
    }
  }
  return out;
}

export function selectBindAddresses(all: LocalInterfaceAddress[], policy: BindPolicy): LocalInterfaceAddress[] {
  if (policy.bind && policy.bind.length > 0) {
    return dedupe(
      policy.bind.map((ip) => {
        const text = canonicalText(ip);
        const onInterface = all.find((a) => a.text === text);
        return { ifname: onInterface?.ifname ?? '', family: ip.family, ip: ip.ip, text };
      }),
    );
  }
  const prefixes = [...SKIPPED_INTERFACE_PREFIXES, ...policy.interfacePrefixBlacklist.filter((p) => p.length > 0)];
  return dedupe(
    all.filter((a) => {
      if (prefixes.some((p) => a.ifname.startsWith(p))) return false;
      if (!USABLE_SCOPES.has(ipScope({ family: a.family, ip: a.ip, port: 0 }))) return false;
      return !policy.blacklistedNetworks.some((net) => cidrContains(net, a.family, a.ip));
    }),
  );
}

/** Fallback when no usable address exists at all: the wildcards, so the node still works. */
export function wildcardAddresses(): LocalInterfaceAddress[] {
  return [
    { ifname: '', family: 4, ip: new Uint8Array(4), text: '0.0.0.0' },
    { ifname: '', family: 6, ip: new Uint8Array(16), text: '::' },
  ];
}

function dedupe(list: LocalInterfaceAddress[]): LocalInterfaceAddress[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.text) ? false : (seen.add(a.text), true)));
}

function canonicalText(ip: IpBytes): string {
  return ipToString(ip.family, ip.ip);
}
