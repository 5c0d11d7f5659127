/**
 * The part of the core's Node that the service drives, as a structural type: the composition
 * root builds the real Node through a CreateNode factory, and tests hand in a small fake.
 */
import type { Host, LocalSocket } from '../core/host.js';
import type { NodeOptions, NodeStatus, PathStatus, PeerStatus } from '../core/node.js';
import type { InetAddress } from '../core/vl1/inet-address.js';
import type { World } from '../core/vl1/world.js';

/** The core's own shapes: one definition, in src/core/node.ts. */
export type CoreNodeOptions = NodeOptions;
export type CorePathStatus = PathStatus;
export type CorePeerStatus = PeerStatus;
export type CoreNodeStatus = NodeStatus;

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
