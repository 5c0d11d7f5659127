/**
 * zerotier-cli's output formats (cli.md §1.4), as pure functions of the API's JSON and the
 * current time, so scripts that parse `200 listpeers ...` lines keep working; plus TierZero's
 * readable tables (`--table`), which are for people and may change.
 */
import { canonicalJson } from '../controller/canonical-json.js';

type Json = Record<string, unknown>;

export const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const num = (v: unknown, fallback = -1): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => x !== null && typeof x === 'object' && !Array.isArray(x)) : []);

/** JSON the way zerotier-cli -j prints it: keys sorted, 1-space indentation, a newline. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 1)}\n`;
}

/** `200 info <address> <version> <ONLINE|OFFLINE|TUNNELED>` */
export function infoLine(status: Json): string {
  const state = status.tcpFallbackActive === true ? 'TUNNELED' : status.online === true ? 'ONLINE' : 'OFFLINE';
  return `200 info ${str(status.address)} ${str(status.version)} ${state}\n`;
}

function preferredPath(peer: Json): Json | undefined {
  return list(peer.paths).find((p) => p.preferred === true);
}

/** Milliseconds since `t`, or -1 for a timestamp of 0 (never). */
function age(now: number, t: unknown): number {
  const v = num(t, 0);
  return v === 0 ? -1 : now - v;
}

function peerVersion(peer: Json): string {
  return num(peer.versionMajor) < 0 ? '-' : str(peer.version);
}

export const LISTPEERS_HEADER = '200 listpeers <ztaddr> <path> <latency> <version> <role>\n';

export function listpeersLine(peer: Json, now: number): string {
  const p = preferredPath(peer);
  const path = p ? `${str(p.address)};${age(now, p.lastSend)};${age(now, p.lastReceive)}` : '-';
  return `200 listpeers ${str(peer.address)} ${path} ${num(peer.latency)} ${peerVersion(peer)} ${str(peer.role)}\n`;
}

export const PEERS_HEADER = '200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n';
export const TUNNEL_NOTE = 'NOTE: Currently tunneling through a TCP relay. Ensure that UDP is not blocked.\n';

export function peersLine(peer: Json, now: number): string {
  const head = `${str(peer.address)} ${peerVersion(peer).padEnd(6)} ${str(peer.role).padEnd(6)} ${String(num(peer.latency)).padStart(5)} `;
  const p = preferredPath(peer);
  if (!p) return `${head}RELAY\n`;
  const link = peer.tunneled === true ? 'RELAY ' : 'DIRECT   ';
  return `${head}${link}${String(age(now, p.lastSend)).padEnd(8)} ${String(age(now, p.lastReceive)).padEnd(8)} ${str(p.address)}\n`;
}

export function peersTable(peers: unknown, now: number): string {
  const ps = list(peers);
  let out = PEERS_HEADER + ps.map((p) => peersLine(p, now)).join('');
  if (ps.some((p) => p.tunneled === true)) out += TUNNEL_NOTE;
  return out;
}

export const LISTNETWORKS_HEADER = '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n';

export function listnetworksLine(n: Json, now = Date.now()): string {
  const addresses = Array.isArray(n.assignedAddresses) && n.assignedAddresses.length > 0 ? n.assignedAddresses.map(str).join(',') : '-';
  let line = `200 listnetworks ${str(n.nwid)} ${str(n.name)} ${str(n.mac)} ${str(n.status)} ${str(n.type)} ${str(n.portDeviceName)} ${addresses}\n`;
  if (n.ssoEnabled === true) {
    if (n.status === 'AUTHENTICATION_REQUIRED') line += `    AUTH EXPIRED, URL: ${typeof n.authenticationURL === 'string' && n.authenticationURL ? n.authenticationURL : '(null)'}\n`;
    else if (n.status === 'OK' && typeof n.authenticationExpiryTime === 'number' && n.authenticationExpiryTime >= now) {
      line += `    AUTH OK, expires in: ${Math.floor((n.authenticationExpiryTime - now) / 1000)} seconds\n`;
    }
  }
  return line;
}

export const UNKNOWN_PROPERTY = 'error, unknown property name\n';

