/**
 * local.conf: the optional JSON file in the home directory with physical-path rules, per-peer
 * (virtual) rules and service settings — the keys ZeroTier One 1.14 reads that matter to VL1.
 *
 * Values are coerced as leniently as ZeroTier does (a bool may be a number or a "true"-ish
 * string, an int may be a numeric string), but a value that cannot mean anything (a port of
 * "abc", a CIDR that does not parse) is an error naming the field, so a typo never silently
 * turns into a default. Keys TierZero knows but does not act on (UPnP, TCP relay, bonding,
 * updates...) are accepted; unknown keys are accepted with a note. Never throws.
 */
import type { Result } from '../core/errors.js';
import type { InetAddress } from '../core/vl1/inet-address.js';
import { ZT_MAX_PHYSMTU, ZT_MIN_PHYSMTU } from '../core/vl1/constants.js';
import { type Cidr, type IpBytes, cidrToText, parseCidr, parseIp, parseIpPort } from './ip-text.js';

/** A `physical` entry: rules for one physical network (CIDR). */
export interface PhysicalRule {
  network: Cidr;
  /** Never bind to or talk over addresses inside this network. */
  blacklist: boolean;
  /** Non-zero: trusted path (no encryption) toward this network; both ends must agree. */
  trustedPathId: bigint;
  /** UDP payload MTU toward this network; 0 = default. */
  mtu: number;
}

/** A `virtual` entry: rules for one peer, by its ZeroTier address. */
export interface VirtualRule {
  address: number;
  /** Hints where the peer may be reached. */
  tryAddresses: InetAddress[];
  /** Physical networks never used to reach this peer. */
  blacklist: Cidr[];
}

export interface LocalSettings {
  /** Overrides `-p` when present; 0 = random. */
  primaryPort?: number;
  /** 0 = random. */
  secondaryPort: number;
  tertiaryPort: number;
  allowSecondaryPort: boolean;
  /** Accepted for compatibility; TierZero has no UPnP/NAT-PMP mapper. */
  portMappingEnabled: boolean;
  /** Accepted for compatibility; TierZero has no TCP fallback relay. */
  allowTcpFallbackRelay: boolean;
  forceTcpRelay: boolean;
  /** Bind exactly these IPs instead of enumerating interfaces. */
  bind?: IpBytes[];
  interfacePrefixBlacklist: string[];
  /**
   * Client networks (besides loopback) allowed on the local HTTP API. An entry without `/bits`
   * is that one address (ZeroTier reads it as a /0, which lets every IPv4 client in).
   */
  allowManagementFrom: Cidr[];
  /**
   * TierZero's own switch: accept the API token as `?auth=<token>` (ZeroTier always does). Off by
   * default because URLs end up in shell histories, proxy logs and browser history.
   */
  allowAuthTokenInQueryString: boolean;
}

export interface LocalConf {
  physical: PhysicalRule[];
  virtual: VirtualRule[];
  settings: LocalSettings;
  /** Things worth a log line (ignored keys, unsupported features, clamped values). */
  notes: string[];
}

export class LocalConfError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(field ? `local.conf: ${field}: ${detail}` : `local.conf: ${detail}`);
    this.name = 'LocalConfError';
  }
}

export function defaultLocalConf(): LocalConf {
  return {
    physical: [],
    virtual: [],
    settings: {
      secondaryPort: 0,
      tertiaryPort: 0,
      allowSecondaryPort: true,
      portMappingEnabled: true,
      allowTcpFallbackRelay: true,
      forceTcpRelay: false,
      interfacePrefixBlacklist: [],
      allowManagementFrom: [],
      allowAuthTokenInQueryString: false,
    },
    notes: [],
  };
}

/** Settings ZeroTier One reads that have no effect in TierZero (kept, echoed, ignored). */
const INERT_SETTINGS = new Set([
  'tcpFallbackRelay',
  'softwareUpdate',
  'softwareUpdateChannel',
  'softwareUpdateDist',
  'lowBandwidthMode',
  'multicoreEnabled',
  'concurrency',
  'cpuPinningEnabled',
  'enableWebServer',
  'controllerDbPath',
  'controllerDb',
  'ssoRedirectURL',
  'defaultBondingPolicy',
  'policies',
  'peerSpecificBonds',
  'multipathMode',
]);

const TOP_LEVEL_KEYS = new Set(['physical', 'virtual', 'settings']);

/** Parse the text of local.conf. An empty or whitespace-only file counts as `{}`. */
export function parseLocalConf(text: string): Result<LocalConf, LocalConfError> {
  if (text.trim() === '') return { ok: true, value: defaultLocalConf() };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail('', `unable to parse (invalid JSON: ${(e as Error).message})`);
  }
  try {
    return { ok: true, value: validateLocalConf(json) };
  } catch (e) {
    if (e instanceof LocalConfError) return { ok: false, error: e };
    throw e;
  }
}

