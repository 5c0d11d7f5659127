/**
 * What a node knows of each remote member of a network it has joined (spec vl2.md §6.6): the
 * member's latest COM, its tags, capabilities and certificates of ownership by id, and the
 * revocation thresholds the controller has sent about it; plus when we last pushed our own
 * credentials to it.
 *
 * Acceptance rules, as 1.14 applies them:
 * - COM: rejected if timestamp ≤ the COM revocation threshold or older than the stored COM;
 *   the same COM again is redundant; otherwise verified and stored.
 * - Tag / capability / COO (by id): rejected if the stored one of that id is newer, or a
 *   revocation threshold for (type, id) is ≥ its timestamp; the same again is redundant;
 *   otherwise verified and stored.
 * - Revocation: verified, then raises the COM threshold (type COM) or the (type, id)
 *   threshold; for tags, capabilities and COOs the COM threshold is also set to the
 *   revocation's threshold (a quirk of the reference, kept for compatibility).
 * Stored credentials count only while time-valid against our own config and not revoked.
 *
 * Credentials are filed under the member they are issued to (capabilities under their final
 * holder, revocations under their target), whoever sent them. Every table is bounded.
 */
import type { Address } from '../vl1/address.js';
import { bytesEqual } from '../vl1/bytes.js';
import type { Identity } from '../vl1/identity.js';
import type { InetAddress } from '../vl1/inet-address.js';
import { ZT_PEER_ACTIVITY_TIMEOUT } from '../vl1/constants.js';
import {
  TZ_MAX_MEMBERSHIPS_PER_NETWORK,
  TZ_MEMBERSHIP_MAX_CAPABILITIES,
  TZ_MEMBERSHIP_MAX_COOS,
  TZ_MEMBERSHIP_MAX_REVOCATIONS,
  TZ_MEMBERSHIP_MAX_TAGS,
  ZT_NETWORK_TYPE_PUBLIC,
  ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION,
  ZT_PEER_CREDENTIALS_REQUEST_RATE_LIMIT,
} from './constants.js';
import { capabilityIssuedTo, encodeCapability, verifyCapability, type Capability } from './credentials/capability.js';
import { comAgreesWith, comIssuedTo, comNetworkId, comsEqual, comTimestamp, verifyCom, type CertificateOfMembership } from './credentials/com.js';
import { cooOwnsIp, cooOwnsMac, encodeCoo, verifyCoo, type CertificateOfOwnership } from './credentials/coo.js';
import { CREDENTIAL_TYPE, type SignerSource, type VerifyResult } from './credentials/credential.js';
import { isFastPropagate, verifyRevocation, type Revocation } from './credentials/revocation.js';
import { encodeTag, verifyTag, type Tag } from './credentials/tag.js';
import { rfc4193Address, sixPlaneAddress } from './ipv6.js';
import type { MAC } from './mac.js';
import type { NetworkConfig } from './netconf.js';
import type { NetworkId } from './network-id.js';

export type CredentialRejectReason = 'revoked' | 'old' | 'invalid' | 'wrong-network' | 'unknown-type' | 'table-full';

export type AddCredentialResult =
  | { readonly kind: 'accepted-new' }
  | { readonly kind: 'accepted-redundant' }
  | { readonly kind: 'rejected'; readonly reason: CredentialRejectReason; readonly detail?: string }
  /** The signer's identity is unknown: WHOIS it and process the credential again later. */
  | { readonly kind: 'deferred'; readonly whois: Address };

const ACCEPTED_NEW: AddCredentialResult = Object.freeze({ kind: 'accepted-new' });
const ACCEPTED_REDUNDANT: AddCredentialResult = Object.freeze({ kind: 'accepted-redundant' });
const REJECTED = {
  revoked: Object.freeze({ kind: 'rejected', reason: 'revoked' }),
  old: Object.freeze({ kind: 'rejected', reason: 'old' }),
  wrongNetwork: Object.freeze({ kind: 'rejected', reason: 'wrong-network' }),
  unknownType: Object.freeze({ kind: 'rejected', reason: 'unknown-type' }),
  tableFull: Object.freeze({ kind: 'rejected', reason: 'table-full' }),
} as const satisfies Record<string, AddCredentialResult>;

function fromVerify(v: VerifyResult): AddCredentialResult | undefined {
  if (v.status === 'valid') return undefined;
  if (v.status === 'unknown-signer') return { kind: 'deferred', whois: v.signer };
  return { kind: 'rejected', reason: 'invalid', detail: v.reason };
}

/** The parts of our own config the membership rules read. */
export type MembershipConfig = Pick<NetworkConfig, 'networkId' | 'issuedTo' | 'timestamp' | 'credentialTimeMaxDelta' | 'type' | 'flags' | 'staticIps'> & {
  credentials: Pick<NetworkConfig['credentials'], 'com'>;
};

