#!/usr/bin/env node
/**
 * The `tierzero` command: one entry point whose subcommands are registered by small modules
 * (src/cli/commands/*). Each module owns its own output formats and exit codes.
 */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tierzero')
    .description('TierZero: a ZeroTier-compatible network hypervisor')
    .version('0.1.0', '-v, --version', 'print the TierZero version')
    // Options after a subcommand belong to it (zerotier-idtool and zerotier-cli take -v, -p...).
    .enablePositionalOptions();
  for (const register of COMMANDS) register(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
