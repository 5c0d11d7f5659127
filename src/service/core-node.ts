/**
 * The part of the core's Node that the service drives, as a structural type: the composition
 * root builds the real Node through a CreateNode factory, and tests hand in a small fake.
 */
import type { Host, LocalSocket } from '../core/host.js';
import type { Identity } from '../core/vl1/identity.js';
import type { InetAddress } from '../core/vl1/inet-address.js';
import type { World } from '../core/vl1/world.js';

export interface CoreNodeOptions {
  identity: Identity;
  planet?: World;
  moons?: World[];
  peerCache?: Uint8Array[];
  trustedPaths?: { network: InetAddress; id: bigint; mtu?: number }[];
  physicalMtu?: number;
}

export interface CoreNodeStatus {
  address: string;
  publicIdentity: string;
  online: boolean;
  isRoot: boolean;
  planetWorldId: bigint;
  planetWorldTimestamp: bigint;
  version: string;
}

export interface CorePathStatus {
  address: InetAddress;
  localSocket: LocalSocket;
  lastSend: number;
  lastReceive: number;
  active: boolean;
  expired: boolean;
  preferred: boolean;
  /** Bypassed through a root: not active and a probe on it went unanswered. */
  dead?: boolean;
  trustedPathId?: bigint | number;
}

export interface CorePeerStatus {
  address: string | number;
  role: 'LEAF' | 'PLANET' | 'MOON';
  latency: number;
  paths: CorePathStatus[];
  [more: string]: unknown;
}

export interface CoreNode {
  processWirePacket(now: number, localSocket: LocalSocket, from: InetAddress, data: Uint8Array): void;
  processBackgroundTasks(now: number): number;
  setLocalAddresses(addrs: { localSocket: LocalSocket; address: InetAddress }[]): void;
  status(now: number): CoreNodeStatus;
  peers(now: number): CorePeerStatus[];
  moons(): World[];
  /** Start orbiting a moon through one of its roots (`seed`, a 40-bit address). */
  orbit?(now: number, moonId: bigint, seed: number): void;
  /** Stop orbiting a moon and forget its world (moons.d file removed through the host). */
  deorbit?(now: number, moonId: bigint): void;
  sendUserMessage(now: number, destination: number, typeId: bigint, data: Uint8Array): boolean;
  readonly counters?: unknown;
}

export type CreateNode = (host: Host, options: CoreNodeOptions, now: number) => CoreNode;
