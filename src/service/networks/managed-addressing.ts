/**
 * Keeps a network port's managed addresses and routes equal to a wanted set by running `ip`
 * commands for the differences (service-api.md §8.3, §8.4). Requests are serialized: while one
 * sync runs, later requests collapse into one more run with the newest wanted set. A command
 * that fails is logged and not recorded as applied, so the next sync (the service re-syncs every
 * 30 s, as ZeroTier does) tries again.
 *
 * Nothing is removed on shutdown or leave: closing the TAP deletes the device, and the kernel
 * drops its addresses and routes with it. forget() records that.
 */
import { cidrToText, type Cidr } from '../ip-text.js';
import type { IpCommandRunner } from './ip-command.js';
import { type RouteSpec, ipText, routeKey } from './managed-plan.js';

export interface Wanted {
  addresses: Cidr[];
  routes: RouteSpec[];
}

export type CommandLog = (message: string) => void;

export class ManagedAddressing {
  private readonly addresses = new Map<string, Cidr>();
  private readonly routes = new Map<string, RouteSpec>();
  private wanted: Wanted | undefined;
  private running: Promise<void> | undefined;
  commandsRun = 0;
  commandsFailed = 0;

  constructor(
    private readonly dev: string,
    private readonly ip: IpCommandRunner,
    private readonly onFailure: CommandLog,
  ) {}

  /** Applied addresses (what the kernel has, as far as we know). */
  appliedAddresses(): Cidr[] {
    return [...this.addresses.values()];
  }

  appliedRoutes(): RouteSpec[] {
    return [...this.routes.values()];
  }

  /** Make the port hold exactly `wanted`; resolves when a sync that saw it has finished. */
  sync(wanted: Wanted): Promise<void> {
    this.wanted = wanted;
    if (!this.running) {
      this.running = this.loop().finally(() => (this.running = undefined));
    }
    return this.running;
  }

  /** The device is gone (closed): everything on it went with it. */
  forget(): void {
    this.wanted = undefined;
    this.addresses.clear();
    this.routes.clear();
  }

  private async loop(): Promise<void> {
    while (this.wanted) {
      const w = this.wanted;
      this.wanted = undefined;
      await this.apply(w);
    }
  }

  private async run(args: string[]): Promise<boolean> {
    this.commandsRun++;
    const r = await this.ip.run(args);
    if (!r.ok) {
      this.commandsFailed++;
      this.onFailure(`ip ${args.join(' ')}: ${r.error}`);
    }
    return r.ok;
  }

  private async apply(w: Wanted): Promise<void> {
    const dev = this.dev;
    const wantAddr = new Map(w.addresses.map((a) => [cidrToText(a), a]));
    let addressesChanged = false;
    for (const [key, a] of [...this.addresses]) {
      if (wantAddr.has(key)) continue;
      // Removed or re-prefixed: the old one goes first so the new prefix is the only one.
      // A failed delete means it was not there (removed by hand): forget it either way.
      await this.run([a.family === 4 ? '-4' : '-6', 'addr', 'del', key, 'dev', dev]);
      this.addresses.delete(key);
      addressesChanged = true;
    }
    for (const [key, a] of wantAddr) {
      if (this.addresses.has(key)) continue;
      const args =
        a.family === 4 ? ['-4', 'addr', 'replace', key, 'broadcast', '+', 'dev', dev] : ['-6', 'addr', 'replace', key, 'dev', dev, 'nodad'];
      if (await this.run(args)) this.addresses.set(key, a);
      addressesChanged = true;
    }

    const wantRoutes = new Map(w.routes.map((r) => [routeKey(r), r]));
    for (const [key, r] of [...this.routes]) {
      if (wantRoutes.has(key)) continue;
      await this.run(this.routeCommand('del', r));
      this.routes.delete(key);
    }
    for (const [key, r] of wantRoutes) {
      // Address changes can take routes with them (a route's source address went away): redo all.
      if (this.routes.has(key) && !addressesChanged) continue;
      if (await this.run(this.routeCommand('replace', r))) this.routes.set(key, r);
      else this.routes.delete(key);
    }
  }

  private routeCommand(verb: 'replace' | 'del', r: RouteSpec): string[] {
    const args = [r.target.family === 6 ? '-6' : '-4', 'route', verb, cidrToText(r.target)];
    if (r.via) args.push('via', ipText(r.via));
    args.push('dev', this.dev, 'proto', 'static');
    if (r.src) args.push('src', ipText(r.src));
    if (r.metric !== undefined) args.push('metric', String(r.metric));
    return args;
  }
}
