/**
 * Extracts, once per frame, every value the rules engine looks at (spec vl2.md §8.4), with the
 * reference's exact notion of "present": the IPv4 header is trusted when the payload has 20
 * bytes, IPv6 when it has 40, the IPv6 upper-layer header is found by the §8.4 extension walk.
 *
 * There is no VLAN field: 1.14 never parses 802.1Q tags (the VLAN id it filters on is always 0),
 * so VLAN rules compile to constants.
 *
 * No allocation: one FrameFacts is refilled per frame. Hostile input is safe by construction —
 * every read is either behind a length check or goes through `byteAt`, which yields 0 past the
 * end. Values that a rule would treat as a hard no-match are encoded as -1 (or NONE_* below).
 */
import type { FilterFrame } from './types.js';
import { frameLength } from './types.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

/** Port fields: the port value, or one of these. */
export const PORT_HARD_NO = -2;
export const PORT_PLAIN_FALSE = -1;

/** Where the sender's IP (for COO authentication) sits. */
export const SRC_NONE = 0;
export const SRC_IPV4 = 4;
export const SRC_IPV6 = 16;
/** An IPv6 neighbor solicitation: IP-authenticated unconditionally. */
export const SRC_NDP_SOLICITATION = 1;

export class FrameFacts {
  data: Uint8Array = new Uint8Array(0);
  /** Index of the payload's first byte in `data`. */
  base = 0;
  /** Payload length (clipped to the buffer). */
  len = 0;
  etherType = 0;
  /** EtherType IPv4 and at least 20 bytes. */
  ipv4 = false;
  /** EtherType IPv6 and at least 40 bytes. */
  ipv6 = false;
  /** IPv4 header length in bytes (4 × IHL, unvalidated). */
  ihl = 0;
  /** IPv4 source/destination as u32. */
  ipv4Source = 0;
  ipv4Dest = 0;
  /** TOS (IPv4) or traffic class (IPv6); -1 for other frames. */
  tos = -1;
  /** IP protocol (IPv4) or upper-layer next header (IPv6 walk); -1 when absent or the walk fails. */
  protocol = -1;
  /** Offset of the transport header from the payload start (IPv4: ihl, IPv6: walk result). */
  l4 = 0;
  /** EtherType IPv6 and the extension walk failed (the IPv6 rules' hard no). */
  ipv6WalkFailed = false;
  sourcePort = PORT_HARD_NO;
  destPort = PORT_HARD_NO;
  /** ICMP type at the transport header, or -1 when the frame is no (long enough) ICMP. */
  icmpType = -1;
  icmpCode = 0;
  /** TCP flag bits for CHARACTERISTICS (bits 0..11), 0 when not TCP. */
  tcpFlags = 0;
  sourceKind = SRC_NONE;
  /** Payload offset of the sender's IP when sourceKind is SRC_IPV4/SRC_IPV6. */
  sourceAt = 0;

  /** Payload byte `i`, 0 beyond the end. */
  byteAt(i: number): number {
    return i >= 0 && i < this.len ? this.data[this.base + i] : 0;
  }
}

/** Refills `facts` from `frame`. Never throws. */
export function parseFrame(facts: FrameFacts, frame: FilterFrame): FrameFacts {
  const d = frame.data;
  const b = frame.offset;
  const len = frameLength(frame);
  const et = frame.etherType;
  facts.data = d;
  facts.base = len > 0 ? b : 0;
  facts.len = len;
  facts.etherType = et;
  facts.ipv4 = false;
  facts.ipv6 = false;
  facts.ihl = 0;
  facts.ipv4Source = 0;
  facts.ipv4Dest = 0;
  facts.tos = -1;
  facts.protocol = -1;
  facts.l4 = 0;
  facts.ipv6WalkFailed = false;
  facts.sourcePort = PORT_HARD_NO;
  facts.destPort = PORT_HARD_NO;
  facts.icmpType = -1;
  facts.icmpCode = 0;
  facts.tcpFlags = 0;
  facts.sourceKind = SRC_NONE;
  facts.sourceAt = 0;

  if (et === ETHERTYPE_IPV4) {
    if (len >= 20) parseIpv4(facts, d, b, len);
  } else if (et === ETHERTYPE_IPV6) {
    parseIpv6(facts, d, b, len);
  } else if (et === ETHERTYPE_ARP && len >= 28) {
    facts.sourceKind = SRC_IPV4;
    facts.sourceAt = 14;
  }
  return facts;
}

