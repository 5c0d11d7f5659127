/**
 * `rulesSource`: the rule-language text a UI posts. The reference stores nothing of it; we keep
 * it and compile it with our rules compiler, so the stored rules always come from a source that
 * compiles. The compiled rules, capabilities and tags then go through the same normalization as
 * posted JSON.
 */
import { compileRules, toCompilerDocument } from '../rules/index.js';
import { ControllerError } from './errors.js';
import type { CapabilityJson, RuleJson, TagDefinitionJson } from './records.js';
import { normalizeCapabilities, normalizeRules, normalizeTagDefinitions } from './rules-json.js';

export interface CompiledRulesFields {
  rules: RuleJson[];
  capabilities: CapabilityJson[];
  tags: TagDefinitionJson[];
}

/** Compiles a rule source; a syntax error becomes a `rules_compile_error` carrying its position. */
export function compileRulesSource(source: string): CompiledRulesFields {
  const result = compileRules(source);
  if (!result.ok) {
    const e = result.errors[0] ?? { line: 0, column: 0, message: 'rules did not compile' };
    throw new ControllerError(
      'rules_compile_error',
      `rulesSource: line ${e.line} column ${e.column}: ${e.message}`,
      'rulesSource',
      { line: e.line, column: e.column, message: e.message },
    );
  }
  const { config } = toCompilerDocument(result);
  return {
    rules: normalizeRules(config.rules, 'rulesSource'),
    capabilities: normalizeCapabilities(config.capabilities, 'rulesSource'),
    tags: normalizeTagDefinitions(config.tags, 'rulesSource'),
  };
}
