/**
 * `join`, `leave` and `listnetworks` as functions (the commands themselves live in
 * node-commands.ts with every other zerotier-cli command); kept for callers that run one of them
 * directly with their own I/O.
 */
import { type CliIo, type NodeCliFlags, processCliIo, runNodeCommand } from './node-commands.js';

export { type CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE, processCliIo } from './node-commands.js';
export { listnetworksLine, prettyJson } from '../formats.js';

export type NetworkCliFlags = NodeCliFlags;

function run(command: string, flags: NodeCliFlags, io: CliIo, arg1?: string): Promise<number> {
  return runNodeCommand({ flags, io, program: 'tierzero', help: () => '' }, command, arg1)!;
}

export function runJoin(nwid: string, flags: NodeCliFlags, io: CliIo = processCliIo): Promise<number> {
  return run('join', flags, io, nwid);
}

export function runLeave(nwid: string, flags: NodeCliFlags, io: CliIo = processCliIo): Promise<number> {
  return run('leave', flags, io, nwid);
}

export function runListnetworks(flags: NodeCliFlags, io: CliIo = processCliIo): Promise<number> {
  return run('listnetworks', flags, io);
}