function fail(field: string, detail: string): { ok: false; error: LocalConfError } {
  return { ok: false, error: new LocalConfError(field, detail) };
}

/** Validate an already-parsed JSON value; throws LocalConfError (caught by parseLocalConf). */
function validateLocalConf(json: unknown): LocalConf {
  if (!isObject(json)) throw new LocalConfError('', 'unable to parse (root element is not a JSON object)');
  const conf = defaultLocalConf();
  for (const key of Object.keys(json)) {
    if (!TOP_LEVEL_KEYS.has(key)) conf.notes.push(`local.conf: unknown top-level key "${key}" ignored`);
  }
  if (json.physical !== undefined && json.physical !== null) {
    conf.physical = parsePhysical(objectAt(json.physical, 'physical'), conf.notes);
  }
  if (json.virtual !== undefined && json.virtual !== null) {
    conf.virtual = parseVirtual(objectAt(json.virtual, 'virtual'));
  }
  if (json.settings !== undefined && json.settings !== null) {
    parseSettings(objectAt(json.settings, 'settings'), conf.settings, conf.notes);
  }
  return conf;
}

function parsePhysical(obj: Record<string, unknown>, notes: string[]): PhysicalRule[] {
  const rules: PhysicalRule[] = [];
  for (const [cidrText, value] of Object.entries(obj)) {
    const field = `physical["${cidrText}"]`;
    const network = parseCidr(cidrText);
    if (!network) throw new LocalConfError(field, 'key is not a CIDR network (e.g. "10.0.0.0/8" or "fd00::/8")');
    const entry = objectAt(value, field);
    const rule: PhysicalRule = {
      network,
      blacklist: boolAt(entry.blacklist, `${field}.blacklist`, false),
      trustedPathId: uint64At(entry.trustedPathId, `${field}.trustedPathId`),
      mtu: intAt(entry.mtu, `${field}.mtu`, 0, 0, 0xffff),
    };
    if (rule.blacklist && network.bits === 0) {
      throw new LocalConfError(`${field}.blacklist`, 'a blacklisted network needs a prefix length above 0');
    }
    if (rule.mtu !== 0 && (rule.mtu < ZT_MIN_PHYSMTU || rule.mtu > ZT_MAX_PHYSMTU)) {
      const clamped = Math.min(ZT_MAX_PHYSMTU, Math.max(ZT_MIN_PHYSMTU, rule.mtu));
      notes.push(`local.conf: ${field}.mtu ${rule.mtu} clamped to ${clamped} (allowed ${ZT_MIN_PHYSMTU}..${ZT_MAX_PHYSMTU})`);
      rule.mtu = clamped;
    }
    for (const k of Object.keys(entry)) {
      if (k !== 'blacklist' && k !== 'trustedPathId' && k !== 'mtu') notes.push(`local.conf: ${field}.${k} ignored (unknown key)`);
    }
    rules.push(rule);
  }
  return rules;
}

function parseVirtual(obj: Record<string, unknown>): VirtualRule[] {
  const rules: VirtualRule[] = [];
  for (const [addrText, value] of Object.entries(obj)) {
    const field = `virtual["${addrText}"]`;
    if (!/^[0-9a-fA-F]{10}$/.test(addrText) || /^ff/i.test(addrText) || /^0{10}$/.test(addrText)) {
      throw new LocalConfError(field, 'key is not a ZeroTier address (10 hex digits, not reserved)');
    }
    const entry = objectAt(value, field);
    rules.push({
      address: parseInt(addrText, 16),
      tryAddresses: stringListAt(entry.try, `${field}.try`).map((s, i) => {
        const a = parseIpPort(s);
        if (!a) throw new LocalConfError(`${field}.try[${i}]`, `"${s}" is not an address of the form ip/port`);
        return a;
      }),
      blacklist: stringListAt(entry.blacklist, `${field}.blacklist`).map((s, i) => {
        const c = parseCidr(s);
        if (!c) throw new LocalConfError(`${field}.blacklist[${i}]`, `"${s}" is not a CIDR network`);
        return c;
      }),
    });
  }
  return rules;
}

