/**
 * Trusted physical networks (spec vl1.md 7.4, 11.10): packets to and from them travel as
 * suite 2 (no crypto, MAC field = the network's trusted path ID), and they may set the MTU used
 * toward addresses inside them. Configured by the host (local.conf `physical`).
 */
import type { InetAddress } from './inet-address.js';
import { ZT_MAX_PHYSMTU, ZT_MIN_PHYSMTU } from './constants.js';

export interface TrustedPathConfig {
  /** Network address; its `port` field holds the prefix length in bits. */
  network: InetAddress;
  id: bigint;
  mtu?: number;
}

export class TrustedPaths {
  private readonly entries: TrustedPathConfig[];

  constructor(configs: TrustedPathConfig[] = []) {
    this.entries = configs.map((c) => ({ ...c, mtu: c.mtu === undefined ? undefined : Math.max(ZT_MIN_PHYSMTU, Math.min(ZT_MAX_PHYSMTU, c.mtu)) }));
  }

  private find(address: InetAddress): TrustedPathConfig | undefined {
    for (const e of this.entries) if (inNetwork(address, e.network)) return e;
    return undefined;
  }

  /** Trusted path ID for this remote address, or 0n if it is not in a trusted network. */
  idFor(address: InetAddress): bigint {
    if (this.entries.length === 0) return 0n;
    const e = this.find(address);
    return e && e.id !== 0n ? e.id : 0n;
  }

  /** True if a suite-2 packet claiming `id` may come from `address`. */
  accepts(address: InetAddress, id: bigint): boolean {
    return id !== 0n && this.idFor(address) === id;
  }

  /** Configured MTU for this remote address, or undefined. */
  mtuFor(address: InetAddress): number | undefined {
    if (this.entries.length === 0) return undefined;
    return this.find(address)?.mtu;
  }
}

function inNetwork(a: InetAddress, net: InetAddress): boolean {
  if (a.family !== net.family) return false;
  const bits = Math.min(net.port, a.ip.length * 8);
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a.ip[i] !== net.ip[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a.ip[whole] & mask) === (net.ip[whole] & mask);
}
