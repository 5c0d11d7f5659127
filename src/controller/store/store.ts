/**
 * The controller's storage contract. SQLite implements it today (sqlite-store.ts); a PostgreSQL
 * store can implement the same interface so several controllers share state.
 *
 * Contract:
 * - Reads outside a transaction see committed data only.
 * - Writes happen only inside `transaction(work)`. Transactions are serializable: two
 *   transactions never interleave their reads and writes on the same records, so read-check-write
 *   sequences (IP assignment, revision counters) are safe under any concurrency. `work` may be run
 *   again after a serialization conflict (a PostgreSQL store retries), so it must have no effect
 *   outside the transaction object.
 * - Stores write exactly the records they are given; revisions and normalization belong to the
 *   controller layer (records.ts, network-controller.ts).
 * - After a transaction commits, the store reports what changed through `onChange` (one call per
 *   committed transaction, events in the order the records were first touched). Nothing is
 *   reported for a rolled-back transaction.
 */
import type { MemberRecord, NetworkRecord } from '../records.js';

export interface MemberCounts {
  total: number;
  authorized: number;
}

export interface StoreReader {
  getNetwork(nwid: string): Promise<NetworkRecord | undefined>;
  /** Ascending. */
  listNetworkIds(): Promise<string[]>;
  /** Ascending by id. */
  listNetworks(): Promise<NetworkRecord[]>;
  getMember(nwid: string, memberId: string): Promise<MemberRecord | undefined>;
  /** Ascending by member id. */
  listMembers(nwid: string): Promise<MemberRecord[]>;
  /** `[memberId, revision]` ascending by member id, without loading the records. */
  listMemberRevisions(nwid: string): Promise<[string, number][]>;
  countMembers(nwid: string): Promise<MemberCounts>;
  /** Ids of the members with `activeBridge` set, ascending. */
  listActiveBridges(nwid: string): Promise<string[]>;
  /** Whether any member of the network lists `ip` (canonical text) in its ipAssignments. */
  isIpAllocated(nwid: string, ip: string): Promise<boolean>;
}

export interface StoreTransaction extends StoreReader {
  putNetwork(network: NetworkRecord): Promise<void>;
  /** Deletes the network and all its members. */
  deleteNetwork(nwid: string): Promise<void>;
  putMember(member: MemberRecord): Promise<void>;
  deleteMember(nwid: string, memberId: string): Promise<void>;
}

export type ControllerEvent =
  | { type: 'networkChanged'; nwid: string; network: NetworkRecord; previous: NetworkRecord | undefined }
  | { type: 'networkDeleted'; nwid: string; network: NetworkRecord }
  | { type: 'memberChanged'; nwid: string; memberId: string; member: MemberRecord; previous: MemberRecord | undefined }
  | { type: 'memberDeleted'; nwid: string; memberId: string; member: MemberRecord }
  /**
   * An authorized member lost its authorization (flag cleared, member deleted, or its network
   * deleted): the config pusher revokes its certificate of membership (controller.md §8).
   */
  | { type: 'memberDeauthorized'; nwid: string; memberId: string; member: MemberRecord };

export type ChangeListener = (events: readonly ControllerEvent[]) => void;

export interface ControllerStore extends StoreReader {
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Subscribes to committed changes; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void;
  /** False once closed (the API answers 503). */
  isReady(): boolean;
  close(): Promise<void>;
}
