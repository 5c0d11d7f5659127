/**
 * Learned bridge routes (spec vl2.md §13): which active bridge a foreign (non-member) MAC sits
 * behind, learned from accepted EXT_FRAME / MULTICAST_FRAME traffic. Bounded: when the table
 * would exceed its limit, every route of the bridge owning the most is dropped (the
 * reference's eviction, so one chatty bridge cannot starve the others).
 */
import type { Address } from '../vl1/address.js';
import { TZ_MAX_BRIDGE_ROUTES } from './constants.js';
import type { MAC } from './mac.js';

export class BridgeRoutes {
  private readonly routes = new Map<MAC, Address>();
  private readonly counts = new Map<Address, number>();

  constructor(private readonly maxRoutes = TZ_MAX_BRIDGE_ROUTES) {}

  get size(): number {
    return this.routes.size;
  }

  /** Bridges that some route goes through. */
  bridges(): Address[] {
    return [...this.counts.keys()];
  }

  lookup(mac: MAC): Address | undefined {
    return this.routes.get(mac);
  }

  learn(mac: MAC, bridge: Address): void {
    const current = this.routes.get(mac);
    if (current === bridge) return;
    if (current !== undefined) this.decrement(current);
    this.routes.set(mac, bridge);
    this.counts.set(bridge, (this.counts.get(bridge) ?? 0) + 1);
    if (this.routes.size > this.maxRoutes) this.evictLargest();
  }

  /** Forgets every route through `bridge` (e.g. it is no longer an active bridge). */
  forgetBridge(bridge: Address): void {
    if (!this.counts.has(bridge)) return;
    for (const [mac, b] of this.routes) if (b === bridge) this.routes.delete(mac);
    this.counts.delete(bridge);
  }

  clear(): void {
    this.routes.clear();
    this.counts.clear();
  }

  private decrement(bridge: Address): void {
    const n = (this.counts.get(bridge) ?? 1) - 1;
    if (n <= 0) this.counts.delete(bridge);
    else this.counts.set(bridge, n);
  }

  private evictLargest(): void {
    let worst: Address | undefined;
    let most = -1;
    for (const [bridge, n] of this.counts) {
      if (n > most) {
        most = n;
        worst = bridge;
      }
    }
    if (worst !== undefined) this.forgetBridge(worst);
  }
}
