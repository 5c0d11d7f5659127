/**
 * A small builder for simulated networks: a fabric, a planet with N roots on the open internet,
 * and leaf nodes on the internet or behind NATs. Addresses are global-scope IPv4 for anything on
 * the internet (root i at 44.0.i.1, NAT i at 70.0.i.1, public node i at 60.<i/256>.<i%256>.2,
 * each in its own /24 so the per-prefix identity-verification limit never queues them) and
 * private 10.x inside NATs.
 */
import type { NodeOptions } from '../../src/core/node.js';
import type { Identity } from '../../src/core/vl1/identity.js';
import type { World } from '../../src/core/vl1/world.js';
import { Fabric, type Nat, type NatPreset, type SimAddress } from './fabric.js';
import { buildPlanet, fixtureIdentities, vectorIdentities } from './planet.js';
import { SimNode } from './sim-node.js';

/** Virtual clock start: a realistic epoch, so "0 = never" bugs in the core would show. */
export const SIM_EPOCH = 1_700_000_000_000;
export const ROOT_PORT = 9993;

export interface SimNetOptions {
  seed?: number;
  roots?: number;
  /** Identities for leaves: 'vectors' (alice, bob, carol, fresh0..2) or 'fixture' (240). */
  identities?: 'vectors' | 'fixture';
}

export class SimNet {
  readonly fabric: Fabric;
  readonly planet: World;
  readonly roots: SimNode[] = [];
  readonly nodes: SimNode[] = [];
  private readonly leafIdentities: Identity[];
  private nextIdentity = 0;
  private nextNat = 0;
  private nextPublic = 0;

  constructor(options: SimNetOptions = {}) {
    this.fabric = new Fabric(options.seed ?? 1);
    this.fabric.now = SIM_EPOCH;
    const v = vectorIdentities();
    // root1, moonseed are the natural roots; leaves get the rest of the vectors or the fixture.
    const rootIds = [v[3], v[4]];
    const nRoots = options.roots ?? 1;
    if (nRoots > rootIds.length) throw new Error('at most 2 roots in a SimNet');
    const rootSpecs = rootIds.slice(0, nRoots).map((identity, i) => ({ identity, endpoints: [{ ip: `44.0.${i}.1`, port: ROOT_PORT }] }));
    this.planet = buildPlanet(rootSpecs);
    this.leafIdentities = options.identities === 'fixture' ? fixtureIdentities() : [v[0], v[1], v[2], v[5], v[6]];
    for (let i = 0; i < nRoots; i++) this.roots.push(new SimNode(this.fabric, `root${i}`, rootSpecs[i].endpoints[0], rootSpecs[i].identity, { planet: this.planet }));
  }

  get now(): number {
    return this.fabric.now;
  }

  takeIdentity(): Identity {
    if (this.nextIdentity >= this.leafIdentities.length) throw new Error('out of simulation identities');
    return this.leafIdentities[this.nextIdentity++];
  }

  addNat(preset: NatPreset, hairpin = false): Nat {
    const i = this.nextNat++;
    return this.fabric.addNatPreset(preset, `70.0.${i}.1`, hairpin);
  }

  /** A leaf on the open internet. */
  addPublicNode(name: string, options: Partial<Omit<NodeOptions, 'identity'>> = {}, identity = this.takeIdentity()): SimNode {
    const i = this.nextPublic++;
    return this.add(name, { ip: `60.${i >> 8}.${i & 255}.2`, port: 9993 }, identity, options);
  }

  /** A leaf behind `nat`, at 10.<nat>.0.<k>. */
  addNatNode(name: string, nat: Nat, options: Partial<Omit<NodeOptions, 'identity'>> = {}, identity = this.takeIdentity()): SimNode {
    const natIndex = this.fabric.nats.indexOf(nat);
    const k = nat.hosts.size + 2;
    return this.add(name, { ip: `10.${natIndex}.0.${k}`, port: 9993 }, identity, options, nat);
  }

  add(name: string, address: SimAddress, identity: Identity, options: Partial<Omit<NodeOptions, 'identity'>> = {}, nat?: Nat): SimNode {
    const n = new SimNode(this.fabric, name, address, identity, { planet: this.planet, ...options }, nat);
    this.nodes.push(n);
    return n;
  }

  /** Advances virtual time by `ms`. */
  run(ms: number): void {
    this.fabric.run(this.fabric.now + ms);
  }

  /** Runs in steps until `done()` or `maxMs` elapsed; returns the virtual ms it took (Infinity if never). */
  runUntil(done: () => boolean, maxMs: number, stepMs = 100): number {
    const start = this.fabric.now;
    while (!done()) {
      if (this.fabric.now - start >= maxMs) return Infinity;
      this.run(stepMs);
    }
    return this.fabric.now - start;
  }

  get all(): SimNode[] {
    return [...this.roots, ...this.nodes];
  }
}
