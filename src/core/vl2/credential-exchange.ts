/**
 * Membership credentials on the wire (spec vl2.md §6.6, §6.7, §10.6): pushing our own
 * credentials to members before we talk to them (and when they ask with ERROR
 * NEED_MEMBERSHIP_CERTIFICATE), filing what members push to us, applying revocations and
 * relaying fast-propagate ones.
 */
import type { Address } from '../vl1/address.js';
import { readU64 } from '../vl1/bytes.js';
import { VERB } from '../vl1/packet.js';
import type { Peer } from '../vl1/peer.js';
import { KeyedIntervalGate } from '../vl1/rate-gates.js';
import { ZT_PEER_CREDENTIALS_RATE_LIMIT } from './constants.js';
import { comNetworkId, type CertificateOfMembership } from './credentials/com.js';
import type { AddCredentialResult } from './membership.js';
import { encodeNetworkCredentials, readNetworkCredentials } from './network-credentials.js';
import type { Network } from './network.js';
import type { NetworkId } from './network-id.js';
import type { Vl2Runtime } from './vl2-runtime.js';

export interface CredentialsOutcome {
  /** Something was deferred for an unknown signer: retry the packet later. */
  deferred: boolean;
  /** Something new was accepted: packets waiting on this peer's credentials may pass now. */
  accepted: boolean;
}

export class CredentialExchange {
  /** NETWORK_CREDENTIALS are processed once a second per sending peer. */
  private readonly receiveGate = new KeyedIntervalGate<Address>(ZT_PEER_CREDENTIALS_RATE_LIMIT, 65_536);

  constructor(private readonly rt: Vl2Runtime) {}

  /** Before sending `member` a frame: push our credentials if our config changed or 500 s passed. */
  pushIfNeeded(now: number, network: Network, member: Address): void {
    if (member === this.rt.address || network.credentialPayloads.length === 0) return;
    const m = network.memberships.getOrCreate(member);
    if (!m || !m.shouldPushCredentials(now, network.lastConfigUpdate)) return;
    this.push(now, network, member);
  }

  push(now: number, network: Network, member: Address): void {
    const m = network.memberships.getOrCreate(member);
    if (!m) return;
    for (const payload of network.credentialPayloads) this.rt.send(now, member, VERB.NETWORK_CREDENTIALS, payload, true);
    m.lastPushedCredentials = now;
  }

  /** ERROR NEED_MEMBERSHIP_CERTIFICATE (payload u64 nwid): re-push, at most once a second. */
  onNeedCertificate(now: number, peer: Peer, data: Uint8Array): void {
    if (data.length < 8) return this.rt.drop('truncated');
    const network = this.rt.networks.get(readU64(data, 0));
    if (!network?.config?.credentials.com) return;
    const m = network.memberships.getOrCreate(peer.address);
    if (!m || !m.shouldAnswerCredentialRequest(now, network.lastConfigUpdate)) return;
    this.push(now, network, peer.address);
  }

  /** NETWORK_CREDENTIALS from `peer`; `payload` is the packet payload. */
  onCredentials(now: number, peer: Peer, payload: Uint8Array): CredentialsOutcome {
    const outcome: CredentialsOutcome = { deferred: false, accepted: false };
    if (!this.receiveGate.allow(now, peer.address)) {
      this.rt.drop('rate_limited');
      return outcome;
    }
    const { credentials: c, error } = readNetworkCredentials(payload);
    if (error) this.rt.drop(error.reason);
    const signer = this.rt.signer;
    const file = (nwid: NetworkId, add: (n: Network) => AddCredentialResult): void => {
      const network = this.rt.networks.get(nwid);
      if (network) this.note(now, network, add(network), outcome);
    };
    for (const com of c.coms) file(comNetworkId(com), (n) => n.memberships.addCom(com, signer));
    for (const cap of c.capabilities) file(cap.networkId, (n) => n.memberships.addCapability(cap, signer));
    for (const tag of c.tags) file(tag.networkId, (n) => n.memberships.addTag(tag, signer));
    for (const rev of c.revocations) {
      const network = this.rt.networks.get(rev.networkId);
      if (!network) continue;
      const r = network.memberships.addRevocation(rev, peer.address, signer);
      this.note(now, network, r.result, outcome);
      if (r.propagateTo.length > 0) {
        const relay = encodeNetworkCredentials({ coms: [], capabilities: [], tags: [], revocations: [rev], certificatesOfOwnership: [] });
        for (const member of r.propagateTo) if (member !== this.rt.address) this.rt.send(now, member, VERB.NETWORK_CREDENTIALS, relay, true);
      }
    }
    for (const coo of c.certificatesOfOwnership) file(coo.networkId, (n) => n.memberships.addCertificateOfOwnership(coo, signer));
    return outcome;
  }

  /** A COM carried inline (EXT_FRAME, MULTICAST_GATHER, MULTICAST_FRAME); errors are ignored. */
  addInlineCom(now: number, network: Network, com: CertificateOfMembership): void {
    this.note(now, network, network.memberships.addCom(com, this.rt.signer), { deferred: false, accepted: false });
  }

  private note(now: number, network: Network, result: AddCredentialResult, outcome: CredentialsOutcome): void {
    switch (result.kind) {
      case 'accepted-new':
        network.credentialsChanged();
        outcome.accepted = true;
        return;
      case 'deferred':
        outcome.deferred = true;
        this.rt.whois(now, result.whois);
        return;
      case 'rejected':
        // Old, revoked or redundant-by-id credentials are routine; only forgeries are worth counting.
        if (result.reason === 'invalid') this.rt.drop('bad_signature');
        return;
      case 'accepted-redundant':
        return;
    }
  }

  /** Applies a revocation we issued ourselves (as a controller that is also a member). */
  applyOwnRevocation(network: Network, rev: Parameters<Network['memberships']['addRevocation']>[0]): void {
    const r = network.memberships.addRevocation(rev, this.rt.address, this.rt.signer);
    if (r.result.kind === 'accepted-new') network.credentialsChanged();
  }

  clean(now: number): void {
    this.receiveGate.clean(now);
  }
}
