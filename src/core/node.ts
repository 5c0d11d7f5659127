/**
 * The VL1 node: the sans-I/O engine a host drives (spec vl1.md; design.md section 1).
 *
 * Inputs: processWirePacket (a UDP datagram arrived), processBackgroundTasks (time passed;
 * returns when it wants to be called next) and the API calls below. Outputs: calls on the Host
 * (send a datagram, store state, report an event, draw random bytes). All time comes in as `now`
 * (ms); all randomness from host.randomBytes. The same inputs and random bytes give the same run.
 *
 * Roots are not a separate program: a node that finds its own identity among its planet's or a
 * moon's roots answers WHOIS for everyone it knows, relays for anyone and introduces peers.
 *
 * processWirePacket may modify `data` in place (dearmor decrypts in place; relays rewrite the
 * hop count): the host must hand each datagram in its own buffer.
 */
import { DecodeError } from './errors.js';
import type { Host, LocalSocket } from './host.js';
import { ANY_LOCAL_SOCKET } from './host.js';
import { type Address, addressToString, isReservedAddress } from './vl1/address.js';
import { compressPacket } from './vl1/compression.js';
import {
  SOFTWARE_VERSION,
  ZT_CORE_TIMER_TASK_GRANULARITY,
  ZT_DEFAULT_PHYSMTU,
  ZT_HOUSEKEEPING_PERIOD,
  ZT_MAX_PHYSMTU,
  ZT_MIN_PHYSMTU,
  ZT_PACKET_IDX_PAYLOAD,
  ZT_PEER_ACTIVITY_TIMEOUT,
  ZT_PING_CHECK_INTERVAL,
} from './vl1/constants.js';
import type { NodeCounters } from './vl1/counters.js';
import { maxPacketLengthForMtu } from './vl1/fragment.js';
import type { Identity } from './vl1/identity.js';
import type { InetAddress } from './vl1/inet-address.js';
import { VERB } from './vl1/packet.js';
import { LATENCY_UNKNOWN, NEVER } from './vl1/path.js';
import type { Peer } from './vl1/peer.js';
import { deserializePeer, serializePeer } from './vl1/peer-cache.js';
import { Pinger } from './vl1/pinger.js';
import { Runtime, type LocalAddress } from './vl1/runtime.js';
import type { PeerRole } from './vl1/topology.js';
import { type TrustedPathConfig, TrustedPaths } from './vl1/trusted-paths.js';
import { encodeUserMessage } from './vl1/verbs.js';
import type { Vl2Handler } from './vl1/vl2-hook.js';
import { DEFAULT_PLANET, decodeWorld, type World } from './vl1/world.js';

export type { NodeCounters } from './vl1/counters.js';
export type { Vl2Handler, Arrival } from './vl1/vl2-hook.js';

export interface NodeOptions {
  /** Must hold its private key. */
  identity: Identity;
  /** Default: ZeroTier's public planet (DEFAULT_PLANET). */
  planet?: World;
  /** Moons from moons.d/, accepted unconditionally. */
  moons?: World[];
  /** Blobs this node earlier gave to host.putState('peer', address, blob). */
  peerCache?: Uint8Array[];
  trustedPaths?: TrustedPathConfig[];
  /** Largest datagram we send (default 1432), clamped to 1400..10324. */
  physicalMtu?: number;
}

export interface PathStatus {
  address: InetAddress;
  localSocket: LocalSocket;
  /** 0 if never. */
  lastSend: number;
  lastReceive: number;
  /** Something was received on it in the last 19 s. */
  active: boolean;
  /** Silent for 243 s: no longer used. */
  expired: boolean;
  /** The path we would send on now (false for all while a dead direct path is bypassed via a root). */
  preferred: boolean;
  /** Not active and a probe on it went unanswered: traffic goes through a root meanwhile. */
  dead: boolean;
  /** 0n unless the address is in a trusted physical network. */
  trustedPathId: bigint;
}

export interface PeerStatus {
  /** 10 hex digits. */
  address: string;
  role: PeerRole;
  /** Best path's latency in ms, -1 if unknown. */
  latency: number;
  protocolVersion: number;
  versionMajor: number;
  versionMinor: number;
  versionRevision: number;
  paths: PathStatus[];
}

export interface NodeStatus {
  address: string;
  publicIdentity: string;
  online: boolean;
  isRoot: boolean;
  planetWorldId: bigint;
  planetWorldTimestamp: bigint;
  version: string;
}

/** Paths remembered in a cached peer that we greet once after a (re)start. */
interface PendingGreeting {
  peer: Address;
  addresses: InetAddress[];
}

export class Node {
  readonly identity: Identity;
  readonly address: Address;
  private readonly rt: Runtime;
  private readonly pinger: Pinger;
  private lastPingCheck = NEVER;
  private lastHousekeeping: number;
  private online = false;
  private pendingGreetings: PendingGreeting[] = [];