interface IdKeyed {
  readonly id: number;
  readonly timestamp: bigint;
}

function revocationKey(type: number, id: number): number {
  return type * 0x1_0000_0000 + id;
}

export class Membership {
  #com: CertificateOfMembership | null = null;
  #comRevocationThreshold = 0n;
  readonly #revocations = new Map<number, bigint>();
  readonly #tags = new Map<number, Tag>();
  readonly #capabilities = new Map<number, Capability>();
  readonly #coos = new Map<number, CertificateOfOwnership>();
  /** When we last pushed our credentials to this member (ms; 0 = never). */
  lastPushedCredentials = 0;

  /** The member's latest accepted COM. */
  get com(): CertificateOfMembership | null {
    return this.#com;
  }

  get comRevocationThreshold(): bigint {
    return this.#comRevocationThreshold;
  }

  revocationThreshold(type: number, credentialId: number): bigint | undefined {
    return this.#revocations.get(revocationKey(type, credentialId));
  }

  /** Stored credentials, valid or not (see the time-valid accessors below). */
  get tags(): ReadonlyMap<number, Tag> {
    return this.#tags;
  }

  get capabilities(): ReadonlyMap<number, Capability> {
    return this.#capabilities;
  }

  get certificatesOfOwnership(): ReadonlyMap<number, CertificateOfOwnership> {
    return this.#coos;
  }

  /** True when nothing about the member is stored (a fresh record). */
  isEmpty(): boolean {
    return this.#com === null && this.#comRevocationThreshold === 0n && this.#revocations.size === 0 && this.#tags.size === 0 && this.#capabilities.size === 0 && this.#coos.size === 0;
  }

