/**
 * What rendering a statement list needs to know: the definitions collected in pass 2, the
 * arguments of the macro being expanded, and the guards that keep hostile sources bounded.
 *
 * The reference has no guards: a macro that includes itself overflows the JavaScript stack, and
 * macros that include each other twice per level expand exponentially. TierZero refuses both
 * with an error at the offending `include`.
 */
import type { TagInfo } from './tags.js';
import type { MacroDefinition } from './macros.js';
import { fail, type SourcePosition } from './syntax-error.js';

export interface CompileLimits {
  /** Most rules plus macro expansions one compilation may produce (all rule sets together). */
  maxExpandedItems: number;
  /** Deepest chain of macros including macros. */
  maxIncludeDepth: number;
}

export const DEFAULT_LIMITS: CompileLimits = { maxExpandedItems: 100_000, maxIncludeDepth: 64 };

/** The hard ceiling on CompileLimits.maxIncludeDepth (well within the JavaScript stack). */
export const MAX_INCLUDE_DEPTH = 1000;

/** Counts the work of one compilation against CompileLimits.maxExpandedItems. */
export class WorkBudget {
  private remaining: number;

  constructor(readonly limit: number) {
    this.remaining = limit;
  }

  spend(at: SourcePosition): void {
    if (--this.remaining < 0) {
      fail(at, `Rule set too large: more than ${this.limit} rules and macro expansions.`);
    }
  }
}

export interface RenderContext {
  readonly tags: ReadonlyMap<string, TagInfo>;
  readonly macros: ReadonlyMap<string, MacroDefinition>;
  /** Arguments of the macro being expanded, by lower-cased `$name`. */
  readonly params: ReadonlyMap<string, string>;
  /** Names of the macros being expanded, outermost first. */
  readonly expanding: readonly string[];
  readonly budget: WorkBudget;
  readonly limits: CompileLimits;
}

/** A token as an argument: its text, possibly a macro argument, at the token's position. */
export interface Arg extends SourcePosition {
  readonly text: string;
}
