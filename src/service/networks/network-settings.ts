/**
 * The per-network local settings of `networks.d/<nwid>.local.conf` (service-api.md §7): whether
 * the controller may put addresses and routes on this machine (allowManaged, optionally limited
 * to a CIDR whitelist), may use globally routable space (allowGlobal), may install a default
 * route (allowDefault), may set DNS (allowDNS). They belong to the machine's owner, not to the
 * controller, and never affect the protocol.
 *
 * The file is read as leniently as ZeroTier reads it (booleans by first character, a long
 * allowManaged value is a whitelist); a file that is not `key=value` text at all, or a
 * whitelist entry that is not a CIDR, is reported as corrupt and the defaults are used.
 */
import { type Cidr, cidrToText, parseCidr } from '../ip-text.js';

export interface NetworkSettings {
  allowManaged: boolean;
  /** When non-empty, managed targets must lie inside one of these. */
  managedWhitelist: Cidr[];
  allowGlobal: boolean;
  allowDefault: boolean;
  allowDNS: boolean;
}

export function defaultNetworkSettings(): NetworkSettings {
  return { allowManaged: true, managedWhitelist: [], allowGlobal: false, allowDefault: false, allowDNS: false };
}

export type SettingName = 'allowManaged' | 'allowGlobal' | 'allowDefault' | 'allowDNS';
export const SETTING_NAMES: readonly SettingName[] = ['allowManaged', 'allowGlobal', 'allowDefault', 'allowDNS'];

const truthy = (v: string): boolean => v.length > 0 && (v[0] === '1' || v[0] === 't' || v[0] === 'T');

export type ParsedSettings = { ok: true; settings: NetworkSettings } | { ok: false; error: string; settings: NetworkSettings };

/** Parse the file's text; on corruption, the defaults and a message saying what is wrong. */
export function parseNetworkSettings(text: string): ParsedSettings {
  const s = defaultNetworkSettings();
  const corrupt = (error: string): ParsedSettings => ({ ok: false, error, settings: defaultNetworkSettings() });
  if (text.includes('\0')) return corrupt('binary content');
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return corrupt(`line ${i + 1} is not key=value`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    switch (key) {
      case 'allowManaged':
        if (value.length > 5) {
          const list: Cidr[] = [];
          for (const entry of value.split(',')) {
            const c = entry.trim() === '' ? undefined : parseCidr(entry.trim());
            if (!c || !entry.includes('/')) return corrupt(`allowManaged whitelist entry ${JSON.stringify(entry.trim())} is not ip/bits`);
            list.push(c);
          }
          s.allowManaged = true;
          s.managedWhitelist = list;
        } else {
          s.allowManaged = truthy(value);
        }
        break;
      case 'allowGlobal':
        s.allowGlobal = truthy(value);
        break;
      case 'allowDefault':
        s.allowDefault = truthy(value);
        break;
      case 'allowDNS':
        s.allowDNS = truthy(value);
        break;
      default:
        // Unknown keys are ignored, as the reference ignores them.
        break;
    }
  }
  return { ok: true, settings: s };
}

/**
 * The file as the API writes it (always this order). Like the reference, a whitelist is not
 * written back (allowManaged=1), except that we keep it: losing a user's restriction on an
 * unrelated setting change would widen what the controller may do.
 */
export function formatNetworkSettings(s: NetworkSettings): string {
  const b = (v: boolean) => (v ? '1' : '0');
  const managed = s.allowManaged && s.managedWhitelist.length > 0 ? s.managedWhitelist.map(cidrToText).join(',') : b(s.allowManaged);
  return `allowManaged=${managed}\nallowGlobal=${b(s.allowGlobal)}\nallowDefault=${b(s.allowDefault)}\nallowDNS=${b(s.allowDNS)}\n`;
}
