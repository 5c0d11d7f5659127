/**
 * The zerotier-cli personality (cli.md §1): `tierzero-cli` (or a link to main.js named
 * zerotier-cli) parses its words exactly as zerotier-cli does, so scripts written for it run
 * unchanged: switches anywhere, value glued to the letter (`-p9993`, `-D/var/lib/x`, `-T...`,
 * `-H...`, `-j`, `-v`, `-q`); the first other word is the command, the second arg1, and each
 * later one overwrites arg2; malformed switches print the help on stdout with exit 1, `-h` and
 * unknown switches with exit 0, an unknown command on stderr with exit 0.
 *
 * No TierZero additions here (no --table, no --watch): that is what `tierzero <command>` is for.
 */
import { type CliIo, type CommandContext, EXIT_FAILED, EXIT_OK, type NodeCliFlags, ZT_VERSION, processCliIo, runBond, runNodeCommand, runRawPath } from './commands/node-commands.js';

export function zerotierCliHelp(program: string): string {
  return `ZeroTier One version ${ZT_VERSION} build 0 (platform 1 arch 2)
TierZero: a ZeroTier One compatible node in TypeScript.
Licensed under the MIT license.
Usage: ${program} [-switches] <command/path> [<args>]

Available switches:
  -h                      - Display this help
  -v                      - Show version
  -j                      - Display full raw JSON output
  -D<path>                - ZeroTier home path for parameter auto-detect
  -p<port>                - HTTP port (default: auto)
  -T<token>               - Authentication token (default: auto)

Available commands:
  info                    - Display status info
  listpeers               - List all peers
  peers                   - List all peers (prettier)
  listnetworks            - List all networks
  join <network ID>          - Join a network
  leave <network ID>         - Leave a network
  set <network ID> <setting> - Set a network setting
  get <network ID> <setting> - Get a network setting
  listmoons               - List moons (federated root sets)
  orbit <world ID> <seed> - Join a moon via any member root
  deorbit <world ID>      - Leave a moon
  dump                    - Debug settings dump for support

Available settings:
  Settings to use with [get/set] may include property names from 
  the JSON output of "zerotier-cli -j listnetworks". Additionally, 
  (ip, ip4, ip6, ip6plane, and ip6prefix can be used). For instance:
  zerotier-cli get <network ID> ip6plane will return the 6PLANE address
  assigned to this node.
`;
}

export type ParsedCli =
  | { kind: 'run'; flags: NodeCliFlags; command: string; arg1?: string; arg2?: string }
  | { kind: 'exit'; code: number; stdout?: string };

/** zerotier-cli's left-to-right scan of its words. */
export function parseZerotierCliArgs(words: readonly string[], program: string): ParsedCli {
  const flags: NodeCliFlags = {};
  const help = (code: number): ParsedCli => ({ kind: 'exit', code, stdout: zerotierCliHelp(program) });
  let command: string | undefined;
  let arg1: string | undefined;
  let arg2: string | undefined;
  for (const w of words) {
    if (w.startsWith('-')) {
      const rest = w.slice(2);
      switch (w[1]) {
        case 'q':
          if (rest) return help(EXIT_FAILED);
          break;
        case 'j':
          if (rest) return help(EXIT_FAILED);
          flags.json = true;
          break;
        case 'p': {
          // atoi: leading digits, else 0.
          const port = Number.parseInt(/^\d+/.exec(rest)?.[0] ?? '0', 10);
          if (port === 0 || port > 65535) return help(EXIT_FAILED);
          flags.port = port;
          break;
        }
        case 'D':
          if (!rest) return help(EXIT_FAILED);
          flags.home = rest;
          break;
        case 'H':
          if (!rest) return help(EXIT_FAILED);
          flags.host = rest;
          break;
        case 'T':
          if (!rest) return help(EXIT_FAILED);
          flags.token = rest;
          break;
        case 'v':
          if (rest) return help(EXIT_FAILED);
          return { kind: 'exit', code: EXIT_OK, stdout: `${ZT_VERSION}\n` };
        default:
          return help(EXIT_OK);
      }
    } else if (command === undefined) command = w;
    else if (arg1 === undefined) arg1 = w;
    else arg2 = w;
  }
  if (command === undefined) return help(EXIT_OK);
  return { kind: 'run', flags, command, arg1, arg2 };
}

export async function runZerotierCli(words: readonly string[], program: string, io: CliIo = processCliIo): Promise<number> {
  const parsed = parseZerotierCliArgs(words, program);
  if (parsed.kind === 'exit') {
    if (parsed.stdout) io.stdout(parsed.stdout);
    return parsed.code;
  }
  const { flags, command, arg1, arg2 } = parsed;
  const ctx: CommandContext = { flags, io, program, help: () => zerotierCliHelp(program) };
  if (command.startsWith('/')) return runRawPath(ctx, command);
  if (command === 'bond') return runBond(ctx, [arg1, arg2].filter((x): x is string => x !== undefined));
  const run = runNodeCommand(ctx, command, arg1, arg2);
  if (run) return run;
  io.stderr(zerotierCliHelp(program));
  return EXIT_OK;
}

/** Whether main.js was started under a zerotier-cli-like name (a link or copy). */
export function isZerotierCliName(argv1: string | undefined): boolean {
  const base = (argv1 ?? '').split('/').pop() ?? '';
  return /zerotier-cli|tierzero-cli/i.test(base);
}
