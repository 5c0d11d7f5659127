#!/usr/bin/env node
/**
 * The `tierzero` command: one entry point whose subcommands are registered by small modules
 * (src/cli/commands/*). Each module owns its own output formats and exit codes.
 *
 * Started under a zerotier-cli-like name (`tierzero-cli`, or a link named `zerotier-cli`) it is
 * that personality instead (zerotier-cli.ts). As `tierzero`, zerotier-cli's habit of putting
 * switches before the command (`tierzero -j -p9993 listnetworks`) and of raw paths
 * (`tierzero /status`) work too: argv is rearranged into commander's order first.
 */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import { NODE_COMMANDS } from './commands/node-commands.js';
import { isZerotierCliName, runZerotierCli } from './zerotier-cli.js';

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

const LEADING_SWITCH = /^-(j|q|[pDTH].+)$/;
const CLIENT_COMMANDS = new Set([...Object.keys(NODE_COMMANDS), 'bond', 'api']);

/**
 * `[-j] [-p9993] <command> ...` → `<command> [-j] [-p9993] ...`, and `/path` → `api /path`,
 * for the node's client commands only (`-q`, zerotier-one's CLI switch, is dropped).
 */
export function commanderArgs(args: readonly string[]): string[] {
  let i = 0;
  while (i < args.length && LEADING_SWITCH.test(args[i]!)) i++;
  const word = args[i];
  if (word === undefined) return [...args];
  const lead = args.slice(0, i).filter((a) => a !== '-q');
  if (word.startsWith('/')) return ['api', word, ...lead, ...args.slice(i + 1)];
  if (i === 0 || !CLIENT_COMMANDS.has(word)) return [...args];
  return [word, ...lead, ...args.slice(i + 1)];
}

if (isZerotierCliName(process.argv[1])) {
  process.exit(await runZerotierCli(process.argv.slice(2), (process.argv[1] ?? 'zerotier-cli').split('/').pop()!));
} else {
  await buildProgram().parseAsync([...process.argv.slice(0, 2), ...commanderArgs(process.argv.slice(2))]);
}
