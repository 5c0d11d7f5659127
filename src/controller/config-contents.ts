/**
 * What goes into an authorized member's config, read from its network and member records the
 * way the reference controller reads its JSON (controller.md §6.3, vl2.md §14.2): defaults for
 * missing or mistyped fields, clamps, limits, and rules parsed from their JSON form.
 *
 * Total over stored content: a record of the wrong shape (edited by hand, written by another
 * tool) yields defaults and a warning per problem instead of an exception, so the member still
 * gets a config the reference would also have produced from that record.
 */
import type { Identity } from '../core/vl1/identity.js';
import { parseInetAddress, type InetAddress } from '../core/vl1/inet-address.js';
import { strtoull } from '../core/vl2/c-number.js';
import {
  TZ_DEFAULT_CREDENTIAL_TIME_MAX_DELTA,
  ZT_DEFAULT_MTU,
  ZT_MAX_CAPABILITY_RULES,
  ZT_MAX_DNS_DOMAIN_LENGTH,
  ZT_MAX_DNS_SERVERS,
  ZT_MAX_MTU,
  ZT_MAX_NETWORK_RULES,
  ZT_MAX_NETWORK_SHORT_NAME_LENGTH,
  ZT_MAX_NETWORK_SPECIALISTS,
  ZT_MIN_MTU,
  ZT_NETWORKCONFIG_DEFAULT_CREDENTIAL_TIME_MAX_MAX_DELTA,
  ZT_NETWORKCONFIG_DEFAULT_CREDENTIAL_TIME_MIN_MAX_DELTA,
  ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE,
} from '../core/vl2/constants.js';
import type { NetworkDns, NetworkRoute } from '../core/vl2/netconf.js';
import { ruleFromJson, type Rule } from '../core/vl2/rules-codec.js';
import type { ConfigDecision } from './config-request.js';
import type { ConfigContents, SsoFields } from './config-issuer.js';
import { DEFAULT_MULTICAST_LIMIT, type MemberRecord, type NetworkRecord } from './records.js';
import { toInetAddress } from './ip-values.js';

export type AuthorizedDecision = Extract<ConfigDecision, { kind: 'authorized' }>;

/**
 * SSO details for a member of an SSO network (the reference asks its database; its file store
 * answers version 0 with no URL, which is the default here).
 */
export type SsoInfoSource = (network: NetworkRecord, member: MemberRecord) => Omit<SsoFields, 'authenticationExpiryTime'>;

export const DEFAULT_SSO_INFO: SsoInfoSource = () => ({
  version: 0,
  authenticationURL: '',
  issuerURL: '',
  centralAuthURL: '',
  nonce: '',
  state: '',
  clientId: '',
  provider: '',
});

export interface ContentsResult {
  contents: ConfigContents;
  /** Problems with the stored records that were worked around. */
  warnings: string[];
}

const ACCEPT_ALL: readonly Rule[] = Object.freeze([{ type: 'ACTION_ACCEPT', not: false, or: false }]);

function int(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : dflt;
}

function bool(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max);
}

const utf8 = new TextEncoder();

/** At most `maxBytes` of UTF-8, cut at a character boundary (the reference cuts bytes). */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8.encode(s).length <= maxBytes) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = utf8.encode(ch).length;
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** A 10-character hex address string as the reference reads it (strtoull, 40 bits), else 0. */
function traceAddress(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length !== 10) return undefined;
  return Number(strtoull(v, 16) & 0xffffffffffn);
}

