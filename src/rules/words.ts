/**
 * Word lists of the rule language: which tokens open a block, which are reserved, and what a
 * valid tag / capability / macro / enum / flag name looks like.
 *
 * These are Sets, not plain objects: the reference compiler tests membership with the `in`
 * operator on object literals, so `constructor`, `toString`, `__proto__` and friends count as
 * reserved there (quirk-prototype-names). TierZero treats them as ordinary words.
 */

/** Tokens that open a block closed by `;`. Compared case-sensitively, as the reference does. */
export const BLOCK_KEYWORDS: ReadonlySet<string> = new Set([
  'macro', 'tag', 'cap', 'drop', 'accept', 'tee', 'watch', 'redirect', 'break', 'priority',
]);

/** Words that cannot be names nor match arguments. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'macro', 'tag', 'cap', 'default',
  'drop', 'accept', 'tee', 'watch', 'redirect', 'break', 'priority',
  'ztsrc', 'ztdest', 'vlan', 'vlanpcp', 'vlandei', 'ethertype', 'macsrc', 'macdest', 'ipsrc',
  'ipdest', 'iptos', 'ipprotocol', 'icmp', 'sport', 'dport', 'chr', 'framesize', 'random',
  'tand', 'tor', 'txor', 'tdiff', 'teq', 'tseq', 'treq',
  'type', 'enum', 'class', 'define', 'import', 'include', 'log', 'not', 'xor', 'or', 'and',
  'set', 'var', 'let',
]);

// A Unicode letter, an ASCII digit or `_` (the reference spells out a BMP letter class by hand;
// we take letters from the current Unicode database instead).
const NAME_CHAR = /^[\p{L}0-9_]$/u;
const DIGIT = /^[0-9]$/;

/**
 * A valid name is non-empty, does not start with a digit, and is made only of `_`, letters and
 * ASCII digits. Checked per UTF-16 code unit like the reference, so astral characters are refused.
 */
export function isValidName(name: string): boolean {
  if (name.length === 0 || DIGIT.test(name[0])) return false;
  for (let i = 0; i < name.length; i++) {
    if (!NAME_CHAR.test(name[i])) return false;
  }
  return true;
}