function parseIpv4(facts: FrameFacts, d: Uint8Array, b: number, len: number): void {
  facts.ipv4 = true;
  const ihl = 4 * (d[b] & 0x0f);
  const protocol = d[b + 9];
  facts.ihl = ihl;
  facts.l4 = ihl;
  facts.tos = d[b + 1];
  facts.protocol = protocol;
  facts.ipv4Source = ((d[b + 12] << 24) | (d[b + 13] << 16) | (d[b + 14] << 8) | d[b + 15]) >>> 0;
  facts.ipv4Dest = ((d[b + 16] << 24) | (d[b + 17] << 16) | (d[b + 18] << 8) | d[b + 19]) >>> 0;
  facts.sourceKind = SRC_IPV4;
  facts.sourceAt = 12;
  if (isPortProtocol(protocol) && len > ihl + 4) {
    facts.sourcePort = (d[b + ihl] << 8) | d[b + ihl + 1];
    facts.destPort = (d[b + ihl + 2] << 8) | d[b + ihl + 3];
  } else {
    facts.sourcePort = PORT_PLAIN_FALSE;
    facts.destPort = PORT_PLAIN_FALSE;
  }
  if (protocol === 1 && len >= ihl + 2) {
    facts.icmpType = d[b + ihl];
    facts.icmpCode = d[b + ihl + 1];
  }
  // The reference reads these two bytes unchecked; past the payload they count as 0.
  if (protocol === 6) facts.tcpFlags = facts.byteAt(ihl + 13) | ((facts.byteAt(ihl + 12) & 0x0f) << 8);
}

function parseIpv6(facts: FrameFacts, d: Uint8Array, b: number, len: number): void {
  if (len >= 40) {
    facts.ipv6 = true;
    facts.tos = ((d[b] << 4) | (d[b + 1] >> 4)) & 0xff;
    if (len >= 64 && d[b + 6] === 58 && d[b + 40] === 135) {
      facts.sourceKind = SRC_NDP_SOLICITATION;
    } else {
      facts.sourceKind = SRC_IPV6;
      facts.sourceAt = len >= 64 && d[b + 6] === 58 && d[b + 40] === 136 ? 48 : 8;
    }
  }
  // The extension-header walk (§8.4); fails for payloads under 40 bytes.
  let next = d[b + 6];
  let pos = 40;
  let found = false;
  if (len >= 40) {
    while (pos <= len) {
      if (next === 0 || next === 43 || next === 60 || next === 135) {
        if (pos + 8 > len) break;
        next = d[b + pos];
        pos += d[b + pos + 1] * 8 + 8;
      } else {
        found = true;
        break;
      }
    }
  }
  if (!found) {
    facts.ipv6WalkFailed = true;
    return;
  }
  facts.protocol = next;
  facts.l4 = pos;
  if (isPortProtocol(next) && len > pos + 4) {
    // Port 0 never matches on IPv6.
    const sp = (d[b + pos] << 8) | d[b + pos + 1];
    const dp = (d[b + pos + 2] << 8) | d[b + pos + 3];
    facts.sourcePort = sp > 0 ? sp : PORT_PLAIN_FALSE;
    facts.destPort = dp > 0 ? dp : PORT_PLAIN_FALSE;
  } else {
    facts.sourcePort = PORT_PLAIN_FALSE;
    facts.destPort = PORT_PLAIN_FALSE;
  }
  if (next === 58 && len >= pos + 2) {
    facts.icmpType = d[b + pos];
    facts.icmpCode = d[b + pos + 1];
  }
  if (next === 6 && len > pos + 14) facts.tcpFlags = d[b + pos + 13] | ((d[b + pos + 12] & 0x0f) << 8);
}

function isPortProtocol(p: number): boolean {
  return p === 6 || p === 17 || p === 132 || p === 136;
}
