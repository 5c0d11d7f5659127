/**
 * A network POST body turned into the fields it sets (controller.md §3.3). Every field is
 * normalized on its own, independently of what is stored: a present key replaces the stored value
 * completely, so the patch is a plain partial record. Validation happens here, before any store
 * transaction, so a bad body never takes a lock.
 *
 * Unknown keys and read-only keys (id, nwid, objtype, revision, creationTime, ssoEnabled, clientId,
 * authorizationEndpoint, ...) are ignored like the reference ignores them, so a UI can post back
 * an object it fetched.
 */
import { ControllerError, fieldError } from './errors.js';
import { has, isJsonObject, readArray, readBool, readInt, readText, U32_RANGE, type JsonObject } from './json-coerce.js';
import { formatIpValue, formatPrefix, parseIpIgnoringSuffix, parsePrefix } from './ip-values.js';
import type { AuthTokensJson, DnsJson, IpPoolJson, NetworkRecord, RouteJson, V6AssignMode } from './records.js';
import { MAX_JSON_ARRAY_ENTRIES, normalizeCapabilities, normalizeRules, normalizeTagDefinitions } from './rules-json.js';
import { compileRulesSource } from './rules-source.js';

export type NetworkPatch = Partial<
  Pick<
    NetworkRecord,
    | 'name'
    | 'private'
    | 'enableBroadcast'
    | 'multicastLimit'
    | 'mtu'
    | 'v4AssignMode'
    | 'v6AssignMode'
    | 'ipAssignmentPools'
    | 'routes'
    | 'rules'
    | 'capabilities'
    | 'tags'
    | 'dns'
    | 'authTokens'
    | 'remoteTraceTarget'
    | 'remoteTraceLevel'
    | 'rulesSource'
  >
>;

export const MIN_MTU = 1280;
export const MAX_MTU = 10000;

