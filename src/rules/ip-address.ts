/**
 * Strict textual checks for the addresses of `ipsrc`/`ipdest`. The reference tests the address
 * with unanchored regular expressions, so `999.1.1.1` or `zzz::1` pass and reach the controller
 * as garbage (m-ip-loose-regex); TierZero accepts only complete addresses.
 */

const OCTET = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_BITS = /^[0-9]{1,3}$/;

/** Dotted decimal, four octets 0..255, no leading zeros. */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

/** RFC 4291 text form: eight groups, or fewer around one `::`, optionally ending in dotted IPv4. */
export function isIPv6(text: string): boolean {
  if (text.length > 45) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const parts = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  const endsWithGroup = !text.endsWith('::');
  let groups = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (HEX_GROUP.test(part)) {
      groups += 1;
    } else if (i === parts.length - 1 && endsWithGroup && isIPv4(part)) {
      groups += 2;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/** A decimal prefix length no larger than the address family allows. */
export function isPrefixLength(text: string, max: number): boolean {
  return PREFIX_BITS.test(text) && Number(text) <= max;
}
