/**
 * The network configuration a controller sends a member (spec vl2.md §7): its representation,
 * its Dictionary form, and the configs a node synthesizes for ad-hoc networks (§2.2).
 *
 * Credentials (`C`, `CAP`, `TAG`, `COO`) are parsed into `credentials` as 1.14 does: a
 * malformed `C` or `COO` rejects the config, a malformed capability or tag ends its list,
 * capabilities and tags are sorted by id (at most 128 each), at most 4 COOs are kept, a COM
 * without qualifiers counts as none. The blob fields `com`, `capabilities`, `tags` and
 * `certificatesOfOwnership` hold the same credentials serialized (what the reference would
 * re-send); when writing, a non-empty typed list wins and the blob is used only when it is
 * empty. Everything else is parsed as 1.14 does, quirks included: short hex numbers, MTU
 * clamped to 1280..10000, a missing `ml` meaning 0, `v` < 6 rejected, strings cut to the
 * reference's buffer sizes.
 */
import { DecodeError, decodeGuard, fail, ok, type Result } from '../errors.js';
import { BufferReader, BufferWriter } from '../vl1/buffer-reader.js';
import type { Address } from '../vl1/address.js';
import { readInetAddress, writeInetAddress, type InetAddress } from '../vl1/inet-address.js';
import {
  ZT_6PLANE_PREFIX_BITS,
  ZT_DEFAULT_MTU,
  ZT_MAX_DNS_DOMAIN_LENGTH,
  ZT_MAX_CERTIFICATES_OF_OWNERSHIP,
  ZT_MAX_DNS_SERVERS,
  ZT_MAX_MTU,
  ZT_MAX_NETWORK_CAPABILITIES,
  ZT_MAX_NETWORK_ROUTES,
  ZT_MAX_NETWORK_RULES,
  ZT_MAX_NETWORK_SHORT_NAME_LENGTH,
  ZT_MAX_NETWORK_SPECIALISTS,
  ZT_MAX_NETWORK_TAGS,
  ZT_MAX_ZT_ASSIGNED_ADDRESSES,
  ZT_MIN_MTU,
  ZT_NETWORK_TYPE_PRIVATE,
  ZT_NETWORK_TYPE_PUBLIC,
  ZT_NETWORKCONFIG_DEFAULT_CREDENTIAL_TIME_MAX_MAX_DELTA,
  ZT_NETWORKCONFIG_DICT_CAPACITY,
  ZT_NETWORKCONFIG_FLAG_ENABLE_BROADCAST,
  ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION,
  ZT_NETWORKCONFIG_MIN_VERSION,
  ZT_NETWORKCONFIG_VERSION,
} from './constants.js';
import { Dictionary, DictionaryBuilder } from './dictionary.js';
import { encodeCapability, readCapability, type Capability } from './credentials/capability.js';
import { decodeCom, encodeCom, type CertificateOfMembership } from './credentials/com.js';
import { encodeCoo, readCoo, type CertificateOfOwnership } from './credentials/coo.js';
import { sortById } from './credentials/credential.js';
import { encodeTag, readTag, type Tag } from './credentials/tag.js';
import { describeAdHocNetwork, type NetworkId } from './network-id.js';
import { sixPlaneAddress } from './ipv6.js';
import { readRules, writeRule, type Rule } from './rules-codec.js';

/** Dictionary keys of the network config (ZeroTier's names). */
export const NETCONF_KEY = {
  VERSION: 'v',
  NETWORK_ID: 'nwid',
  TIMESTAMP: 'ts',
  CREDENTIAL_TIME_MAX_DELTA: 'ctmd',
  REVISION: 'r',
  ISSUED_TO: 'id',
  REMOTE_TRACE_TARGET: 'tt',
  REMOTE_TRACE_LEVEL: 'tl',
  FLAGS: 'f',
  MULTICAST_LIMIT: 'ml',
  TYPE: 't',
  NAME: 'n',
  MTU: 'mtu',
  COM: 'C',
  CAPABILITIES: 'CAP',
  TAGS: 'TAG',
  CERTIFICATES_OF_OWNERSHIP: 'COO',
  SPECIALISTS: 'S',
  ROUTES: 'RT',
  STATIC_IPS: 'I',
  RULES: 'R',
  DNS: 'DNS',
  SSO_VERSION: 'ssov',
  SSO_ENABLED: 'ssoe',
  AUTHENTICATION_URL: 'aurl',
  AUTHENTICATION_EXPIRY_TIME: 'aexpt',
  ISSUER_URL: 'iurl',
  CENTRAL_ENDPOINT_URL: 'ssoce',
  NONCE: 'sson',
  STATE: 'ssos',
  CLIENT_ID: 'ssocid',
  SSO_PROVIDER: 'ssop',
} as const;

