/**
 * Adapter between the simulator fabric and the core: a SimNode is a fabric endpoint that wraps
 * one core Node and implements its Host with the fabric (one UDP socket per host, IPv4 only,
 * randomness from a fork of the fabric's seeded Prng). It records what the node reports
 * (events, user messages, stored state) for scenarios to assert on.
 */
import { Node, type NodeOptions } from '../../src/core/node.js';
import type { Host, LocalSocket, NodeEvent, StateObjectKind } from '../../src/core/host.js';
import type { Address } from '../../src/core/vl1/address.js';
import type { Identity } from '../../src/core/vl1/identity.js';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import type { Fabric, Nat, SimAddress, SimEndpoint, SimHost } from './fabric.js';
import type { Prng } from './prng.js';

/** The only socket a simulated host has. */
export const SIM_SOCKET: LocalSocket = 0;

const ipCache = new Map<string, Uint8Array>();

export function toInet(a: SimAddress): InetAddress {
  let ip = ipCache.get(a.ip);
  if (!ip) {
    ip = Uint8Array.from(a.ip.split('.').map(Number));
    ipCache.set(a.ip, ip);
  }
  return { family: 4, ip, port: a.port };
}

export function toSim(a: InetAddress): SimAddress {
  return { ip: Array.from(a.ip).join('.'), port: a.port };
}

export interface ReceivedMessage {
  at: number;
  from: Address;
  typeId: bigint;
  data: Uint8Array;
}

export class SimNode implements SimEndpoint, Host {
  node: Node;
  readonly host: SimHost;
  readonly events: { at: number; event: NodeEvent }[] = [];
  readonly messages: ReceivedMessage[] = [];
  readonly state = new Map<string, Uint8Array>();
  private readonly rng: Prng;
  /** Set false to make the node ignore its timers (a frozen process). */
  ticking = true;

  constructor(
    readonly fabric: Fabric,
    readonly name: string,
    address: SimAddress,
    readonly identity: Identity,
    readonly options: Omit<NodeOptions, 'identity'>,
    nat?: Nat,
  ) {
    this.rng = fabric.rng.fork();
    this.node = new Node(this, { ...options, identity }, fabric.now);
    this.host = fabric.addHost(name, address, this, nat);
  }

  /**
   * The process restarts: a fresh Node with the same identity and options, all memory lost
   * (with `withPeerCache`, it reloads the peer blobs it stored).
   */
  restart(withPeerCache = false): void {
    const peerCache = withPeerCache ? [...this.state].filter(([k]) => k.startsWith('peer/')).map(([, v]) => v) : undefined;
    this.node = new Node(this, { ...this.options, identity: this.identity, peerCache }, this.fabric.now);
  }

  get address(): Address {
    return this.node.address;
  }

  // ---- SimEndpoint ------------------------------------------------------------------------

  receive(now: number, from: SimAddress, data: Uint8Array): void {
    // The fabric may deliver one buffer twice (duplication); the core dearmors in place.
    this.node.processWirePacket(now, SIM_SOCKET, toInet(from), data.slice());
  }

  tick(now: number): number {
    return this.ticking ? this.node.processBackgroundTasks(now) : now + 1000;
  }

  // ---- Host -------------------------------------------------------------------------------

  sendDatagram(_localSocket: LocalSocket, to: InetAddress, data: Uint8Array, ttl?: number): void {
    if (to.family !== 4) return;
    this.host.send(toSim(to), data, ttl);
  }

  putState(kind: StateObjectKind, id: string, data: Uint8Array | undefined): void {
    const key = `${kind}/${id}`;
    if (data) this.state.set(key, data.slice());
    else this.state.delete(key);
  }

  event(e: NodeEvent): void {
    this.events.push({ at: this.fabric.now, event: e });
    if (e.type === 'user-message') this.messages.push({ at: this.fabric.now, from: e.from, typeId: e.typeId, data: e.data });
  }

  randomBytes(n: number): Uint8Array {
    return this.rng.bytes(n);
  }

  // ---- Conveniences for scenarios -----------------------------------------------------------

  get online(): boolean {
    return this.node.status(this.fabric.now).online;
  }

  send(to: SimNode | Address, text: string, typeId = 0x10000n): boolean {
    const dest = typeof to === 'number' ? to : to.address;
    return this.node.sendUserMessage(this.fabric.now, dest, typeId, new TextEncoder().encode(text));
  }

  /** Texts received from `from` (all senders if omitted). */
  texts(from?: SimNode): string[] {
    return this.messages.filter((m) => !from || m.from === from.address).map((m) => new TextDecoder().decode(m.data));
  }

  knows(other: SimNode): boolean {
    return this.node.runtime.topology.getPeer(other.address) !== undefined;
  }

  /** True if we hold an alive direct path to `other` that we would use now. */
  hasDirectPathTo(other: SimNode): boolean {
    const peer = this.node.runtime.topology.getPeer(other.address);
    const best = peer?.bestPath(this.fabric.now);
    return best !== undefined && best.alive(this.fabric.now);
  }
}
