/**
 * The data side of a NETWORK_CONFIG_REQUEST (controller.md §6.2 steps 2–10, §6.5): find the
 * network and member, check the identity, decide authorization, record the member's version,
 * add default capabilities and tags, assign addresses, and save the member — all in one store
 * transaction, so concurrent requests cannot assign one address twice or lose an update.
 *
 * Signing credentials and sending the config belong to the caller (the VL2 config pusher); this
 * returns everything it needs. Rate limiting and the "is this network ours" check happen before.
 */
import type { InetAddress } from '../core/vl1/inet-address.js';
import { assignAddresses, parseNetworkRoutes, secureRandom64, type ParsedRoute, type Random64 } from './ip-assignment.js';
import { newMemberRecord, nextRevision, type CapabilityJson, type MemberRecord, type NetworkRecord } from './records.js';
import type { ControllerStore } from './store/store.js';

export interface ConfigRequest {
  /** 16 lower-case hex digits. */
  nwid: string;
  /** 10 lower-case hex digits. */
  memberId: string;
  /** The requester's public identity in text form. */
  identity: string;
  now: number;
  /** A real request (packet id ≠ 0) rather than a controller-initiated push. */
  genuine: boolean;
  metadata: ConfigRequestMetadata;
}

export interface ConfigRequestMetadata {
  /** Metadata `a`: `token:<t>` authorizes through the network's authTokens. */
  auth?: string;
  /** `majv`, `minv`, `revv`, `pv`. */
  vMajor?: number;
  vMinor?: number;
  vRev?: number;
  vProto?: number;
  /** `revr`: rules engine revision; ≤ 0 gets a single ACCEPT rule and no capabilities or tags. */
  rulesEngineRevision?: number;
}

export type ConfigDecision =
  | { kind: 'not_found' }
  /** Identity mismatch or not authorized. */
  | { kind: 'access_denied'; reason: 'identity_mismatch' | 'not_authorized' }
  | { kind: 'authentication_required'; network: NetworkRecord; member: MemberRecord }
  | {
      kind: 'authorized';
      network: NetworkRecord;
      member: MemberRecord;
      /** With prefix lengths in `port`, in config order. */
      staticIps: InetAddress[];
      ndpEmulation: boolean;
      routes: ParsedRoute[];
      /** Network capabilities the member holds (ascending id), or none for a legacy rules engine. */
      capabilities: CapabilityJson[];
      /** `[id, value]` ascending by id, defaults included. */
      tags: [number, number][];
      /** Members with activeBridge set, ascending. */
      activeBridges: string[];
      /** The requester's rules engine is too old: send a single ACCEPT. */
      legacyRules: boolean;
    };

const TOKEN_PREFIX = 'token:';

export async function resolveConfigRequest(
  store: ControllerStore,
  req: ConfigRequest,
  random64: Random64 = secureRandom64,
): Promise<ConfigDecision> {
  return store.transaction(async (tx): Promise<ConfigDecision> => {
    const network = await tx.getNetwork(req.nwid);
    if (!network) return { kind: 'not_found' };
    const stored = await tx.getMember(req.nwid, req.memberId);
    const member: MemberRecord = stored ? structuredClone(stored) : newMemberRecord(req.nwid, req.memberId, req.now);
    const save = async (): Promise<MemberRecord> => {
      const next = nextRevision(stored, member);
      if (next) await tx.putMember(next);
      return next ?? stored ?? member;
    };

    if (member.identity !== undefined && member.identity !== req.identity) {
      return { kind: 'access_denied', reason: 'identity_mismatch' };
    }
    member.identity = req.identity;
    member.id = req.memberId;
    member.address = req.memberId;
    member.nwid = req.nwid;

    if (!member.authorized) authorizeImplicitly(network, member, req);

    if (network.ssoEnabled && !member.ssoExempt && member.authenticationExpiryTime <= req.now) {
      return { kind: 'authentication_required', network, member: await save() };
    }
    if (!member.authorized) {
      await save();
      return { kind: 'access_denied', reason: 'not_authorized' };
    }

    if (req.genuine) {
      const m = req.metadata;
      member.vMajor = m.vMajor ?? -1;
      member.vMinor = m.vMinor ?? -1;
      member.vRev = m.vRev ?? -1;
      member.vProto = m.vProto ?? -1;
    }

    const legacyRules = (req.metadata.rulesEngineRevision ?? 0) <= 0;
    const capabilities = legacyRules ? [] : grantCapabilities(network, member, stored === undefined);
    const tags = legacyRules ? [] : applyDefaultTags(network, member);

    const assigned = await assignAddresses(network, member, (ip) => tx.isIpAllocated(req.nwid, ip), random64);
    member.ipAssignments = assigned.ipAssignments;
    const saved = await save();
    const activeBridges = await tx.listActiveBridges(req.nwid);
    return {
      kind: 'authorized',
      network,
      member: saved,
      staticIps: assigned.staticIps,
      ndpEmulation: assigned.ndpEmulation,
      routes: parseNetworkRoutes(network),
      capabilities,
      tags,
      activeBridges,
      legacyRules,
    };
  });
}

/** Public networks authorize anyone; a valid auth token authorizes on private ones. */
function authorizeImplicitly(network: NetworkRecord, member: MemberRecord, req: ConfigRequest): void {
  if (!network.private) {
    member.authorized = true;
    member.lastAuthorizedTime = req.now;
    member.lastAuthorizedCredentialType = 'public';
    member.lastAuthorizedCredential = null;
    return;
  }
  const a = req.metadata.auth;
  if (a === undefined || a.length <= TOKEN_PREFIX.length || !a.startsWith(TOKEN_PREFIX)) return;
  const token = a.slice(TOKEN_PREFIX.length);
  const tokens = network.authTokens;
  if (tokens === null || Array.isArray(tokens) || !Object.hasOwn(tokens, token)) return;
  const expiry = tokens[token];
  if (typeof expiry !== 'number' || (expiry !== 0 && expiry <= req.now)) return;
  member.authorized = true;
  member.lastAuthorizedTime = req.now;
  member.lastAuthorizedCredentialType = 'token';
  member.lastAuthorizedCredential = token;
}

/** A new member first receives every `default: true` capability; then the network's definitions of the ids it holds. */
function grantCapabilities(network: NetworkRecord, member: MemberRecord, isNew: boolean): CapabilityJson[] {
  if (isNew) {
    const held = new Set(member.capabilities);
    for (const cap of network.capabilities) if (cap.default && !held.has(cap.id)) member.capabilities.push(cap.id);
    member.capabilities.sort((a, b) => a - b);
  }
  const byId = new Map(network.capabilities.map((c) => [c.id, c]));
  return member.capabilities.flatMap((id) => byId.get(id) ?? []);
}

/** Network tag defaults the member lacks are written into its tags (for new and existing members alike). */
function applyDefaultTags(network: NetworkRecord, member: MemberRecord): [number, number][] {
  const byId = new Map(member.tags);
  let added = false;
  for (const t of network.tags) {
    if (t.default !== null && !byId.has(t.id)) {
      byId.set(t.id, t.default);
      member.tags.push([t.id, t.default]);
      added = true;
    }
  }
  if (added) member.tags.sort((a, b) => a[0] - b[0]);
  return [...byId.entries()].sort((a, b) => a[0] - b[0]);
}