  constructor(
    private readonly host: Host,
    options: NodeOptions,
    now: number,
  ) {
    if (!options.identity.hasPrivate()) throw new Error('Node needs an identity with its private key');
    this.identity = options.identity;
    this.address = options.identity.address;
    const mtu = Math.max(ZT_MIN_PHYSMTU, Math.min(ZT_MAX_PHYSMTU, options.physicalMtu ?? ZT_DEFAULT_PHYSMTU));
    this.rt = new Runtime(host, options.identity, new TrustedPaths(options.trustedPaths), mtu);
    this.pinger = new Pinger(this.rt);
    this.lastHousekeeping = now;

    const planet = options.planet ?? defaultPlanet();
    this.rt.topology.addWorld(planet, true);
    for (const m of options.moons ?? []) this.rt.topology.addWorld(m, true);
    for (const blob of options.peerCache ?? []) this.loadCachedPeer(blob);
    host.event({ type: 'up' });
  }

  get counters(): NodeCounters {
    return this.rt.counters;
  }

  // ---- Inputs -----------------------------------------------------------------------------

  processWirePacket(now: number, localSocket: LocalSocket, from: InetAddress, data: Uint8Array): void {
    try {
      this.rt.sw.onRemotePacket(now, localSocket, from, data);
    } catch (e) {
      // Decoders report hostile input as results; this is the last line for any that slips by.
      if (e instanceof DecodeError) this.rt.counters.drop(e.reason);
      else if (e instanceof RangeError) this.rt.counters.drop('bad_field');
      else throw e;
    }
    if (!this.online) this.updateOnline(now);
  }

  processBackgroundTasks(now: number): number {
    const rt = this.rt;
    if (now - this.lastPingCheck >= ZT_PING_CHECK_INTERVAL) {
      this.lastPingCheck = now;
      this.greetCachedPeers(now);
      this.pinger.run(now);
    }
    if (now - this.lastHousekeeping >= ZT_HOUSEKEEPING_PERIOD) {
      this.lastHousekeeping = now;
      this.housekeeping(now);
    }
    rt.sw.doTimerTasks(now);
    this.updateOnline(now);
    const next = Math.min(this.lastPingCheck + ZT_PING_CHECK_INTERVAL, this.lastHousekeeping + ZT_HOUSEKEEPING_PERIOD, rt.sw.nextDeadline());
    return Math.max(next, now + ZT_CORE_TIMER_TASK_GRANULARITY);
  }

  /** Bound interface addresses (with their ports), advertised to trusted peers by PUSH_DIRECT_PATHS. */
  setLocalAddresses(addrs: LocalAddress[]): void {
    this.rt.localAddresses = addrs.map((a) => ({ localSocket: a.localSocket, address: { family: a.address.family, ip: a.address.ip.slice(), port: a.address.port } }));
  }

  /** Join a moon through one of its roots (`seed`, 0 = wait for it via moons.d). */
  orbit(_now: number, moonId: bigint, seed: Address): void {
    this.rt.topology.orbit(moonId, seed);
    this.lastPingCheck = NEVER; // contact the seed at the next background call
  }

  deorbit(_now: number, moonId: bigint): void {
    if (this.rt.topology.deorbit(moonId)) this.host.putState('moon', moonId.toString(16).padStart(16, '0'), undefined);
  }

  /** Sends a USER_MESSAGE (spec 9.9); false if it cannot be sent at all (self, reserved, too large). */
  sendUserMessage(now: number, destination: Address, typeId: bigint, data: Uint8Array): boolean {
    return this.sendPacket(now, destination, VERB.USER_MESSAGE, encodeUserMessage({ typeId, data }), true);
  }

  /**
   * Sends any verb to a peer through the general send path (direct, relayed, or queued while we
   * WHOIS it). For VL2 and tests. False if the packet could never be sent.
   */
  sendPacket(now: number, destination: Address, verb: number, payload: Uint8Array, compress = false): boolean {
    if (destination === this.address || isReservedAddress(destination)) return false;
    if (ZT_PACKET_IDX_PAYLOAD + payload.length > maxPacketLengthForMtu(this.rt.physicalMtu)) return false;
    let packet = this.rt.sw.packet(destination, verb, payload);
    if (compress) packet = compressPacket(packet);
    this.rt.sw.send(now, packet, true);
    return true;
  }

  /** Plugs the VL2 layer in (see vl1/vl2-hook.ts). */
  attachVl2(handler: Vl2Handler): void {
    this.rt.vl2 = handler;
  }

  /** Saves every peer to the host's cache (call before stopping). */
  shutdown(now: number): void {
    for (const peer of this.rt.topology.peers.values()) this.savePeer(peer, now);
  }

