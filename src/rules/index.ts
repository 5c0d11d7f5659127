/**
 * The rule definition language compiler (ZeroTier's rule-compiler.js dialect). Pure TypeScript:
 * no Node.js modules, usable in the browser. See docs/rules-language.md.
 */
export { compileRules } from './compiler.js';
export type { CompileOptions, CompileResult, CompileSuccess, CompileFailure } from './compiler.js';
export type { CompileLimits } from './render-context.js';
export { DEFAULT_LIMITS } from './render-context.js';
export type { RuleError } from './syntax-error.js';
export type * from './rule-objects.js';
export {
  toCompilerDocument,
  formatCompilerDocument,
  formatReferenceError,
  formatDiagnostic,
} from './output.js';
export type { CompilerDocument, NetworkRulesConfig } from './output.js';
