/**
 * Network IDs (spec vl2.md §2.1, §2.2). A network ID is a u64, held as a bigint; its top 40
 * bits are the controller's ZeroTier address. IDs whose top byte is 0xff are ad-hoc networks
 * that no controller serves: the node synthesizes their config from the ID itself.
 *
 */
import type { Address } from '../vl1/address.js';

export type NetworkId = bigint;

const U64_MASK = 0xffffffffffffffffn;

/** 16 lower-case hex digits, zero-padded (the form ZeroTier prints and parses). */
export function networkIdToString(nwid: NetworkId): string {
  return (nwid & U64_MASK).toString(16).padStart(16, '0');
}

/** Parses exactly 16 hex digits (any case); anything else is not a network ID. */
export function parseNetworkId(text: string): NetworkId | undefined {
  if (!/^[0-9a-fA-F]{16}$/.test(text)) return undefined;
  return BigInt('0x' + text);
}

/** The controller is the node whose address is the ID's top 40 bits. */
export function networkController(nwid: NetworkId): Address {
  return Number((nwid >> 24n) & 0xffffffffffn);
}

/** The controller-chosen network number in the low 24 bits. */
export function networkNumber(nwid: NetworkId): number {
  return Number(nwid & 0xffffffn);
}

export function makeNetworkId(controller: Address, networkNumber: number): NetworkId {
  return (BigInt(controller) << 24n) | BigInt(networkNumber & 0xffffff);
}

// ---- Ad-hoc networks ---------------------------------------------------------------------

export function isAdHocNetworkId(nwid: NetworkId): boolean {
  return ((nwid >> 56n) & 0xffn) === 0xffn;
}

/**
 * What an ad-hoc ID means (spec §2.2):
 * - `portRange`: `ff SSSS EEEE 000000`, a controller-less network that allows IPv6 traffic to
 *   ports S..E; `valid` is false when E < S (the network is then NOT_FOUND).
 * - `ipv4`: `ff AA hhhhhhhhhh 01`, a flat network with `AA.x.y.z/8` addresses and an (inert)
 *   specialist `hhhhhhhhhh`.
 * - `inert`: any other 0xff ID; nothing is ever configured.
 */
export type AdHocNetwork =
  | { kind: 'portRange'; startPort: number; endPort: number; valid: boolean; name: string }
  | { kind: 'ipv4'; firstOctet: number; specialist: Address; name: string }
  | { kind: 'inert' };

export function describeAdHocNetwork(nwid: NetworkId): AdHocNetwork | undefined {
  if (!isAdHocNetworkId(nwid)) return undefined;
  const low24 = Number(nwid & 0xffffffn);
  if (low24 === 0) {
    const startPort = Number((nwid >> 40n) & 0xffffn);
    const endPort = Number((nwid >> 24n) & 0xffffn);
    const name = `adhoc-${startPort.toString(16).padStart(4, '0')}-${endPort.toString(16).padStart(4, '0')}`;
    return { kind: 'portRange', startPort, endPort, valid: endPort >= startPort, name };
  }
  if ((low24 & 0xff) === 0x01) {
    const firstOctet = Number((nwid >> 48n) & 0xffn);
    const specialist = Number((nwid >> 8n) & 0xffffffffffn);
    return { kind: 'ipv4', firstOctet, specialist, name: `adhoc-${firstOctet}.0.0.0` };
  }
  return { kind: 'inert' };
}

/** The ad-hoc network ID that opens ports startPort..endPort (both 0..65535). */
export function adHocPortRangeNetworkId(startPort: number, endPort: number): NetworkId {
  return (0xffn << 56n) | (BigInt(startPort & 0xffff) << 40n) | (BigInt(endPort & 0xffff) << 24n);
}
