/**
 * The addresses a member is given in its network config (controller.md §7), computed the
 * reference's way so a member gets the same address from us as from ZeroTier One:
 *   1. RFC4193 /88 and 2. 6PLANE /40 (unless noAutoAssignIps);
 *   3. each of the member's ipAssignments that some route contains, with the longest such prefix;
 *   4. one IPv6 from the pools (v6AssignMode.zt) if step 3 gave no IPv6;
 *   5. one IPv4 from the pools (v4AssignMode.zt) if step 3 gave no IPv4.
 * New pool addresses are appended to the member's ipAssignments. Run it inside the store
 * transaction that saves the member: `isAllocated` must see every committed assignment of the
 * network, which is what makes concurrent requests unable to pick the same address.
 */
import { randomBytes } from 'node:crypto';
import type { InetAddress } from '../core/vl1/inet-address.js';
import { ZT_MAX_NETWORK_ROUTES, ZT_MAX_ZT_ASSIGNED_ADDRESSES, ZT_6PLANE_PREFIX_BITS, ZT_RFC4193_PREFIX_BITS } from '../core/vl2/constants.js';
import { rfc4193Address, sixPlaneAddress } from '../core/vl2/ipv6.js';
import { formatIpValue, parseIpValue, parsePrefix, prefixContains, toInetAddress, type IpPrefix, type IpValue } from './ip-values.js';
import type { MemberRecord, NetworkRecord } from './records.js';

export interface ParsedRoute {
  target: IpPrefix;
  /** null when the route is on the network itself (no gateway). */
  via: IpValue | null;
}

/** The routes a config carries: v4/v6 targets only, at most ZT_MAX_NETWORK_ROUTES, `via` only if same family. */
export function parseNetworkRoutes(network: NetworkRecord): ParsedRoute[] {
  const out: ParsedRoute[] = [];
  for (const r of network.routes) {
    if (out.length >= ZT_MAX_NETWORK_ROUTES) break;
    const target = parsePrefix(r.target);
    if (!target) continue;
    const via = r.via === null ? undefined : parseIpValue(r.via);
    out.push({ target, via: via && via.family === target.family ? via : null });
  }
  return out;
}

export interface AssignmentResult {
  /** In config order, each with its prefix length in `port`; at most 32. */
  staticIps: InetAddress[];
  /** The member's ipAssignments after this request (pool addresses appended). */
  ipAssignments: string[];
  /** An RFC4193 or 6PLANE address was issued, so members emulate NDP for this network. */
  ndpEmulation: boolean;
}

/** Whether any member of the network already holds the address (canonical text). */
export type AllocationCheck = (ip: string) => Promise<boolean> | boolean;
/** 64 uniformly random bits. */
export type Random64 = () => bigint;

export const secureRandom64: Random64 = () => randomBytes(8).readBigUInt64BE(0);

const U64 = 1n << 64n;
const U64_MASK = U64 - 1n;
const MAX_POOL_TRIALS = 1000;

export async function assignAddresses(
  network: NetworkRecord,
  member: MemberRecord,
  isAllocated: AllocationCheck,
  random64: Random64 = secureRandom64,
): Promise<AssignmentResult> {
  const nwid = BigInt('0x' + network.id);
  const address = Number.parseInt(member.id, 16);
  const routes = parseNetworkRoutes(network);
  const noAuto = member.noAutoAssignIps;
  const staticIps: InetAddress[] = [];
  const ipAssignments = [...member.ipAssignments];
  const add = (a: InetAddress): void => {
    if (staticIps.length < ZT_MAX_ZT_ASSIGNED_ADDRESSES) staticIps.push(a);
  };
  let ndpEmulation = false;

  const v6 = network.v6AssignMode;
  if (!noAuto && v6.rfc4193 === true) {
    add({ family: 6, ip: rfc4193Address(nwid, address), port: ZT_RFC4193_PREFIX_BITS });
    ndpEmulation = true;
  }
  if (!noAuto && v6['6plane'] === true) {
    add({ family: 6, ip: sixPlaneAddress(nwid, address), port: ZT_6PLANE_PREFIX_BITS });
    ndpEmulation = true;
  }

  let haveV4 = false;
  let haveV6 = false;
  for (const text of member.ipAssignments) {
    const ip = parseIpValue(text);
    if (!ip) continue;
    let bits = -1;
    for (const r of routes) if (prefixContains(r.target, ip) && r.target.bits > bits) bits = r.target.bits;
    if (bits < 0) continue; // not on any route: kept in the record, not sent
    add(toInetAddress(ip, bits));
    if (ip.family === 4) haveV4 = true;
    else haveV6 = true;
  }

  if (!noAuto && v6.zt === true && !haveV6) {
    const got = await pickIpv6(network, address, routes, ipAssignments, isAllocated, random64);
    if (got) {
      ipAssignments.push(formatIpValue(got.ip));
      add(toInetAddress(got.ip, got.bits));
    }
  }
  if (!noAuto && network.v4AssignMode.zt === true && !haveV4) {
    const got = await pickIpv4(network, address, routes, ipAssignments, isAllocated);
    if (got) {
      ipAssignments.push(formatIpValue(got.ip));
      add(toInetAddress(got.ip, got.bits));
    }
  }
  return { staticIps, ipAssignments, ndpEmulation };
}

