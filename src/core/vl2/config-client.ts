/**
 * A member's side of network configuration (spec vl2.md §2.2, §9): asking the controller for
 * the config (at join, then every 5 s until one is held, then when it is 60 s old), reassembling
 * and verifying the signed chunks that come back or are pushed, applying the result, and the
 * controller's refusals. Only the network's controller is believed, for chunks and errors alike.
 *
 * Replays: chunks already seen are ignored (ConfigAssembler), and a config older (by controller
 * timestamp) than the one in force is not applied.
 */
import type { Address } from '../vl1/address.js';
import { readU64, writeU64 } from '../vl1/bytes.js';
import { ZT_PING_CHECK_INTERVAL } from '../vl1/constants.js';
import { ERROR_CODE, VERB } from '../vl1/packet.js';
import type { Peer } from '../vl1/peer.js';
import { decodeConfigChunk, verifyConfigChunk } from './config-chunks.js';
import { buildRequestMetadata, decodeConfigErrorBody, encodeConfigRequest, type AuthenticationInfo } from './config-request.js';
import { ZT_NETWORK_AUTOCONF_DELAY } from './constants.js';
import type { CredentialExchange } from './credential-exchange.js';
import type { MulticastEngine } from './multicast.js';
import { adHocNetworkConfig, parseNetworkConfig, type NetworkConfig } from './netconf.js';
import type { Network, NetworkFailure } from './network.js';
import type { NetworkId } from './network-id.js';
import type { Vl2Runtime } from './vl2-runtime.js';

/** How a local controller is asked (the ControllerLink implements it). */
export interface LocalConfigSource {
  requestLocal(now: number, network: Network, metadata: Uint8Array): void;
}

export class ConfigClient {
  readonly metadata: Uint8Array;
  multicast!: MulticastEngine;
  local!: LocalConfigSource;
  credentials!: CredentialExchange;

  constructor(private readonly rt: Vl2Runtime) {
    this.metadata = buildRequestMetadata(rt.platform);
  }

  /** Due at a background check: no config yet, or the one held is 60 s old. */
  isRequestDue(now: number, network: Network): boolean {
    if (now - network.lastConfigRequest < ZT_PING_CHECK_INTERVAL) return false;
    return !network.config || now - network.lastConfigUpdate >= ZT_NETWORK_AUTOCONF_DELAY;
  }

  request(now: number, network: Network): void {
    network.lastConfigRequest = now;
    const adhoc = adHocNetworkConfig(network.id, this.rt.address, now);
    if (adhoc === 'notFound') return this.fail(network, 'NOT_FOUND');
    if (adhoc) {
      this.apply(now, network, adhoc);
      return;
    }
    if ((network.id >> 56n) === 0xffn) return; // an inert ad-hoc ID: nobody to ask
    if (network.controller === this.rt.address) return this.local.requestLocal(now, network, this.metadata);
    const nc = network.config;
    const payload = encodeConfigRequest({
      networkId: network.id,
      metadata: this.metadata,
      haveRevision: BigInt(nc?.revision ?? 0),
      haveTimestamp: BigInt(Math.max(0, Math.trunc(nc?.timestamp ?? 0))),
    });
    this.rt.send(now, network.controller, VERB.NETWORK_CONFIG_REQUEST, payload, true);
  }

  /**
   * A chunk from OK(NETWORK_CONFIG_REQUEST) (`push` false) or NETWORK_CONFIG (`push` true).
   * `packetId` is the 8 ID bytes of the carrying packet (for a push: what the OK quotes).
   */
  onChunk(now: number, peer: Peer, packetId: Uint8Array, body: Uint8Array, push: boolean): void {
    const d = decodeConfigChunk(body);
    if (!d.ok) return this.rt.drop(d.error.reason);
    const chunk = d.value;
    const network = this.rt.networks.get(chunk.networkId);
    if (!network) return this.rt.drop('network_unknown');
    if (peer.address !== network.controller) return this.rt.drop('not_from_controller');

    let updateId: bigint;
    let dictionary: Uint8Array;
    if (chunk.legacy) {
      updateId = readU64(packetId, 0);
      dictionary = chunk.data;
    } else {
      const o = network.assembler.offer(chunk, (c) => verifyConfigChunk(c, peer.identity));
      if (o.kind === 'bad-signature') return this.rt.drop('bad_signature');
      if (o.kind === 'ignored') return this.rt.drop('replayed');
      if (o.kind === 'incomplete') return;
      updateId = o.updateId;
      dictionary = o.dictionary;
    }
    const parsed = parseNetworkConfig(dictionary);
    if (!parsed.ok) return this.rt.drop('bad_config');
    this.apply(now, network, parsed.value);
    // A completed push is acknowledged (with in-re verb ECHO, as 1.14 does) even if refused.
    if (push) {
      const ack = new Uint8Array(16);
      writeU64(ack, 0, network.id);
      writeU64(ack, 8, updateId);
      this.rt.sendOk(now, peer.address, VERB.ECHO, packetId, ack);
    }
  }

  /** Applies a config meant for this network and node; false if refused. */
  apply(now: number, network: Network, nc: NetworkConfig): boolean {
    if (nc.networkId !== network.id || nc.issuedTo !== this.rt.address) {
      this.rt.drop('bad_config');
      return false;
    }
    const current = network.config;
    if (current && nc.timestamp < current.timestamp) {
      this.rt.drop('old_config');
      return false;
    }
    const statusBefore = network.status();
    const changed = network.setConfig(nc, now);
    if (changed || network.status() !== statusBefore) this.rt.notify(network);
    if (changed) this.multicast.announcePeriodically(now, network, !current);
    if (changed && network.ownCredentialsRevised) this.credentials.pushToRecentMembers(now, network);
    return true;
  }

  /** A config from this node's own controller, possibly answered later. */
  applyLocal(nwid: NetworkId, nc: NetworkConfig): void {
    const network = this.rt.networks.get(nwid);
    if (network) this.apply(this.rt.lastNow, network, nc);
  }

  fail(network: Network, failure: NetworkFailure, authentication?: AuthenticationInfo): void {
    const before = network.status();
    const authBefore = network.authentication;
    network.failure = failure;
    network.authentication = failure === 'AUTHENTICATION_REQUIRED' ? authentication : undefined;
    if (network.status() !== before || network.authentication !== authBefore) this.rt.notify(network);
  }

  /**
   * ERRORs about config requests (§9.4), believed only from the network's controller. `data` is
   * what follows the error code.
   */
  onError(peer: Peer | Address, inReVerb: number, code: number, data: Uint8Array): void {
    const body = decodeConfigErrorBody(data);
    if (!body.ok) return this.rt.drop(body.error.reason);
    const network = this.rt.networks.get(body.value.networkId);
    if (!network) return this.rt.drop('network_unknown');
    const from = typeof peer === 'number' ? peer : peer.address;
    if (from !== network.controller) return this.rt.drop('not_from_controller');
    switch (code) {
      case ERROR_CODE.OBJ_NOT_FOUND:
      case ERROR_CODE.UNSUPPORTED_OPERATION:
        if (inReVerb === VERB.NETWORK_CONFIG_REQUEST) this.fail(network, 'NOT_FOUND');
        return;
      case ERROR_CODE.NETWORK_ACCESS_DENIED:
        return this.fail(network, 'ACCESS_DENIED');
      case ERROR_CODE.NETWORK_AUTHENTICATION_REQUIRED:
        return this.fail(network, 'AUTHENTICATION_REQUIRED', body.value.authentication);
    }
  }
}
