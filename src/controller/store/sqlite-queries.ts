/**
 * The prepared statements of one SQLite connection and the synchronous reads and writes built on
 * them. A store has two of these: one on its read connection (committed data, never blocked by a
 * writer in WAL mode) and one on its write connection (used only inside transactions).
 */
import type Database from 'better-sqlite3';
import { canonicalJson } from '../canonical-json.js';
import { memberFromDocument, networkFromDocument, type MemberRecord, type NetworkRecord } from '../records.js';
import type { MemberCounts } from './store.js';

function parseDoc(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class SqliteQueries {
  private readonly s: ReturnType<typeof readStatements>;
  private readonly writes: ReturnType<typeof writeStatements> | undefined;

  constructor(db: Database.Database, writable: boolean) {
    this.s = readStatements(db);
    this.writes = writable ? writeStatements(db) : undefined;
  }

  getNetwork(nwid: string): NetworkRecord | undefined {
    const row = this.s.getNetwork.get(nwid);
    return row ? networkFromDocument(parseDoc(row.doc)) : undefined;
  }

  listNetworkIds(): string[] {
    return this.s.listNetworkIds.all().map((r) => r.id);
  }

  listNetworks(): NetworkRecord[] {
    return this.s.listNetworks.all().flatMap((r) => networkFromDocument(parseDoc(r.doc)) ?? []);
  }

  getMember(nwid: string, memberId: string): MemberRecord | undefined {
    const row = this.s.getMember.get(nwid, memberId);
    return row ? memberFromDocument(parseDoc(row.doc)) : undefined;
  }

  listMembers(nwid: string): MemberRecord[] {
    return this.s.listMembers.all(nwid).flatMap((r) => memberFromDocument(parseDoc(r.doc)) ?? []);
  }

  listMemberRevisions(nwid: string): [string, number][] {
    return this.s.listRevisions.all(nwid).map((r) => [r.id, r.revision]);
  }

  countMembers(nwid: string): MemberCounts {
    const r = this.s.count.get(nwid);
    return { total: r?.total ?? 0, authorized: r?.authorized ?? 0 };
  }

  listActiveBridges(nwid: string): string[] {
    return this.s.bridges.all(nwid).map((r) => r.id);
  }

  isIpAllocated(nwid: string, ip: string): boolean {
    return this.s.ipTaken.get(nwid, ip) !== undefined;
  }

  putNetwork(n: NetworkRecord): void {
    this.w().putNetwork.run(n.id, canonicalJson(n));
  }

  deleteNetwork(nwid: string): void {
    const w = this.w();
    w.deleteNetworkIps.run(nwid);
    w.deleteNetworkMembers.run(nwid);
    w.deleteNetwork.run(nwid);
  }

  putMember(m: MemberRecord): void {
    const w = this.w();
    w.putMember.run(m.nwid, m.id, canonicalJson(m), m.revision, m.authorized ? 1 : 0, m.activeBridge ? 1 : 0);
    w.deleteMemberIps.run(m.nwid, m.id);
    for (const ip of m.ipAssignments) w.insertIp.run(m.nwid, m.id, ip);
  }

  deleteMember(nwid: string, memberId: string): void {
    const w = this.w();
    w.deleteMemberIps.run(nwid, memberId);
    w.deleteMember.run(nwid, memberId);
  }

  private w(): ReturnType<typeof writeStatements> {
    if (!this.writes) throw new Error('write on the read-only connection');
    return this.writes;
  }
}

function readStatements(db: Database.Database) {
  const p = <R>(sql: string) => db.prepare<unknown[], R>(sql);
  return {
    getNetwork: p<{ doc: string }>('SELECT doc FROM network WHERE id = ?'),
    listNetworkIds: p<{ id: string }>('SELECT id FROM network ORDER BY id'),
    listNetworks: p<{ doc: string }>('SELECT doc FROM network ORDER BY id'),
    getMember: p<{ doc: string }>('SELECT doc FROM member WHERE network_id = ? AND id = ?'),
    listMembers: p<{ doc: string }>('SELECT doc FROM member WHERE network_id = ? ORDER BY id'),
    listRevisions: p<{ id: string; revision: number }>('SELECT id, revision FROM member WHERE network_id = ? ORDER BY id'),
    count: p<{ total: number; authorized: number }>(
      'SELECT count(*) AS total, coalesce(sum(authorized), 0) AS authorized FROM member WHERE network_id = ?',
    ),
    bridges: p<{ id: string }>('SELECT id FROM member WHERE network_id = ? AND active_bridge = 1 ORDER BY id'),
    ipTaken: p<{ one: number }>('SELECT 1 AS one FROM member_ip WHERE network_id = ? AND ip = ? LIMIT 1'),
  };
}

function writeStatements(db: Database.Database) {
  return {
    putNetwork: db.prepare('INSERT INTO network (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc'),
    deleteNetwork: db.prepare('DELETE FROM network WHERE id = ?'),
    deleteNetworkMembers: db.prepare('DELETE FROM member WHERE network_id = ?'),
    deleteNetworkIps: db.prepare('DELETE FROM member_ip WHERE network_id = ?'),
    putMember: db.prepare(
      `INSERT INTO member (network_id, id, doc, revision, authorized, active_bridge) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (network_id, id) DO UPDATE SET doc = excluded.doc, revision = excluded.revision,
         authorized = excluded.authorized, active_bridge = excluded.active_bridge`,
    ),
    deleteMember: db.prepare('DELETE FROM member WHERE network_id = ? AND id = ?'),
    deleteMemberIps: db.prepare('DELETE FROM member_ip WHERE network_id = ? AND member_id = ?'),
    insertIp: db.prepare('INSERT INTO member_ip (network_id, member_id, ip) VALUES (?, ?, ?)'),
  };
}
