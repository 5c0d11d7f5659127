/**
 * Pass 2: sorts the top-level items into macro, tag and capability definitions and the base rule
 * statements. Every definition is collected before anything is rendered, so a tag, macro or
 * capability may be used above its definition. Keywords are compared case-insensitively here,
 * but only a lower-case keyword opened a block in pass 1, so `CAP x` has no name.
 */
import type { Item } from './tokenizer.js';
import { fail } from './syntax-error.js';
import { defineMacro, type MacroDefinition } from './macros.js';
import { defineTag, type TagInfo } from './tags.js';
import { defineCapability, type CapabilityInfo } from './capabilities.js';

export interface Definitions {
  readonly macros: Map<string, MacroDefinition>;
  readonly tags: Map<string, TagInfo>;
  /** In definition order. */
  readonly capabilities: Map<string, CapabilityInfo>;
  readonly baseStatements: Item[];
}

function hasBody(item: Item): item is Item & { body: Item[] } {
  return item.body !== undefined && item.body.length > 0;
}

export function collectDefinitions(items: readonly Item[]): Definitions {
  const defs: Definitions = { macros: new Map(), tags: new Map(), capabilities: new Map(), baseStatements: [] };
  for (const item of items) {
    switch (item.text.toLowerCase()) {
      case 'macro':
        if (!hasBody(item)) fail(item, 'Macro definition is missing name.');
        defineMacro(item, defs.macros);
        break;
      case 'tag':
        if (!hasBody(item)) fail(item, 'Tag definition is missing name.');
        defineTag(item, defs.tags);
        break;
      case 'cap':
        if (!hasBody(item)) fail(item, 'Capability definition is missing name.');
        defineCapability(item, defs.capabilities);
        break;
      default:
        defs.baseStatements.push(item);
    }
  }
  return defs;
}
