/**
 * Number parsing shared by every match, action and definition.
 *
 * The reference reads numbers with JavaScript's parseInt: lower-case, `0x` prefix (only when more
 * characters follow) means hex, otherwise decimal; parsing stops at the first invalid character
 * (`12abc` is 12, `1.9` is 1) and text with no digits is "invalid". Users' files depend on that
 * leniency, so it is reproduced; parseInt itself gives us the exact same edge cases (leading
 * whitespace-like characters, signs, `-0`, huge values).
 */

/** The number at the start of `text`, or NaN when there are no digits. */
export function parseNumberPrefix(text: string): number {
  const lower = text.toLowerCase();
  const n = lower.length > 2 && lower.startsWith('0x') ? parseInt(lower.slice(2), 16) : parseInt(lower, 10);
  // `-0` reads as 0: the JSON is the same, and callers comparing numbers are spared a surprise.
  return n === 0 ? 0 : n;
}

/** The reference's numeric reading: as parseNumberPrefix, but "no digits" is -1. */
export function parseNum(text: string): number {
  const n = parseNumberPrefix(text);
  return Number.isNaN(n) ? -1 : n;
}

export const UINT32_MAX = 0xffffffff;

export function inRange(n: number, min: number, max: number): boolean {
  return n >= min && n <= max;
}

/**
 * `a` or `a-b` (split at a `-` that is not the first character, so `-5` is one negative number).
 * Returns undefined when the text has more than one separator or a bound is outside min..max or
 * the bounds are reversed.
 */
export function parseRange(text: string, min: number, max: number): { start: number; end: number } | undefined {
  let start: number;
  let end: number;
  if (text.indexOf('-') > 0) {
    const parts = text.split('-');
    if (parts.length !== 2) return undefined;
    start = parseNum(parts[0]);
    end = parseNum(parts[1]);
  } else {
    start = parseNum(text);
    end = start;
  }
  if (!inRange(start, min, max) || !inRange(end, min, max) || end < start) return undefined;
  return { start, end };
}
