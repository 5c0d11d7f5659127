/**
 * Where the controller keeps its database inside the node's home directory: `controller.sqlite`.
 * Not `controller.db`: ZeroTier One treats a `controller.db` in its home as a fatal leftover of
 * its old SQLite controller, so a home TierZero used could not be handed back to ZeroTier.
 * Earlier TierZero versions did write `controller.db`; migrateLegacyControllerDb renames such a
 * file (and its WAL companions) once, and leaves any other `controller.db` alone.
 */
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteControllerStore, type SqliteStoreOptions } from './sqlite-store.js';

export const CONTROLLER_DB_FILE = 'controller.sqlite';
/** The name earlier TierZero versions used (and ZeroTier's legacy controller database). */
export const LEGACY_CONTROLLER_DB_FILE = 'controller.db';

export function controllerStoreExists(homeDir: string): boolean {
  return existsSync(join(homeDir, CONTROLLER_DB_FILE));
}

export function openControllerStore(homeDir: string, options?: SqliteStoreOptions): SqliteControllerStore {
  return new SqliteControllerStore(join(homeDir, CONTROLLER_DB_FILE), options);
}

/** Whether the SQLite file at `path` has TierZero's schema (user_version set, `network` table with `doc`). */
function isTierZeroDatabase(path: string): boolean {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    const columns = db.prepare("SELECT name FROM pragma_table_info('network')").all() as { name: string }[];
    return version >= 1 && columns.some((c) => c.name === 'doc');
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

export type LegacyMigration = 'none' | 'renamed' | 'foreign';

/**
 * Renames a TierZero `controller.db` to `controller.sqlite` (with `-wal`/`-shm`), unless a
 * `controller.sqlite` already exists. `foreign`: a controller.db that is not TierZero's stays.
 */
export function migrateLegacyControllerDb(homeDir: string): LegacyMigration {
  const legacy = join(homeDir, LEGACY_CONTROLLER_DB_FILE);
  if (!existsSync(legacy) || controllerStoreExists(homeDir)) return existsSync(legacy) ? 'foreign' : 'none';
  if (!isTierZeroDatabase(legacy)) return 'foreign';
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(legacy + suffix)) renameSync(legacy + suffix, join(homeDir, CONTROLLER_DB_FILE + suffix));
  }
  renameSync(legacy, join(homeDir, CONTROLLER_DB_FILE));
  return 'renamed';
}
