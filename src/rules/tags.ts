/**
 * `tag <name> id <n> [enum <value> <name>]... [flag <bits> <name>]... [default <value>] ;`
 *
 * Names (tag, enum, flag) are lower-cased. Flags are 32-bit masks built from bit numbers 0..31
 * and earlier flag names. The default is an enum name, a flag name or a number.
 *
 * The reference computes masks and defaults in signed 32-bit arithmetic, so a flag on bit 31 is
 * negative and unusable in matches (tag-flag-bit31) and a default of 2^31 or more turns negative.
 * TierZero keeps them unsigned.
 */
import type { Item } from './tokenizer.js';
import { setOwn, type TagDefinition } from './rule-objects.js';
import { fail } from './syntax-error.js';
import { inRange, parseNum, UINT32_MAX } from './numbers.js';
import { isValidName, RESERVED_WORDS } from './words.js';

export interface TagInfo {
  readonly id: number;
  readonly default: number | null;
  readonly enums: ReadonlyMap<string, number>;
  readonly flags: ReadonlyMap<string, number>;
}

/** Reads the definition opened by `keyword` (a `tag` token with a non-empty body) into `tags`. */
export function defineTag(keyword: Item & { body: Item[] }, tags: Map<string, TagInfo>): void {
  const body = keyword.body;
  const nameToken = body[0];
  const name = nameToken.text.toLowerCase();
  if (!isValidName(name)) fail(nameToken, 'Invalid tag name.');
  if (RESERVED_WORDS.has(name)) fail(nameToken, 'Tag name is a reserved word.');
  if (tags.has(name)) fail(nameToken, 'Multiple definition of tag name.');

  const enums = new Map<string, number>();
  const flags = new Map<string, number>();
  let id = -1;
  let defaultToken: Item | undefined;
  for (let k = 1; k < body.length; k++) {
    const directive = body[k];
    switch (directive.text.toLowerCase()) {
      case 'id': {
        if (id >= 0) fail(directive, 'Duplicate tag id definition.');
        if (k + 1 >= body.length) fail(directive, 'Missing numeric value for ID.');
        const value = body[++k];
        id = parseNum(value.text);
        if (!inRange(id, 0, UINT32_MAX)) fail(value, 'Invalid or out of range tag ID.');
        break;
      }
      case 'default': {
        if (defaultToken) fail(directive, 'Duplicate tag default directive.');
        if (k + 1 >= body.length) fail(directive, 'Missing value for default.');
        defaultToken = body[++k];
        // A block keyword here would silently swallow what follows it (the reference crashes).
        if (defaultToken.body) fail(defaultToken, 'Tag default must be a number, enum name or flag name.');
        break;
      }
      case 'flag': {
        if (k + 2 >= body.length) fail(directive, 'Missing tag flag name or bit index.');
        const bits = body[++k];
        const mask = flagMask(bits, flags);
        const flagToken = body[++k];
        const flagName = flagToken.text.toLowerCase();
        if (flagToken.body || !isValidName(flagName)) fail(flagToken, 'Invalid or reserved flag name.');
        if (flags.has(flagName)) fail(flagToken, 'Duplicate flag name in tag definition.');
        flags.set(flagName, mask);
        break;
      }
      case 'enum': {
        if (k + 2 >= body.length) fail(directive, 'Missing tag enum name or value.');
        const valueToken = body[++k];
        const value = parseNum(valueToken.text);
        if (!inRange(value, 0, UINT32_MAX)) fail(valueToken, 'Tag enum value invalid or out of range.');
        const enumToken = body[++k];
        const enumName = enumToken.text.toLowerCase();
        if (enumToken.body || !isValidName(enumName)) fail(enumToken, 'Invalid or reserved tag enum name.');
        if (enums.has(enumName)) fail(enumToken, 'Duplicate enum name in tag definition.');
        enums.set(enumName, value);
        break;
      }
      default:
        fail(directive, 'Unrecognized keyword in tag definition.');
    }
  }
  if (id < 0) fail(nameToken, 'Tag definition is missing a numeric ID.');
  tags.set(name, { id, default: defaultToken ? resolveDefault(defaultToken.text, enums, flags) : null, enums, flags });
}

/** `0,3,read`: bit numbers 0..31 and names of flags defined earlier in the same tag. */
function flagMask(bits: Item, flags: ReadonlyMap<string, number>): number {
  let mask = 0;
  for (const piece of bits.text.split(/,+/)) {
    const name = piece.toLowerCase();
    const known = flags.get(name);
    if (known !== undefined) {
      mask |= known;
      continue;
    }
    const bit = parseNum(name);
    if (!inRange(bit, 0, 31)) fail(bits, 'Bit index invalid, out of range, or references an undefined flag name.');
    mask |= 1 << bit;
  }
  return mask >>> 0;
}

/**
 * Enum name, then flag name, then JavaScript parseInt without a radix (so `0x10` is 16), sign
 * dropped, garbage read as 0, kept to 32 bits, exactly as the reference except for the sign bug.
 */
function resolveDefault(text: string, enums: ReadonlyMap<string, number>, flags: ReadonlyMap<string, number>): number {
  const name = text.toLowerCase();
  return enums.get(name) ?? flags.get(name) ?? Math.abs(parseInt(text) || 0) >>> 0;
}

/** The public, JSON-ready form of a tag: `{id, default, enums, flags}` in that key order. */
export function toTagDefinition(tag: TagInfo): TagDefinition {
  const enums: Record<string, number> = {};
  for (const [name, value] of tag.enums) setOwn(enums, name, value);
  const flags: Record<string, number> = {};
  for (const [name, mask] of tag.flags) setOwn(flags, name, mask);
  return { id: tag.id, default: tag.default, enums, flags };
}