  // ---- Views ------------------------------------------------------------------------------

  status(now: number): NodeStatus {
    const planet = this.rt.topology.planet;
    return {
      address: addressToString(this.address),
      publicIdentity: this.identity.toString(false),
      online: this.isOnline(now),
      isRoot: this.rt.topology.amRoot,
      planetWorldId: planet?.id ?? 0n,
      planetWorldTimestamp: planet?.timestamp ?? 0n,
      version: `${SOFTWARE_VERSION.major}.${SOFTWARE_VERSION.minor}.${SOFTWARE_VERSION.revision}`,
    };
  }

  peers(now: number): PeerStatus[] {
    const out: PeerStatus[] = [];
    const topo = this.rt.topology;
    for (const peer of topo.peers.values()) {
      const best = peer.bestPath(now);
      const route = this.rt.sw.routeTo(now, peer, best);
      out.push({
        address: addressToString(peer.address),
        role: topo.role(peer.address),
        latency: best && best.latency !== LATENCY_UNKNOWN ? best.latency : -1,
        protocolVersion: peer.protocolVersion,
        versionMajor: peer.versionMajor,
        versionMinor: peer.versionMinor,
        versionRevision: peer.versionRevision,
        paths: peer.paths.map((p) => ({
          address: p.address,
          localSocket: p.localSocket,
          lastSend: p.lastSend === NEVER ? 0 : p.lastSend,
          lastReceive: p.lastReceive === NEVER ? 0 : p.lastReceive,
          active: p.alive(now),
          expired: p.expired(now),
          dead: p.dead(now),
          preferred: p === route,
          trustedPathId: this.rt.trustedPaths.idFor(p.address),
        })),
      });
    }
    return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  moons(): World[] {
    return [...this.rt.topology.moons];
  }

  /** The engine's internals, for VL2, tests and benchmarks (not for hosts). */
  get runtime(): Runtime {
    return this.rt;
  }

  // ---- Internals --------------------------------------------------------------------------

  private isOnline(now: number): boolean {
    const topo = this.rt.topology;
    if (topo.amRoot) return true;
    for (const a of topo.upstreams) {
      const p = topo.getPeer(a);
      if (p && now - p.lastReceive < ZT_PEER_ACTIVITY_TIMEOUT) return true;
    }
    return false;
  }

  private updateOnline(now: number): void {
    const online = this.isOnline(now);
    if (online === this.online) return;
    this.online = online;
    this.host.event({ type: online ? 'online' : 'offline' });
  }

  /** Evicts peers silent for 500 s (roots and moon seeds stay), saving them to the cache. */
  private housekeeping(now: number): void {
    const rt = this.rt;
    const topo = rt.topology;
    for (const [address, peer] of topo.peers) {
      if (topo.isUpstream(address) || topo.isWantedMoonSeed(address) || peer.isAlive(now)) continue;
      this.savePeer(peer, now);
      topo.peers.delete(address);
    }
    rt.selfAwareness.clean(now);
    rt.gates.whoisSend.clean(now);
    rt.gates.unite.clean(now);
    rt.gates.pathConfirm.clean(now);
    rt.gates.echoReply.clean(now);
  }

  private savePeer(peer: Peer, now: number): void {
    this.host.putState('peer', addressToString(peer.address), serializePeer(peer, now));
  }

  private loadCachedPeer(blob: Uint8Array): void {
    const r = deserializePeer(blob);
    if (!r.ok) {
      this.rt.counters.drop(r.error.reason);
      return;
    }
    const c = r.value;
    if (c.identity.address === this.address || isReservedAddress(c.identity.address)) return;
    if (this.rt.topology.getPeer(c.identity.address)) return;
    const peer = this.rt.topology.addPeer(c.identity);
    peer.setVersions(c.protocolVersion, c.versionMajor, c.versionMinor, c.versionRevision);
    if (c.addresses.length > 0) this.pendingGreetings.push({ peer: peer.address, addresses: c.addresses });
  }

  /** After a restart, HELLO each cached peer at the addresses it had (once). */
  private greetCachedPeers(now: number): void {
    if (this.pendingGreetings.length === 0) return;
    const pending = this.pendingGreetings;
    this.pendingGreetings = [];
    for (const g of pending) {
      const peer = this.rt.topology.getPeer(g.peer);
      if (!peer) continue;
      for (const a of g.addresses) {
        if (this.rt.isPathUsable(peer.address, ANY_LOCAL_SOCKET, a)) this.rt.sw.sendHello(now, peer, ANY_LOCAL_SOCKET, a);
      }
    }
  }
}

function defaultPlanet(): World {
  const r = decodeWorld(DEFAULT_PLANET);
  if (!r.ok) throw new Error(`the built-in planet does not decode: ${r.error.message}`);
  return r.value.world;
}
