/**
 * Pass 1: source text to a tree of tokens.
 *
 * Tokens are runs of characters between spaces, tabs and line breaks; there are no quotes and no
 * other separators. A token whose first character is `#` starts a comment to the end of the line.
 * A block keyword (`drop`, `accept`, `cap`, ... compared case-sensitively) opens a block that
 * collects the following tokens; each `;` at the end of a token closes the innermost open block.
 * A block is stored on the keyword token that opened it (`body`), so a statement is one item.
 *
 * Positions follow the reference compiler: lines count from 1; on line 1 the first character is
 * column 0, on every later line column 1. That odd numbering is kept because users and tools
 * compare error positions with the reference's.
 *
 * Where TierZero differs from the reference tokenizer (see docs/rules-language.md):
 * - every trailing `;` closes one block, even an empty one, so `accept;`, `accept ;` and `$p;;`
 *   mean what they say (the reference strips only one `;` and never closes an empty block, which
 *   silently swallows or drops the statements that follow);
 * - blocks still open at the end of the input are all kept, never discarded;
 * - CRLF is one line break everywhere (the reference counts two after a comment), and a lone CR
 *   is a line break too.
 */
import { BLOCK_KEYWORDS } from './words.js';
import type { SourcePosition } from './syntax-error.js';

export interface Item extends SourcePosition {
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** The block this token opened, if it is a block keyword. May be empty. */
  body?: Item[];
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const SEMICOLON = 59;

export function tokenize(source: string): Item[] {
  const top: Item[] = [];
  const open: Item[][] = [top];
  let line = 1;
  let lineStart = 0;
  let tokenStart = -1;
  let tokenLine = 0;
  let tokenColumn = 0;
  let inComment = false;

  const finishToken = (end: number): void => {
    let textEnd = end;
    while (textEnd > tokenStart && source.charCodeAt(textEnd - 1) === SEMICOLON) textEnd--;
    if (textEnd > tokenStart) {
      const item: Item = { text: source.slice(tokenStart, textEnd), line: tokenLine, column: tokenColumn };
      open[open.length - 1].push(item);
      if (BLOCK_KEYWORDS.has(item.text)) {
        item.body = [];
        open.push(item.body);
      }
    }
    for (let closes = end - textEnd; closes > 0 && open.length > 1; closes--) open.pop();
    tokenStart = -1;
  };

  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    const lineBreak = c === LF || (c === CR && source.charCodeAt(i + 1) !== LF);
    if (inComment) {
      if (lineBreak) {
        inComment = false;
        line++;
        lineStart = i;
      }
      continue;
    }
    if (lineBreak || c === CR || c === SPACE || c === TAB) {
      if (tokenStart >= 0) finishToken(i);
      if (lineBreak) {
        line++;
        lineStart = i;
      }
      continue;
    }
    if (tokenStart < 0) {
      if (c === HASH) {
        inComment = true;
        continue;
      }
      tokenStart = i;
      tokenLine = line;
      tokenColumn = i - lineStart;
    }
  }
  if (tokenStart >= 0) finishToken(source.length);
  return top;
}
