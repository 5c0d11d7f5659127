/**
 * The VL2 integration contract (see the Vl2 class): what the core's VL2 layer needs from its
 * host (deliver frames to the network's port, hear about network changes) and from a local
 * network controller (answer config requests). Host and controller methods are sinks: they must
 * not call back into the Vl2 or the Node synchronously (queue the work instead). A
 * ConfigReply is the exception: it may be used at any later time, or at once.
 */
import type { Identity } from '../vl1/identity.js';
import type { AuthenticationInfo } from './config-request.js';
import type { Dictionary } from './dictionary.js';
import type { MAC } from './mac.js';
import type { MulticastGroup } from './multicast-group.js';
import type { NetworkConfig } from './netconf.js';

export type { AuthenticationInfo } from './config-request.js';

export interface Vl2Host {
  /**
   * A frame for the network's virtual port (TAP). `payload` is the Ethernet payload; it is a view
   * valid only during the call (copy it to keep it). vlanId is always 0 in 1.14.
   */
  deliverFrame(nwid: bigint, srcMac: MAC, dstMac: MAC, etherType: number, vlanId: number, payload: Uint8Array): void;
  /** Status or config changed (also once on join): apply MTU, MAC, IPs, routes, DNS. */
  networkChanged(nwid: bigint, state: NetworkState): void;
}

/** ZT_VirtualNetworkStatus names (spec vl2.md §7.3). */
export type NetworkStatusName =
  | 'REQUESTING_CONFIGURATION'
  | 'OK'
  | 'ACCESS_DENIED'
  | 'NOT_FOUND'
  | 'PORT_ERROR'
  | 'CLIENT_TOO_OLD'
  | 'AUTHENTICATION_REQUIRED';

export interface NetworkState {
  nwid: bigint;
  /** This node's MAC on the network (spec §2.3). */
  mac: MAC;
  status: NetworkStatusName;
  /** The config in force (kept after a later refusal, as the reference does), if any. */
  config: NetworkConfig | undefined;
  /** The host's subscriptions, sorted (MAC, ADI). */
  multicastSubscriptions: MulticastGroup[];
  /** This node is an active bridge on the network (the port should be bridgeable). */
  activeBridge: boolean;
  /** What the controller's AUTHENTICATION_REQUIRED error said, while that is the status. */
  authentication: AuthenticationInfo | undefined;
}

/** ERROR codes a controller may answer a config request with (spec §9.4). */
export type ConfigErrorCode = 'OBJ_NOT_FOUND' | 'ACCESS_DENIED' | 'UNSUPPORTED_OPERATION' | 'AUTHENTICATION_REQUIRED';

export interface ConfigReply {
  config(config: NetworkConfig): void;
  /** `authentication`: the AUTHENTICATION_REQUIRED dictionary (config-request.ts encodeAuthenticationInfo). */
  error(code: ConfigErrorCode, authentication?: Uint8Array): void;
}

export interface LocalNetworkController {
  /**
   * A member (possibly this node itself) asks for a network config; answer by calling
   * reply.config(...) or reply.error(...) now or later (or never, e.g. rate limited).
   */
  onConfigRequest(now: number, requester: Identity, nwid: bigint, metadata: Dictionary, reply: ConfigReply): void;
}
