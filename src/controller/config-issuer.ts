/**
 * Turns the decided contents of a member's network config into the NetworkConfig the reference
 * controller would send (vl2.md §7.1, §14.2; controller.md §6.3, §6.5): the fixed fields, and
 * the credentials issued to the member and signed with the controller identity — a COM with
 * the identity-hash qualifiers, one Tag per tag, one Capability (custody chain of 1) per
 * capability, and one certificate of ownership (id 1) of its static IPs.
 *
 * Pure and deterministic: the same contents and controller identity give the same bytes
 * (signatures are deterministic Ed25519). Limits are applied here, as the reference applies them
 * while filling its fixed-size arrays.
 */
import type { Address } from '../core/vl1/address.js';
import type { Identity } from '../core/vl1/identity.js';
import type { InetAddress } from '../core/vl1/inet-address.js';
import {
  ZT_MAX_NETWORK_CAPABILITIES,
  ZT_MAX_NETWORK_ROUTES,
  ZT_MAX_NETWORK_RULES,
  ZT_MAX_NETWORK_SPECIALISTS,
  ZT_MAX_NETWORK_TAGS,
  ZT_MAX_ZT_ASSIGNED_ADDRESSES,
  ZT_NETWORK_TYPE_PRIVATE,
  ZT_NETWORK_TYPE_PUBLIC,
  ZT_NETWORKCONFIG_FLAG_ENABLE_BROADCAST,
  ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION,
} from '../core/vl2/constants.js';
import { createCapability, signCapability, type Capability } from '../core/vl2/credentials/capability.js';
import { createCom, signCom } from '../core/vl2/credentials/com.js';
import { addCooIp, createCoo, signCoo, type CertificateOfOwnership } from '../core/vl2/credentials/coo.js';
import { createTag, signTag, type Tag } from '../core/vl2/credentials/tag.js';
import { credentialBlobs, emptyNetworkConfig, type NetworkConfig, type NetworkDns, type NetworkRoute } from '../core/vl2/netconf.js';
import type { Rule } from '../core/vl2/rules-codec.js';

/** The controller issues a single certificate of ownership, always with this id. */
export const CONTROLLER_COO_ID = 1;
/** Capabilities issued by the controller may not be passed on (custody chain of one hop). */
export const CONTROLLER_CAPABILITY_CUSTODY_CHAIN = 1;

export interface SsoFields {
  /** 0: authentication URL + expiry; 1: OIDC fields. */
  version: 0 | 1;
  authenticationURL: string;
  authenticationExpiryTime: number;
  issuerURL: string;
  centralAuthURL: string;
  nonce: string;
  state: string;
  clientId: string;
  provider: string;
}

export interface ConfigContents {
  networkId: bigint;
  /** The controller's clock: the config and every credential carry it. */
  timestamp: number;
  credentialTimeMaxDelta: number;
  revision: number;
  /** The member's identity: its address is `id`, its key goes into the COM. */
  member: Identity;
  remoteTraceTarget: Address;
  remoteTraceLevel: number;
  enableBroadcast: boolean;
  ndpEmulation: boolean;
  multicastLimit: number;
  private: boolean;
  name: string;
  mtu: number;
  /** Role bits | address, as carried in `S`. */
  specialists: readonly bigint[];
  routes: readonly NetworkRoute[];
  /** Port = prefix length. */
  staticIps: readonly InetAddress[];
  rules: readonly Rule[];
  capabilities: readonly { id: number; rules: readonly Rule[] }[];
  /** `[id, value]`, ascending id. */
  tags: readonly (readonly [number, number])[];
  dns: NetworkDns;
  /** Present only when SSO applies to this member. */
  sso: SsoFields | undefined;
}

/** The signed NetworkConfig for `contents`; `controller` must hold its private key. */
export function issueNetworkConfig(contents: ConfigContents, controller: Identity): NetworkConfig {
  const c = contents;
  const nc = emptyNetworkConfig();
  const ts = BigInt(Math.trunc(c.timestamp));
  const to = c.member.address;
  nc.networkId = c.networkId;
  nc.timestamp = c.timestamp;
  nc.credentialTimeMaxDelta = c.credentialTimeMaxDelta;
  nc.revision = c.revision;
  nc.issuedTo = to;
  nc.remoteTraceTarget = c.remoteTraceTarget;
  nc.remoteTraceLevel = c.remoteTraceLevel;
  nc.flags = (c.enableBroadcast ? ZT_NETWORKCONFIG_FLAG_ENABLE_BROADCAST : 0n) | (c.ndpEmulation ? ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION : 0n);
  nc.multicastLimit = c.multicastLimit;
  nc.type = c.private ? ZT_NETWORK_TYPE_PRIVATE : ZT_NETWORK_TYPE_PUBLIC;
  nc.name = c.name;
  nc.mtu = c.mtu;
  nc.specialists = c.specialists.slice(0, ZT_MAX_NETWORK_SPECIALISTS);
  nc.routes = c.routes.slice(0, ZT_MAX_NETWORK_ROUTES);
  const staticIps = c.staticIps.slice(0, ZT_MAX_ZT_ASSIGNED_ADDRESSES);
  nc.staticIps = staticIps;
  nc.rules = c.rules.slice(0, ZT_MAX_NETWORK_RULES);
  nc.dns = c.dns;

  const capabilities: Capability[] = [];
  for (const cap of c.capabilities) {
    if (capabilities.length >= ZT_MAX_NETWORK_CAPABILITIES) break;
    const signed = signCapability(createCapability(cap.id, c.networkId, ts, CONTROLLER_CAPABILITY_CUSTODY_CHAIN, cap.rules), controller, to);
    if (signed) capabilities.push(signed);
  }
  const tags: Tag[] = c.tags.slice(0, ZT_MAX_NETWORK_TAGS).map(([id, value]) => signTag(createTag(c.networkId, ts, to, id, value), controller));
  const coos: CertificateOfOwnership[] = [];
  if (staticIps.length > 0) {
    let coo = createCoo(c.networkId, ts, to, CONTROLLER_COO_ID);
    for (const ip of staticIps) coo = addCooIp(coo, ip);
    coos.push(signCoo(coo, controller));
  }
  nc.credentials = {
    com: signCom(createCom(ts, BigInt(Math.trunc(c.credentialTimeMaxDelta)), c.networkId, c.member), controller),
    capabilities,
    tags,
    certificatesOfOwnership: coos,
  };
  Object.assign(nc, credentialBlobs(nc.credentials));

  if (c.sso) {
    const s = c.sso;
    nc.ssoEnabled = true;
    nc.ssoVersion = s.version;
    nc.authenticationURL = s.authenticationURL;
    nc.authenticationExpiryTime = s.authenticationExpiryTime;
    if (s.version === 1) {
      nc.issuerURL = s.issuerURL;
      nc.centralAuthURL = s.centralAuthURL;
      nc.ssoNonce = s.nonce;
      nc.ssoState = s.state;
      nc.ssoClientID = s.clientId;
      nc.ssoProvider = s.provider;
    }
  }
  return nc;
}
