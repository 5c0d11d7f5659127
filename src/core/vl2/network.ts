/**
 * One joined network (spec vl2.md §2, §6.6, §7.3, §9, §12.1, §13): its config and status, the
 * records of its other members, the host's multicast subscriptions, learned bridge routes and
 * the config update being reassembled. State and decisions only: packets are sent by the Vl2
 * modules that use it.
 *
 * Derived views (the filter's config, each member's credential view, the gate verdict, our
 * credential push payloads) are cached and rebuilt when the config or a member's credentials
 * change, so the frame path does no per-frame allocation for them.
 */
import type { Address } from '../vl1/address.js';
import { bytesEqual } from '../vl1/bytes.js';
import type { Identity } from '../vl1/identity.js';
import { ConfigAssembler } from './config-chunks.js';
import type { AuthenticationInfo } from './config-request.js';
import {
  TZ_BRIDGED_GROUP_EXPIRE,
  ZT_MULTICAST_ANNOUNCE_PERIOD,
  ZT_NETWORK_TYPE_PUBLIC,
  ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE,
  ZT_NETWORKCONFIG_SPECIALIST_TYPE_ANCHOR,
  ZT_NETWORKCONFIG_SPECIALIST_TYPE_MULTICAST_REPLICATOR,
} from './constants.js';
import type { CertificateOfMembership } from './credentials/com.js';
import type { NetworkFilterConfig, PeerCredentialsView } from './filter/types.js';
import { networkFilterConfig, ownCredentialsKey, peerCredentialsView } from './filter-views.js';
import { BridgeRoutes } from './bridge-routes.js';
import { NetworkMacSpace, type MAC } from './mac.js';
import { Membership, NetworkMemberships } from './membership.js';
import { BROADCAST_GROUP, compareMulticastGroups, multicastGroupKey, type MulticastGroup } from './multicast-group.js';
import { credentialPushPayloads } from './network-credentials.js';
import { isBroadcastEnabled, networkConfigToDictionary, specialistAddress, type NetworkConfig } from './netconf.js';
import { networkController, type NetworkId } from './network-id.js';
import type { NetworkState, NetworkStatusName } from './vl2-host.js';

export type NetworkFailure = 'ACCESS_DENIED' | 'NOT_FOUND' | 'AUTHENTICATION_REQUIRED';

interface PeerViewCache {
  epoch: number;
  config: NetworkConfig;
  view: PeerCredentialsView;
}

interface GateCache {
  com: CertificateOfMembership | null;
  ourCom: CertificateOfMembership | null;
  threshold: bigint;
  identity: Identity;
  allowed: boolean;
}

export class Network {
  readonly id: NetworkId;
  readonly controller: Address;
  readonly macSpace: NetworkMacSpace;
  /** Our MAC on this network. */
  readonly mac: MAC;
  readonly memberships: NetworkMemberships;
  readonly assembler = new ConfigAssembler();
  readonly bridgeRoutes = new BridgeRoutes();

  private _config: NetworkConfig | undefined;
  private configBytes: Uint8Array | undefined;
  /** A refusal by the controller; cleared by the next accepted config. */
  failure: NetworkFailure | undefined;
  authentication: AuthenticationInfo | undefined;
  /** The host could not set up the port (highest priority status). */
  portError = false;
  /** When the config in force was accepted (ms; -Infinity = never). */
  lastConfigUpdate = -Infinity;
  lastConfigRequest = -Infinity;

  /** The host's subscriptions, sorted. */
  private subscriptions: MulticastGroup[] = [];
  /** Groups wanted by hosts behind us (we bridge), with when they were last seen. */
  private readonly bridgedGroups = new Map<string, { group: MulticastGroup; lastSeen: number }>();
  /** When we last announced all our groups to each member. */
  readonly lastAnnouncedTo = new Map<Address, number>();
  lastAnnounceAll = -Infinity;

  // Derived from the config:
  private _filterConfig: NetworkFilterConfig | undefined;
  private _activeBridges: Address[] = [];
  private _anchors: Address[] = [];
  private _replicators: Address[] = [];
  private _amActiveBridge = false;
  private _credentialPayloads: Uint8Array[] = [];
  private _ownCredentialsKey = '';
  private _ownCredentialsRevised = false;

