/**
 * The boundary between the sans-I/O core and whoever hosts it (the service, the simulator, a
 * test). The core never opens a socket, reads a clock or touches a file: time comes in as
 * `now` on every call, and everything the core wants done in the world goes out through Host.
 *
 * Host methods are sinks: they must not call back into the Node (queue the work instead).
 * That keeps the core free of re-entrancy and makes a run deterministic given the same
 * inputs and the same random bytes.
 */
import type { Address } from './vl1/address.js';
import type { InetAddress } from './vl1/inet-address.js';

/** Opaque ID the host gives each bound UDP socket; the core echoes it back when replying. */
export type LocalSocket = number;

/**
 * Passed to sendDatagram when no path exists yet (first HELLO to a root's stable endpoint, an
 * address remembered in the peer cache): send from whichever socket(s) suit the destination.
 */
export const ANY_LOCAL_SOCKET: LocalSocket = -1;

/** Kinds of persistent objects the core asks the host to keep (as ZeroTier's state objects). */
export type StateObjectKind = 'planet' | 'moon' | 'peer';

export type NodeEvent =
  | { type: 'up' }
  | { type: 'online' }
  | { type: 'offline' }
  | { type: 'fatal-identity-collision'; root: Address }
  | { type: 'user-message'; from: Address; typeId: bigint; data: Uint8Array }
  | { type: 'world-updated'; worldType: 'planet' | 'moon'; id: bigint; timestamp: bigint }
  | { type: 'trace'; message: string; detail?: Record<string, unknown> };

export interface Host {
  /** Send one UDP datagram. `ttl` is set only for the NAT-opening junk packet (IP TTL 2). */
  sendDatagram(localSocket: LocalSocket, to: InetAddress, data: Uint8Array, ttl?: number): void;
  /** Persist (or, with undefined, delete) a state object, e.g. ('moon', '00000080f9c1d0b5'). */
  putState(kind: StateObjectKind, id: string, data: Uint8Array | undefined): void;
  /** Something happened that the host or the user may care about. */
  event(e: NodeEvent): void;
  /** n bytes from a CSPRNG (or a seeded generator in simulations). */
  randomBytes(n: number): Uint8Array;
  /** Optional veto on physical paths (local.conf blacklists, managed-route overlap). */
  shouldUsePath?(peer: Address, localSocket: LocalSocket, remote: InetAddress): boolean;
}
