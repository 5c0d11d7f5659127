/** Every subcommand module of `tierzero`; each adds its commands to the program. */
import type { Command } from 'commander';
import { registerIdtool } from './idtool.js';
import { registerService } from './service.js';
import { registerRules } from './rules.js';
import { registerNodeCommands } from './node-commands.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [registerIdtool, registerService, registerRules, registerNodeCommands];
