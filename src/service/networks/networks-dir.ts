/**
 * `networks.d/` in the home directory (service-api.md §9, §10): `<nwid>.conf` says the network
 * is joined — a single newline right after joining, the network config dictionary once one has
 * arrived — and `<nwid>.local.conf` holds the local settings. A restart rejoins every network
 * with a `.conf`. A `.conf` whose content is neither a placeholder nor a config of that network,
 * or a `.local.conf` that is not settings text, is reported (never thrown) so the service can
 * log it and go on.
 */
import { readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type NetworkConfig, networkConfigToDictionary, parseNetworkConfig } from '../../core/vl2/netconf.js';
import { networkIdToString } from '../../core/vl2/network-id.js';
import { describeError } from '../fatal-error.js';
import type { StateStore } from '../state-store.js';
import { type NetworkSettings, formatNetworkSettings, parseNetworkSettings } from './network-settings.js';

export const NETWORKS_DIR = 'networks.d';
/** The config dictionary's capacity (ZT_NETWORKCONFIG_DICT_CAPACITY) plus slack; larger is not ours. */
const MAX_CONF_BYTES = 512 * 1024;

export interface JoinedListing {
  networks: bigint[];
  /** One message per file that was skipped, naming the file and why. */
  problems: string[];
}

export class NetworksDir {
  constructor(private readonly store: StateStore) {}

  private path(nwid: bigint, suffix: '.conf' | '.local.conf'): string {
    return join(this.store.home, NETWORKS_DIR, `${networkIdToString(nwid)}${suffix}`);
  }

  /** Networks to rejoin at start, ascending; corrupt files are skipped with a problem each. */
  listJoined(): JoinedListing {
    const dir = join(this.store.home, NETWORKS_DIR);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return { networks: [], problems: [] };
    }
    const networks: bigint[] = [];
    const problems: string[] = [];
    for (const name of names.sort()) {
      const m = /^([0-9a-fA-F]{16})\.conf$/.exec(name);
      if (!m) continue;
      const nwid = BigInt(`0x${m[1]}`);
      const problem = this.checkConf(join(dir, name), nwid);
      if (problem) problems.push(`${join(dir, name)}: ${problem}; not rejoining it (delete the file, or join the network again)`);
      else networks.push(nwid);
    }
    return { networks: networks.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), problems };
  }

  private checkConf(path: string, nwid: bigint): string | undefined {
    let bytes: Uint8Array;
    try {
      if (statSync(path).size > MAX_CONF_BYTES) return `larger than ${MAX_CONF_BYTES} bytes`;
      bytes = new Uint8Array(readFileSync(path));
    } catch (e) {
      return `unreadable (${describeError(e)})`;
    }
    if (bytes.every((b) => b === 0x0a || b === 0x0d || b === 0x20 || b === 0x09)) return undefined;
    const parsed = parseNetworkConfig(bytes);
    if (!parsed.ok) return `not a network config (${parsed.error.message})`;
    if (parsed.value.networkId !== nwid) return `holds the config of network ${networkIdToString(parsed.value.networkId)}`;
    return undefined;
  }

  isJoined(nwid: bigint): boolean {
    try {
      return statSync(this.path(nwid, '.conf')).isFile();
    } catch {
      return false;
    }
  }

  /** Right after a join: a placeholder, unless a config is already stored. */
  markJoined(nwid: bigint): void {
    if (!this.isJoined(nwid)) this.store.writeAtomic(this.path(nwid, '.conf'), '\n', 0o600);
  }

  /** The config in force, so the file says which network and revision this node has. */
  saveConfig(nwid: bigint, config: NetworkConfig): void {
    const bytes = networkConfigToDictionary(config);
    if (bytes) this.store.writeAtomic(this.path(nwid, '.conf'), bytes, 0o600);
  }

  /** The network's local settings; a corrupt file gives the defaults and its problem. */
  readSettings(nwid: bigint): { settings: NetworkSettings; problem?: string } {
    const path = this.path(nwid, '.local.conf');
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const settings = parseNetworkSettings('').settings;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { settings };
      return { settings, problem: `${path}: unreadable (${describeError(e)}); using the defaults` };
    }
    const parsed = parseNetworkSettings(text);
    if (parsed.ok) return { settings: parsed.settings };
    return { settings: parsed.settings, problem: `${path}: ${parsed.error}; using the defaults (allowManaged=1, others 0)` };
  }

  writeSettings(nwid: bigint, settings: NetworkSettings): void {
    this.store.writeAtomic(this.path(nwid, '.local.conf'), formatNetworkSettings(settings));
  }

  /** After a leave: both files go. */
  forget(nwid: bigint): void {
    for (const suffix of ['.conf', '.local.conf'] as const) {
      try {
        unlinkSync(this.path(nwid, suffix));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }
}
