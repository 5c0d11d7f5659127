/**
 * Who is who (spec vl1.md 10): the planet, the moons, the moons we want (orbit seeds), the
 * resulting set of upstreams (roots) with their roles and stable endpoints, and the peer table.
 *
 * Invariants:
 *  - every root of the planet and of every moon (except ourselves) has a Peer;
 *  - `upstreams` is sorted by address, so "ties go to the later one" is well defined;
 *  - a root that lists stable endpoints is only ever reached at those IPs (10.7).
 */
import type { Address } from './address.js';
import type { Identity } from './identity.js';
import { type InetAddress, inetAddressIpEquals } from './inet-address.js';
import type { Peer } from './peer.js';
import type { PeerKey } from './peer-key.js';
import { type World, shouldReplaceWorld } from './world.js';
import { ZT_WORLD_TYPE_MOON, ZT_WORLD_TYPE_PLANET } from './constants.js';

export type PeerRole = 'LEAF' | 'PLANET' | 'MOON';

/** Outcome of offering a world (for counters and events). */
export type WorldUpdateOutcome = 'accepted' | 'ignored';

export class Topology {
  planet: World | undefined;
  readonly moons: World[] = [];
  /** Moons we were told to orbit but do not have yet: moon ID -> seed address (0 = none). */
  readonly wantedMoons = new Map<bigint, Address>();
  readonly peers = new Map<Address, Peer>();
  /** Addresses of all roots except us, sorted ascending. */
  upstreams: Address[] = [];
  /** We are one of the roots ("amUpstream"). */
  amRoot = false;
  private readonly planetRoots = new Set<Address>();
  private readonly stableEndpoints = new Map<Address, InetAddress[]>();

  constructor(
    private readonly self: Identity,
    /** Creates a peer (agrees the key); the Node supplies it so Topology stays crypto-free. */
    private readonly makePeer: (identity: Identity, key?: PeerKey) => Peer,
  ) {}

  getPeer(address: Address): Peer | undefined {
    return this.peers.get(address);
  }

  /** Adds a peer if unknown; returns the one we hold (an existing one always wins). */
  addPeer(identity: Identity, key?: PeerKey): Peer {
    const existing = this.peers.get(identity.address);
    if (existing) return existing;
    const peer = this.makePeer(identity, key);
    this.peers.set(identity.address, peer);
    return peer;
  }

  isUpstream(address: Address): boolean {
    return this.planetRoots.has(address) || this.stableEndpoints.has(address);
  }

  role(address: Address): PeerRole {
    if (this.planetRoots.has(address)) return 'PLANET';
    return this.stableEndpoints.has(address) ? 'MOON' : 'LEAF';
  }

  /** Stable endpoints of a root (empty for leaves and for roots that list none). */
  endpointsOf(address: Address): InetAddress[] {
    return this.stableEndpoints.get(address) ?? [];
  }

  /** A root with stable endpoints may only be used at those IPs (ports ignored). */
  isProhibitedEndpoint(address: Address, ip: InetAddress): boolean {
    const eps = this.stableEndpoints.get(address);
    if (!eps || eps.length === 0) return false;
    for (const ep of eps) if (inetAddressIpEquals(ep, ip)) return false;
    return true;
  }

  /** Seeds of moons we are waiting for. */
  isWantedMoonSeed(address: Address): boolean {
    for (const seed of this.wantedMoons.values()) if (seed === address) return true;
    return false;
  }

  /**
   * The upstream with the lowest relay quality (spec 10.7); ties go to the later address.
   * Roots whose best path is alive (heard from in the last 19 s) come first: with every root
   * answering its own keepalive WHOIS (see Switch.requestWhois) a dead root drops out of the
   * choice within seconds instead of the minutes the 61 s quality buckets alone would take.
   * `exclude` skips one address (the destination of a relayed packet).
   */
  bestRoot(now: number, exclude?: Address): Peer | undefined {
    let best: Peer | undefined;
    let bestQ = Infinity;
    let bestAlive = false;
    for (const a of this.upstreams) {
      if (a === exclude) continue;
      const p = this.peers.get(a);
      if (!p) continue;
      const q = p.relayQuality(now);
      if (q === Infinity) continue;
      const alive = p.bestPath(now)?.alive(now) ?? false;
      if ((alive && !bestAlive) || (alive === bestAlive && q <= bestQ)) {
        best = p;
        bestQ = q;
        bestAlive = alive;
      }
    }
    if (best) return best;
    // Nothing heard from any root yet: any root we can at least try.
    for (let i = this.upstreams.length - 1; i >= 0; i--) {
      const a = this.upstreams[i];
      if (a === exclude) continue;
      const p = this.peers.get(a);
      if (p && p.bestPath(now)) return p;
    }
    return undefined;
  }

