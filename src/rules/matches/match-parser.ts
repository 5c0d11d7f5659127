/** The contract every match keyword's parser fulfils (one small module per family). */
import type { MatchRule } from '../rule-objects.js';
import type { Arg, RenderContext } from '../render-context.js';

export interface MatchFlags {
  readonly not: boolean;
  readonly or: boolean;
}

export interface MatchParser {
  /** How many tokens follow the keyword. */
  readonly argCount: 1 | 2;
  /**
   * Value names this match accepts even though they are reserved words (`ipprotocol icmp`: the
   * reference rejects it because `icmp` is also a keyword, m-ipprotocol-icmp-reserved).
   */
  readonly reservedValues?: { has(word: string): boolean };
  /** Builds the rule object, or throws a RuleSyntaxError at the offending argument. */
  parse(args: readonly Arg[], flags: MatchFlags, ctx: RenderContext): MatchRule;
}
