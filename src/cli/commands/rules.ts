/**
 * `tierzero rules compile FILE` and `tierzero rules check FILE`: the rule definition language
 * compiler on the command line. FILE `-` reads standard input.
 *
 * compile: success prints the same JSON document as ZeroTier's `node cli.js FILE` (stdout, exit
 *   0); a compile error prints its `ERROR parsing FILE line L column C: message` (stderr, exit 1).
 * check:   prints nothing and exits 0 when the file compiles, else `FILE:L:C: message` (stdout,
 *   exit 1), the form editors and CI logs understand.
 * A file that cannot be read is reported on stderr with exit code 2.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  compileRules,
  formatCompilerDocument,
  formatDiagnostic,
  formatReferenceError,
  toCompilerDocument,
  type CompileResult,
} from '../../rules/index.js';

const EXIT_COMPILE_ERROR = 1;
const EXIT_UNREADABLE = 2;

function describeReadError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** The file's text (a UTF-8 byte order mark dropped), or undefined after reporting why not. */
function readSource(file: string): string | undefined {
  try {
    const text = readFileSync(file === '-' ? 0 : file, 'utf8');
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch (e) {
    process.stderr.write(`tierzero: cannot read ${file}: ${describeReadError(e)}\n`);
    process.exitCode = EXIT_UNREADABLE;
    return undefined;
  }
}

function compileFile(file: string): CompileResult | undefined {
  const source = readSource(file);
  return source === undefined ? undefined : compileRules(source);
}

function displayName(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('compile and check ZeroTier flow rule files (.ztrules)');

  rules
    .command('compile')
    .description('print the controller JSON for a rules file (same document as ZeroTier rule-compiler/cli.js)')
    .argument('<file>', 'rules source, or - for standard input')
    .action((file: string) => {
      const result = compileFile(file);
      if (!result) return;
      if (result.ok) {
        process.stdout.write(formatCompilerDocument(toCompilerDocument(result)));
      } else {
        for (const error of result.errors) process.stderr.write(formatReferenceError(displayName(file), error) + '\n');
        process.exitCode = EXIT_COMPILE_ERROR;
      }
    });

  rules
    .command('check')
    .description('report errors in a rules file as FILE:line:column: message (exit 1 if any)')
    .argument('<file>', 'rules source, or - for standard input')
    .action((file: string) => {
      const result = compileFile(file);
      if (!result || result.ok) return;
      for (const error of result.errors) process.stdout.write(formatDiagnostic(displayName(file), error) + '\n');
      process.exitCode = EXIT_COMPILE_ERROR;
    });
}
