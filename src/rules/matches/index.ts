/**
 * Renders the match list of one action: `[not] [or] keyword args...` repeated, `and` ignored.
 * `not` and `or` apply to the next match only (repeating `not` does not toggle it), and a
 * trailing `not`/`or` with nothing after it is ignored, as in the reference.
 */
import type { MatchParser } from './match-parser.js';
import type { Item } from '../tokenizer.js';
import type { Rule } from '../rule-objects.js';
import type { Arg, RenderContext } from '../render-context.js';
import { fail } from '../syntax-error.js';
import { RESERVED_WORDS } from '../words.js';
import { ADDRESS_MATCHES } from './address-matches.js';
import { NUMBER_MATCHES } from './number-matches.js';
import { characteristics } from './characteristics.js';
import { TAG_MATCHES } from './tag-matches.js';

/** Every match keyword (lower case) and its parser. */
export const MATCH_PARSERS: ReadonlyMap<string, MatchParser> = new Map([
  ...ADDRESS_MATCHES,
  ...NUMBER_MATCHES,
  ['chr', characteristics],
  ...TAG_MATCHES,
]);

/** A `$name` argument replaced by the including macro's argument, at the `$name` position. */
function substitute(token: Item, ctx: RenderContext): Arg {
  const value = ctx.params.get(token.text.toLowerCase()) ?? fail(token, 'Undefined variable name.');
  return { text: value, line: token.line, column: token.column };
}

export function renderMatches(items: readonly Item[], out: Rule[], ctx: RenderContext): void {
  let not = false;
  let or = false;
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    const word = item.text.toLowerCase();
    if (word === 'and') continue;
    if (word === 'not') {
      not = true;
      continue;
    }
    if (word === 'or') {
      or = true;
      continue;
    }
    const parser = MATCH_PARSERS.get(word) ?? fail(item, `Unrecognized match type "${word}".`);
    const args: Arg[] = [];
    for (let i = 0; i < parser.argCount; i++) {
      if (++k >= items.length) fail(items[k - 1], 'Missing argument(s) to match.');
      const token = items[k];
      if (RESERVED_WORDS.has(token.text) && !parser.reservedValues?.has(token.text)) {
        fail(items[k - 1], 'Missing argument(s) to match (invalid argument or argument is reserved word).');
      }
      args.push(token.text.startsWith('$') ? substitute(token, ctx) : token);
    }
    ctx.budget.spend(item);
    out.push(parser.parse(args, { not, or }, ctx));
    not = false;
    or = false;
  }
}
