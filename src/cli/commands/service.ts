/**
 * `tierzero service [homedir]` runs a node (ZeroTier One's `zerotier-one`); `tierzero root
 * [homedir]` runs the same node but first checks that its identity is a root of its planet or
 * of a moon, and explains how to make it one if not.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { defaultHomeDir } from '../../service/home-dir.js';
import { runService } from '../../service/run.js';
import type { ServiceMode } from '../../service/compose.js';

interface ServiceFlags {
  port?: number;
  verbose?: boolean;
  statusFile?: string;
  pingPeer?: number[];
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new InvalidArgumentError('expected a UDP port number 0..65535 (0 = random)');
  }
  return Number(text);
}

function collectAddress(text: string, previous: number[] = []): number[] {
  if (!/^[0-9a-fA-F]{10}$/.test(text)) throw new InvalidArgumentError('expected a ZeroTier address (10 hex digits)');
  return [...previous, parseInt(text, 16)];
}

function addServiceCommand(program: Command, mode: ServiceMode, description: string): void {
  program
    .command(mode)
    .description(description)
    .argument('[homedir]', `state directory (default: $TIERZERO_HOME, else /var/lib/tierzero as root, ~/.tierzero otherwise)`)
    .option('-p, --port <port>', 'primary UDP port (default 9993, 0 = random; local.conf settings.primaryPort wins)', parsePort)
    .option('--verbose', 'log what the node does (JSON lines on stderr)')
    .option('--status-file <path>', 'write a JSON snapshot of the node (status, peers, paths) to this file every second')
    .option('--ping-peer <address>', 'send a small USER_MESSAGE to this node twice a second (diagnostic; repeatable)', collectAddress)
    .action(async (homedir: string | undefined, flags: ServiceFlags) => {
      const code = await runService({
        home: homedir ?? defaultHomeDir(),
        mode,
        port: flags.port,
        verbose: flags.verbose ?? false,
        statusFile: flags.statusFile === undefined ? undefined : resolve(flags.statusFile),
        pingPeers: flags.pingPeer,
      });
      process.exit(code);
    });
}

export function registerService(program: Command): void {
  addServiceCommand(program, 'service', 'run a TierZero node (as zerotier-one does)');
  addServiceCommand(program, 'root', 'run a TierZero node as a root server of its planet or a moon');
}
