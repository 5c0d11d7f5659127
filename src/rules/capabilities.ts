/**
 * `cap <name> id <n> [default] <rule statements> ;`
 *
 * `id <n>` and `default` are taken wherever they appear at the top level of the block; every
 * other item is a rule statement, rendered later (after all definitions are known).
 */
import type { Item } from './tokenizer.js';
import { fail } from './syntax-error.js';
import { inRange, parseNum, UINT32_MAX } from './numbers.js';
import { isValidName, RESERVED_WORDS } from './words.js';

export interface CapabilityInfo {
  readonly id: number;
  readonly default: boolean;
  readonly statements: readonly Item[];
}

export function defineCapability(keyword: Item & { body: Item[] }, caps: Map<string, CapabilityInfo>): void {
  const body = keyword.body;
  const nameToken = body[0];
  const name = nameToken.text.toLowerCase();
  if (!isValidName(name)) fail(nameToken, 'Invalid capability name.');
  if (RESERVED_WORDS.has(name)) fail(nameToken, 'Capability name is a reserved word.');
  if (caps.has(name)) fail(nameToken, 'Multiple definition of capability name.');

  const statements: Item[] = [];
  let id = -1;
  let isDefault = false;
  for (let k = 1; k < body.length; k++) {
    const item = body[k];
    const directive = item.text.toLowerCase();
    if (directive === 'id') {
      if (id >= 0) fail(item, 'Duplicate id directive in capability definition.');
      if (k + 1 >= body.length) fail(item, 'Missing value for ID.');
      id = parseNum(body[++k].text);
      if (!inRange(id, 0, UINT32_MAX)) fail(item, 'Invalid or out of range capability ID.');
      for (const other of caps.values()) if (other.id === id) fail(item, 'Duplicate capability ID.');
    } else if (directive === 'default') {
      isDefault = true;
    } else {
      statements.push(item);
    }
  }
  if (id < 0) fail(nameToken, 'Capability definition is missing a numeric ID.');
  caps.set(name, { id, default: isDefault, statements });
}
