/**
 * Reading typed values out of a posted JSON body. The reference controller coerces loosely
 * (controller.md §3.3): booleans from numbers and strings, integers from numeric strings, names
 * from numbers. We accept exactly those documented coercions and answer anything else with a
 * field error (HTTP 400) instead of guessing, so a UI bug surfaces instead of silently storing a
 * default.
 */
import { fieldError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function has(o: JsonObject, key: string): boolean {
  return Object.hasOwn(o, key);
}

const U64 = 1n << 64n;

/** The reference reads JSON numbers into a uint64: truncate, then wrap modulo 2^64. */
function numberToU64(n: number): bigint {
  return ((BigInt(Math.trunc(n)) % U64) + U64) % U64;
}

/** true/false; numbers (non-zero after the uint64 wrap → true); "true"/"false"/"1"/"0" any case. */
export function readBool(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return numberToU64(v) > 0n;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
    return fail(field, 'must be a boolean (true or false)');
  }
  return fail(field, 'must be a boolean');
}

export interface IntRange {
  min: number;
  max: number;
}

export const U32_RANGE: IntRange = { min: 0, max: 0xffffffff };
export const NON_NEGATIVE: IntRange = { min: 0, max: Number.MAX_SAFE_INTEGER };

/** An integral JSON number or a string of decimal digits, within `range`. */
export function readInt(v: unknown, field: string, range: IntRange): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*[+-]?[0-9]{1,16}\s*$/.test(v)) n = Number(v.trim());
  else return fail(field, 'must be an integer');
  if (!Number.isInteger(n)) return fail(field, 'must be an integer');
  if (n < range.min || n > range.max) return fail(field, `must be between ${range.min} and ${range.max}`);
  return n;
}

/** An integer masked to 32 bits the way the reference stores tag ids and values. */
export function readU32Masked(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Number(numberToU64(v) & 0xffffffffn);
  if (typeof v === 'string' && /^\s*[+-]?[0-9]{1,20}\s*$/.test(v)) return Number(numberToU64(Number(v.trim())) & 0xffffffffn);
  return fail(field, 'must be an integer');
}

/** Strings as they are; numbers as decimal text; booleans as "1"/"0" (the reference's coercion). */
export function readText(v: unknown, field: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToU64(v).toString(10);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return fail(field, 'must be a string');
}

export function readArray(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) return fail(field, 'must be an array');
  return v;
}

function fail(field: string, problem: string): never {
  throw fieldError(field, problem);
}
