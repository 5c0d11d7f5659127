/**
 * compileRules: ZeroTier rule definition language source → the JSON rules, capabilities and
 * tags a controller serves. Pure (no I/O, no Node.js modules), so it runs in the browser too.
 *
 * It never throws: any problem, including a bug of ours, comes back as an error with a position.
 * Like the reference it stops at the first error, so `errors` holds exactly one entry.
 */
import type { Capability, Rule, TagDefinition } from './rule-objects.js';
import { setOwn } from './rule-objects.js';
import { RuleSyntaxError, type RuleError } from './syntax-error.js';
import { tokenize } from './tokenizer.js';
import { collectDefinitions } from './document.js';
import { renderStatements } from './actions.js';
import { toTagDefinition } from './tags.js';
import { DEFAULT_LIMITS, MAX_INCLUDE_DEPTH, WorkBudget, type CompileLimits, type RenderContext } from './render-context.js';

/** Limits against hostile sources; the defaults are far above any real rule set. */
export type CompileOptions = Partial<CompileLimits>;

export interface CompileSuccess {
  ok: true;
  /** The base rule set, in source order (each action after its matches). */
  rules: Rule[];
  /** Capabilities by lower-cased name, in definition order. */
  capabilities: Record<string, Capability>;
  /** Tags by lower-cased name, in definition order. */
  tags: Record<string, TagDefinition>;
}

export interface CompileFailure {
  ok: false;
  errors: RuleError[];
}

export type CompileResult = CompileSuccess | CompileFailure;

export function compileRules(source: string, options?: CompileOptions): CompileResult {
  if (typeof source !== 'string') return failure(0, 0, '"src" parameter must be a string.');
  try {
    return compile(source, effectiveLimits(options ?? {}));
  } catch (e) {
    if (e instanceof RuleSyntaxError) return { ok: false, errors: [e.toRuleError()] };
    return failure(0, 0, `Unexpected exception: ${String(e)}`);
  }
}

function compile(source: string, limits: CompileLimits): CompileSuccess {
  const defs = collectDefinitions(tokenize(source));
  const ctx: RenderContext = {
    tags: defs.tags,
    macros: defs.macros,
    params: new Map(),
    expanding: [],
    budget: new WorkBudget(limits.maxExpandedItems),
    limits,
  };
  // Capabilities first, then the base rules: the reference's order, which decides which error
  // a source with several problems reports.
  const capabilities: Record<string, Capability> = {};
  for (const [name, cap] of defs.capabilities) {
    const rules: Rule[] = [];
    renderStatements(cap.statements, rules, ctx);
    setOwn(capabilities, name, { id: cap.id, default: cap.default, rules });
  }
  const rules: Rule[] = [];
  renderStatements(defs.baseStatements, rules, ctx);
  const tags: Record<string, TagDefinition> = {};
  for (const [name, tag] of defs.tags) setOwn(tags, name, toTagDefinition(tag));
  return { ok: true, rules, capabilities, tags };
}

/**
 * Include depth is capped at MAX_INCLUDE_DEPTH whatever the caller asks: expansion recurses, and
 * the JavaScript stack must never be what stops it.
 */
function effectiveLimits(options: CompileOptions): CompileLimits {
  const pick = (value: number | undefined, fallback: number, max: number): number =>
    typeof value === 'number' && value >= 0 ? Math.min(Math.floor(value), max) : fallback;
  return {
    maxExpandedItems: pick(options.maxExpandedItems, DEFAULT_LIMITS.maxExpandedItems, Number.MAX_SAFE_INTEGER),
    maxIncludeDepth: pick(options.maxIncludeDepth, DEFAULT_LIMITS.maxIncludeDepth, MAX_INCLUDE_DEPTH),
  };
}

function failure(line: number, column: number, message: string): CompileFailure {
  return { ok: false, errors: [{ line, column, message }] };
}
