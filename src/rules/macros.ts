/**
 * `macro <name>[($a,$b,...)] <rule statements> ;` and `include <name>[(x,y,...)]`.
 *
 * A parameter is referenced as a match argument by its full declared name, `$` included. The
 * definition's name token is lower-cased (parameters too); the reference does not lower-case the
 * name in `include` nor `$references`, so `include Allow` misses `macro Allow`
 * (macro-include-case). TierZero lower-cases both sides.
 */
import type { Item } from './tokenizer.js';
import { fail } from './syntax-error.js';
import { isValidName, RESERVED_WORDS } from './words.js';

export interface MacroDefinition {
  readonly name: string;
  /** Parameter name → index of the argument that supplies it. */
  readonly params: ReadonlyMap<string, number>;
  readonly statements: readonly Item[];
}

/** Splits `name(a,b)` into the name and the pieces after `(` cut at `,` and `)` (empties kept). */
function splitCall(text: string): { name: string; pieces: string[] } {
  const paren = text.indexOf('(');
  if (paren <= 0) return { name: text, pieces: [] };
  return { name: text.slice(0, paren), pieces: text.slice(paren + 1).split(/[,)]+/) };
}

export function defineMacro(keyword: Item & { body: Item[] }, macros: Map<string, MacroDefinition>): void {
  const nameToken = keyword.body[0];
  const { name, pieces } = splitCall(nameToken.text.toLowerCase());
  // A parameter's index counts empty pieces too (`m(,$a)` wants two arguments), as the reference.
  const params = new Map<string, number>();
  pieces.forEach((piece, index) => {
    if (piece.length > 0) params.set(piece, index);
  });
  if (!isValidName(name)) fail(nameToken, 'Invalid macro name.');
  if (RESERVED_WORDS.has(name)) fail(nameToken, 'Macro name is a reserved word.');
  if (macros.has(name)) fail(nameToken, 'Multiple definition of macro name.');
  macros.set(name, { name, params, statements: keyword.body.slice(1) });
}

/**
 * Resolves `include <token>`: the macro and its arguments by parameter name. Empty arguments are
 * dropped before matching them to parameters, as in the reference.
 */
export function resolveInclude(
  token: Item,
  macros: ReadonlyMap<string, MacroDefinition>,
): { macro: MacroDefinition; args: Map<string, string> } {
  const { name, pieces } = splitCall(token.text);
  const values = pieces.filter((p) => p.length > 0);
  const macro = macros.get(name.toLowerCase()) ?? fail(token, 'Macro name not found.');
  const args = new Map<string, string>();
  for (const [param, index] of macro.params) {
    if (index >= values.length) fail(token, 'Missing one or more required macro parameter.');
    args.set(param, values[index]);
  }
  return { macro, args };
}
