/**
 * The network and member records exactly as the reference controller stores and serves them
 * (controller.md §3.1, §4.1): field names, JSON types and defaults. Records are plain JSON so a
 * store can keep them as documents and the API can send them as they are.
 */
import type { RuleJson } from '../core/vl2/rules-codec.js';
import { canonicalJson } from './canonical-json.js';

export type { RuleJson };

export interface RouteJson {
  /** `ip/bits`, host bits kept as posted. */
  target: string;
  /** A plain IP of the target's family, or null. */
  via: string | null;
}

export interface IpPoolJson {
  ipRangeStart: string;
  ipRangeEnd: string;
}

export interface CapabilityJson {
  id: number;
  default: boolean;
  rules: RuleJson[];
}

export interface TagDefinitionJson {
  id: number;
  default: number | null;
}

/** Only the keys present count; a missing key means false (controller.md §3.3). */
export interface V6AssignMode {
  zt?: boolean;
  rfc4193?: boolean;
  '6plane'?: boolean;
}

/** `[]` until posted: the reference's literal default, which UIs may test for. */
export type DnsJson = { domain: string | null; servers?: string[] } | [];

/** `[null]` until posted; an object of token → expiry (0 = never); null when none survived. */
export type AuthTokensJson = Record<string, number> | null | [null];

export interface NetworkRecord {
  id: string;
  nwid: string;
  objtype: 'network';
  name: string;
  private: boolean;
  creationTime: number;
  revision: number;
  enableBroadcast: boolean;
  multicastLimit: number;
  mtu: number;
  v4AssignMode: { zt: boolean };
  v6AssignMode: V6AssignMode;
  ipAssignmentPools: IpPoolJson[];
  routes: RouteJson[];
  rules: RuleJson[];
  capabilities: CapabilityJson[];
  tags: TagDefinitionJson[];
  dns: DnsJson;
  authTokens: AuthTokensJson;
  remoteTraceTarget: string | null;
  remoteTraceLevel: number;
  /** Kept as posted (the reference drops it); empty when never posted. */
  rulesSource: string;
  ssoEnabled: boolean;
  clientId: string;
  authorizationEndpoint: string;
  /** Credential time window in ms; only ever set by editing the store, never by the API. */
  certificateTimeoutWindowSize?: number;
}

export type AuthorizedCredentialType = 'api' | 'public' | 'token';

export interface MemberRecord {
  id: string;
  address: string;
  nwid: string;
  objtype: 'member';
  authorized: boolean;
  activeBridge: boolean;
  noAutoAssignIps: boolean;
  /** Plain IP strings, canonical text, in assignment order. */
  ipAssignments: string[];
  /** `[id, value]` pairs sorted by id. */
  tags: [number, number][];
  /** Sorted, no duplicates. */
  capabilities: number[];
  /** Absent until set. */
  name?: string;
  /** Public identity learned from the member's first config request. */
  identity?: string;
  creationTime: number;
  revision: number;
  lastAuthorizedTime: number;
  lastDeauthorizedTime: number;
  lastAuthorizedCredentialType: AuthorizedCredentialType | null;
  lastAuthorizedCredential: string | null;
  vMajor: number;
  vMinor: number;
  vRev: number;
  vProto: number;
  remoteTraceTarget: string | null;
  remoteTraceLevel: number;
  ssoExempt: boolean;
  authenticationExpiryTime: number;
}

export const DEFAULT_RULES: RuleJson[] = [{ not: false, or: false, type: 'ACTION_ACCEPT' }];
export const DEFAULT_MULTICAST_LIMIT = 32;

export function newNetworkRecord(nwid: string, now: number): NetworkRecord {
  return {
    id: nwid,
    nwid,
    objtype: 'network',
    name: '',
    private: true,
    creationTime: now,
    revision: 0,
    enableBroadcast: true,
    multicastLimit: DEFAULT_MULTICAST_LIMIT,
    mtu: 2800,
    v4AssignMode: { zt: false },
    v6AssignMode: { '6plane': false, rfc4193: false, zt: false },
    ipAssignmentPools: [],
    routes: [],
    rules: DEFAULT_RULES.map((r) => ({ ...r })),
    capabilities: [],
    tags: [],
    dns: [],
    authTokens: [null],
    remoteTraceTarget: null,
    remoteTraceLevel: 0,
    rulesSource: '',
    ssoEnabled: false,
    clientId: '',
    authorizationEndpoint: '',
  };
}

export function newMemberRecord(nwid: string, memberId: string, now: number): MemberRecord {
  return {
    id: memberId,
    address: memberId,
    nwid,
    objtype: 'member',
    authorized: false,
    activeBridge: false,
    noAutoAssignIps: false,
    ipAssignments: [],
    tags: [],
    capabilities: [],
    creationTime: now,
    revision: 0,
    lastAuthorizedTime: 0,
    lastDeauthorizedTime: 0,
    lastAuthorizedCredentialType: null,
    lastAuthorizedCredential: null,
    vMajor: -1,
    vMinor: -1,
    vRev: -1,
    vProto: -1,
    remoteTraceTarget: null,
    remoteTraceLevel: 0,
    ssoExempt: false,
    authenticationExpiryTime: 0,
  };
}

/** Equal in every field but `revision`: the test the reference uses to decide whether a save changes anything. */
export function sameIgnoringRevision(a: NetworkRecord | MemberRecord, b: NetworkRecord | MemberRecord): boolean {
  return canonicalJson({ ...a, revision: 0 }) === canonicalJson({ ...b, revision: 0 });
}

/**
 * The record to store for `next` given what is stored now: revision 1 for a new record, +1 for
 * a changed one, and undefined when nothing changed (so nothing is written and nobody is told).
 */
export function nextRevision<T extends NetworkRecord | MemberRecord>(stored: T | undefined, next: T): T | undefined {
  if (!stored) return { ...next, revision: 1 };
  if (sameIgnoringRevision(stored, next)) return undefined;
  return { ...next, revision: stored.revision + 1 };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Only the keys a record type has, with defaults for any that are missing (the reference's initNetwork / initMember). */
function withDefaults<T extends object>(defaults: T, doc: Record<string, unknown>, optionalKeys: readonly string[]): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (Object.hasOwn(out, key) || optionalKeys.includes(key)) out[key] = doc[key];
  }
  return out as T;
}

/** A stored network document read back; undefined if it is not a usable network object. */
export function networkFromDocument(doc: unknown): NetworkRecord | undefined {
  if (!isPlainObject(doc) || typeof doc.id !== 'string') return undefined;
  const creationTime = typeof doc.creationTime === 'number' ? doc.creationTime : 0;
  return withDefaults(newNetworkRecord(doc.id, creationTime), doc, ['certificateTimeoutWindowSize']);
}

export function memberFromDocument(doc: unknown): MemberRecord | undefined {
  if (!isPlainObject(doc) || typeof doc.id !== 'string' || typeof doc.nwid !== 'string') return undefined;
  const creationTime = typeof doc.creationTime === 'number' ? doc.creationTime : 0;
  return withDefaults(newMemberRecord(doc.nwid, doc.id, creationTime), doc, ['name', 'identity']);
}
