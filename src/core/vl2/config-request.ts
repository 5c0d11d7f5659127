/**
 * NETWORK_CONFIG_REQUEST (verb 0x0b, spec vl2.md §9.2) and the ERROR payloads a controller
 * answers it with (§9.4).
 *
 *   u64 nwid ‖ u16 metadata length M ‖ M metadata dictionary ‖ u64 revision held ‖ u64 timestamp held
 *
 * The metadata is what 1.14.1 sends, key for key, so a controller (ours or the reference) sees
 * a 1.14.1 client. Old clients may stop after the metadata; the missing numbers read as 0.
 */
import { DecodeError, decodeGuard, fail, ok, type Result } from '../errors.js';
import { BufferReader, BufferWriter } from '../vl1/buffer-reader.js';
import { SOFTWARE_VERSION, ZT_PROTO_VERSION } from '../vl1/constants.js';
import {
  ZT_MAX_CAPABILITY_RULES,
  ZT_MAX_NETWORK_CAPABILITIES,
  ZT_MAX_NETWORK_RULES,
  ZT_MAX_NETWORK_TAGS,
  ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY,
  ZT_NETWORKCONFIG_VERSION,
  ZT_RULES_ENGINE_REVISION,
} from './constants.js';
import { Dictionary, DictionaryBuilder } from './dictionary.js';
import type { NetworkId } from './network-id.js';

/** Request metadata keys (ZeroTier's names). */
export const REQUEST_METADATA_KEY = {
  VERSION: 'v',
  VENDOR: 'vend',
  PROTOCOL_VERSION: 'pv',
  MAJOR_VERSION: 'majv',
  MINOR_VERSION: 'minv',
  REVISION: 'revv',
  MAX_RULES: 'mr',
  MAX_CAPABILITIES: 'mc',
  MAX_CAPABILITY_RULES: 'mcr',
  MAX_TAGS: 'mt',
  FLAGS: 'f',
  RULES_ENGINE_REVISION: 'revr',
  OS_ARCH: 'o',
  /** `token:<secret>`: checked against the network's authTokens (1.14 nodes never send it). */
  AUTH: 'a',
} as const;

/** Vendor code 1 = ZeroTier. */
const VENDOR_ZEROTIER = 1n;

export interface ConfigRequest {
  networkId: NetworkId;
  /** The metadata dictionary bytes as sent (a view when decoded). */
  metadata: Uint8Array;
  /** Revision and controller timestamp of the config the requester holds (0 = none). */
  haveRevision: bigint;
  haveTimestamp: bigint;
}

export function encodeConfigRequest(r: ConfigRequest): Uint8Array {
  if (r.metadata.length > 0xffff) throw new RangeError('config request metadata longer than 65535 bytes');
  return new BufferWriter(26 + r.metadata.length).u64(r.networkId).u16(r.metadata.length).bytes(r.metadata).u64(r.haveRevision).u64(r.haveTimestamp).toBytes();
}

export function decodeConfigRequest(payload: Uint8Array): Result<ConfigRequest> {
  return decodeGuard(() => {
    const r = new BufferReader(payload);
    const networkId = r.u64('network ID');
    const metadata = r.bytesView(r.u16('metadata length'), 'metadata');
    // Clients older than the revision/timestamp fields stop here.
    const haveRevision = r.remaining >= 8 ? r.u64('revision') : 0n;
    const haveTimestamp = r.remaining >= 8 ? r.u64('timestamp') : 0n;
    return { networkId, metadata, haveRevision, haveTimestamp };
  });
}

/**
 * The request metadata as a Dictionary; like the reference controller, metadata beyond the
 * 1024-byte capacity is cut rather than refused.
 */
export function requestMetadataDictionary(metadata: Uint8Array): Dictionary {
  const cut = metadata.subarray(0, Math.min(metadata.length, ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY - 1));
  const d = Dictionary.parse(cut, ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY);
  if (!d.ok) throw new Error('metadata within capacity did not parse');
  return d.value;
}

/**
 * The metadata 1.14.1 sends, in its order. `platform` is `<os>/<arch>` as the reference names
 * them (e.g. `linux/x86_64`); the core cannot ask the OS, so the host says.
 */
export function buildRequestMetadata(platform: string, authToken?: string): Uint8Array {
  const K = REQUEST_METADATA_KEY;
  const d = new DictionaryBuilder(ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY);
  d.addU64(K.VERSION, BigInt(ZT_NETWORKCONFIG_VERSION));
  d.addU64(K.VENDOR, VENDOR_ZEROTIER);
  d.addU64(K.PROTOCOL_VERSION, BigInt(ZT_PROTO_VERSION));
  d.addU64(K.MAJOR_VERSION, BigInt(SOFTWARE_VERSION.major));
  d.addU64(K.MINOR_VERSION, BigInt(SOFTWARE_VERSION.minor));
  d.addU64(K.REVISION, BigInt(SOFTWARE_VERSION.revision));
  d.addU64(K.MAX_RULES, BigInt(ZT_MAX_NETWORK_RULES));
  d.addU64(K.MAX_CAPABILITIES, BigInt(ZT_MAX_NETWORK_CAPABILITIES));
  d.addU64(K.MAX_CAPABILITY_RULES, BigInt(ZT_MAX_CAPABILITY_RULES));
  d.addU64(K.MAX_TAGS, BigInt(ZT_MAX_NETWORK_TAGS));
  d.addU64(K.FLAGS, 0n);
  d.addU64(K.RULES_ENGINE_REVISION, BigInt(ZT_RULES_ENGINE_REVISION));
  d.add(K.OS_ARCH, platform);
  if (authToken !== undefined) d.add(K.AUTH, `token:${authToken}`);
  return d.toBytes();
}