/** The reference's string buffer sizes (value bytes kept = size − 1). */
const STRING_LIMITS = { aurl: 2047, iurl: 2047, ssoce: 2047, sson: 127, ssos: 255, ssocid: 255, ssop: 63 } as const;

export interface NetworkRoute {
  /** Port field = prefix length. */
  target: InetAddress | null;
  /** Gateway (port 0), or null for a route onto the network itself. */
  via: InetAddress | null;
  /** Carried but meaningless in 1.14 (the controller sends 0). */
  flags: number;
  metric: number;
}

export interface NetworkDns {
  /** At most 127 bytes. */
  domain: string;
  /** At most 4; null entries are the wire's nil addresses. */
  servers: (InetAddress | null)[];
}

/** The credentials a config carries for its member (spec §7.1 `C`, `CAP`, `TAG`, `COO`). */
export interface NetworkConfigCredentials {
  /** Null when absent or without qualifiers. */
  com: CertificateOfMembership | null;
  /** Ascending id, at most 128. */
  capabilities: Capability[];
  /** Ascending id, at most 128. */
  tags: Tag[];
  /** At most 4. */
  certificatesOfOwnership: CertificateOfOwnership[];
}

export function emptyNetworkConfigCredentials(): NetworkConfigCredentials {
  return { com: null, capabilities: [], tags: [], certificatesOfOwnership: [] };
}

export interface NetworkConfig {
  networkId: NetworkId;
  /** Controller clock (ms); reference point for credential time windows. */
  timestamp: number;
  credentialTimeMaxDelta: number;
  revision: number;
  issuedTo: Address;
  /** 0 = none. */
  remoteTraceTarget: Address;
  remoteTraceLevel: number;
  /** ZT_NETWORKCONFIG_FLAG_* bits. */
  flags: bigint;
  /** Recipients per multicast; 0 disables multicast and broadcast. */
  multicastLimit: number;
  /** ZT_NETWORK_TYPE_PRIVATE (0) or ZT_NETWORK_TYPE_PUBLIC (1). */
  type: number;
  name: string;
  mtu: number;
  /** The member's own credentials, typed. */
  credentials: NetworkConfigCredentials;
  /** Serialized certificate of membership (`C`), or null; see the module comment. */
  com: Uint8Array | null;
  /** Concatenated capabilities (`CAP`), tags (`TAG`) and certificates of ownership (`COO`). */
  capabilities: Uint8Array | null;
  tags: Uint8Array | null;
  certificatesOfOwnership: Uint8Array | null;
  /** Role bits (high 24) | address (low 40); see specialistAddress / ZT_NETWORKCONFIG_SPECIALIST_TYPE_*. */
  specialists: bigint[];
  routes: NetworkRoute[];
  /** Managed addresses, port = prefix length. A null is a skipped (nil or reserved-type) entry. */
  staticIps: (InetAddress | null)[];
  rules: Rule[];
  dns: NetworkDns;
  ssoVersion: number;
  ssoEnabled: boolean;
  authenticationURL: string;
  authenticationExpiryTime: number;
  issuerURL: string;
  centralAuthURL: string;
  ssoNonce: string;
  ssoState: string;
  ssoClientID: string;
  ssoProvider: string;
}

