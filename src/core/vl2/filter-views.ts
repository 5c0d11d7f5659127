/**
 * What the rules engine sees (filter/types.ts), built from our network config and a remote
 * member's record. Both views are immutable snapshots: the filter caches compiled tables per
 * config object and per capability rule array, so a view is rebuilt only when the config or
 * the member's credentials change (the owner keeps them; see Network.peerView).
 */
import { bytesToHex } from '../vl1/bytes.js';
import { CREDENTIAL_TYPE } from './credentials/credential.js';
import type { CertificateOfOwnership } from './credentials/coo.js';
import { NO_OWNERSHIP, OwnershipTable } from './filter/ownership.js';
import type { FilterCapability, NetworkFilterConfig, PeerCredentialsView } from './filter/types.js';
import type { Membership } from './membership.js';
import type { NetworkConfig } from './netconf.js';
import { encodeRules } from './rules-codec.js';

function ownershipOf(coos: readonly CertificateOfOwnership[]): OwnershipTable {
  return new OwnershipTable(coos.flatMap((c) => c.things));
}

/** Our own config as the filter wants it (our capabilities, tags, COOs, static IPs). */
export function networkFilterConfig(nc: NetworkConfig): NetworkFilterConfig {
  const own = nc.credentials;
  return {
    networkId: nc.networkId,
    self: nc.issuedTo,
    flags: nc.flags,
    rules: nc.rules,
    capabilities: own.capabilities.map((c): FilterCapability => ({ id: c.id, rules: c.rules })),
    tags: new Map(own.tags.map((t) => [t.id, t.value])),
    ownership: own.certificatesOfOwnership.length > 0 ? ownershipOf(own.certificatesOfOwnership) : NO_OWNERSHIP,
    staticIps: nc.staticIps.flatMap((ip) => (ip ? [ip.ip] : [])),
  };
}

/** A member's time-valid, unrevoked credentials (judged against our config), for the filter. */
export function peerCredentialsView(m: Membership, ourConfig: NetworkConfig): PeerCredentialsView {
  const tags = new Map<number, number>();
  for (const tag of m.tags.values()) if (m.isTimeValid(ourConfig, CREDENTIAL_TYPE.TAG, tag)) tags.set(tag.id, tag.value);
  const capabilities = m
    .validCapabilities(ourConfig)
    .sort((a, b) => a.id - b.id)
    .map((c): FilterCapability => ({ id: c.id, rules: c.rules }));
  const coos: CertificateOfOwnership[] = [];
  for (const coo of m.certificatesOfOwnership.values()) if (m.isTimeValid(ourConfig, CREDENTIAL_TYPE.COO, coo)) coos.push(coo);
  return { tags, capabilities, ownership: coos.length > 0 ? ownershipOf(coos) : undefined };
}

/**
 * What other members' filters read of our own credentials — tag values, capability rules, owned
 * addresses — without timestamps and signatures, so two configs can be compared: a re-issue of
 * the same credentials gives the same key, a changed tag or capability a different one.
 */
export function ownCredentialsKey(nc: NetworkConfig): string {
  const c = nc.credentials;
  const tags = c.tags.map((t) => `${t.id}=${t.value}`).join(',');
  const caps = c.capabilities.map((k) => `${k.id}:${bytesToHex(encodeRules(k.rules))}`).join(',');
  const coos = c.certificatesOfOwnership.map((o) => `${o.id}:${o.things.map((t) => `${t.type}/${bytesToHex(t.value)}`).join('+')}`).join(',');
  return `${tags}|${caps}|${coos}`;
}
