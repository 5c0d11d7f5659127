/**
 * A virtual UDP internet for the simulator: hosts with one UDP socket each, either on the
 * "internet" directly or behind a NAT box, with loss, duplication, delay, jitter (which
 * reorders), partitions and roaming. Time is virtual: nothing happens until run() advances it,
 * and every random choice comes from a seeded Prng, so a scenario replays exactly.
 *
 * IPv4 only. TTL is modelled just enough for ZeroTier's NAT-opening trick: a datagram sent with
 * TTL 2 leaves its own NAT (creating the mapping) but dies before it crosses the internet.
 */
import { EventQueue } from './event-queue.js';
import { Prng } from './prng.js';

export interface SimAddress {
  ip: string;
  port: number;
}

export const addrKey = (a: SimAddress): string => `${a.ip}:${a.port}`;

/** What sits behind a socket: a core Node adapter, or a plain test endpoint. */
export interface SimEndpoint {
  receive(now: number, from: SimAddress, data: Uint8Array): void;
  /** Runs timers and returns the next deadline (absolute virtual ms). */
  tick(now: number): number;
}

export type Mapping = 'endpoint-independent' | 'address-dependent' | 'address-port-dependent';
export type Filtering = 'endpoint-independent' | 'address-dependent' | 'address-port-dependent';

export interface NatOptions {
  publicIp: string;
  mapping: Mapping;
  filtering: Filtering;
  hairpin: boolean;
  /** Idle time after which a mapping is forgotten (ms). */
  mappingTimeout?: number;
}

/** The usual NAT kinds, by the names people give them. */
export const NAT_PRESETS = {
  'full-cone': { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  'restricted-cone': { mapping: 'endpoint-independent', filtering: 'address-dependent' },
  'port-restricted-cone': { mapping: 'endpoint-independent', filtering: 'address-port-dependent' },
  'address-dependent': { mapping: 'address-dependent', filtering: 'address-dependent' },
  symmetric: { mapping: 'address-port-dependent', filtering: 'address-port-dependent' },
} as const satisfies Record<string, { mapping: Mapping; filtering: Filtering }>;
export type NatPreset = keyof typeof NAT_PRESETS;

interface NatMapping {
  internal: SimAddress;
  externalPort: number;
  /** Remotes this mapping has sent to: "ip" and "ip:port" keys, for filtering. */
  contacted: Set<string>;
  lastUsed: number;
}

export class Nat {
  readonly hosts = new Set<SimHost>();
  private readonly mappings = new Map<string, NatMapping>();
  private readonly byExternalPort = new Map<number, NatMapping>();
  private nextPort = 40000;
  readonly mappingTimeout: number;

  constructor(readonly options: NatOptions) {
    this.mappingTimeout = options.mappingTimeout ?? 120_000;
  }

  get publicIp(): string {
    return this.options.publicIp;
  }

  private mappingKey(internal: SimAddress, remote: SimAddress): string {
    switch (this.options.mapping) {
      case 'endpoint-independent':
        return addrKey(internal);
      case 'address-dependent':
        return `${addrKey(internal)}>${remote.ip}`;
      case 'address-port-dependent':
        return `${addrKey(internal)}>${addrKey(remote)}`;
    }
  }

  /** Outbound translation: returns the public source address for this flow. */
  outbound(now: number, internal: SimAddress, remote: SimAddress): SimAddress {
    const key = this.mappingKey(internal, remote);
    let m = this.mappings.get(key);
    if (m && now - m.lastUsed > this.mappingTimeout) {
      this.mappings.delete(key);
      this.byExternalPort.delete(m.externalPort);
      m = undefined;
    }
    if (!m) {
      m = { internal: { ...internal }, externalPort: this.nextPort++, contacted: new Set(), lastUsed: now };
      this.mappings.set(key, m);
      this.byExternalPort.set(m.externalPort, m);
    }
    m.lastUsed = now;
    m.contacted.add(remote.ip);
    m.contacted.add(addrKey(remote));
    return { ip: this.publicIp, port: m.externalPort };
  }

  /** Inbound translation: the internal destination, or undefined if filtered. */
  inbound(now: number, externalPort: number, remote: SimAddress): SimAddress | undefined {
    const m = this.byExternalPort.get(externalPort);
    if (!m || now - m.lastUsed > this.mappingTimeout) return undefined;
    switch (this.options.filtering) {
      case 'address-dependent':
        if (!m.contacted.has(remote.ip)) return undefined;
        break;
      case 'address-port-dependent':
        if (!m.contacted.has(addrKey(remote))) return undefined;
        break;
      case 'endpoint-independent':
        break;
    }
    return m.internal;
  }

  get mappingCount(): number {
    return this.mappings.size;
  }
}

export interface Impairments {
  loss: number;
  duplicate: number;
  delayMs: number;
  jitterMs: number;
}

export const PERFECT: Impairments = { loss: 0, duplicate: 0, delayMs: 1, jitterMs: 0 };

export class SimHost {
  up = true;
  sent = 0;
  received = 0;
  constructor(
    readonly fabric: Fabric,
    readonly name: string,
    public address: SimAddress,
    public nat: Nat | undefined,
    readonly endpoint: SimEndpoint,
  ) {}

  send(to: SimAddress, data: Uint8Array, ttl?: number): void {
    this.fabric.send(this, to, data, ttl);
  }
}

interface Delivery {
  host: SimHost;
  from: SimAddress;
  data: Uint8Array;
}

export interface FabricStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  filtered: number;
  unroutable: number;
  blocked: number;
  ttlExpired: number;
}

