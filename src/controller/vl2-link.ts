/**
 * The controller's side of the VL2 integration contract: what the core's Vl2 asks of a local
 * network controller (answer config requests) and what the controller asks of Vl2 (push a
 * config, revoke a member). Declared here structurally so the controller does not depend on
 * the Vl2 class itself; Vl2 satisfies ConfigPushSink as it is.
 */
import type { Address } from '../core/vl1/address.js';
import type { Identity } from '../core/vl1/identity.js';
import type { Revocation } from '../core/vl2/credentials/revocation.js';
import type { Dictionary } from '../core/vl2/dictionary.js';
import type { NetworkConfig } from '../core/vl2/netconf.js';

/** The ERROR codes a controller answers a NETWORK_CONFIG_REQUEST with (vl2.md §9.4). */
export type ConfigErrorCode = 'OBJ_NOT_FOUND' | 'ACCESS_DENIED' | 'UNSUPPORTED_OPERATION' | 'AUTHENTICATION_REQUIRED';

export interface ConfigReply {
  config(config: NetworkConfig): void;
  error(code: ConfigErrorCode): void;
}

export interface LocalNetworkController {
  /** A member (possibly this node itself) asks for a network config; answered through `reply` now or later, or never (rate limit). */
  onConfigRequest(now: number, requester: Identity, nwid: bigint, metadata: Dictionary, reply: ConfigReply): void;
}

/** Where the controller sends unsolicited updates: the core's Vl2. */
export interface ConfigPushSink {
  /** Send `config` to `member` as NETWORK_CONFIG chunks. */
  pushConfig(now: number, member: Address, nwid: bigint, config: NetworkConfig): void;
  /**
   * Send `revocation` (of `member`'s COM) in NETWORK_CREDENTIALS. `recipients` are the members
   * the controller has seen recently (ascending): the reference sends it to each of them.
   */
  revokeMember(now: number, nwid: bigint, member: Address, revocation: Revocation, recipients: readonly Address[]): void;
}