  /** Bumped whenever a member's credentials change: invalidates peer views. */
  private credentialEpoch = 0;
  private readonly peerViews = new WeakMap<Membership, PeerViewCache>();
  private readonly gates = new WeakMap<Membership, GateCache>();

  constructor(
    id: NetworkId,
    readonly self: Address,
    /** Largest VL2 payload the node can send (credential pushes are split to fit). */
    private readonly maxPayload: number,
  ) {
    this.id = id;
    this.controller = networkController(id);
    this.macSpace = new NetworkMacSpace(id);
    this.mac = this.macSpace.macFromAddress(self);
    this.memberships = new NetworkMemberships(id);
  }

  get config(): NetworkConfig | undefined {
    return this._config;
  }

  get filterConfig(): NetworkFilterConfig | undefined {
    return this._filterConfig;
  }

  get activeBridges(): readonly Address[] {
    return this._activeBridges;
  }

  get anchors(): readonly Address[] {
    return this._anchors;
  }

  get replicators(): readonly Address[] {
    return this._replicators;
  }

  get amActiveBridge(): boolean {
    return this._amActiveBridge;
  }

  /**
   * The config last installed changed what our credentials say (a tag value, a capability, an
   * owned address), not just their timestamps: members holding the old ones judge us wrongly.
   */
  get ownCredentialsRevised(): boolean {
    return this._ownCredentialsRevised;
  }

  /** NETWORK_CREDENTIALS payloads that push our own credentials (spec §6.7). */
  get credentialPayloads(): readonly Uint8Array[] {
    return this._credentialPayloads;
  }

  /**
   * Installs a config (already checked to be ours and for this network). Returns whether it
   * differs from the one in force; a refusal recorded earlier is cleared either way.
   */
  setConfig(nc: NetworkConfig, now: number): boolean {
    const bytes = networkConfigToDictionary(nc);
    this.failure = undefined;
    this.authentication = undefined;
    this.lastConfigUpdate = now;
    if (this._config && bytes && this.configBytes && bytesEqual(bytes, this.configBytes)) return false;
    this._config = nc;
    this.configBytes = bytes;
    this._filterConfig = networkFilterConfig(nc);
    const roles = new Map<Address, bigint>();
    for (const s of nc.specialists) {
      const a = specialistAddress(s);
      roles.set(a, (roles.get(a) ?? 0n) | s);
    }
    const withRole = (bit: bigint): Address[] => [...roles].filter(([, r]) => (r & bit) !== 0n).map(([a]) => a);
    this._activeBridges = withRole(ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE);
    this._anchors = withRole(ZT_NETWORKCONFIG_SPECIALIST_TYPE_ANCHOR);
    this._replicators = withRole(ZT_NETWORKCONFIG_SPECIALIST_TYPE_MULTICAST_REPLICATOR);
    this._amActiveBridge = this._activeBridges.includes(this.self);
    for (const bridge of this.bridgeRoutes.bridges()) if (!this._activeBridges.includes(bridge)) this.bridgeRoutes.forgetBridge(bridge);
    this._credentialPayloads = credentialPushPayloads(nc.credentials, this.maxPayload);
    const key = ownCredentialsKey(nc);
    this._ownCredentialsRevised = this._ownCredentialsKey !== '' && key !== this._ownCredentialsKey;
    this._ownCredentialsKey = key;
    this.credentialEpoch++;
    return true;
  }

  isActiveBridge(address: Address): boolean {
    return this._activeBridges.includes(address);
  }

  status(): NetworkStatusName {
    if (this.portError) return 'PORT_ERROR';
    if (this.failure) return this.failure;
    return this._config ? 'OK' : 'REQUESTING_CONFIGURATION';
  }

  state(): NetworkState {
    return {
      nwid: this.id,
      mac: this.mac,
      status: this.status(),
      config: this._config,
      multicastSubscriptions: [...this.subscriptions],
      activeBridge: this._amActiveBridge,
      authentication: this.failure === 'AUTHENTICATION_REQUIRED' ? this.authentication : undefined,
    };
  }

  // ---- Members ----------------------------------------------------------------------------

  /** A member's credentials changed (accepted credential or revocation). */
  credentialsChanged(): void {
    this.credentialEpoch++;
  }