/** Parses and validates a POST body. Throws ControllerError (invalid_json, invalid_field, rules_compile_error). */
export function parseNetworkPatch(body: unknown): NetworkPatch {
  if (!isJsonObject(body)) throw new ControllerError('invalid_json', 'body must be a JSON object');
  const b = body;
  const p: NetworkPatch = {};
  if (has(b, 'name')) p.name = readText(b.name, 'name');
  if (has(b, 'private')) p.private = readBool(b.private, 'private');
  // Documented quirk: a non-boolean such as null turns broadcast off.
  if (has(b, 'enableBroadcast')) p.enableBroadcast = b.enableBroadcast === null ? false : readBool(b.enableBroadcast, 'enableBroadcast');
  if (has(b, 'multicastLimit')) p.multicastLimit = readInt(b.multicastLimit, 'multicastLimit', U32_RANGE);
  if (has(b, 'mtu')) {
    const mtu = readInt(b.mtu, 'mtu', { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
    p.mtu = Math.min(Math.max(mtu, MIN_MTU), MAX_MTU);
  }
  if (has(b, 'remoteTraceTarget')) p.remoteTraceTarget = readTraceTarget(b.remoteTraceTarget, 'remoteTraceTarget');
  if (has(b, 'remoteTraceLevel')) p.remoteTraceLevel = readInt(b.remoteTraceLevel, 'remoteTraceLevel', U32_RANGE);
  if (has(b, 'v4AssignMode')) p.v4AssignMode = readV4AssignMode(b.v4AssignMode);
  if (has(b, 'v6AssignMode')) p.v6AssignMode = readV6AssignMode(b.v6AssignMode);
  if (has(b, 'routes')) p.routes = readRoutes(readArray(b.routes, 'routes'));
  if (has(b, 'ipAssignmentPools')) p.ipAssignmentPools = readPools(readArray(b.ipAssignmentPools, 'ipAssignmentPools'));
  if (has(b, 'dns')) {
    const dns = readDns(b.dns);
    if (dns !== undefined) p.dns = dns;
  }
  if (has(b, 'authTokens')) p.authTokens = readAuthTokens(b.authTokens);
  readRulesFields(b, p);
  return p;
}

export function applyNetworkPatch(record: NetworkRecord, patch: NetworkPatch): NetworkRecord {
  return { ...record, ...structuredClone(patch) };
}

/** 10 hex digits (lower-cased), anything else → null as in the reference; non-strings are an error. */
export function readTraceTarget(v: unknown, field: string): string | null {
  if (v === null) return null;
  if (typeof v !== 'string') throw fieldError(field, 'must be a 10-digit hex address or null');
  return /^[0-9a-fA-F]{10}$/.test(v) ? v.toLowerCase() : null;
}

function readV4AssignMode(v: unknown): { zt: boolean } {
  if (typeof v === 'string') return { zt: v === 'zt' };
  if (isJsonObject(v)) return { zt: has(v, 'zt') ? readBool(v.zt, 'v4AssignMode.zt') : false };
  throw fieldError('v4AssignMode', 'must be an object like {"zt":true} or a string');
}

const V6_MODES = ['zt', 'rfc4193', '6plane'] as const;

function readV6AssignMode(v: unknown): V6AssignMode {
  if (typeof v === 'string') {
    const named = new Set(v.split(','));
    return { '6plane': named.has('6plane'), rfc4193: named.has('rfc4193'), zt: named.has('zt') };
  }
  if (isJsonObject(v)) {
    // Only the keys present are kept (the reference's behaviour; absent keys count as false).
    const out: V6AssignMode = {};
    for (const k of V6_MODES) if (has(v, k)) out[k] = readBool(v[k], `v6AssignMode.${k}`);
    return out;
  }
  throw fieldError('v6AssignMode', 'must be an object like {"rfc4193":true} or a comma-separated string');
}

/** Invalid entries are dropped, as the reference drops them (e.g. "bogus", "10.1.0.0/33"). */
function readRoutes(list: unknown[]): RouteJson[] {
  const out: RouteJson[] = [];
  for (const r of list) {
    if (out.length >= MAX_JSON_ARRAY_ENTRIES) break;
    if (!isJsonObject(r) || typeof r.target !== 'string') continue;
    const target = parsePrefix(r.target);
    if (!target) continue;
    const via = typeof r.via === 'string' ? parseIpIgnoringSuffix(r.via) : undefined;
    out.push({ target: formatPrefix(target), via: via && via.family === target.family ? formatIpValue(via) : null });
  }
  return out;
}

function readPools(list: unknown[]): IpPoolJson[] {
  const out: IpPoolJson[] = [];
  for (const p of list) {
    if (out.length >= MAX_JSON_ARRAY_ENTRIES) break;
    if (!isJsonObject(p) || typeof p.ipRangeStart !== 'string' || typeof p.ipRangeEnd !== 'string') continue;
    const start = parseIpIgnoringSuffix(p.ipRangeStart);
    const end = parseIpIgnoringSuffix(p.ipRangeEnd);
    if (!start || !end || start.family !== end.family) continue;
    out.push({ ipRangeEnd: formatIpValue(end), ipRangeStart: formatIpValue(start) });
  }
  return out;
}

/**
 * `{"domain": string|null, "servers": [string...]}`; the `[]` we serve before DNS is set is
 * accepted and changes nothing, so a fetched object can be posted back.
 */
function readDns(v: unknown): DnsJson | undefined {
  if (Array.isArray(v) && v.length === 0) return undefined;
  if (!isJsonObject(v)) throw fieldError('dns', 'must be an object like {"domain":"example.com","servers":["10.0.0.1"]}');
  const domain = v.domain ?? null;
  if (domain !== null && typeof domain !== 'string') throw fieldError('dns.domain', 'must be a string');
  const out: { domain: string | null; servers?: string[] } = { domain };
  if (Array.isArray(v.servers)) {
    out.servers = v.servers.slice(0, MAX_JSON_ARRAY_ENTRIES).map((s, i) => {
      if (typeof s !== 'string') throw fieldError(`dns.servers[${i}]`, 'must be a string');
      return s;
    });
  } else if (v.servers !== undefined && v.servers !== null) {
    throw fieldError('dns.servers', 'must be an array of IP address strings');
  }
  return out;
}

/**
 * Entries whose value is a number ≥ 0 survive; if none do the field becomes null (reference
 * behaviour). An array becomes `[null]` as in the reference; null stays null (the reference would
 * turn it into `[null]`), so every value we serve posts back unchanged.
 */
function readAuthTokens(v: unknown): AuthTokensJson {
  if (v === null) return null;
  if (Array.isArray(v)) return [null];
  if (!isJsonObject(v)) throw fieldError('authTokens', 'must be an object of token → expiry time (ms, 0 = never)');
  const out: Record<string, number> = Object.create(null);
  let kept = 0;
  for (const [token, expiry] of Object.entries(v)) {
    if (typeof expiry === 'number' && expiry >= 0) {
      out[token] = expiry;
      kept++;
    }
  }
  return kept > 0 ? { ...out } : null;
}

/**
 * `rulesSource` compiles into rules, capabilities and tags; `rules`, `capabilities` or `tags`
 * posted explicitly in the same body take precedence (a UI that compiles client-side posts both).
 * A blank source is stored without compiling, since compiling it would replace the rules with
 * an empty (drop-everything) set.
 */
function readRulesFields(b: JsonObject, p: NetworkPatch): void {
  if (has(b, 'rulesSource')) {
    if (typeof b.rulesSource !== 'string') throw fieldError('rulesSource', 'must be a string');
    p.rulesSource = b.rulesSource;
    if (b.rulesSource.trim() !== '') Object.assign(p, compileRulesSource(b.rulesSource));
  }
  if (has(b, 'rules')) p.rules = normalizeRules(readArray(b.rules, 'rules'), 'rules');
  if (has(b, 'capabilities')) p.capabilities = normalizeCapabilities(readArray(b.capabilities, 'capabilities'), 'capabilities');
  if (has(b, 'tags')) p.tags = normalizeTagDefinitions(readArray(b.tags, 'tags'), 'tags');
}