/** The reference's empty config (what parsing starts from). */
export function emptyNetworkConfig(): NetworkConfig {
  return {
    networkId: 0n,
    timestamp: 0,
    credentialTimeMaxDelta: 0,
    revision: 0,
    issuedTo: 0,
    remoteTraceTarget: 0,
    remoteTraceLevel: 0,
    flags: 0n,
    multicastLimit: 0,
    type: ZT_NETWORK_TYPE_PRIVATE,
    name: '',
    mtu: 0,
    credentials: emptyNetworkConfigCredentials(),
    com: null,
    capabilities: null,
    tags: null,
    certificatesOfOwnership: null,
    specialists: [],
    routes: [],
    staticIps: [],
    rules: [],
    dns: { domain: '', servers: [] },
    ssoVersion: 0,
    ssoEnabled: false,
    authenticationURL: '',
    authenticationExpiryTime: 0,
    issuerURL: '',
    centralAuthURL: '',
    ssoNonce: '',
    ssoState: '',
    ssoClientID: '',
    ssoProvider: 'default',
  };
}

export function specialistAddress(specialist: bigint): Address {
  return Number(specialist & 0xffffffffffn);
}

export function specialistRoles(specialist: bigint): bigint {
  return specialist & ~0xffffffffffn & 0xffffffffffffffffn;
}

export function isBroadcastEnabled(nc: NetworkConfig): boolean {
  return (nc.flags & ZT_NETWORKCONFIG_FLAG_ENABLE_BROADCAST) !== 0n;
}

export function isNdpEmulationEnabled(nc: NetworkConfig): boolean {
  return (nc.flags & ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION) !== 0n;
}

// ---- Parsing -----------------------------------------------------------------------------

const asInt64 = (v: bigint): number => Number(BigInt.asIntN(64, v));
const asUint32 = (v: bigint): number => Number(BigInt.asUintN(32, v));

/** Parses received config bytes (must be shorter than the 484 520-byte dictionary capacity). */
export function parseNetworkConfig(bytes: Uint8Array, capacity = ZT_NETWORKCONFIG_DICT_CAPACITY): Result<NetworkConfig> {
  const d = Dictionary.parse(bytes, capacity);
  return d.ok ? networkConfigFromDictionary(d.value) : d;
}

