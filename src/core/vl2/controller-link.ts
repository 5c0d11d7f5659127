/**
 * The local network controller's connection to the wire (spec vl2.md §9.2–§9.4, §14): config
 * requests from members go to the LocalNetworkController set on the Vl2, its answers go back as
 * signed OK(NETWORK_CONFIG_REQUEST) chunks or ERRORs, its pushes as NETWORK_CONFIG chunks and
 * its revocations as NETWORK_CREDENTIALS. Requests for networks this node controls and has
 * joined itself are answered in-process, without packets.
 *
 * Without a controller, requests are answered ERROR UNSUPPORTED_OPERATION (what a 1.14 node
 * that is not a controller says).
 */
import type { Address } from '../vl1/address.js';
import { ERROR_CODE, packetIdBytes, payload, VERB } from '../vl1/packet.js';
import type { Peer } from '../vl1/peer.js';
import { CONFIG_CHUNK_OVERHEAD, encodeConfigChunks } from './config-chunks.js';
import type { ConfigClient, LocalConfigSource } from './config-client.js';
import { decodeAuthenticationInfo, decodeConfigRequest, encodeConfigErrorBody, requestMetadataDictionary } from './config-request.js';
import { ZT_NETWORKCONFIG_CHUNK_DATA_SIZE } from './constants.js';
import type { CredentialExchange } from './credential-exchange.js';
import type { Revocation } from './credentials/revocation.js';
import { encodeNetworkCredentials } from './network-credentials.js';
import { networkConfigToDictionary, type NetworkConfig } from './netconf.js';
import type { Network } from './network.js';
import type { NetworkId } from './network-id.js';
import type { ConfigErrorCode, ConfigReply } from './vl2-host.js';
import { Vl2Runtime } from './vl2-runtime.js';

const ERROR_CODES: Record<ConfigErrorCode, number> = {
  OBJ_NOT_FOUND: ERROR_CODE.OBJ_NOT_FOUND,
  ACCESS_DENIED: ERROR_CODE.NETWORK_ACCESS_DENIED,
  UNSUPPORTED_OPERATION: ERROR_CODE.UNSUPPORTED_OPERATION,
  AUTHENTICATION_REQUIRED: ERROR_CODE.NETWORK_AUTHENTICATION_REQUIRED,
};

const NO_PACKET_ID = new Uint8Array(8);
/** The OK header in front of a chunk: in-re verb and in-re packet ID. */
const OK_HEADER = 9;

export class ControllerLink implements LocalConfigSource {
  constructor(
    private readonly rt: Vl2Runtime,
    private readonly client: ConfigClient,
    private readonly credentials: CredentialExchange,
  ) {}

  // ---- Requests to us as a controller -----------------------------------------------------------

  onRequest(now: number, peer: Peer, packet: Uint8Array): void {
    const r = decodeConfigRequest(payload(packet));
    if (!r.ok) return this.rt.drop(r.error.reason);
    const req = r.value;
    const requestId = packetIdBytes(packet).slice();
    const controller = this.rt.controller;
    if (!controller) {
      this.rt.sendError(now, peer.address, VERB.NETWORK_CONFIG_REQUEST, requestId, ERROR_CODE.UNSUPPORTED_OPERATION, Vl2Runtime.nwidBytes(req.networkId));
      return;
    }
    const member = peer.address;
    const nwid = req.networkId;
    controller.onConfigRequest(now, peer.identity, nwid, requestMetadataDictionary(req.metadata), this.once({
      config: (nc) => this.sendConfig(this.rt.lastNow, member, nwid, nc, requestId),
      error: (code, authentication) => this.sendConfigError(this.rt.lastNow, member, nwid, code, requestId, authentication),
    }));
  }