  /**
   * Offers a world (spec 10.3). `requested`: loaded from our own files or the options, so accepted
   * without a signature check when we do not have that world yet. Returns whether it was taken.
   */
  addWorld(world: World, requested: boolean): WorldUpdateOutcome {
    if (world.type === ZT_WORLD_TYPE_PLANET) {
      if (this.planet && !shouldReplaceWorld(this.planet, world)) return 'ignored';
      this.planet = world;
    } else if (world.type === ZT_WORLD_TYPE_MOON) {
      const i = this.moons.findIndex((m) => m.id === world.id);
      if (i >= 0) {
        if (!shouldReplaceWorld(this.moons[i], world)) return 'ignored';
        this.moons[i] = world;
      } else {
        if (!requested) return 'ignored';
        this.moons.push(world);
        this.wantedMoons.delete(world.id);
      }
    } else {
      return 'ignored';
    }
    this.refreshUpstreams();
    return 'accepted';
  }

  /**
   * A moon arriving in OK(HELLO) from `seed` that we are waiting for is taken without a signature
   * check if it lists the seed among its roots (spec 10.3); known moons follow the update rule.
   */
  offerMoonFromSeed(world: World, seed: Address): WorldUpdateOutcome {
    if (world.type !== ZT_WORLD_TYPE_MOON) return 'ignored';
    if (this.moons.some((m) => m.id === world.id)) return this.addWorld(world, false);
    if (!this.wantedMoons.has(world.id)) return 'ignored';
    const wantedSeed = this.wantedMoons.get(world.id)!;
    if (wantedSeed !== seed && wantedSeed !== 0) return 'ignored';
    if (!world.roots.some((r) => r.identity.address === seed)) return 'ignored';
    return this.addWorld(world, true);
  }

  orbit(moonId: bigint, seed: Address): void {
    if (this.moons.some((m) => m.id === moonId)) return;
    this.wantedMoons.set(moonId, seed);
  }

  /** Removes a moon (and any wish for it); returns whether anything changed. */
  deorbit(moonId: bigint): boolean {
    const hadWish = this.wantedMoons.delete(moonId);
    const i = this.moons.findIndex((m) => m.id === moonId);
    if (i < 0) return hadWish;
    this.moons.splice(i, 1);
    this.refreshUpstreams();
    return true;
  }

  private refreshUpstreams(): void {
    this.planetRoots.clear();
    this.stableEndpoints.clear();
    this.amRoot = false;
    const worlds = this.planet ? [this.planet, ...this.moons] : [...this.moons];
    for (const w of worlds) {
      for (const root of w.roots) {
        const a = root.identity.address;
        if (a === this.self.address) {
          if (root.identity.equals(this.self)) this.amRoot = true;
          continue;
        }
        if (w === this.planet) this.planetRoots.add(a);
        const eps = this.stableEndpoints.get(a) ?? [];
        for (const ep of root.stableEndpoints) eps.push(ep);
        this.stableEndpoints.set(a, eps);
        this.addPeer(root.identity);
      }
    }
    this.upstreams = [...this.stableEndpoints.keys()].sort((x, y) => x - y);
  }

  /** Worlds we can offer a HELLO sender that named older revisions (OK(HELLO), spec 9.4.1). */
  worldsNewerThan(planetId: bigint | undefined, planetTimestamp: bigint | undefined, moons: { id: bigint; timestamp: bigint }[]): World[] {
    const out: World[] = [];
    if (this.planet && planetId === this.planet.id && planetTimestamp !== undefined && planetTimestamp < this.planet.timestamp) out.push(this.planet);
    for (const m of this.moons) {
      if (moons.some((x) => x.id === m.id && x.timestamp < m.timestamp)) out.push(m);
    }
    return out;
  }
}
