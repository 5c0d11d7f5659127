/**
 * tand, tor, txor, tdiff, teq, tseq, treq: `<tag> <value>`.
 *
 * The tag is a defined tag's name or a numeric id; the value is one of that tag's flag names,
 * then enum names, then a number. Names are compared case-insensitively: definitions lower-case
 * them, and the reference then looks them up case-sensitively, so `teq Dept 1` fails against
 * `tag Dept` (tag-name-case). TierZero lower-cases both sides.
 */
import type { MatchParser } from './match-parser.js';
import type { TagMatchType } from '../rule-objects.js';
import { fail } from '../syntax-error.js';
import { inRange, parseNum, UINT32_MAX } from '../numbers.js';

function tagMatch(type: TagMatchType): MatchParser {
  return {
    argCount: 2,
    parse([tagArg, valueArg], { not, or }, ctx) {
      const tag = ctx.tags.get(tagArg.text.toLowerCase());
      let id: number;
      let value: number;
      if (tag) {
        const name = valueArg.text.toLowerCase();
        id = tag.id;
        value = tag.flags.get(name) ?? tag.enums.get(name) ?? parseNum(valueArg.text);
      } else {
        id = parseNum(tagArg.text);
        value = parseNum(valueArg.text);
      }
      if (!inRange(id, 0, UINT32_MAX)) fail(tagArg, 'Undefined tag name and invalid tag value.');
      if (!inRange(value, 0, UINT32_MAX)) fail(valueArg, 'Invalid tag value or unrecognized flag/enum name.');
      return { type, not, or, id, value };
    },
  };
}

export const TAG_MATCHES: ReadonlyMap<string, MatchParser> = new Map([
  ['tand', tagMatch('MATCH_TAGS_BITWISE_AND')],
  ['tor', tagMatch('MATCH_TAGS_BITWISE_OR')],
  ['txor', tagMatch('MATCH_TAGS_BITWISE_XOR')],
  ['tdiff', tagMatch('MATCH_TAGS_DIFFERENCE')],
  ['teq', tagMatch('MATCH_TAGS_EQUAL')],
  ['tseq', tagMatch('MATCH_TAG_SENDER')],
  ['treq', tagMatch('MATCH_TAG_RECEIVER')],
]);
