/**
 * The SQLite schema, versioned with `PRAGMA user_version` and built by ordered migrations. A
 * database is migrated forward on open, each migration in its own transaction; a database newer
 * than this code is refused rather than guessed at.
 *
 * Records are stored as their canonical JSON documents (the API bodies), with the few columns
 * queries need (revision, authorized, active bridge, and one row per assigned IP) kept beside
 * them so listings and IP allocation checks never parse every member.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'networks and members as JSON documents',
    up(db) {
      db.exec(`
        CREATE TABLE network (
          id TEXT PRIMARY KEY,
          doc TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE member (
          network_id TEXT NOT NULL,
          id TEXT NOT NULL,
          doc TEXT NOT NULL,
          PRIMARY KEY (network_id, id)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'indexed member columns and the assigned-IP table, filled from the documents',
    up(db) {
      db.exec(`
        ALTER TABLE member ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE member ADD COLUMN authorized INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE member ADD COLUMN active_bridge INTEGER NOT NULL DEFAULT 0;
        UPDATE member SET
          revision = coalesce(json_extract(doc, '$.revision'), 0),
          authorized = coalesce(json_extract(doc, '$.authorized'), 0),
          active_bridge = coalesce(json_extract(doc, '$.activeBridge'), 0);
        CREATE TABLE member_ip (
          network_id TEXT NOT NULL,
          member_id TEXT NOT NULL,
          ip TEXT NOT NULL
        );
        CREATE INDEX member_ip_by_ip ON member_ip (network_id, ip);
        CREATE INDEX member_ip_by_member ON member_ip (network_id, member_id);
        INSERT INTO member_ip (network_id, member_id, ip)
          SELECT m.network_id, m.id, j.value FROM member m, json_each(m.doc, '$.ipAssignments') j
          WHERE j.type = 'text';
      `);
    },
  },
  {
    version: 3,
    description: 'partial index of active bridges (listed at every config request)',
    up(db) {
      db.exec('CREATE INDEX member_active_bridge ON member (network_id, id) WHERE active_bridge = 1;');
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to `target` (default: the newest version). Throws if the database is newer
 * than this code knows.
 */
export function migrate(db: Database.Database, target: number = SCHEMA_VERSION): void {
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new Error(`controller database schema version ${current} is newer than this software supports (${SCHEMA_VERSION})`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
