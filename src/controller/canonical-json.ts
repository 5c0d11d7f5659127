/**
 * The reference serializes every object with its keys sorted and no whitespace (nlohmann::json
 * dump), and UIs diff these bodies, so we do the same: one function for API bodies, stored
 * documents and record comparison alike.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // A null prototype so a user-chosen key such as "__proto__" stays an ordinary key.
  const out: Record<string, unknown> = Object.create(null);
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source).sort()) {
    const v = source[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
