/**
 * `tierzero join <nwid>`, `tierzero leave <nwid>`, `tierzero listnetworks`: zerotier-cli's
 * commands of the same names (cli.md §1.3, §1.4) against the local API, with its output lines
 * and exit codes, so scripts that parse `200 listnetworks ...` keep working:
 *
 *   join/leave: `200 join OK` / `200 leave OK` (exit 0); a network id that is not 16 characters
 *     → `invalid network id` (exit 2); -j prints the raw response body.
 *   listnetworks: a header line, then `200 listnetworks <nwid> <name> <mac> <status> <type>
 *     <dev> <ips>`; -j the array, keys sorted, 1-space indented.
 *   Any other status: `<status> <command> <body>` (exit 1); a connection failure: the
 *     reference's "Error connecting" text (listnetworks) or `0 <command> connection failed`.
 * Switches as zerotier-cli: -D<home>, -p<port>, -T<token>, -H<ip>, -j. Hints about what to do
 * go to stderr, so stdout stays what the reference prints.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { canonicalJson } from '../../controller/canonical-json.js';
import { type ApiResponse, type ApiTarget, type ClientFlags, apiRequest, hintFor, locateService } from '../api-client.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  request(t: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: string): Promise<ApiResponse>;
}

export const processCliIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  request: apiRequest,
};

export interface NetworkCliFlags extends ClientFlags {
  json?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const CONNECT_ERROR =
  'Error connecting to the ZeroTier service: connection failed\n\nPlease check that the service is running and that TCP port 9993 can be contacted via 127.0.0.1.\n';

function locate(flags: ClientFlags, io: CliIo): ApiTarget | undefined {
  const found = locateService(flags);
  if (found.ok) return found.target;
  io.stderr(`${found.message}\n${found.hint}\n`);
  return undefined;
}

function reportFailure(io: CliIo, t: ApiTarget, command: string, r: ApiResponse): number {
  io.stdout(`${r.status} ${command} ${r.body}\n`);
  const hint = hintFor(t, r.status);
  if (hint) io.stderr(`${hint}\n`);
  return EXIT_FAILED;
}

/** join and leave share everything but the method and the word. */
async function joinOrLeave(command: 'join' | 'leave', nwid: string, flags: NetworkCliFlags, io: CliIo): Promise<number> {
  if (nwid.length !== 16) {
    io.stdout('invalid network id\n');
    return EXIT_USAGE;
  }
  const t = locate(flags, io);
  if (!t) return EXIT_USAGE;
  const r = command === 'join' ? await io.request(t, 'POST', `/network/${nwid}`, '{}') : await io.request(t, 'DELETE', `/network/${nwid}`);
  if (r.status !== 200) return reportFailure(io, t, command, r);
  io.stdout(flags.json ? r.body : `200 ${command} OK\n`);
  return EXIT_OK;
}

export function runJoin(nwid: string, flags: NetworkCliFlags, io: CliIo = processCliIo): Promise<number> {
  return joinOrLeave('join', nwid, flags, io);
}

export function runLeave(nwid: string, flags: NetworkCliFlags, io: CliIo = processCliIo): Promise<number> {
  return joinOrLeave('leave', nwid, flags, io);
}

/** JSON the way zerotier-cli -j prints it: keys sorted, 1-space indentation, a newline. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 1)}\n`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export function listnetworksLine(n: Record<string, unknown>): string {
  const addresses = Array.isArray(n.assignedAddresses) && n.assignedAddresses.length > 0 ? n.assignedAddresses.map(str).join(',') : '-';
  let line = `200 listnetworks ${str(n.nwid)} ${str(n.name)} ${str(n.mac)} ${str(n.status)} ${str(n.type)} ${str(n.portDeviceName)} ${addresses}\n`;
  if (n.ssoEnabled === true) {
    if (n.status === 'AUTHENTICATION_REQUIRED') line += `    AUTH EXPIRED, URL: ${typeof n.authenticationURL === 'string' && n.authenticationURL ? n.authenticationURL : '(null)'}\n`;
    else if (n.status === 'OK' && typeof n.authenticationExpiryTime === 'number' && n.authenticationExpiryTime >= Date.now()) {
      line += `    AUTH OK, expires in: ${Math.floor((n.authenticationExpiryTime - Date.now()) / 1000)} seconds\n`;
    }
  }
  return line;
}

export async function runListnetworks(flags: NetworkCliFlags, io: CliIo = processCliIo): Promise<number> {
  const t = locate(flags, io);
  if (!t) return EXIT_USAGE;
  const r = await io.request(t, 'GET', '/network');
  if (r.status === 0) {
    io.stdout(CONNECT_ERROR);
    io.stderr(`${hintFor(t, 0)}\n`);
    return EXIT_FAILED;
  }
  if (r.status !== 200) return reportFailure(io, t, 'listnetworks', r);
  let list: unknown;
  try {
    list = JSON.parse(r.body);
  } catch (e) {
    io.stdout(`${r.status} listnetworks invalid JSON response (${(e as Error).message})\n`);
    return EXIT_FAILED;
  }
  if (flags.json) {
    io.stdout(prettyJson(list));
    return EXIT_OK;
  }
  io.stdout('200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n');
  if (Array.isArray(list)) {
    for (const n of list) if (n && typeof n === 'object') io.stdout(listnetworksLine(n as Record<string, unknown>));
  }
  return EXIT_OK;
}

function parseApiPort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new InvalidArgumentError('expected a TCP port 1..65535');
  return Number(text);
}

function nonEmpty(text: string): string {
  if (text === '') throw new InvalidArgumentError('must not be empty');
  return text;
}

function withClientOptions(cmd: Command): Command {
  return cmd
    .option('-j, --json', 'print the raw JSON')
    .option('-D, --home <path>', 'home directory of the service, to find its port and token (default: as `tierzero service`)', nonEmpty)
    .option('-p, --port <port>', 'API port (default: from <home>/zerotier-one.port)', parseApiPort)
    .option('-T, --token <token>', 'auth token (default: from <home>/authtoken.secret)', nonEmpty)
    .option('-H, --host <ip>', 'API host (default 127.0.0.1)', nonEmpty);
}

export function registerNetworks(program: Command): void {
  withClientOptions(program.command('join').description('join a network (as zerotier-cli join)').argument('<nwid>', 'network id, 16 hex digits')).action(
    async (nwid: string, flags: NetworkCliFlags) => process.exit(await runJoin(nwid, flags)),
  );
  withClientOptions(program.command('leave').description('leave a network (as zerotier-cli leave)').argument('<nwid>', 'network id, 16 hex digits')).action(
    async (nwid: string, flags: NetworkCliFlags) => process.exit(await runLeave(nwid, flags)),
  );
  withClientOptions(program.command('listnetworks').description('list joined networks (as zerotier-cli listnetworks)')).action(
    async (flags: NetworkCliFlags) => process.exit(await runListnetworks(flags)),
  );
}
