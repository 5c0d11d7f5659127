/**
 * How CLI commands reach a running node's local API, with zerotier-cli's habits (cli.md §1.2):
 * the home directory from -D (else the default), the port from -p (else the home's
 * zerotier-one.port), the token from -T (else the home's authtoken.secret, else
 * ~/.zeroTierOneAuthToken), requests to
 * 127.0.0.1 (or -H) with X-ZT1-Auth, a 60 s timeout and a 16 MiB response limit.
 *
 * Failures to find the service are values (with the reference's messages and exit code 2) and
 * come with a hint saying what to do; the token never appears in any message.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultHomeDir } from '../service/home-dir.js';

export interface ApiTarget {
  home: string;
  host: string;
  port: number;
  token: string;
  /** Where the port and token came from, for hints. */
  portSource: string;
  tokenSource: string;
}

export interface ClientFlags {
  home?: string;
  port?: number;
  token?: string;
  host?: string;
  /** Where `~/.zeroTierOneAuthToken` is looked for (default: the user's home). */
  userHome?: string;
}

export type Located = { ok: true; target: ApiTarget } | { ok: false; message: string; hint: string };

const PORT_FILE = 'zerotier-one.port';
const TOKEN_FILE = 'authtoken.secret';
const USER_TOKEN_FILE = '.zeroTierOneAuthToken';

export function locateService(flags: ClientFlags, program = 'tierzero'): Located {
  const home = flags.home ?? defaultHomeDir();
  let port = flags.port;
  let portSource = '-p';
  if (port === undefined) {
    portSource = join(home, PORT_FILE);
    try {
      const text = readFileSync(portSource, 'utf8').trim();
      if (/^\d{1,5}$/.test(text) && Number(text) > 0 && Number(text) <= 65535) port = Number(text);
    } catch {
      // Reported below.
    }
    if (port === undefined) {
      return {
        ok: false,
        message: `${program}: missing port and ${PORT_FILE} not found in ${home}`,
        hint: `${program}: hint: is the service running with this home? start it with \`${program} service ${home}\`, or pass -D<home> or -p<port>`,
      };
    }
  }
  let token = flags.token;
  let tokenSource = '-T';
  if (token === undefined) {
    tokenSource = join(home, TOKEN_FILE);
    let why = 'missing';
    try {
      token = readFileSync(tokenSource, 'utf8').trim();
    } catch (e) {
      why = (e as NodeJS.ErrnoException).code === 'EACCES' ? 'not readable by this user' : 'missing';
    }
    if (!token) {
      // zerotier-cli's fallback for users who cannot read the service's home.
      try {
        const personal = join(flags.userHome ?? homedir(), USER_TOKEN_FILE);
        const t = readFileSync(personal, 'utf8').trim();
        if (t) {
          token = t;
          tokenSource = personal;
        }
      } catch {
        // Reported below, about the home's file.
      }
    }
    if (!token) {
      return {
        ok: false,
        message: `${program}: ${TOKEN_FILE} not found or readable in ${home} (try again as root)`,
        hint: `${program}: hint: ${tokenSource} is ${token === '' ? 'empty' : why}; run as the service's user, or pass -T<token>`,
      };
    }
  }
  return { ok: true, target: { home, host: flags.host ?? '127.0.0.1', port, token, portSource, tokenSource } };
}

export interface ApiResponse {
  /** 0 when the connection failed. */
  status: number;
  body: string;
}

const TIMEOUT_MS = 60_000;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export async function apiRequest(t: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: string): Promise<ApiResponse> {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  try {
    const res = await fetch(`http://${host}:${t.port}${path}`, {
      method,
      headers: body === undefined ? { 'X-ZT1-Auth': t.token } : { 'X-ZT1-Auth': t.token, 'Content-Type': 'application/json' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_RESPONSE_BYTES) return { status: 0, body: 'response too large' };
    return { status: res.status, body: new TextDecoder().decode(bytes) };
  } catch {
    return { status: 0, body: 'connection failed' };
  }
}

/** A hint for a failed request (stderr), or undefined when the status says enough. */
export function hintFor(t: ApiTarget, status: number, program = 'tierzero'): string | undefined {
  if (status === 0) {
    return `${program}: hint: nothing answers on ${t.host}:${t.port} (port from ${t.portSource}); is \`${program} service ${t.home}\` running?`;
  }
  if (status === 401) {
    return `${program}: hint: the service refused the auth token from ${t.tokenSource}; use -D<home> of the running service or -T<token> with its authtoken.secret`;
  }
  return undefined;
}
