/**
 * The SQLite controller store: one database file (WAL mode) with a write connection used only
 * inside transactions and a read connection for everything else.
 *
 * Transactions are serialized twice over: an in-process FIFO lock orders this process's
 * transactions, and `BEGIN IMMEDIATE` takes SQLite's write lock up front, so another process
 * sharing the file cannot interleave either. The write lock is retried asynchronously (never by
 * blocking the event loop) up to `lockTimeoutMs`, after which the transaction fails with
 * `store_busy`.
 *
 * Durability: `synchronous=NORMAL` in WAL mode survives a crash of the process; a power loss may
 * lose the last transactions (the reference's FileDB does not fsync either).
 */
import Database from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControllerError } from '../errors.js';
import type { MemberRecord, NetworkRecord } from '../records.js';
import { AsyncMutex } from './async-mutex.js';
import { ChangeFeed, ChangeLog } from './change-log.js';
import { migrate } from './sqlite-schema.js';
import { SqliteQueries } from './sqlite-queries.js';
import type { ChangeListener, ControllerEvent, ControllerStore, MemberCounts, StoreTransaction } from './store.js';

export interface SqliteStoreOptions {
  /** How long a transaction waits for another connection's write lock (default 10 s). */
  lockTimeoutMs?: number;
  /** Called when a change listener throws (the other listeners still run). */
  onListenerError?: (e: unknown) => void;
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

export class SqliteControllerStore implements ControllerStore {
  private readonly writer: Database.Database;
  private readonly reader: Database.Database;
  private readonly writes: SqliteQueries;
  private readonly reads: SqliteQueries;
  private readonly mutex = new AsyncMutex();
  /** Marks code running inside one of our transactions, so a nested call fails instead of deadlocking. */
  private readonly inTransaction = new AsyncLocalStorage<true>();
  private readonly feed: ChangeFeed;
  private readonly lockTimeoutMs: number;
  private open = true;

  /** Opens (creating if needed) and migrates the database at `path`. */
  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.feed = new ChangeFeed(options.onListenerError);
    // timeout 0: a busy write lock must come back to us at once so we can wait without blocking.
    this.writer = new Database(path, { timeout: 0 });
    try {
      this.writer.pragma('journal_mode = WAL');
      this.writer.pragma('synchronous = NORMAL');
      this.writer.pragma('busy_timeout = 0');
      migrateWithRetry(this.writer, this.lockTimeoutMs);
      this.reader = new Database(path, { readonly: true, fileMustExist: true, timeout: 5_000 });
    } catch (e) {
      this.writer.close();
      throw e;
    }
    this.writes = new SqliteQueries(this.writer, true);
    this.reads = new SqliteQueries(this.reader, false);
  }

  isReady(): boolean {
    return this.open;
  }

  onChange(listener: ChangeListener): () => void {
    return this.feed.subscribe(listener);
  }

  async getNetwork(nwid: string): Promise<NetworkRecord | undefined> {
    return this.r().getNetwork(nwid);
  }

  async listNetworkIds(): Promise<string[]> {
    return this.r().listNetworkIds();
  }

  async listNetworks(): Promise<NetworkRecord[]> {
    return this.r().listNetworks();
  }

  async getMember(nwid: string, memberId: string): Promise<MemberRecord | undefined> {
    return this.r().getMember(nwid, memberId);
  }

  async listMembers(nwid: string): Promise<MemberRecord[]> {
    return this.r().listMembers(nwid);
  }

  async listMemberRevisions(nwid: string): Promise<[string, number][]> {
    return this.r().listMemberRevisions(nwid);
  }

  async countMembers(nwid: string): Promise<MemberCounts> {
    return this.r().countMembers(nwid);
  }

  async listActiveBridges(nwid: string): Promise<string[]> {
    return this.r().listActiveBridges(nwid);
  }

  async isIpAllocated(nwid: string, ip: string): Promise<boolean> {
    return this.r().isIpAllocated(nwid, ip);
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    this.r();
    if (this.inTransaction.getStore()) throw new Error('nested store transactions are not supported: use the transaction object');
    return this.mutex.run(async () => {
      this.r();
      const { result, events } = await this.inTransaction.run(true, () => this.runTransaction(work));
      // Outside the transaction context, so a listener may start transactions of its own.
      this.feed.publish(events);
      return result;
    });
  }

  private async runTransaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<{ result: T; events: ControllerEvent[] }> {
    await this.beginImmediate();
    const tx = new SqliteTransaction(this.writes);
    try {
      const result = await work(tx);
      tx.finish();
      this.writer.exec('COMMIT');
      return { result, events: tx.log.events() };
    } catch (e) {
      tx.finish();
      if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
      throw e;
    }
  }

  /** Waits for running transactions, then closes both connections. */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.mutex.run(async () => {});
    this.reader.close();
    this.writer.close();
  }

  private r(): SqliteQueries {
    if (!this.open) throw new ControllerError('store_not_ready', 'the controller database is closed');
    return this.reads;
  }

  private async beginImmediate(): Promise<void> {
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        this.writer.exec('BEGIN IMMEDIATE');
        return;
      } catch (e) {
        if (!isBusy(e)) throw e;
        if (Date.now() >= deadline) throw new ControllerError('store_busy', 'the controller database is locked by another writer');
        await sleep(Math.min(1 << attempt, 50));
      }
    }
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Startup migration; another process may hold the write lock briefly, so retry (blocking is fine before we serve). */
function migrateWithRetry(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      migrate(db);
      return;
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** One transaction's view: the write connection's queries plus a record of what changed. */
class SqliteTransaction implements StoreTransaction {
  readonly log = new ChangeLog();
  private active = true;

  constructor(private readonly q: SqliteQueries) {}

  finish(): void {
    this.active = false;
  }

  async getNetwork(nwid: string) {
    return this.use().getNetwork(nwid);
  }
  async listNetworkIds() {
    return this.use().listNetworkIds();
  }
  async listNetworks() {
    return this.use().listNetworks();
  }
  async getMember(nwid: string, memberId: string) {
    return this.use().getMember(nwid, memberId);
  }
  async listMembers(nwid: string) {
    return this.use().listMembers(nwid);
  }
  async listMemberRevisions(nwid: string) {
    return this.use().listMemberRevisions(nwid);
  }
  async countMembers(nwid: string) {
    return this.use().countMembers(nwid);
  }
  async listActiveBridges(nwid: string) {
    return this.use().listActiveBridges(nwid);
  }
  async isIpAllocated(nwid: string, ip: string) {
    return this.use().isIpAllocated(nwid, ip);
  }

  async putNetwork(network: NetworkRecord): Promise<void> {
    const q = this.use();
    this.log.network(network.id, q.getNetwork(network.id), structuredClone(network));
    q.putNetwork(network);
  }

  async deleteNetwork(nwid: string): Promise<void> {
    const q = this.use();
    for (const m of q.listMembers(nwid)) this.log.member(nwid, m.id, m, undefined);
    this.log.network(nwid, q.getNetwork(nwid), undefined);
    q.deleteNetwork(nwid);
  }

  async putMember(member: MemberRecord): Promise<void> {
    const q = this.use();
    this.log.member(member.nwid, member.id, q.getMember(member.nwid, member.id), structuredClone(member));
    q.putMember(member);
  }

  async deleteMember(nwid: string, memberId: string): Promise<void> {
    const q = this.use();
    this.log.member(nwid, memberId, q.getMember(nwid, memberId), undefined);
    q.deleteMember(nwid, memberId);
  }

  private use(): SqliteQueries {
    if (!this.active) throw new Error('store transaction used after it ended');
    return this.q;
  }
}