function parseSettings(obj: Record<string, unknown>, s: LocalSettings, notes: string[]): void {
  const port = (key: string, dflt: number): number => intAt(obj[key], `settings.${key}`, dflt, 0, 65535);
  if (obj.primaryPort !== undefined && obj.primaryPort !== null) s.primaryPort = port('primaryPort', 0);
  s.secondaryPort = port('secondaryPort', 0);
  s.tertiaryPort = port('tertiaryPort', 0);
  s.allowSecondaryPort = boolAt(obj.allowSecondaryPort, 'settings.allowSecondaryPort', true);
  s.portMappingEnabled = boolAt(obj.portMappingEnabled, 'settings.portMappingEnabled', true);
  s.allowTcpFallbackRelay = boolAt(obj.allowTcpFallbackRelay, 'settings.allowTcpFallbackRelay', true);
  s.forceTcpRelay = boolAt(obj.forceTcpRelay, 'settings.forceTcpRelay', false);
  if (obj.bind !== undefined && obj.bind !== null) {
    s.bind = stringListAt(obj.bind, 'settings.bind').map((text, i) => {
      const ip = parseIp(text);
      if (!ip || text.includes('%')) throw new LocalConfError(`settings.bind[${i}]`, `"${text}" is not an IP address`);
      return ip;
    });
  }
  s.interfacePrefixBlacklist = stringListAt(obj.interfacePrefixBlacklist, 'settings.interfacePrefixBlacklist');
  s.allowManagementFrom = stringListAt(obj.allowManagementFrom, 'settings.allowManagementFrom').map((text, i) => {
    const net = parseCidr(text.trim());
    if (!net) throw new LocalConfError(`settings.allowManagementFrom[${i}]`, `"${text}" is not an IP address or a CIDR network`);
    return net;
  });
  s.allowAuthTokenInQueryString = boolAt(obj.allowAuthTokenInQueryString, 'settings.allowAuthTokenInQueryString', false);
  if (typeof obj.tcpFallbackRelay === 'string' && !parseIpPort(obj.tcpFallbackRelay)) {
    throw new LocalConfError('settings.tcpFallbackRelay', `"${obj.tcpFallbackRelay}" is not an address of the form ip/port`);
  }

  if (s.secondaryPort !== 0 || s.tertiaryPort !== 0) {
    notes.push('WARNING: using manually-specified secondary and/or tertiary ports. This can cause NAT issues.');
  }
  if (obj.portMappingEnabled !== undefined && s.portMappingEnabled) {
    notes.push('local.conf: settings.portMappingEnabled accepted, but TierZero has no UPnP/NAT-PMP port mapper');
  }
  if (obj.allowTcpFallbackRelay !== undefined && s.allowTcpFallbackRelay) {
    notes.push('local.conf: settings.allowTcpFallbackRelay accepted, but TierZero has no TCP fallback relay');
  }
  if (s.forceTcpRelay) {
    notes.push('local.conf: settings.forceTcpRelay ignored: TierZero has no TCP relay, UDP is used');
  }
  const known = new Set([
    'primaryPort', 'secondaryPort', 'tertiaryPort', 'allowSecondaryPort', 'portMappingEnabled',
    'allowTcpFallbackRelay', 'forceTcpRelay', 'bind', 'interfacePrefixBlacklist',
    'allowManagementFrom', 'allowAuthTokenInQueryString',
  ]);
  for (const k of Object.keys(obj)) {
    if (!known.has(k) && !INERT_SETTINGS.has(k)) notes.push(`local.conf: settings.${k} ignored (unknown key)`);
  }
}

// --- typed accessors: each throws LocalConfError naming the field ---

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectAt(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) throw new LocalConfError(field, `expected a JSON object, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '...' : v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** ZeroTier's bool coercion: true/false, number > 0, or string starting with t/T/1. */
function boolAt(v: unknown, field: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v > 0;
  if (typeof v === 'string') {
    if (/^(t|T|1)/.test(v)) return true;
    if (/^(f|F|0|$)/.test(v)) return false;
  }
  throw new LocalConfError(field, `expected true or false, got ${describe(v)}`);
}

/** An integer (or numeric string) within [min, max]. */
function intAt(v: unknown, field: string, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null) return dflt;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) n = Number(v);
  else throw new LocalConfError(field, `expected an integer ${min}..${max}, got ${describe(v)}`);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new LocalConfError(field, `expected an integer ${min}..${max}, got ${describe(v)}`);
  }
  return n;
}

/** A 64-bit unsigned integer: a safe JSON integer or a decimal string (for ids above 2^53). */
function uint64At(v: unknown, field: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\s*\d{1,20}\s*$/.test(v)) {
    const n = BigInt(v.trim());
    if (n <= 0xffffffffffffffffn) return n;
  }
  throw new LocalConfError(field, `expected an unsigned 64-bit integer (a number, or a decimal string above 2^53), got ${describe(v)}`);
}

function stringListAt(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new LocalConfError(field, `expected an array of strings, got ${describe(v)}`);
  return v.map((item, i) => {
    if (typeof item !== 'string') throw new LocalConfError(`${field}[${i}]`, `expected a string, got ${describe(item)}`);
    return item;
  });
}

/** One-line summary for logs. */
export function describePhysicalRule(r: PhysicalRule): string {
  const parts = [cidrToText(r.network)];
  if (r.blacklist) parts.push('blacklist');
  if (r.trustedPathId !== 0n) parts.push(`trustedPathId=${r.trustedPathId}`);
  if (r.mtu !== 0) parts.push(`mtu=${r.mtu}`);
  return parts.join(' ');
}