// ---- ERROR replies to a config request (spec §9.4) -------------------------------------------

/** What a NETWORK_AUTHENTICATION_REQUIRED error may carry (SSO). Empty strings when absent. */
export interface AuthenticationInfo {
  /** `aV`: 0 = plain URL, 1 = OIDC. */
  version: number;
  /** `aU` (version 0). */
  authenticationURL: string;
  /** `iU`, `aCU`, `aN`, `aS`, `aCID`, `aSSOp` (version 1). */
  issuerURL: string;
  centralAuthURL: string;
  ssoNonce: string;
  ssoState: string;
  ssoClientID: string;
  ssoProvider: string;
}

export const AUTH_INFO_KEY = {
  VERSION: 'aV',
  URL: 'aU',
  ISSUER_URL: 'iU',
  CENTRAL_URL: 'aCU',
  NONCE: 'aN',
  STATE: 'aS',
  CLIENT_ID: 'aCID',
  PROVIDER: 'aSSOp',
} as const;

/** Room for the SSO URLs (2 KiB each in the reference's buffers). */
const AUTH_INFO_CAPACITY = 4 * ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY;

export interface ConfigErrorBody {
  networkId: NetworkId;
  /** Only for AUTHENTICATION_REQUIRED with a dictionary. */
  authentication: AuthenticationInfo | undefined;
}

/** `u64 nwid [‖ u16 length ‖ dictionary]`: the data after the error code. */
export function decodeConfigErrorBody(data: Uint8Array): Result<ConfigErrorBody> {
  if (data.length < 8) return fail(new DecodeError('truncated', 'config error without a network ID'));
  const r = new BufferReader(data);
  const networkId = r.u64();
  let authentication: AuthenticationInfo | undefined;
  if (r.remaining >= 2) {
    const length = r.u16();
    if (length <= r.remaining) authentication = decodeAuthenticationInfo(r.bytesView(length));
  }
  return ok({ networkId, authentication });
}

/** The AUTHENTICATION_REQUIRED dictionary, or undefined if it is too large to be one. */
export function decodeAuthenticationInfo(bytes: Uint8Array): AuthenticationInfo | undefined {
  const d = Dictionary.parse(bytes, AUTH_INFO_CAPACITY);
  return d.ok ? readAuthenticationInfo(d.value) : undefined;
}

function readAuthenticationInfo(d: Dictionary): AuthenticationInfo {
  const K = AUTH_INFO_KEY;
  const version = Number(d.getU64(K.VERSION, 0n) & 0xffffffffn);
  const text = (key: string): string => d.getString(key, 2047) ?? '';
  return {
    version,
    authenticationURL: version === 0 ? text(K.URL) : '',
    issuerURL: version === 1 ? text(K.ISSUER_URL) : '',
    centralAuthURL: version === 1 ? text(K.CENTRAL_URL) : '',
    ssoNonce: version === 1 ? text(K.NONCE) : '',
    ssoState: version === 1 ? text(K.STATE) : '',
    ssoClientID: version === 1 ? text(K.CLIENT_ID) : '',
    ssoProvider: version === 1 ? text(K.PROVIDER) || 'default' : '',
  };
}

/** Builds the AUTHENTICATION_REQUIRED dictionary (controller side). */
export function encodeAuthenticationInfo(info: AuthenticationInfo): Uint8Array {
  const K = AUTH_INFO_KEY;
  const d = new DictionaryBuilder(AUTH_INFO_CAPACITY);
  d.addU64(K.VERSION, BigInt(info.version));
  if (info.version === 0) {
    if (info.authenticationURL) d.add(K.URL, info.authenticationURL);
  } else {
    d.add(K.ISSUER_URL, info.issuerURL);
    d.add(K.CENTRAL_URL, info.centralAuthURL);
    d.add(K.NONCE, info.ssoNonce);
    d.add(K.STATE, info.ssoState);
    d.add(K.CLIENT_ID, info.ssoClientID);
    if (info.ssoProvider) d.add(K.PROVIDER, info.ssoProvider);
  }
  return d.toBytes();
}

/** `u64 nwid [‖ u16 length ‖ dictionary]`. */
export function encodeConfigErrorBody(networkId: NetworkId, authentication?: Uint8Array): Uint8Array {
  const w = new BufferWriter(10 + (authentication?.length ?? 0)).u64(networkId);
  if (authentication) w.u16(authentication.length).bytes(authentication);
  return w.toBytes();
}