/** NetworkConfig::fromDictionary of 1.14 (legacy `v` < 6 configs are rejected). */
export function networkConfigFromDictionary(d: Dictionary): Result<NetworkConfig> {
  const nc = emptyNetworkConfig();
  const K = NETCONF_KEY;
  nc.networkId = d.getU64(K.NETWORK_ID, 0n);
  if (nc.networkId === 0n) return fail(new DecodeError('bad_field', 'network config has no network ID'));
  nc.timestamp = asInt64(d.getU64(K.TIMESTAMP, 0n));
  nc.credentialTimeMaxDelta = asInt64(d.getU64(K.CREDENTIAL_TIME_MAX_DELTA, 0n));
  nc.revision = Number(d.getU64(K.REVISION, 0n));
  nc.issuedTo = d.getAddress(K.ISSUED_TO, 0);
  if (nc.issuedTo === 0) return fail(new DecodeError('bad_field', 'network config has no issued-to address'));
  nc.remoteTraceTarget = d.getAddress(K.REMOTE_TRACE_TARGET, 0);
  nc.remoteTraceLevel = asUint32(d.getU64(K.REMOTE_TRACE_LEVEL, 0n));
  nc.multicastLimit = asUint32(d.getU64(K.MULTICAST_LIMIT, 0n));
  nc.name = d.getString(K.NAME, ZT_MAX_NETWORK_SHORT_NAME_LENGTH) ?? '';
  nc.mtu = Math.min(Math.max(asUint32(d.getU64(K.MTU, BigInt(ZT_DEFAULT_MTU))), ZT_MIN_MTU), ZT_MAX_MTU);
  if (d.getU64(K.VERSION, 0n) < BigInt(ZT_NETWORKCONFIG_MIN_VERSION)) {
    return fail(new DecodeError('bad_field', 'network config version missing or older than 6 (legacy format)'));
  }
  nc.flags = d.getU64(K.FLAGS, 0n);
  nc.type = asUint32(d.getU64(K.TYPE, BigInt(ZT_NETWORK_TYPE_PRIVATE)));

  const credentials = readConfigCredentials(d);
  if (!credentials.ok) return credentials;
  nc.credentials = credentials.value;
  Object.assign(nc, credentialBlobs(credentials.value));

  const blobs = decodeGuard(() => {
    const s = d.getBytes(K.SPECIALISTS);
    if (s) {
      // 8 bytes each; a trailing partial entry is ignored, entries past the limit are dropped.
      for (let p = 0; p + 8 <= s.length; p += 8) {
        if (nc.specialists.length < ZT_MAX_NETWORK_SPECIALISTS) nc.specialists.push(new BufferReader(s, p).u64());
      }
    }
    const rt = d.getBytes(K.ROUTES);
    if (rt) {
      const r = new BufferReader(rt);
      while (r.remaining > 0 && nc.routes.length < ZT_MAX_NETWORK_ROUTES) {
        const target = readInetAddress(r);
        const via = readInetAddress(r);
        nc.routes.push({ target, via, flags: r.u16('route flags'), metric: r.u16('route metric') });
      }
    }
    const ips = d.getBytes(K.STATIC_IPS);
    if (ips) {
      const r = new BufferReader(ips);
      while (r.remaining > 0 && nc.staticIps.length < ZT_MAX_ZT_ASSIGNED_ADDRESSES) nc.staticIps.push(readInetAddress(r));
    }
    const rules = d.getBytes(K.RULES);
    if (rules) nc.rules = readRules(rules, 0, rules.length, ZT_MAX_NETWORK_RULES).rules;
    const dns = d.getBytes(K.DNS);
    if (dns) nc.dns = readDns(dns);
  });
  if (!blobs.ok) return blobs;

  nc.ssoVersion = Number(d.getU64(K.SSO_VERSION, 0n));
  nc.ssoEnabled = d.getBool(K.SSO_ENABLED, false);
  if (nc.ssoVersion === 0) {
    if (nc.ssoEnabled) {
      nc.authenticationURL = d.getString(K.AUTHENTICATION_URL, STRING_LIMITS.aurl) ?? '';
      nc.authenticationExpiryTime = Number(d.getI64(K.AUTHENTICATION_EXPIRY_TIME, 0n));
    }
  } else if (nc.ssoVersion === 1) {
    if (nc.ssoEnabled) {
      // The expiry time is not carried in version 1.
      nc.authenticationURL = d.getString(K.AUTHENTICATION_URL, STRING_LIMITS.aurl) ?? '';
      nc.issuerURL = d.getString(K.ISSUER_URL, STRING_LIMITS.iurl) ?? '';
      nc.centralAuthURL = d.getString(K.CENTRAL_ENDPOINT_URL, STRING_LIMITS.ssoce) ?? '';
      nc.ssoNonce = d.getString(K.NONCE, STRING_LIMITS.sson) ?? '';
      nc.ssoState = d.getString(K.STATE, STRING_LIMITS.ssos) ?? '';
      nc.ssoClientID = d.getString(K.CLIENT_ID, STRING_LIMITS.ssocid) ?? '';
      nc.ssoProvider = d.getString(K.SSO_PROVIDER, STRING_LIMITS.ssop) || 'default';
    } else {
      nc.ssoProvider = '';
    }
  }
  return ok(nc);
}

/** `C`, `CAP`, `TAG` and `COO` as NetworkConfig::fromDictionary reads them. */
function readConfigCredentials(d: Dictionary): Result<NetworkConfigCredentials> {
  const K = NETCONF_KEY;
  const out = emptyNetworkConfigCredentials();
  // A present but empty `C` is malformed too: the reference reads its first byte regardless.
  const comBlob = d.getBytes(K.COM);
  if (comBlob) {
    const com = decodeCom(comBlob);
    if (!com.ok) return fail(new DecodeError(com.error.reason, `network config COM: ${com.error.message}`));
    if (com.value.com.qualifiers.length > 0) out.com = com.value.com;
  }
  out.capabilities = sortById(readUntilMalformed(d.getBytes(K.CAPABILITIES), ZT_MAX_NETWORK_CAPABILITIES, readCapability));
  out.tags = sortById(readUntilMalformed(d.getBytes(K.TAGS), ZT_MAX_NETWORK_TAGS, readTag));
  // Every COO must parse; only the first 4 are kept.
  const cooBlob = d.getBytes(K.CERTIFICATES_OF_OWNERSHIP);
  if (cooBlob) {
    const coos = decodeGuard(() => {
      const r = new BufferReader(cooBlob);
      while (r.remaining > 0) {
        const coo = readCoo(r);
        if (out.certificatesOfOwnership.length < ZT_MAX_CERTIFICATES_OF_OWNERSHIP) out.certificatesOfOwnership.push(coo);
      }
    });
    if (!coos.ok) return fail(new DecodeError(coos.error.reason, `network config COO: ${coos.error.message}`));
  }
  return ok(out);
}

