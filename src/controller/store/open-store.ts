/** Where the controller keeps its database inside the node's home directory. */
import { join } from 'node:path';
import { SqliteControllerStore, type SqliteStoreOptions } from './sqlite-store.js';

export const CONTROLLER_DB_FILE = 'controller.db';

export function openControllerStore(homeDir: string, options?: SqliteStoreOptions): SqliteControllerStore {
  return new SqliteControllerStore(join(homeDir, CONTROLLER_DB_FILE), options);
}
