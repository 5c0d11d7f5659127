/**
 * Posted `rules`, `capabilities` and `tags` as the reference normalizes them (controller.md §3.3,
 * §5): each rule parsed into the binary rule structure and rendered back through the shared VL2
 * rules codec, so what we store is exactly what we will later encode for members. Unknown rule
 * types are dropped like the reference drops them; a rule field whose JSON type makes the
 * reference throw is a field error.
 */
import { normalizeRuleJson, type RuleJson } from '../core/vl2/rules-codec.js';
import { fieldError } from './errors.js';
import { has, isJsonObject, readBool, readInt, U32_RANGE } from './json-coerce.js';
import type { CapabilityJson, TagDefinitionJson } from './records.js';

/** The reference keeps at most this many entries of any posted array. */
export const MAX_JSON_ARRAY_ENTRIES = 16384;

export function normalizeRules(list: unknown[], field: string): RuleJson[] {
  const out: RuleJson[] = [];
  for (let i = 0; i < list.length && out.length < MAX_JSON_ARRAY_ENTRIES; i++) {
    const r = normalizeRuleJson(list[i]);
    if (!r.ok) throw fieldError(`${field}[${i}]`, r.error.message);
    if (r.value !== undefined) out.push(r.value);
  }
  return out;
}

/** Objects → `{id, default, rules}`; the last of a duplicated id wins; sorted by id. */
export function normalizeCapabilities(list: unknown[], field: string): CapabilityJson[] {
  const byId = new Map<number, CapabilityJson>();
  list.forEach((cap, i) => {
    if (!isJsonObject(cap)) return;
    const at = `${field}[${i}]`;
    const id = has(cap, 'id') ? readInt(cap.id, `${at}.id`, U32_RANGE) : 0;
    const dflt = has(cap, 'default') ? readBool(cap.default, `${at}.default`) : false;
    const rules = Array.isArray(cap.rules) ? normalizeRules(cap.rules, `${at}.rules`) : [];
    byId.set(id, { default: dflt, id, rules });
  });
  return [...byId.values()].sort((a, b) => a.id - b.id).slice(0, MAX_JSON_ARRAY_ENTRIES);
}

/** Objects → `{id, default}` with default null or an integer; the last of a duplicated id wins; sorted. */
export function normalizeTagDefinitions(list: unknown[], field: string): TagDefinitionJson[] {
  const byId = new Map<number, TagDefinitionJson>();
  list.forEach((tag, i) => {
    if (!isJsonObject(tag)) return;
    const at = `${field}[${i}]`;
    const id = has(tag, 'id') ? readInt(tag.id, `${at}.id`, U32_RANGE) : 0;
    const d = tag.default;
    const dflt = d === null || d === undefined ? null : readInt(d, `${at}.default`, U32_RANGE);
    byId.set(id, { default: dflt, id });
  });
  return [...byId.values()].sort((a, b) => a.id - b.id).slice(0, MAX_JSON_ARRAY_ENTRIES);
}