/** Reads credentials back to back until the blob ends, `max` are read or one is malformed. */
function readUntilMalformed<T>(blob: Uint8Array | undefined, max: number, read: (r: BufferReader) => T): T[] {
  const list: T[] = [];
  if (!blob) return list;
  const r = new BufferReader(blob);
  while (r.remaining > 0 && list.length < max) {
    const item = decodeGuard(() => read(r));
    if (!item.ok) break;
    list.push(item.value);
  }
  return list;
}

function concatEncoded<T>(list: readonly T[], encode: (x: T) => Uint8Array): Uint8Array | null {
  if (list.length === 0) return null;
  const w = new BufferWriter(list.length * 256);
  for (const x of list) w.bytes(encode(x));
  return w.toBytes();
}

/** The blob fields for typed credentials (their reference serialization). */
export function credentialBlobs(c: NetworkConfigCredentials): Pick<NetworkConfig, 'com' | 'capabilities' | 'tags' | 'certificatesOfOwnership'> {
  return {
    com: c.com ? encodeCom(c.com) : null,
    capabilities: concatEncoded(c.capabilities, encodeCapability),
    tags: concatEncoded(c.tags, encodeTag),
    certificatesOfOwnership: concatEncoded(c.certificatesOfOwnership, encodeCoo),
  };
}

/** 128-byte NUL-padded domain (byte 127 forced to NUL) then exactly four addresses. */
function readDns(b: Uint8Array): NetworkDns {
  const r = new BufferReader(b);
  // The reference copies the domain without a bounds check but then fails on the servers, so a
  // short blob is invalid either way.
  const domainBytes = r.bytesCopy(ZT_MAX_DNS_DOMAIN_LENGTH, 'DNS domain');
  domainBytes[ZT_MAX_DNS_DOMAIN_LENGTH - 1] = 0;
  const nul = domainBytes.indexOf(0);
  const domain = new TextDecoder().decode(domainBytes.subarray(0, nul));
  const servers: (InetAddress | null)[] = [];
  for (let i = 0; i < ZT_MAX_DNS_SERVERS; i++) servers.push(readInetAddress(r));
  // Trailing nil servers carry nothing; keep the list to the real ones.
  while (servers.length > 0 && servers[servers.length - 1] === null) servers.pop();
  return { domain, servers };
}

// ---- Serialization -----------------------------------------------------------------------

const utf8 = new TextEncoder();

/** Text as the reference's C strings hold it: UTF-8, ending at the first NUL. */
function cText(s: string): Uint8Array {
  const b = utf8.encode(s);
  const nul = b.indexOf(0);
  return nul === -1 ? b : b.subarray(0, nul);
}

function nonEmpty(b: Uint8Array | null): b is Uint8Array {
  return b !== null && b.length > 0;
}

/**
 * NetworkConfig::toDictionary (without legacy keys): the exact bytes the reference controller
 * sends, or undefined if they would not fit `capacity`.
 */
