/**
 * The seam between VL1 and VL2. VL1 authenticates and dispatches; the VL2 verbs (FRAME,
 * EXT_FRAME, MULTICAST_*, NETWORK_*), OKs and ERRORs about them go to a Vl2Handler when one is
 * attached (Node.attachVl2). Without one they are counted and ignored.
 *
 * VL2 tells VL1 about trust through the Peer: `peer.markActive(now)` for frame-class traffic
 * (keepalives, spec 11.7) and `peer.markTrustEstablished(now, arrival.path)` for frames from a
 * certified member (relaying by non-roots, direct path pushes, spec 9.8 / 11.5).
 */
import type { LocalSocket } from '../host.js';
import type { InetAddress } from './inet-address.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';

/** Where an authenticated packet came from. `path` is the peer's path when it was direct and known. */
export interface Arrival {
  localSocket: LocalSocket;
  from: InetAddress;
  hops: number;
  path: Path | undefined;
}

/** VL2 verb numbers (spec vl1.md 9.12). */
export const VL2_VERBS: ReadonlySet<number> = new Set([0x06, 0x07, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e]);

export interface Vl2Handler {
  /** A VL2 verb from an authenticated peer; `packet` is dearmored and decompressed. */
  handlePacket(now: number, peer: Peer, verb: number, packet: Uint8Array, arrival: Arrival): void;
  /** OK in reply to a VL2 request we sent (already matched against our outstanding requests). */
  handleOk?(now: number, peer: Peer, inReVerb: number, inRePacketId: Uint8Array, body: Uint8Array, arrival: Arrival): void;
  /** ERROR with a VL2 code (NEED_MEMBERSHIP_CERTIFICATE, OBJ_NOT_FOUND, ...); VL2 decides whom to believe. */
  handleError?(now: number, peer: Peer, inReVerb: number, inRePacketId: Uint8Array, errorCode: number, data: Uint8Array, arrival: Arrival): void;
  /** True if the address lies in a managed IP range of a joined network: never a physical path. */
  isManagedAddress?(address: InetAddress): boolean;
}