export class Fabric {
  now = 0;
  readonly rng: Prng;
  readonly hosts: SimHost[] = [];
  readonly nats: Nat[] = [];
  impairments: Impairments = { ...PERFECT };
  readonly stats: FabricStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, filtered: 0, unroutable: 0, blocked: 0, ttlExpired: 0 };
  private readonly queue = new EventQueue<Delivery>();
  private readonly blocked = new Set<string>();
  private readonly deadlines = new Map<SimHost, number>();
  /** Optional tap on every delivered datagram (tests use it to capture and replay). */
  onDeliver?: (host: SimHost, from: SimAddress, data: Uint8Array) => void;

  constructor(seed = 1) {
    this.rng = new Prng(seed);
  }

  addNat(options: NatOptions): Nat {
    const nat = new Nat(options);
    this.nats.push(nat);
    return nat;
  }

  addNatPreset(preset: NatPreset, publicIp: string, hairpin = false): Nat {
    return this.addNat({ publicIp, hairpin, ...NAT_PRESETS[preset] });
  }

  addHost(name: string, address: SimAddress, endpoint: SimEndpoint, nat?: Nat): SimHost {
    const h = new SimHost(this, name, { ...address }, nat, endpoint);
    this.hosts.push(h);
    nat?.hosts.add(h);
    this.deadlines.set(h, this.now);
    return h;
  }

  /** The host changes address (and maybe NAT), as a laptop moving between networks does. */
  move(host: SimHost, address: SimAddress, nat?: Nat): void {
    host.nat?.hosts.delete(host);
    host.address = { ...address };
    host.nat = nat;
    nat?.hosts.add(host);
  }

  /** Drop all traffic between two hosts' public faces (both directions), or restore it. */
  setBlocked(a: SimHost, b: SimHost, blocked: boolean): void {
    for (const k of [`${a.name}|${b.name}`, `${b.name}|${a.name}`]) {
      if (blocked) this.blocked.add(k);
      else this.blocked.delete(k);
    }
  }

  send(from: SimHost, to: SimAddress, data: Uint8Array, ttl?: number): void {
    if (!from.up) return;
    this.stats.sent++;
    from.sent++;
    const copy = data.slice(); // the sender may reuse its buffer
    const route = this.route(from, to, ttl);
    if (!route) return;
    const imp = this.impairments;
    if (imp.loss > 0 && this.rng.next() < imp.loss) {
      this.stats.lost++;
      return;
    }
    const copies = imp.duplicate > 0 && this.rng.next() < imp.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = imp.delayMs + (imp.jitterMs > 0 ? this.rng.next() * imp.jitterMs : 0);
      this.queue.push(this.now + delay, { host: route.host, from: route.from, data: copy });
    }
  }

  /** Works out who receives a datagram and with which source address, applying NATs. */
  private route(from: SimHost, to: SimAddress, ttl?: number): { host: SimHost; from: SimAddress } | undefined {
    let src = from.address;
    const nat = from.nat;
    if (nat) {
      // Same LAN behind the same NAT: delivered directly by private address.
      for (const h of nat.hosts) {
        if (h !== from && h.address.ip === to.ip && h.address.port === to.port) return this.checkBlocked(from, h, src);
      }
      if (to.ip === nat.publicIp) {
        if (!nat.options.hairpin) return this.drop('filtered');
        src = nat.outbound(this.now, from.address, to);
        const internal = nat.inbound(this.now, to.port, src);
        const h = internal && this.hostAt(internal, nat);
        return h ? this.checkBlocked(from, h, src) : this.drop('filtered');
      }
      src = nat.outbound(this.now, from.address, to);
      if (ttl !== undefined && ttl <= 2) return this.drop('ttlExpired');
    } else if (ttl !== undefined && ttl <= 1) {
      return this.drop('ttlExpired');
    }
    // On the internet: a public host, or a NAT's public face.
    const target = this.hosts.find((h) => !h.nat && h.address.ip === to.ip && h.address.port === to.port);
    if (target) return this.checkBlocked(from, target, src);
    const targetNat = this.nats.find((n) => n.publicIp === to.ip);
    if (!targetNat) return this.drop('unroutable');
    const internal = targetNat.inbound(this.now, to.port, src);
    if (!internal) return this.drop('filtered');
    const h = this.hostAt(internal, targetNat);
    return h ? this.checkBlocked(from, h, src) : this.drop('unroutable');
  }

  private hostAt(a: SimAddress, nat: Nat): SimHost | undefined {
    for (const h of nat.hosts) if (h.address.ip === a.ip && h.address.port === a.port) return h;
    return undefined;
  }

  private checkBlocked(from: SimHost, to: SimHost, src: SimAddress): { host: SimHost; from: SimAddress } | undefined {
    if (this.blocked.has(`${from.name}|${to.name}`)) return this.drop('blocked');
    return { host: to, from: src };
  }

  private drop(kind: 'filtered' | 'unroutable' | 'blocked' | 'ttlExpired'): undefined {
    this.stats[kind]++;
    return undefined;
  }

  /** Advances virtual time to `until`, delivering datagrams and running host timers in order. */
  run(until: number): void {
    for (;;) {
      let nextTimer = Infinity;
      for (const [h, t] of this.deadlines) if (h.up && t < nextTimer) nextTimer = t;
      const nextPacket = this.queue.peekTime();
      const next = Math.min(nextTimer, nextPacket);
      if (next > until) break;
      this.now = Math.max(this.now, next);
      if (nextPacket <= nextTimer) {
        const d = this.queue.pop()!;
        if (!d.item.host.up) continue;
        this.stats.delivered++;
        d.item.host.received++;
        this.onDeliver?.(d.item.host, d.item.from, d.item.data);
        d.item.host.endpoint.receive(this.now, d.item.from, d.item.data);
        // A packet may create work sooner than the host's previous deadline.
        this.deadlines.set(d.item.host, this.now);
      } else {
        for (const [h, t] of this.deadlines) {
          if (h.up && t <= this.now) this.deadlines.set(h, Math.max(this.now + 1, h.endpoint.tick(this.now)));
        }
      }
    }
    this.now = Math.max(this.now, until);
  }

  /** Delivers a datagram as if it came from `from` (for replay and forgery tests). */
  inject(to: SimHost, from: SimAddress, data: Uint8Array, delay = 1): void {
    this.queue.push(this.now + delay, { host: to, from, data: data.slice() });
  }
}
