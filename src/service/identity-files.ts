/**
 * identity.secret / identity.public in the home directory: read at every start, generated on
 * the first. The secret file is mode 0600. A secret that does not parse, lacks its private key
 * or fails validation stops the service with a clear message: silently generating a new one
 * would change the node's address and orphan its network memberships.
 */
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Identity } from '../core/vl1/identity.js';
import { FatalError, describeError } from './fatal-error.js';
import type { StateStore } from './state-store.js';

export const IDENTITY_SECRET_FILE = 'identity.secret';
export const IDENTITY_PUBLIC_FILE = 'identity.public';

export interface LoadedIdentity {
  identity: Identity;
  /** True when this start generated it. */
  created: boolean;
}

export function loadOrCreateIdentity(store: StateStore, generate: () => Identity = () => Identity.generate()): LoadedIdentity {
  const secretPath = join(store.home, IDENTITY_SECRET_FILE);
  let identity: Identity;
  let created = false;
  if (existsSync(secretPath)) {
    identity = readSecret(secretPath);
    try {
      chmodSync(secretPath, 0o600);
    } catch {
      // Not our file to chmod (e.g. read-only mount): reading it was enough.
    }
  } else {
    identity = generate();
    store.writeAtomic(secretPath, identity.toString(true), 0o600);
    created = true;
  }
  store.writeAtomic(join(store.home, IDENTITY_PUBLIC_FILE), identity.toString(false), 0o644);
  return { identity, created };
}

function readSecret(path: string): Identity {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FatalError(`cannot read ${path}: ${describeError(e)}`);
  }
  const hint = 'fix it, or move it away to generate a new identity (that gives this node a new address)';
  const parsed = Identity.fromString(text.trim());
  if (!parsed.ok) throw new FatalError(`${path} is not a valid identity (${parsed.error.message}): ${hint}`);
  const identity = parsed.value;
  if (!identity.hasPrivate()) throw new FatalError(`${path} holds no private key (it looks like an identity.public): ${hint}`);
  if (!identity.locallyValidate()) {
    throw new FatalError(`${path} failed validation (its address and keys do not belong together): ${hint}`);
  }
  return identity;
}