  addCom(com: CertificateOfMembership, signers: SignerSource): AddCredentialResult {
    const ts = comTimestamp(com);
    if (ts <= this.#comRevocationThreshold) return REJECTED.revoked;
    if (ts < (this.#com ? comTimestamp(this.#com) : 0n)) return REJECTED.old;
    if (this.#com && comsEqual(this.#com, com)) return ACCEPTED_REDUNDANT;
    const refused = fromVerify(verifyCom(com, signers));
    if (refused) return refused;
    this.#com = com;
    return ACCEPTED_NEW;
  }

  addTag(tag: Tag, signers: SignerSource): AddCredentialResult {
    return this.#addById(this.#tags, TZ_MEMBERSHIP_MAX_TAGS, CREDENTIAL_TYPE.TAG, tag, encodeTag, verifyTag, signers);
  }

  addCapability(cap: Capability, signers: SignerSource): AddCredentialResult {
    return this.#addById(this.#capabilities, TZ_MEMBERSHIP_MAX_CAPABILITIES, CREDENTIAL_TYPE.CAPABILITY, cap, encodeCapability, verifyCapability, signers);
  }

  addCertificateOfOwnership(coo: CertificateOfOwnership, signers: SignerSource): AddCredentialResult {
    return this.#addById(this.#coos, TZ_MEMBERSHIP_MAX_COOS, CREDENTIAL_TYPE.COO, coo, encodeCoo, verifyCoo, signers);
  }

  #addById<T extends IdKeyed>(
    table: Map<number, T>,
    maxEntries: number,
    type: number,
    cred: T,
    encode: (c: T) => Uint8Array,
    verify: (c: T, s: SignerSource) => VerifyResult,
    signers: SignerSource,
  ): AddCredentialResult {
    const stored = table.get(cred.id);
    if (stored) {
      if (stored.timestamp > cred.timestamp) return REJECTED.old;
      if (bytesEqual(encode(stored), encode(cred))) return ACCEPTED_REDUNDANT;
    }
    const threshold = this.#revocations.get(revocationKey(type, cred.id));
    if (threshold !== undefined && threshold >= cred.timestamp) return REJECTED.revoked;
    if (!stored && table.size >= maxEntries) return REJECTED.tableFull;
    const refused = fromVerify(verify(cred, signers));
    if (refused) return refused;
    table.set(cred.id, cred);
    return ACCEPTED_NEW;
  }

  addRevocation(rev: Revocation, signers: SignerSource): AddCredentialResult {
    const refused = fromVerify(verifyRevocation(rev, signers));
    if (refused) return refused;
    switch (rev.type) {
      case CREDENTIAL_TYPE.COM:
        if (rev.threshold > this.#comRevocationThreshold) {
          this.#comRevocationThreshold = rev.threshold;
          return ACCEPTED_NEW;
        }
        return ACCEPTED_REDUNDANT;
      case CREDENTIAL_TYPE.CAPABILITY:
      case CREDENTIAL_TYPE.TAG:
      case CREDENTIAL_TYPE.COO: {
        const key = revocationKey(rev.type, rev.credentialId);
        const current = this.#revocations.get(key);
        if (current !== undefined ? current >= rev.threshold : rev.threshold <= 0n) return ACCEPTED_REDUNDANT;
        if (current === undefined && this.#revocations.size >= TZ_MEMBERSHIP_MAX_REVOCATIONS) return REJECTED.tableFull;
        this.#revocations.set(key, rev.threshold);
        // The reference also sets (not raises) the member's COM threshold here.
        this.#comRevocationThreshold = rev.threshold;
        return ACCEPTED_NEW;
      }
      default:
        return REJECTED.unknownType;
    }
  }

  /**
   * The network gate: may this member use a network we are on with `ourConfig`? Public
   * networks admit everyone; private ones need the member's unrevoked COM to agree with ours
   * for the identity it presented. No config, no admission.
   */
  isAllowedOnNetwork(ourConfig: MembershipConfig | undefined, theirIdentity: Identity): boolean {
    if (!ourConfig) return false;
    if (ourConfig.type === ZT_NETWORK_TYPE_PUBLIC) return true;
    const theirs = this.#com;
    const mine = ourConfig.credentials.com;
    if (!theirs || !mine) return false;
    return comTimestamp(theirs) > this.#comRevocationThreshold && comAgreesWith(mine, theirs, theirIdentity);
  }

  /** Holds a COM issued less than the peer activity timeout before `now`. */
  recentlyAssociated(now: number): boolean {
    return this.#com !== null && BigInt(Math.trunc(now)) - comTimestamp(this.#com) < BigInt(ZT_PEER_ACTIVITY_TIMEOUT);
  }

  /** Within our config's credential window of its timestamp, and not revoked. */
  isTimeValid(ourConfig: MembershipConfig, type: number, cred: IdKeyed): boolean {
    const ours = BigInt(Math.trunc(ourConfig.timestamp));
    const delta = cred.timestamp >= ours ? cred.timestamp - ours : ours - cred.timestamp;
    if (delta > BigInt(Math.trunc(ourConfig.credentialTimeMaxDelta))) return false;
    const threshold = this.#revocations.get(revocationKey(type, cred.id));
    return threshold === undefined || cred.timestamp > threshold;
  }

  /** The member's tag `id`, if stored and time-valid. */
  getTag(ourConfig: MembershipConfig, id: number): Tag | undefined {
    const tag = this.#tags.get(id);
    return tag && this.isTimeValid(ourConfig, CREDENTIAL_TYPE.TAG, tag) ? tag : undefined;
  }

  /** The member's time-valid capabilities (in the order they were first stored). */
  validCapabilities(ourConfig: MembershipConfig): Capability[] {
    const out: Capability[] = [];
    for (const cap of this.#capabilities.values()) if (this.isTimeValid(ourConfig, CREDENTIAL_TYPE.CAPABILITY, cap)) out.push(cap);
    return out;
  }

  /**
   * Whether the member may use `what` as a source: a time-valid COO of it says it owns it, or
   * (IPv6 only, with NDP emulation on) it lies in the network's managed 6PLANE /40 or RFC4193
   * /88 prefix that our own static IPs use.
   */
  hasCertificateOfOwnershipFor(ourConfig: MembershipConfig, what: InetAddress | MAC): boolean {
    for (const coo of this.#coos.values()) {
      if (!this.isTimeValid(ourConfig, CREDENTIAL_TYPE.COO, coo)) continue;
      if (typeof what === 'number' ? cooOwnsMac(coo, what) : cooOwnsIp(coo, what)) return true;
    }
    return typeof what !== 'number' && isNdpEmulated(ourConfig, what);
  }

  /** Drops stored tags, capabilities and COOs that are no longer time-valid. */
  clean(ourConfig: MembershipConfig): void {
    const purge = <T extends IdKeyed>(table: Map<number, T>, type: number): void => {
      for (const [id, cred] of table) if (!this.isTimeValid(ourConfig, type, cred)) table.delete(id);
    };
    purge(this.#tags, CREDENTIAL_TYPE.TAG);
    purge(this.#capabilities, CREDENTIAL_TYPE.CAPABILITY);
    purge(this.#coos, CREDENTIAL_TYPE.COO);
  }

  /**
   * Before sending this member a frame: push our credentials if our config changed since the
   * last push or the last push is older than the peer activity timeout.
   */
  shouldPushCredentials(now: number, lastConfigUpdate: number): boolean {
    return this.lastPushedCredentials < lastConfigUpdate || now - this.lastPushedCredentials > ZT_PEER_ACTIVITY_TIMEOUT;
  }

  /** On the member's NEED_MEMBERSHIP_CERTIFICATE: re-push, at most once a second. */
  shouldAnswerCredentialRequest(now: number, lastConfigUpdate: number): boolean {
    return this.lastPushedCredentials < lastConfigUpdate || now - this.lastPushedCredentials > ZT_PEER_CREDENTIALS_REQUEST_RATE_LIMIT;
  }
}

function isNdpEmulated(ourConfig: MembershipConfig, ip: InetAddress): boolean {
  if (ip.family !== 6 || (ourConfig.flags & ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION) === 0n) return false;
  const holds = (addr: Uint8Array): boolean => ourConfig.staticIps.some((s) => s !== null && s.family === 6 && bytesEqual(s.ip, addr));
  const prefixMatches = (addr: Uint8Array, bytes: number): boolean => {
    for (let i = 0; i < bytes; i++) if (ip.ip[i] !== addr[i]) return false;
    return true;
  };
  const sixPlane = sixPlaneAddress(ourConfig.networkId, ourConfig.issuedTo);
  if (holds(sixPlane) && prefixMatches(sixPlane, 5)) return true;
  const rfc4193 = rfc4193Address(ourConfig.networkId, ourConfig.issuedTo);
  return holds(rfc4193) && prefixMatches(rfc4193, 11);
}

/** A revocation's outcome, and who to relay it to when it is new and marked fast-propagate. */
export interface RevocationOutcome {
  result: AddCredentialResult;
  propagateTo: Address[];
}

/**
 * The memberships of one network, keyed by member address. A record is created only when a
 * credential about that member is accepted (or on getOrCreate), so unverified input cannot
 * grow the table; at most `maxMembers` records exist.
 */
export class NetworkMemberships {
  readonly #members = new Map<Address, Membership>();

  constructor(
    readonly networkId: NetworkId,
    readonly maxMembers: number = TZ_MAX_MEMBERSHIPS_PER_NETWORK,
  ) {}

  get size(): number {
    return this.#members.size;
  }

  get(member: Address): Membership | undefined {
    return this.#members.get(member);
  }

  /** The member's record, created if absent; undefined when the table is full. */
  getOrCreate(member: Address): Membership | undefined {
    let m = this.#members.get(member);
    if (!m) {
      if (this.#members.size >= this.maxMembers) return undefined;
      m = new Membership();
      this.#members.set(member, m);
    }
    return m;
  }

  delete(member: Address): boolean {
    return this.#members.delete(member);
  }

  entries(): IterableIterator<[Address, Membership]> {
    return this.#members.entries();
  }

  /** Runs `add` on the member's record (or a fresh one, kept only if something was stored). */
  #apply(member: Address, add: (m: Membership) => AddCredentialResult): AddCredentialResult {
    const existing = this.#members.get(member);
    if (existing) return add(existing);
    const fresh = new Membership();
    const result = add(fresh);
    if (!fresh.isEmpty()) {
      if (this.#members.size >= this.maxMembers) return REJECTED.tableFull;
      this.#members.set(member, fresh);
    }
    return result;
  }

  addCom(com: CertificateOfMembership, signers: SignerSource): AddCredentialResult {
    if (comNetworkId(com) !== this.networkId) return REJECTED.wrongNetwork;
    return this.#apply(comIssuedTo(com), (m) => m.addCom(com, signers));
  }

  addTag(tag: Tag, signers: SignerSource): AddCredentialResult {
    if (tag.networkId !== this.networkId) return REJECTED.wrongNetwork;
    return this.#apply(tag.issuedTo, (m) => m.addTag(tag, signers));
  }

  addCapability(cap: Capability, signers: SignerSource): AddCredentialResult {
    if (cap.networkId !== this.networkId) return REJECTED.wrongNetwork;
    return this.#apply(capabilityIssuedTo(cap), (m) => m.addCapability(cap, signers));
  }

  addCertificateOfOwnership(coo: CertificateOfOwnership, signers: SignerSource): AddCredentialResult {
    if (coo.networkId !== this.networkId) return REJECTED.wrongNetwork;
    return this.#apply(coo.issuedTo, (m) => m.addCertificateOfOwnership(coo, signers));
  }

  /**
   * Applies a revocation to its target. A new fast-propagate revocation is to be relayed to
   * every other member we know, except the one that sent it and its signer.
   */
  addRevocation(rev: Revocation, sentFrom: Address, signers: SignerSource): RevocationOutcome {
    if (rev.networkId !== this.networkId) return { result: REJECTED.wrongNetwork, propagateTo: [] };
    const result = this.#apply(rev.target, (m) => m.addRevocation(rev, signers));
    const propagateTo: Address[] = [];
    if (result.kind === 'accepted-new' && isFastPropagate(rev)) {
      for (const member of this.#members.keys()) if (member !== sentFrom && member !== rev.signedBy) propagateTo.push(member);
    }
    return { result, propagateTo };
  }

  /** Purges credentials that are no longer time-valid from every record. */
  clean(ourConfig: MembershipConfig): void {
    for (const m of this.#members.values()) m.clean(ourConfig);
  }
}
