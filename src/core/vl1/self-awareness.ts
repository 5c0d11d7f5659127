/**
 * External address learning (spec vl1.md 11.8): peers tell us, in HELLO and OK(HELLO), which
 * physical address our packets came from. We keep those reports, keyed by (reporter, local
 * socket, reporter's physical address, scope), for 600 s. The set of reported addresses is what
 * PUSH_DIRECT_PATHS advertises as our external addresses.
 *
 * When a root (a trusted reporter) reports a different IP than it did before, our network has
 * changed: the caller is told the scope and family so it can re-probe every path there.
 *
 * Bounded: at most MAX_ENTRIES reports; when full, the oldest report is evicted.
 */
import type { LocalSocket } from '../host.js';
import type { Address } from './address.js';
import { type InetAddress, IpScope, inetAddressEquals, inetAddressIpEquals, inetAddressToString, ipScope } from './inet-address.js';
import { ZT_SELFAWARENESS_ENTRY_TIMEOUT } from './constants.js';

const MAX_ENTRIES = 1024;

interface Report {
  mine: InetAddress;
  timestamp: number;
  trusted: boolean;
  scope: IpScope;
}

export interface NetworkChange {
  scope: IpScope;
  family: 4 | 6;
}

export class SelfAwareness {
  private readonly reports = new Map<string, Report>();

  /**
   * Records "`reporter`, reached at `reporterPhysical` over `localSocket`, sees us as `mine`".
   * Returns the scope/family to re-probe if a trusted reporter says our IP changed.
   */
  iam(now: number, reporter: Address, localSocket: LocalSocket, reporterPhysical: InetAddress, mine: InetAddress, trusted: boolean): NetworkChange | undefined {
    const scope = ipScope(mine);
    if (scope !== ipScope(reporterPhysical) || scope === IpScope.NONE || scope === IpScope.LOOPBACK || scope === IpScope.MULTICAST) {
      return undefined;
    }
    const key = `${reporter}|${localSocket}|${inetAddressToString(reporterPhysical)}|${scope}`;
    const existing = this.reports.get(key);
    if (trusted && existing && now - existing.timestamp < ZT_SELFAWARENESS_ENTRY_TIMEOUT && !inetAddressIpEquals(existing.mine, mine)) {
      // A root sees us at a new IP: everything learned in this scope is stale.
      for (const [k, r] of this.reports) if (r.scope === scope) this.reports.delete(k);
      this.set(key, { mine: copyAddress(mine), timestamp: now, trusted, scope });
      return { scope, family: mine.family };
    }
    if (existing) {
      if (!inetAddressEquals(existing.mine, mine)) existing.mine = copyAddress(mine);
      existing.timestamp = now;
      existing.trusted = trusted;
      this.reports.delete(key); // keep Map order = least recently refreshed first
      this.reports.set(key, existing);
    } else {
      this.set(key, { mine: copyAddress(mine), timestamp: now, trusted, scope });
    }
    return undefined;
  }

  private set(key: string, r: Report): void {
    if (this.reports.size >= MAX_ENTRIES) {
      for (const k of this.reports.keys()) {
        this.reports.delete(k);
        break;
      }
    }
    this.reports.set(key, r);
  }

  /** Forgets reports older than 600 s. */
  clean(now: number): void {
    for (const [k, r] of this.reports) if (now - r.timestamp >= ZT_SELFAWARENESS_ENTRY_TIMEOUT) this.reports.delete(k);
  }

  /** Distinct addresses (with ports) peers currently report for us. */
  externalAddresses(now: number): InetAddress[] {
    const out: InetAddress[] = [];
    for (const r of this.reports.values()) {
      if (now - r.timestamp >= ZT_SELFAWARENESS_ENTRY_TIMEOUT) continue;
      if (!out.some((a) => inetAddressEquals(a, r.mine))) out.push(r.mine);
    }
    return out;
  }

  get size(): number {
    return this.reports.size;
  }
}

function copyAddress(a: InetAddress): InetAddress {
  return { family: a.family, ip: a.ip.slice(), port: a.port };
}