export function networkConfigToDictionary(nc: NetworkConfig, capacity = ZT_NETWORKCONFIG_DICT_CAPACITY): Uint8Array | undefined {
  const K = NETCONF_KEY;
  const d = new DictionaryBuilder(capacity);
  const blob = (key: string, fill: (w: BufferWriter) => void): boolean => {
    const w = new BufferWriter();
    fill(w);
    return w.length === 0 || d.add(key, w.toBytes());
  };
  const typed = credentialBlobs(nc.credentials);
  const fits =
    d.addU64(K.VERSION, BigInt(ZT_NETWORKCONFIG_VERSION)) &&
    d.addU64(K.NETWORK_ID, nc.networkId) &&
    d.addI64(K.TIMESTAMP, BigInt(Math.trunc(nc.timestamp))) &&
    d.addI64(K.CREDENTIAL_TIME_MAX_DELTA, BigInt(Math.trunc(nc.credentialTimeMaxDelta))) &&
    d.addU64(K.REVISION, BigInt(Math.trunc(nc.revision))) &&
    d.addAddress(K.ISSUED_TO, nc.issuedTo) &&
    d.addAddress(K.REMOTE_TRACE_TARGET, nc.remoteTraceTarget) &&
    d.addU64(K.REMOTE_TRACE_LEVEL, BigInt(nc.remoteTraceLevel >>> 0)) &&
    d.addU64(K.FLAGS, nc.flags) &&
    d.addU64(K.MULTICAST_LIMIT, BigInt(nc.multicastLimit >>> 0)) &&
    d.addU64(K.TYPE, BigInt(nc.type >>> 0)) &&
    d.add(K.NAME, cText(nc.name)) &&
    d.addU64(K.MTU, BigInt(nc.mtu >>> 0)) &&
    addCredentialBlob(d, K.COM, typed.com, nc.com) &&
    addCredentialBlob(d, K.CAPABILITIES, typed.capabilities, nc.capabilities) &&
    addCredentialBlob(d, K.TAGS, typed.tags, nc.tags) &&
    addCredentialBlob(d, K.CERTIFICATES_OF_OWNERSHIP, typed.certificatesOfOwnership, nc.certificatesOfOwnership) &&
    blob(K.SPECIALISTS, (w) => nc.specialists.forEach((s) => w.u64(s & 0xffffffffffffffffn))) &&
    blob(K.ROUTES, (w) => {
      for (const rt of nc.routes) {
        writeInetAddress(w, rt.target);
        writeInetAddress(w, rt.via);
        w.u16(rt.flags).u16(rt.metric);
      }
    }) &&
    blob(K.STATIC_IPS, (w) => nc.staticIps.forEach((ip) => writeInetAddress(w, ip))) &&
    blob(K.RULES, (w) => nc.rules.forEach((r) => writeRule(w, r))) &&
    blob(K.DNS, (w) => writeDns(w, nc.dns)) &&
    addSso(d, nc);
  return fits ? d.toBytes() : undefined;
}

/** The typed credentials' bytes when there are any, else the blob as given. */
function addCredentialBlob(d: DictionaryBuilder, key: string, typed: Uint8Array | null, blob: Uint8Array | null): boolean {
  const value = nonEmpty(typed) ? typed : blob;
  return !nonEmpty(value) || d.add(key, value);
}

function writeDns(w: BufferWriter, dns: NetworkDns): void {
  const domain = new Uint8Array(ZT_MAX_DNS_DOMAIN_LENGTH);
  domain.set(cText(dns.domain).subarray(0, ZT_MAX_DNS_DOMAIN_LENGTH - 1));
  w.bytes(domain);
  for (let i = 0; i < ZT_MAX_DNS_SERVERS; i++) writeInetAddress(w, dns.servers[i] ?? null);
}

function addSso(d: DictionaryBuilder, nc: NetworkConfig): boolean {
  const K = NETCONF_KEY;
  if (nc.ssoVersion === 0) {
    return (
      d.addU64(K.SSO_VERSION, 0n) &&
      d.addBool(K.SSO_ENABLED, nc.ssoEnabled) &&
      (!nc.ssoEnabled ||
        ((nc.authenticationURL === '' || d.add(K.AUTHENTICATION_URL, cText(nc.authenticationURL))) &&
          d.addI64(K.AUTHENTICATION_EXPIRY_TIME, BigInt(Math.trunc(nc.authenticationExpiryTime)))))
    );
  }
  if (nc.ssoVersion === 1) {
    // Version 1 always writes its keys, even empty, and never the URL or expiry of version 0.
    return (
      d.addU64(K.SSO_VERSION, 1n) &&
      d.addBool(K.SSO_ENABLED, nc.ssoEnabled) &&
      d.add(K.ISSUER_URL, cText(nc.issuerURL)) &&
      d.add(K.CENTRAL_ENDPOINT_URL, cText(nc.centralAuthURL)) &&
      d.add(K.NONCE, cText(nc.ssoNonce)) &&
      d.add(K.STATE, cText(nc.ssoState)) &&
      d.add(K.CLIENT_ID, cText(nc.ssoClientID)) &&
      d.add(K.SSO_PROVIDER, cText(nc.ssoProvider))
    );
  }
  return true;
}

