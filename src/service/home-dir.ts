/**
 * Where the node keeps its state. ZeroTier One uses /var/lib/zerotier-one on Linux and needs
 * root; TierZero uses /var/lib/tierzero when run as root and ~/.tierzero otherwise, so a plain
 * `npm start` works without sudo. `TIERZERO_HOME` overrides both; a command-line argument
 * overrides everything.
 */
import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { FatalError, describeError } from './fatal-error.js';

export const ROOT_HOME_DIR = '/var/lib/tierzero';

export interface HomeDirEnv {
  uid: number | undefined;
  env: Record<string, string | undefined>;
  userHome: string;
}

export function currentHomeDirEnv(): HomeDirEnv {
  return { uid: process.getuid?.(), env: process.env, userHome: homedir() };
}

export function defaultHomeDir(e: HomeDirEnv = currentHomeDirEnv()): string {
  const fromEnv = e.env.TIERZERO_HOME;
  if (fromEnv) return resolve(fromEnv);
  if (e.uid === 0) return ROOT_HOME_DIR;
  return join(e.userHome, '.tierzero');
}

/** Create the directory (and parents) if missing; it must end up a writable directory. */
export function ensureHomeDir(path: string): string {
  const abs = resolve(path);
  try {
    mkdirSync(abs, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new FatalError(`cannot create home directory ${abs}: ${describeError(e)}`);
  }
  if (!statSync(abs).isDirectory()) throw new FatalError(`home directory ${abs} is not a directory`);
  return abs;
}
