/**
 * C `strtoull` / `strtoll` as glibc implements them, because the reference parses dictionary
 * numbers and controller JSON strings with them and their leniency is observable: leading
 * whitespace, a sign, an optional `0x` in base 16, digits up to the first non-digit, no digits
 * → 0, overflow → saturation. Inputs are JavaScript strings of byte values (latin1).
 */

const U64_MAX = 0xffffffffffffffffn;
const I64_MAX = 0x7fffffffffffffffn;

function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x7a) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x5a) return code - 0x41 + 10;
  return 99;
}

function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** Sign and magnitude, the magnitude capped just above 2^64 so huge inputs stay cheap. */
function scan(text: string, base: 10 | 16): { negative: boolean; magnitude: bigint; overflow: boolean } {
  let i = 0;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  if (base === 16 && text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && digitValue(text.charCodeAt(i + 2)) < 16) {
    i += 2;
  }
  const b = BigInt(base);
  let magnitude = 0n;
  let overflow = false;
  for (; i < text.length; i++) {
    const d = digitValue(text.charCodeAt(i));
    if (d >= base) break;
    if (!overflow) {
      magnitude = magnitude * b + BigInt(d);
      if (magnitude > U64_MAX) overflow = true;
    }
  }
  return { negative, magnitude, overflow };
}

/** unsigned long long strtoull(text, NULL, base), as a bigint in [0, 2^64). */
export function strtoull(text: string, base: 10 | 16): bigint {
  const { negative, magnitude, overflow } = scan(text, base);
  if (overflow) return U64_MAX;
  return negative ? (-magnitude) & U64_MAX : magnitude;
}

/** long long strtoll(text, NULL, base), saturating at the int64 bounds. */
export function strtoll(text: string, base: 10 | 16): bigint {
  const { negative, magnitude, overflow } = scan(text, base);
  if (negative) return overflow || magnitude > I64_MAX + 1n ? -I64_MAX - 1n : -magnitude;
  return overflow || magnitude > I64_MAX ? I64_MAX : magnitude;
}
