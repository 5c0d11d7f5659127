/**
 * The document the reference CLI prints for a successful compile, and the one-line error it
 * prints otherwise. `config` is exactly what a UI posts to /controller/network/<nwid>.
 */
import type { Capability, Rule, TagDefinition } from './rule-objects.js';
import { setOwn } from './rule-objects.js';
import type { CompileSuccess } from './compiler.js';
import type { RuleError } from './syntax-error.js';

export interface NetworkRulesConfig {
  rules: Rule[];
  capabilities: Capability[];
  tags: { id: number; default: number | null }[];
}

export interface CompilerDocument {
  config: NetworkRulesConfig;
  capabilitiesByName: Record<string, number>;
  tagsByName: Record<string, TagDefinition>;
}

export function toCompilerDocument(result: CompileSuccess): CompilerDocument {
  const capabilitiesByName: Record<string, number> = {};
  for (const [name, cap] of Object.entries(result.capabilities)) setOwn(capabilitiesByName, name, cap.id);
  return {
    config: {
      rules: result.rules,
      capabilities: Object.values(result.capabilities),
      tags: Object.values(result.tags).map((t) => ({ id: t.id, default: t.default })),
    },
    capabilitiesByName,
    tagsByName: result.tags,
  };
}

/** Byte-identical to the reference CLI's stdout: one-space indented JSON and a newline. */
export function formatCompilerDocument(doc: CompilerDocument): string {
  return JSON.stringify(doc, null, 1) + '\n';
}

/** The reference CLI's error line (without the newline). */
export function formatReferenceError(fileName: string, error: RuleError): string {
  return `ERROR parsing ${fileName} line ${error.line} column ${error.column}: ${error.message}`;
}

/** The conventional `file:line:column: message` form for editors and CI logs. */
export function formatDiagnostic(fileName: string, error: RuleError): string {
  return `${fileName}:${error.line}:${error.column}: ${error.message}`;
}
