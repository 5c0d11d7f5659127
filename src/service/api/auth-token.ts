/**
 * authtoken.secret and metricstoken.secret (service-api.md §3.1): 24 characters of a-z0-9 from a CSPRNG, created on
 * first start with mode 0600, no trailing newline; surrounding whitespace and NULs are trimmed
 * when read, so a hand-written token with a newline works. The token is never logged.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FatalError, describeError } from '../fatal-error.js';
import type { StateStore } from '../state-store.js';

export const AUTH_TOKEN_FILE = 'authtoken.secret';
/** Accepted by /metrics only (beside the auth token), so a scraper never holds the full token. */
export const METRICS_TOKEN_FILE = 'metricstoken.secret';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const AUTH_TOKEN_LENGTH = 24;

/** 24 characters of a-z0-9, without modulo bias (bytes >= 252 are drawn again). */
export function generateAuthToken(random: (n: number) => Uint8Array = randomBytes): string {
  let out = '';
  while (out.length < AUTH_TOKEN_LENGTH) {
    for (const b of random(AUTH_TOKEN_LENGTH)) {
      if (b < 252 && out.length < AUTH_TOKEN_LENGTH) out += ALPHABET[b % 36];
    }
  }
  return out;
}

export function trimToken(text: string): string {
  return text.replace(/^[\s\0]+|[\s\0]+$/g, '');
}

/** Reads the token, creating the file if it is missing or empty. */
export function loadOrCreateAuthToken(store: StateStore): string {
  return loadOrCreateToken(store, AUTH_TOKEN_FILE);
}

export function loadOrCreateMetricsToken(store: StateStore): string {
  return loadOrCreateToken(store, METRICS_TOKEN_FILE);
}

function loadOrCreateToken(store: StateStore, file: string): string {
  const path = join(store.home, file);
  let existing = '';
  try {
    existing = trimToken(readFileSync(path, 'utf8'));
    chmodSync(path, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FatalError(`cannot read ${path}: ${describeError(e)}`);
  }
  if (existing) return existing;
  const token = generateAuthToken();
  try {
    store.writeAtomic(path, token, 0o600);
  } catch (e) {
    throw new FatalError(`${file} could not be written in ${store.home}: ${describeError(e)}`);
  }
  return token;
}