// ---- Ad-hoc networks ---------------------------------------------------------------------

/**
 * The config a node gives itself for an ad-hoc network ID (spec §2.2): 'notFound' for a port
 * range whose end is below its start, undefined for IDs that configure nothing (not ad-hoc, or
 * an inert 0xff ID, which stays REQUESTING_CONFIGURATION).
 */
export function adHocNetworkConfig(nwid: NetworkId, self: Address, now: number): NetworkConfig | 'notFound' | undefined {
  const adhoc = describeAdHocNetwork(nwid);
  if (!adhoc || adhoc.kind === 'inert') return undefined;
  if (adhoc.kind === 'portRange' && !adhoc.valid) return 'notFound';

  const nc = emptyNetworkConfig();
  nc.networkId = nwid;
  nc.timestamp = now;
  nc.credentialTimeMaxDelta = ZT_NETWORKCONFIG_DEFAULT_CREDENTIAL_TIME_MAX_MAX_DELTA;
  nc.revision = 1;
  nc.issuedTo = self;
  nc.flags = ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION;
  nc.mtu = ZT_DEFAULT_MTU;
  nc.type = ZT_NETWORK_TYPE_PUBLIC;
  nc.name = adhoc.name;
  nc.staticIps = [{ family: 6, ip: sixPlaneAddress(nwid, self), port: ZT_6PLANE_PREFIX_BITS }];
  const F = { not: false, or: false };

  if (adhoc.kind === 'portRange') {
    nc.multicastLimit = 0;
    const TCP_SYN = 0x02n;
    const TCP_ACK = 0x10n;
    nc.rules = [
      { type: 'MATCH_ETHERTYPE', not: true, or: false, etherType: 0x86dd },
      { type: 'ACTION_DROP', ...F },
      { type: 'MATCH_IP_PROTOCOL', ...F, ipProtocol: 58 },
      { type: 'ACTION_ACCEPT', ...F },
      { type: 'MATCH_IP_PROTOCOL', ...F, ipProtocol: 17 },
      { type: 'MATCH_IP_PROTOCOL', not: false, or: true, ipProtocol: 6 },
      { type: 'MATCH_IP_DEST_PORT_RANGE', ...F, start: adhoc.startPort, end: adhoc.endPort },
      { type: 'ACTION_ACCEPT', ...F },
      // Let non-SYN TCP through (replies to connections from this side), and SYN+ACK.
      { type: 'MATCH_CHARACTERISTICS', not: true, or: false, characteristics: TCP_SYN },
      { type: 'ACTION_ACCEPT', ...F },
      { type: 'MATCH_CHARACTERISTICS', ...F, characteristics: TCP_SYN },
      { type: 'MATCH_CHARACTERISTICS', ...F, characteristics: TCP_ACK },
      { type: 'ACTION_ACCEPT', ...F },
      { type: 'ACTION_DROP', ...F },
    ];
    return nc;
  }

  nc.multicastLimit = 1024;
  // The hub is added with no role bits, so it has no effect (as in the reference).
  if (adhoc.specialist !== 0) nc.specialists = [BigInt(adhoc.specialist)];
  const ipv4 = Uint8Array.of(adhoc.firstOctet, Math.floor(self / 0x10000) & 0xff, Math.floor(self / 0x100) & 0xff, self & 0xff);
  nc.staticIps.push({ family: 4, ip: ipv4, port: 8 });
  nc.rules = [{ type: 'ACTION_ACCEPT', ...F }];
  return nc;
}