  /**
   * The network gate (spec §6.6): may `identity` use the network with us? Public networks admit
   * anyone; private ones need its unrevoked COM to agree with ours. No config, no admission.
   */
  gate(identity: Identity): boolean {
    const nc = this._config;
    if (!nc) return false;
    if (nc.type === ZT_NETWORK_TYPE_PUBLIC) return true;
    const m = this.memberships.get(identity.address);
    if (!m) return false;
    const ourCom = nc.credentials.com;
    const cached = this.gates.get(m);
    if (cached && cached.com === m.com && cached.ourCom === ourCom && cached.threshold === m.comRevocationThreshold && cached.identity === identity) return cached.allowed;
    const allowed = m.isAllowedOnNetwork(nc, identity);
    this.gates.set(m, { com: m.com, ourCom, threshold: m.comRevocationThreshold, identity, allowed });
    return allowed;
  }

  /** The member's credentials as the filter sees them (undefined when we have no record). */
  peerView(member: Address): PeerCredentialsView | undefined {
    const nc = this._config;
    const m = this.memberships.get(member);
    if (!nc || !m) return undefined;
    const cached = this.peerViews.get(m);
    if (cached && cached.epoch === this.credentialEpoch && cached.config === nc) return cached.view;
    const view = peerCredentialsView(m, nc);
    this.peerViews.set(m, { epoch: this.credentialEpoch, config: nc, view });
    return view;
  }

  /** Members whose records pass the gate (for announcements and revocation relays). */
  *membersPassingGate(lookup: (a: Address) => Identity | undefined): Iterable<Address> {
    for (const [address] of this.memberships.entries()) {
      if (address === this.self) continue;
      const id = lookup(address);
      if (id && this.gate(id)) yield address;
    }
  }

  // ---- Multicast groups ---------------------------------------------------------------------

  get multicastSubscriptions(): readonly MulticastGroup[] {
    return this.subscriptions;
  }

  /** True if the group is new. */
  subscribe(group: MulticastGroup): boolean {
    if (this.isSubscribed(group)) return false;
    this.subscriptions = [...this.subscriptions, group].sort(compareMulticastGroups);
    return true;
  }

  unsubscribe(group: MulticastGroup): boolean {
    const before = this.subscriptions.length;
    this.subscriptions = this.subscriptions.filter((g) => compareMulticastGroups(g, group) !== 0);
    return this.subscriptions.length !== before;
  }

  isSubscribed(group: MulticastGroup): boolean {
    return this.subscriptions.some((g) => g.mac === group.mac && g.adi === group.adi);
  }

  /** A host behind us (we bridge) wants the group; true if it was not known. */
  learnBridgedGroup(now: number, group: MulticastGroup): boolean {
    const key = multicastGroupKey(group);
    const known = this.bridgedGroups.has(key);
    this.bridgedGroups.set(key, { group, lastSeen: now });
    return !known;
  }

  /** Subscribed ourselves or for a host behind us (a gather reply lists us then). */
  wantsGroup(now: number, group: MulticastGroup): boolean {
    if (this.isSubscribed(group)) return true;
    const b = this.bridgedGroups.get(multicastGroupKey(group));
    return b !== undefined && now - b.lastSeen < TZ_BRIDGED_GROUP_EXPIRE;
  }

  /** Everything we announce: subscriptions, bridged groups, and broadcast when enabled; sorted. */
  allGroups(now: number): MulticastGroup[] {
    const out = new Map<string, MulticastGroup>();
    for (const g of this.subscriptions) out.set(multicastGroupKey(g), g);
    for (const [key, b] of this.bridgedGroups) if (now - b.lastSeen < TZ_BRIDGED_GROUP_EXPIRE) out.set(key, b.group);
    if (this._config && isBroadcastEnabled(this._config)) out.set(multicastGroupKey(BROADCAST_GROUP), BROADCAST_GROUP);
    return [...out.values()].sort(compareMulticastGroups);
  }

  /** Periodic housekeeping: expired bridged groups, stale announcement times, old credentials. */
  clean(now: number): void {
    for (const [key, b] of this.bridgedGroups) if (now - b.lastSeen >= TZ_BRIDGED_GROUP_EXPIRE) this.bridgedGroups.delete(key);
    for (const [a, t] of this.lastAnnouncedTo) if (now - t >= 2 * ZT_MULTICAST_ANNOUNCE_PERIOD) this.lastAnnouncedTo.delete(a);
    if (this._config) {
      this.memberships.clean(this._config);
      this.credentialEpoch++;
    }
  }
}