  /** Our own request for a network we control (LocalConfigSource). */
  requestLocal(now: number, network: Network, metadata: Uint8Array): void {
    const controller = this.rt.controller;
    if (!controller) return this.client.fail(network, 'NOT_FOUND');
    const nwid = network.id;
    controller.onConfigRequest(now, this.rt.identity, nwid, requestMetadataDictionary(metadata), this.once({
      config: (nc) => this.client.applyLocal(nwid, nc),
      error: (code, authentication) => {
        const n = this.rt.networks.get(nwid);
        if (!n) return;
        const failure = code === 'ACCESS_DENIED' ? 'ACCESS_DENIED' : code === 'AUTHENTICATION_REQUIRED' ? 'AUTHENTICATION_REQUIRED' : 'NOT_FOUND';
        this.client.fail(n, failure, authentication ? decodeAuthenticationInfo(authentication) : undefined);
      },
    }));
  }

  /** A reply is good for one answer; later calls are ignored. */
  private once(reply: ConfigReply): ConfigReply {
    let used = false;
    return {
      config: (nc) => {
        if (used) return;
        used = true;
        reply.config(nc);
      },
      error: (code, authentication) => {
        if (used) return;
        used = true;
        reply.error(code, authentication);
      },
    };
  }

  // ---- Sending configs, errors and revocations ---------------------------------------------------

  /**
   * Sends `nc` to `member` in signed chunks: as OKs quoting `requestId`, or as NETWORK_CONFIG
   * pushes when there is no request (or its ID is zero).
   */
  sendConfig(now: number, member: Address, nwid: NetworkId, nc: NetworkConfig, requestId?: Uint8Array): void {
    if (member === this.rt.address) return this.client.applyLocal(nwid, nc);
    const dictionary = networkConfigToDictionary(nc);
    if (!dictionary) return this.rt.drop('oversized');
    const chunkSize = Math.min(ZT_NETWORKCONFIG_CHUNK_DATA_SIZE, this.rt.maxPayload - OK_HEADER - CONFIG_CHUNK_OVERHEAD);
    const chunks = encodeConfigChunks(dictionary, nwid, this.rt.randomU64NonZero(), this.rt.identity, chunkSize);
    const asReply = requestId !== undefined && requestId.some((b) => b !== 0);
    for (const chunk of chunks) {
      if (asReply) this.rt.sendOk(now, member, VERB.NETWORK_CONFIG_REQUEST, requestId, chunk, true);
      else this.rt.send(now, member, VERB.NETWORK_CONFIG, chunk, true);
    }
    this.rt.configuredMembers.record(now, nwid, member);
  }

  sendConfigError(now: number, member: Address, nwid: NetworkId, code: ConfigErrorCode, requestId: Uint8Array = NO_PACKET_ID, authentication?: Uint8Array): void {
    if (member === this.rt.address) return this.client.onError(member, VERB.NETWORK_CONFIG_REQUEST, ERROR_CODES[code], encodeConfigErrorBody(nwid, authentication));
    this.rt.sendError(now, member, VERB.NETWORK_CONFIG_REQUEST, requestId, ERROR_CODES[code], encodeConfigErrorBody(nwid, code === 'AUTHENTICATION_REQUIRED' ? authentication : undefined));
  }

  /**
   * Sends a revocation to `recipients` (default: members we configured within the peer activity
   * timeout, and the revoked member), and applies it to our own view if we are a member too.
   */
  revoke(now: number, nwid: NetworkId, member: Address, revocation: Revocation, recipients?: readonly Address[]): void {
    const to = new Set<Address>(recipients ?? [...this.rt.configuredMembers.recentMembers(now, nwid), member]);
    to.delete(this.rt.address);
    const p = encodeNetworkCredentials({ coms: [], capabilities: [], tags: [], revocations: [revocation], certificatesOfOwnership: [] });
    for (const dest of to) this.rt.send(now, dest, VERB.NETWORK_CREDENTIALS, p, true);
    const own = this.rt.networks.get(nwid);
    if (own) this.credentials.applyOwnRevocation(own, revocation);
  }
}
