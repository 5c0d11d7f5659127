/**
 * The controller's side of the VL2 integration contract: what the core's Vl2 asks of a local
 * network controller (answer config requests; types from the core's vl2-host.ts) and what the
 * controller asks of Vl2 (push a config or a refusal, revoke a member). ConfigPushSink is
 * declared here structurally so the controller does not depend on the Vl2 class; Vl2 satisfies
 * it as it is.
 */
import type { Address } from '../core/vl1/address.js';
import type { Revocation } from '../core/vl2/credentials/revocation.js';
import type { NetworkConfig } from '../core/vl2/netconf.js';
import type { ConfigErrorCode } from '../core/vl2/vl2-host.js';

export type { ConfigErrorCode, ConfigReply, LocalNetworkController } from '../core/vl2/vl2-host.js';

/** Where the controller sends unsolicited updates: the core's Vl2. */
export interface ConfigPushSink {
  /** Send `config` to `member` as NETWORK_CONFIG chunks. */
  pushConfig(now: number, member: Address, nwid: bigint, config: NetworkConfig): void;
  /**
   * Send a refusal to `member` as an unsolicited ERROR (1.14 nodes act on it: no packet-ID
   * check). Used only when a member loses its authorization. Optional: without it the member
   * learns at its next request, as with the reference controller.
   */
  pushConfigError?(now: number, member: Address, nwid: bigint, code: ConfigErrorCode): void;
  /**
   * Send `revocation` (of `member`'s COM) in NETWORK_CREDENTIALS. `recipients` are the members
   * the controller has seen recently (ascending): the reference sends it to each of them.
   */
  revokeMember(now: number, nwid: bigint, member: Address, revocation: Revocation, recipients: readonly Address[]): void;
}