interface Pick {
  ip: IpValue;
  bits: number;
}

async function usable(ip: IpValue, list: readonly string[], isAllocated: AllocationCheck): Promise<boolean> {
  const text = formatIpValue(ip);
  return !list.includes(text) && !(await isAllocated(text));
}

/**
 * First trial: the member's address added to the pool start's low 64 bits, if the low halves span
 * at least 2^40 − 1; then random addresses in the range. Accepted if inside an on-network (no
 * via) IPv6 route, with the prefix of the last such route.
 */
async function pickIpv6(
  network: NetworkRecord,
  address: number,
  routes: readonly ParsedRoute[],
  list: readonly string[],
  isAllocated: AllocationCheck,
  random64: Random64,
): Promise<Pick | undefined> {
  for (const pool of network.ipAssignmentPools) {
    const start = parseIpValue(pool.ipRangeStart);
    const end = parseIpValue(pool.ipRangeEnd);
    if (start?.family !== 6 || end?.family !== 6) continue;
    const [sHi, sLo] = [start.value >> 64n, start.value & U64_MASK];
    const [eHi, eLo] = [end.value >> 64n, end.value & U64_MASK];
    for (let trial = 0; trial < MAX_POOL_TRIALS; trial++) {
      let hi: bigint;
      let lo: bigint;
      if (trial === 0 && eLo > sLo && eLo - sLo >= 0xffffffffffn) {
        hi = sHi;
        lo = (sLo + BigInt(address)) & U64_MASK;
      } else {
        const rHi = random64();
        const rLo = random64();
        hi = (sHi + (eHi > sHi ? rHi % (eHi - sHi) : 0n)) & U64_MASK;
        lo = (sLo + (eLo > sLo ? rLo % (eLo - sLo) : 0n)) & U64_MASK;
      }
      const ip: IpValue = { family: 6, value: (hi << 64n) | lo };
      let bits = 0;
      for (const r of routes) if (r.via === null && prefixContains(r.target, ip) && r.target.family === 6) bits = r.target.bits;
      if (bits > 0 && (await usable(ip, list, isAllocated))) return { ip, bits };
    }
  }
  return undefined;
}

/**
 * Deterministic walk: candidate = start + (counter mod (end − start)), the counter starting at the
 * member address's low 32 bits; `.255` skipped; accepted if the first IPv4 route whose target
 * equals the candidate masked to its prefix has a prefix > 0, and nobody holds it.
 */
async function pickIpv4(
  network: NetworkRecord,
  address: number,
  routes: readonly ParsedRoute[],
  list: readonly string[],
  isAllocated: AllocationCheck,
): Promise<Pick | undefined> {
  for (const pool of network.ipAssignmentPools) {
    const s = parseIpValue(pool.ipRangeStart);
    const e = parseIpValue(pool.ipRangeEnd);
    if (s?.family !== 4 || e?.family !== 4) continue;
    const start = Number(s.value);
    const end = Number(e.value);
    if (end < start || start === 0) continue;
    const len = end - start;
    let counter = address % 0x100000000;
    for (let k = start, trial = 0; k <= end && trial < MAX_POOL_TRIALS; k++, trial++) {
      const candidate = len > 0 ? start + (counter % len) : start;
      counter = (counter + 1) % 0x100000000;
      if ((candidate & 0xff) === 0xff) continue;
      const bits = firstMatchingIpv4RouteBits(routes, candidate);
      const ip: IpValue = { family: 4, value: BigInt(candidate) };
      if (bits > 0 && (await usable(ip, list, isAllocated))) return { ip, bits };
    }
  }
  return undefined;
}

/**
 * The reference masks with `0xffffffff << (32 − bits)` as a 32-bit shift, which on x86 leaves a
 * /0 mask all ones; we reproduce that so a 0.0.0.0/0 route only ever matches 0.0.0.0 (and is then
 * refused for having prefix 0) instead of shadowing every later route.
 */
function firstMatchingIpv4RouteBits(routes: readonly ParsedRoute[], ip: number): number {
  for (const r of routes) {
    if (r.target.family !== 4) continue;
    const bits = r.target.bits;
    const mask = bits === 0 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if (((ip & mask) >>> 0) === Number(r.target.value)) return bits;
  }
  return -1;
}
