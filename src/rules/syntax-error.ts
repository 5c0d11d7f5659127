/**
 * The one error a rule source can produce: a message anchored at a line and column (numbered as
 * the reference compiler numbers them, see tokenizer.ts). Inside the compiler it is thrown as a
 * RuleSyntaxError so deep parsers can bail out; compileRules() catches it at the boundary, so
 * nothing ever escapes to the caller.
 */

export interface RuleError {
  line: number;
  column: number;
  message: string;
}

/** Anything that knows where it came from in the source. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export class RuleSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
    this.name = 'RuleSyntaxError';
  }

  toRuleError(): RuleError {
    return { line: this.line, column: this.column, message: this.message };
  }
}

/** Throws a RuleSyntaxError at `at`. Typed `never` so callers can use it in expressions. */
export function fail(at: SourcePosition, message: string): never {
  throw new RuleSyntaxError(at.line, at.column, message);
}
