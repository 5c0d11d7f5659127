/**
 * Builds filter contexts and frames from the scenarios of vl2-filter.json (shared by the vector
 * tests and the benchmark), plus a seeded u32 generator for MATCH_RANDOM.
 */
import { hexToBytes } from '../../src/core/vl1/bytes.js';
import { parseIpv4, parseIpv6 } from '../../src/core/vl2/ip-text.js';
import { parseMac } from '../../src/core/vl2/mac.js';
import { COO_THING_IPV4, COO_THING_IPV6, COO_THING_MAC, OwnershipTable, type OwnershipThing } from '../../src/core/vl2/filter/ownership.js';
import type { FilterContext, FilterFrame, NetworkFilterConfig, PeerCredentialsView } from '../../src/core/vl2/filter/types.js';
import { ruleFromVector } from './rule-vectors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Scenario = Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Case = Record<string, any>;

export const LOCAL_ADDRESS = 0xcf9d611776;
export const REMOTE_C_ADDRESS = 0x9dd38c045f;

/** An IP (optionally `/bits`) or MAC text as the address bytes a COO thing or static IP holds. */
export function thingFromText(text: string): OwnershipThing {
  const mac = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text) ? parseMac(text) : undefined;
  if (mac !== undefined) {
    const value = new Uint8Array(6);
    let v = mac;
    for (let i = 5; i >= 0; i--) {
      value[i] = v % 256;
      v = Math.floor(v / 256);
    }
    return { type: COO_THING_MAC, value };
  }
  const addr = text.split('/')[0];
  const v4 = parseIpv4(addr);
  if (v4) return { type: COO_THING_IPV4, value: v4 };
  const v6 = parseIpv6(addr);
  if (v6) return { type: COO_THING_IPV6, value: v6 };
  throw new Error(`bad address text ${text}`);
}

export function configFromScenario(s: Scenario): NetworkFilterConfig {
  return {
    networkId: BigInt('0x' + s.nwid),
    self: LOCAL_ADDRESS,
    flags: BigInt('0x' + s.configFlags),
    rules: s.rules.map(ruleFromVector),
    capabilities: s.localCapabilities.map((c: Scenario) => ({ id: c.id, rules: c.rules.map(ruleFromVector) })),
    tags: new Map(s.localTags.map((t: Scenario) => [t.id, t.value])),
    ownership: new OwnershipTable(s.localCertificateOfOwnership.map(thingFromText)),
    staticIps: s.localStaticIps.map((t: string) => thingFromText(t).value),
  };
}

/** C's record as the scenario set it up (only credentials the reference accepted). */
export function remoteCFromScenario(s: Scenario): PeerCredentialsView {
  const r = s.remoteCredentialsOfC;
  const accepted = (x: Scenario): boolean => x.addResult === 1 || x.addResult === 2;
  const coo = r.certificateOfOwnership;
  return {
    tags: new Map(r.tags.filter(accepted).map((t: Scenario) => [t.id, t.value])),
    capabilities: r.capabilities
      .filter(accepted)
      .map((c: Scenario) => ({ id: c.id, rules: c.rules.map(ruleFromVector) }))
      .sort((a: { id: number }, b: { id: number }) => a.id - b.id),
    ownership: coo && accepted(coo) ? new OwnershipTable(coo.things.map(thingFromText)) : undefined,
  };
}

export function frameFromCase(c: Case): FilterFrame {
  const data = hexToBytes(c.frameHex);
  return {
    ztSource: parseInt(c.ztSource, 16),
    ztDest: parseInt(c.ztDest, 16),
    macSource: parseMac(c.macSource)!,
    macDest: parseMac(c.macDest)!,
    etherType: c.etherType,
    data,
    offset: 0,
    length: c.frameLength,
  };
}

export function contextForCase(s: Scenario, config: NetworkFilterConfig, c: Case, random: () => number): FilterContext {
  const inbound = c.direction === 'inbound';
  const remote = parseInt(inbound ? c.ztSource : c.ztDest, 16);
  const peer = remote === REMOTE_C_ADDRESS ? remoteCFromScenario(s) : undefined;
  return { config, peer, random };
}

/** A small deterministic u32 generator (xorshift32). */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
