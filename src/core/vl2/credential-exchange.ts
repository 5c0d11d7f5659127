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
import { ZT_PEER_ACTIVITY_TIMEOUT } from '../vl1/constants.js';
import { TZ_CREDENTIAL_PUSH_SPACING, ZT_PEER_CREDENTIALS_RATE_LIMIT } from './constants.js';
import { comNetworkId, type CertificateOfMembership } from './credentials/com.js';
import type { AddCredentialResult, Membership } from './membership.js';
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

  /** Pushes owed to members (deferred for spacing), by their record. */
  private readonly owed = new Map<Membership, { network: Network; member: Address; due: number }>();

  /** Before sending `member` a frame: push our credentials if our config changed or 500 s passed. */
  pushIfNeeded(now: number, network: Network, member: Address): void {
    if (member === this.rt.address || network.credentialPayloads.length === 0) return;
    const m = network.memberships.getOrCreate(member);
    if (!m || !m.shouldPushCredentials(now, network.lastConfigUpdate)) return;
    this.pushSpaced(now, network, member, m);
  }

  /**
   * Our credentials changed in substance (Network.ownCredentialsRevised): push them at once to
   * the members we pushed to within the activity window, since they hold the old ones. ZeroTier
   * 1.14 waits for our next frame to each of them, so until then a member that still has, say,
   * our old tag value drops what it sends us on its outbound pass. Wire-compatible: an ordinary
   * NETWORK_CREDENTIALS push, at most one per such member per config change.
   */
  pushToRecentMembers(now: number, network: Network): void {
    if (network.credentialPayloads.length === 0) return;
    const recent: [Address, Membership][] = [];
    for (const [address, m] of network.memberships.entries()) {
      if (address !== this.rt.address && m.lastPushedCredentials > 0 && now - m.lastPushedCredentials <= ZT_PEER_ACTIVITY_TIMEOUT) recent.push([address, m]);
    }
    for (const [member, m] of recent) this.pushSpaced(now, network, member, m);
  }

  /**
   * Pushes now, or — if we pushed to that peer (on any network) less than TZ_CREDENTIAL_PUSH_SPACING
   * ago, when its rate limit would ignore this push — as soon as the spacing allows (the
   * background tasks send it). ZeroTier 1.14 pushes regardless and the credentials are lost.
   */
  private pushSpaced(now: number, network: Network, member: Address, m: Membership): void {
    const due = this.lastPushTo(member) + TZ_CREDENTIAL_PUSH_SPACING;
    if (now >= due) {
      this.owed.delete(m);
      this.push(now, network, member);
    } else if (!this.owed.has(m)) {
      this.owed.set(m, { network, member, due });
    }
  }

  /** When we last pushed anything to `member` on any network (0 = never). */
  private lastPushTo(member: Address): number {
    let last = 0;
    for (const n of this.rt.networks.values()) {
      const t = n.memberships.get(member)?.lastPushedCredentials ?? 0;
      if (t > last) last = t;
    }
    return last;
  }

  /** Sends the deferred pushes that are due (from the background tasks). */
  sendOwed(now: number): void {
    for (const [m, o] of [...this.owed]) {
      if (this.rt.networks.get(o.network.id) !== o.network) {
        this.owed.delete(m);
        continue;
      }
      if (now < o.due) continue;
      this.owed.delete(m);
      this.pushSpaced(now, o.network, o.member, m);
    }
  }

  /** When the earliest deferred push is due (Infinity = none). */
  nextOwedDue(): number {
    let next = Infinity;
    for (const o of this.owed.values()) if (o.due < next) next = o.due;
    return next;
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
    this.pushSpaced(now, network, peer.address, m);
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
