/** ztsrc / ztdest, macsrc / macdest, ipsrc / ipdest. */
import type { MatchParser } from './match-parser.js';
import { fail } from '../syntax-error.js';
import { isIPv4, isIPv6, isPrefixLength } from '../ip-address.js';

const HEX_DIGIT = /[0-9a-f]/;

/** The hexadecimal digits of `text`, lower-cased, everything else dropped (`DE:AD:..` works). */
function hexDigitsOf(text: string): string {
  let digits = '';
  for (const c of text.toLowerCase()) if (HEX_DIGIT.test(c)) digits += c;
  return digits;
}

/** Any separators and case are accepted; the first 12 hex digits make the MAC. */
function normalizeMac(text: string): string | undefined {
  const digits = hexDigitsOf(text);
  if (digits.length < 12) return undefined;
  return digits.slice(0, 12).match(/../g)!.join(':');
}

function ztAddress(type: 'MATCH_SOURCE_ZEROTIER_ADDRESS' | 'MATCH_DEST_ZEROTIER_ADDRESS'): MatchParser {
  return {
    argCount: 1,
    parse([arg], { not, or }) {
      const zt = hexDigitsOf(arg.text);
      if (zt.length !== 10) fail(arg, 'Invalid ZeroTier address.');
      return { type, not, or, zt };
    },
  };
}

function macAddress(type: 'MATCH_MAC_SOURCE' | 'MATCH_MAC_DEST'): MatchParser {
  return {
    argCount: 1,
    parse([arg], { not, or }) {
      const mac = normalizeMac(arg.text) ?? fail(arg, 'Invalid MAC address.');
      return { type, not, or, mac };
    },
  };
}

/** `address/bits`; the token is kept verbatim once it is known to be well formed. */
function ipNetwork(direction: 'SOURCE' | 'DEST'): MatchParser {
  return {
    argCount: 1,
    parse([arg], { not, or }) {
      const ip = arg.text;
      const slash = ip.indexOf('/');
      if (slash <= 0) fail(arg, 'Missing /bits netmask length designation in IP.');
      const address = ip.slice(0, slash);
      const v6 = address.includes(':');
      if (!(v6 ? isIPv6(address) : isIPv4(address))) fail(arg, 'Invalid IP address (not valid IPv4 or IPv6).');
      if (!isPrefixLength(ip.slice(slash + 1), v6 ? 128 : 32)) {
        fail(arg, 'Invalid /bits netmask length in IP (0-32 for IPv4, 0-128 for IPv6).');
      }
      return { type: v6 ? `MATCH_IPV6_${direction}` : `MATCH_IPV4_${direction}`, not, or, ip };
    },
  };
}

export const ADDRESS_MATCHES: ReadonlyMap<string, MatchParser> = new Map([
  ['ztsrc', ztAddress('MATCH_SOURCE_ZEROTIER_ADDRESS')],
  ['ztdest', ztAddress('MATCH_DEST_ZEROTIER_ADDRESS')],
  ['macsrc', macAddress('MATCH_MAC_SOURCE')],
  ['macdest', macAddress('MATCH_MAC_DEST')],
  ['ipsrc', ipNetwork('SOURCE')],
  ['ipdest', ipNetwork('DEST')],
]);