export function buildConfigContents(
  decision: AuthorizedDecision,
  requester: Identity,
  now: number,
  ssoInfo: SsoInfoSource = DEFAULT_SSO_INFO,
): ContentsResult {
  const { network, member } = decision;
  const warnings: string[] = [];
  const nwid = BigInt('0x' + network.id);

  const parseRules = (list: unknown, max: number, where: string): Rule[] => {
    const out: Rule[] = [];
    if (!Array.isArray(list)) {
      if (list !== undefined) warnings.push(`${where} is not an array`);
      return out;
    }
    for (let i = 0; i < list.length && out.length < max; i++) {
      const r = ruleFromJson(list[i]);
      if (!r.ok) warnings.push(`${where}[${i}]: ${r.error.message}`);
      else if (r.value) out.push(r.value);
    }
    return out;
  };

  // Member trace settings win when the member names a target; otherwise the network's level applies even without a target.
  const memberTarget = traceAddress(member.remoteTraceTarget);
  const remoteTraceTarget = memberTarget ?? traceAddress(network.remoteTraceTarget) ?? 0;
  const remoteTraceLevel = (memberTarget !== undefined ? int(member.remoteTraceLevel, 0) : int(network.remoteTraceLevel, 0)) >>> 0;

  const specialists: bigint[] = [];
  for (const id of decision.activeBridges) {
    if (specialists.length >= ZT_MAX_NETWORK_SPECIALISTS) break;
    if (/^[0-9a-fA-F]{10}$/.test(id)) specialists.push(ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE | BigInt('0x' + id));
    else warnings.push(`active bridge id ${JSON.stringify(id)} is not an address`);
  }

  const routes: NetworkRoute[] = decision.routes.map((r) => ({
    target: toInetAddress(r.target, r.target.bits),
    via: r.via ? toInetAddress(r.via, 0) : null,
    flags: 0,
    metric: 0,
  }));

  const capabilities = decision.capabilities.map((cap, i) => ({
    id: int(cap?.id, 0) >>> 0,
    rules: parseRules(cap?.rules, ZT_MAX_CAPABILITY_RULES, `capabilities[${i}].rules`),
  }));

  const ssoApplies = network.ssoEnabled === true && member.ssoExempt !== true;
  let sso: SsoFields | undefined;
  if (ssoApplies) sso = { ...ssoInfo(network, member), authenticationExpiryTime: int(member.authenticationExpiryTime, 0) };

  const contents: ConfigContents = {
    networkId: nwid,
    timestamp: now,
    credentialTimeMaxDelta: clamp(
      int(network.certificateTimeoutWindowSize, TZ_DEFAULT_CREDENTIAL_TIME_MAX_DELTA),
      ZT_NETWORKCONFIG_DEFAULT_CREDENTIAL_TIME_MIN_MAX_DELTA,
      ZT_NETWORKCONFIG_DEFAULT_CREDENTIAL_TIME_MAX_MAX_DELTA,
    ),
    revision: Math.max(0, int(network.revision, 0)),
    member: requester,
    remoteTraceTarget,
    remoteTraceLevel,
    enableBroadcast: bool(network.enableBroadcast, true),
    ndpEmulation: decision.ndpEmulation,
    multicastLimit: int(network.multicastLimit, DEFAULT_MULTICAST_LIMIT) >>> 0,
    private: network.private !== false,
    name: truncateUtf8(typeof network.name === 'string' ? network.name : '', ZT_MAX_NETWORK_SHORT_NAME_LENGTH),
    mtu: clamp(int(network.mtu, ZT_DEFAULT_MTU), ZT_MIN_MTU, ZT_MAX_MTU),
    specialists,
    routes,
    staticIps: decision.staticIps,
    rules: decision.legacyRules ? ACCEPT_ALL : parseRules(network.rules, ZT_MAX_NETWORK_RULES, 'rules'),
    capabilities,
    tags: decision.tags,
    dns: dnsOf(network.dns),
    sso,
  };
  return { contents, warnings };
}

/** `dns` as an object: its domain and first four servers (unparsable ones are nil); otherwise empty. */
function dnsOf(dns: unknown): NetworkDns {
  if (typeof dns !== 'object' || dns === null || Array.isArray(dns)) return { domain: '', servers: [] };
  const d = dns as { domain?: unknown; servers?: unknown };
  const servers: (InetAddress | null)[] = [];
  if (Array.isArray(d.servers)) {
    for (const s of d.servers.slice(0, ZT_MAX_DNS_SERVERS)) {
      const a = typeof s === 'string' ? parseInetAddress(s) : undefined;
      servers.push(a?.ok ? a.value : null);
    }
  }
  while (servers.length > 0 && servers[servers.length - 1] === null) servers.pop();
  const domain = typeof d.domain === 'string' ? truncateUtf8(d.domain, ZT_MAX_DNS_DOMAIN_LENGTH - 1) : '';
  return { domain, servers };
}
