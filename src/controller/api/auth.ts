/**
 * API token check, as the node's local API does it (service-api.md §3.2): the token comes from
 * the FIRST present source among the `X-ZT1-Auth` header, the `auth` query parameter and an
 * `Authorization: Bearer <token>` header; a wrong token in an earlier source is not rescued by a
 * right one in a later source. Comparison is constant-time (both sides hashed first so their
 * lengths do not leak either). Tokens are never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface TokenSources {
  headers: Record<string, string | string[] | undefined>;
  query: unknown;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The presented token, or undefined if no (enabled) source is present. The node's local API
 * turns the `?auth=` source off unless local.conf enables it; the standalone controller keeps
 * ZeroTier's default.
 */
export function presentedToken(req: TokenSources, tokenInQuery = true): string | undefined {
  const header = single(req.headers['x-zt1-auth']);
  if (header !== undefined) return header;
  if (tokenInQuery) {
    const q = req.query as Record<string, unknown> | null | undefined;
    const fromQuery = q && typeof q === 'object' ? q.auth : undefined;
    if (typeof fromQuery === 'string') return fromQuery;
    if (Array.isArray(fromQuery) && typeof fromQuery[0] === 'string') return fromQuery[0];
  }
  const authorization = single(req.headers.authorization);
  if (authorization !== undefined) {
    const words = authorization.split(' ');
    if (words.length === 2 && words[0].toLowerCase() === 'bearer') return words[1];
    return '';
  }
  return undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || expected.length === 0) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