/**
 * `get <nwid> <property>`: a top-level scalar of the network object (booleans as 1/0), or one
 * of the address shortcuts ip, ip4, ip6, ip6plane, ip6prefix (one address per line, no /bits).
 */
export function getProperty(network: Json, property: string): string {
  const addresses = (Array.isArray(network.assignedAddresses) ? network.assignedAddresses.map(str) : []).map((a) => a.split('/')[0]!);
  const lines = (xs: string[]) => xs.map((x) => `${x}\n`).join('');
  switch (property) {
    case 'ip':
      return lines(addresses);
    case 'ip4':
      return lines(addresses.filter((a) => a.includes('.')));
    case 'ip6':
      return lines(addresses.filter((a) => a.includes(':')));
    case 'ip6plane':
      return lines(addresses.filter((a) => a.startsWith('fc')));
    case 'ip6prefix':
      return lines(addresses.filter((a) => a.startsWith('fc')).map((a) => a.slice(0, 24)));
  }
  const v = network[property];
  if (typeof v === 'string') return `${v}\n`;
  if (typeof v === 'boolean') return v ? '1\n' : '0\n';
  if (typeof v === 'number') return `${v}\n`;
  return UNKNOWN_PROPERTY;
}

export const LISTBONDS_HEADER = '    <peer>                        <bondtype>     <links>\n';
export const NO_BONDS = '      NONE\t\t\t\tNONE\t    NONE       NONE\n';

export function listbonds(peers: unknown): string {
  const bonded = list(peers).filter((p) => p.isBonded === true);
  if (bonded.length === 0) return LISTBONDS_HEADER + NO_BONDS;
  return (
    LISTBONDS_HEADER +
    bonded.map((p) => `${str(p.address).padStart(10)}  ${str(p.bondingPolicyStr).padStart(32)}         ${num(p.numAliveLinks, 0)}/${num(p.numTotalLinks, 0)}\n`).join('')
  );
}

// ---- readable tables (--table) ------------------------------------------------------------

/** Columns padded to their widest cell, a header line, two spaces between columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

function ago(ms: number): string {
  if (ms < 0) return 'never';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  return `${Math.round(ms / 60_000)}m`;
}

export function peersReadable(peers: unknown, now: number): string {
  const rows = list(peers).map((p) => {
    const path = preferredPath(p);
    const live = list(p.paths).length;
    return [
      str(p.address),
      str(p.role),
      peerVersion(p),
      num(p.latency) < 0 ? '-' : `${num(p.latency)} ms`,
      path ? (p.tunneled === true ? 'tcp relay' : 'direct') : 'relayed',
      path ? str(path.address) : '-',
      path ? ago(age(now, path.lastReceive)) : '-',
      String(live),
    ];
  });
  return table(['ADDRESS', 'ROLE', 'VERSION', 'LATENCY', 'LINK', 'PATH', 'HEARD', 'PATHS'], rows);
}

export function networksReadable(networks: unknown): string {
  const rows = list(networks).map((n) => [
    str(n.nwid),
    str(n.name) || '-',
    str(n.status),
    str(n.type),
    str(n.portDeviceName),
    str(n.mac),
    Array.isArray(n.assignedAddresses) && n.assignedAddresses.length > 0 ? n.assignedAddresses.map(str).join(', ') : '-',
  ]);
  return table(['NETWORK', 'NAME', 'STATUS', 'TYPE', 'DEVICE', 'MAC', 'ADDRESSES'], rows);
}

export function infoReadable(status: Json): string {
  const settings = ((status.config as Json | undefined)?.settings ?? {}) as Json;
  const state = status.tcpFallbackActive === true ? 'TUNNELED' : status.online === true ? 'ONLINE' : 'OFFLINE';
  const rows: [string, string][] = [
    ['address', str(status.address)],
    ['state', state],
    ['version', str(status.version)],
    ['primary port', str(settings.primaryPort)],
    ['secondary port', str(settings.secondaryPort)],
    ['listening on', Array.isArray(settings.listeningOn) ? settings.listeningOn.map(str).join(', ') : '-'],
    ['home', str(settings.homeDir)],
    ['planet', `${str(status.planetWorldId)} (${str(status.planetWorldTimestamp)})`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(15)} ${v}\n`).join('');
}
