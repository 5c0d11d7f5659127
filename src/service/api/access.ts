/**
 * Who may use the local API (service-api.md §3.2), decided before routing:
 *
 * - the client's IP must be loopback or inside one of `settings.allowManagementFrom` — for every
 *   path but `/metrics`, even `/health`. An entry without `/bits` is that single address
 *   (parseCidr makes it a /32 or /128); ZeroTier reads it as a /0, which lets every IPv4 client
 *   in, so TierZero deliberately differs there;
 * - the token comes from the FIRST present source among `X-ZT1-Auth`, `?auth=` (only when
 *   `settings.allowAuthTokenInQueryString` is on: TierZero's default is off) and
 *   `Authorization: Bearer <token>`; a wrong token in an earlier source is not rescued by a
 *   right one in a later source;
 * - `/metrics` takes the metrics token or the auth token, from any client address.
 *
 * Tokens are compared in constant time (tokenMatches hashes both sides) and never logged.
 */
import { presentedToken, type TokenSources, tokenMatches } from '../../controller/api/auth.js';
import { type Cidr, cidrContains, parseIp } from '../ip-text.js';

export interface ManagementAccess {
  /** Client networks allowed besides loopback. */
  allowFrom: readonly Cidr[];
  /** Accept `?auth=<token>`. */
  tokenInQuery: boolean;
}

export const LOOPBACK_ONLY: ManagementAccess = { allowFrom: [], tokenInQuery: false };

/** The client address as bytes, an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as IPv4. */
function clientIp(remote: string | undefined): { family: 4 | 6; ip: Uint8Array } | undefined {
  if (!remote) return undefined;
  const mapped = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(remote);
  return parseIp(mapped ? mapped[1]! : remote);
}

export function isLoopback(remote: string | undefined): boolean {
  const a = clientIp(remote);
  if (!a || (remote ?? '').includes('%')) return false;
  if (a.family === 4) return a.ip[0] === 127;
  return a.ip.every((b, i) => b === (i === 15 ? 1 : 0));
}

export function clientAllowed(remote: string | undefined, allowFrom: readonly Cidr[]): boolean {
  if (isLoopback(remote)) return true;
  const a = clientIp(remote);
  if (!a) return false;
  return allowFrom.some((net) => cidrContains(net, a.family, a.ip));
}

export type TokenRequest = TokenSources;

/** Paths that need no token (the IP rule still applies). */
const OPEN_PATHS = new Set(['/health']);

export type AccessDecision = 'allow' | 'deny';

/** The whole pre-routing decision for one request. */
export function decideAccess(
  path: string,
  remote: string | undefined,
  req: TokenRequest,
  access: ManagementAccess,
  authToken: string,
  metricsToken: string | undefined,
): AccessDecision {
  if (path === '/metrics') {
    const presented = presentedToken(req, access.tokenInQuery);
    const ok = tokenMatches(presented, authToken) || (metricsToken !== undefined && tokenMatches(presented, metricsToken));
    return ok ? 'allow' : 'deny';
  }
  if (!clientAllowed(remote, access.allowFrom)) return 'deny';
  if (OPEN_PATHS.has(path)) return 'allow';
  return tokenMatches(presentedToken(req, access.tokenInQuery), authToken) ? 'allow' : 'deny';
}
