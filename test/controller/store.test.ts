/**
 * The SQLite store: persistence across reopen, schema migrations, the change feed (what is
 * reported, when, and that rollbacks report nothing), transaction isolation between two
 * connections on one file, and behaviour once closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newMemberRecord, newNetworkRecord, type MemberRecord } from '../../src/controller/records.js';
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../src/controller/store/sqlite-schema.js';
import { SqliteControllerStore } from '../../src/controller/store/sqlite-store.js';
import { openControllerStore, CONTROLLER_DB_FILE } from '../../src/controller/store/open-store.js';
import type { ControllerEvent } from '../../src/controller/store/store.js';
import { ControllerError } from '../../src/controller/errors.js';
import { NOW, NWID, tempDir } from './helpers.js';

function member(id: string, patch: Partial<MemberRecord> = {}): MemberRecord {
  return { ...newMemberRecord(NWID, id, NOW), revision: 1, ...patch };
}

async function withStore(fn: (store: SqliteControllerStore, dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir();
  const store = openControllerStore(dir);
  try {
    await fn(store, dir);
  } finally {
    await store.close();
    cleanup();
  }
}

test('records survive closing and reopening the database', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = openControllerStore(dir);
    const net = { ...newNetworkRecord(NWID, NOW), name: 'persisted', revision: 4 };
    await a.transaction(async (tx) => {
      await tx.putNetwork(net);
      await tx.putMember(member('aabbccddee', { authorized: true, ipAssignments: ['10.0.0.1'], activeBridge: true }));
      await tx.putMember(member('0c234e38b7', { revision: 7 }));
    });
    await a.close();
    const b = new SqliteControllerStore(join(dir, CONTROLLER_DB_FILE));
    try {
      assert.deepEqual(await b.getNetwork(NWID), net);
      assert.deepEqual(await b.listNetworkIds(), [NWID]);
      assert.deepEqual(await b.listMemberRevisions(NWID), [
        ['0c234e38b7', 7],
        ['aabbccddee', 1],
      ]);
      assert.deepEqual(await b.countMembers(NWID), { total: 2, authorized: 1 });
      assert.deepEqual(await b.listActiveBridges(NWID), ['aabbccddee']);
      assert.equal(await b.isIpAllocated(NWID, '10.0.0.1'), true);
      assert.equal(await b.isIpAllocated(NWID, '10.0.0.2'), false);
      assert.equal(await b.isIpAllocated('0000000000000001', '10.0.0.1'), false);
      assert.equal((await b.getMember(NWID, 'aabbccddee'))?.authorized, true);
      const db = new Database(join(dir, CONTROLLER_DB_FILE), { readonly: true });
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      db.close();
    } finally {
      await b.close();
    }
  } finally {
    cleanup();
  }
});

test('a fresh database is created at the newest schema version', async () => {
  await withStore(async (_s, dir) => {
    const db = new Database(join(dir, CONTROLLER_DB_FILE), { readonly: true });
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
    db.close();
  });
});

test('migrating from version 1 fills the indexed columns and the IP table from existing documents', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, CONTROLLER_DB_FILE);
    const db = new Database(path);
    migrate(db, 1);
    assert.equal(schemaVersion(db), 1);
    const m1 = member('aabbccddee', { authorized: true, activeBridge: true, ipAssignments: ['10.9.0.1', 'fd00::1'], revision: 5 });
    const m2 = member('0c234e38b7', { ipAssignments: [] });
    db.prepare('INSERT INTO network (id, doc) VALUES (?, ?)').run(NWID, JSON.stringify(newNetworkRecord(NWID, NOW)));
    for (const m of [m1, m2]) db.prepare('INSERT INTO member (network_id, id, doc) VALUES (?, ?, ?)').run(NWID, m.id, JSON.stringify(m));
    db.close();

    const store = new SqliteControllerStore(path);
    try {
      assert.deepEqual(await store.listMemberRevisions(NWID), [
        ['0c234e38b7', 1],
        ['aabbccddee', 5],
      ]);
      assert.deepEqual(await store.countMembers(NWID), { total: 2, authorized: 1 });
      assert.deepEqual(await store.listActiveBridges(NWID), ['aabbccddee']);
      assert.equal(await store.isIpAllocated(NWID, '10.9.0.1'), true);
      assert.equal(await store.isIpAllocated(NWID, 'fd00::1'), true);
    } finally {
      await store.close();
    }
    const check = new Database(path, { readonly: true });
    assert.equal(schemaVersion(check), SCHEMA_VERSION);
    check.close();
  } finally {
    cleanup();
  }
});

test('a database newer than this software is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, CONTROLLER_DB_FILE);
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => new SqliteControllerStore(path), /newer than this software/);
  } finally {
    cleanup();
  }
});

test('documents missing newer fields read back with defaults', async () => {
  await withStore(async (store, dir) => {
    const db = new Database(join(dir, CONTROLLER_DB_FILE));
    db.prepare('INSERT INTO network (id, doc) VALUES (?, ?)').run(NWID, JSON.stringify({ id: NWID, nwid: NWID, name: 'old', revision: 3, creationTime: 5, stale: 1 }));
    db.prepare('INSERT INTO network (id, doc) VALUES (?, ?)').run('0000000000000bad', '{not json');
    db.close();
    const n = await store.getNetwork(NWID);
    assert.equal(n?.name, 'old');
    assert.equal(n?.revision, 3);
    assert.equal(n?.mtu, 2800);
    assert.deepEqual(n?.rules, [{ not: false, or: false, type: 'ACTION_ACCEPT' }]);
    assert.equal('stale' in (n ?? {}), false);
    assert.equal(await store.getNetwork('0000000000000bad'), undefined);
    assert.deepEqual((await store.listNetworks()).map((x) => x.id), [NWID]);
  });
});

test('the change feed: one call per committed transaction, coalesced per record, deauthorization reported', async () => {
  await withStore(async (store) => {
    const seen: ControllerEvent[][] = [];
    const unsubscribe = store.onChange((events) => seen.push([...events]));
    const net = { ...newNetworkRecord(NWID, NOW), revision: 1 };
    await store.transaction(async (tx) => {
      await tx.putNetwork(net);
      await tx.putMember(member('aabbccddee'));
      await tx.putMember(member('aabbccddee', { authorized: true, revision: 2 }));
    });
    assert.deepEqual(
      seen[0].map((e) => [e.type, 'memberId' in e ? e.memberId : e.nwid]),
      [
        ['networkChanged', NWID],
        ['memberChanged', 'aabbccddee'],
      ],
    );
    const mc = seen[0][1] as Extract<ControllerEvent, { type: 'memberChanged' }>;
    assert.equal(mc.previous, undefined);
    assert.equal(mc.member.authorized, true);

    await store.transaction(async (tx) => tx.putMember(member('aabbccddee', { authorized: false, revision: 3 })));
    assert.deepEqual(seen[1].map((e) => e.type), ['memberChanged', 'memberDeauthorized']);

    // Writing identical content reports nothing; a read-only transaction reports nothing.
    await store.transaction(async (tx) => tx.putMember(member('aabbccddee', { authorized: false, revision: 3 })));
    await store.transaction(async (tx) => tx.getNetwork(NWID));
    assert.equal(seen.length, 2);

    await store.transaction(async (tx) => tx.putMember(member('0c234e38b7', { authorized: true })));
    await store.transaction(async (tx) => tx.deleteNetwork(NWID));
    assert.deepEqual(
      seen[3].map((e) => [e.type, 'memberId' in e ? e.memberId : e.nwid]),
      [
        ['memberDeleted', '0c234e38b7'],
        ['memberDeauthorized', '0c234e38b7'],
        ['memberDeleted', 'aabbccddee'],
        ['networkDeleted', NWID],
      ],
    );
    assert.deepEqual(await store.listMemberRevisions(NWID), []);
    assert.equal(await store.isIpAllocated(NWID, '10.0.0.1'), false);
    unsubscribe();
    await store.transaction(async (tx) => tx.putNetwork(net));
    assert.equal(seen.length, 4);
  });
});

test('a failed transaction rolls back and reports nothing', async () => {
  await withStore(async (store) => {
    const seen: unknown[] = [];
    store.onChange((e) => seen.push(e));
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.putNetwork({ ...newNetworkRecord(NWID, NOW), revision: 1 });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await store.getNetwork(NWID), undefined);
    assert.equal(seen.length, 0);
  });
});

test('a throwing listener does not stop the others or the transaction', async () => {
  const { dir, cleanup } = tempDir();
  const errors: unknown[] = [];
  const store = openControllerStore(dir, { onListenerError: (e) => errors.push(e) });
  try {
    let calls = 0;
    store.onChange(() => {
      throw new Error('listener bug');
    });
    store.onChange(() => calls++);
    await store.transaction(async (tx) => tx.putNetwork({ ...newNetworkRecord(NWID, NOW), revision: 1 }));
    assert.equal(calls, 1);
    assert.equal(errors.length, 1);
  } finally {
    await store.close();
    cleanup();
  }
});

test('a transaction object cannot be used after its transaction ended', async () => {
  await withStore(async (store) => {
    let leaked: Parameters<Parameters<typeof store.transaction>[0]>[0] | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await assert.rejects(leaked!.getNetwork(NWID), /after it ended/);
  });
});

test('reads outside a transaction see only committed data', async () => {
  await withStore(async (store) => {
    await store.transaction(async (tx) => {
      await tx.putNetwork({ ...newNetworkRecord(NWID, NOW), revision: 1 });
      assert.equal(await store.getNetwork(NWID), undefined, 'uncommitted write visible outside');
      assert.ok(await tx.getNetwork(NWID), 'own write visible inside');
    });
    assert.ok(await store.getNetwork(NWID));
  });
});

test('two stores on one file (two processes) serialize their transactions', async () => {
  const { dir, cleanup } = tempDir();
  const a = openControllerStore(dir);
  const b = openControllerStore(dir);
  try {
    await a.transaction(async (tx) => tx.putNetwork({ ...newNetworkRecord(NWID, NOW), revision: 0 }));
    // Read-modify-write increments from both stores, interleaved by awaits: none may be lost.
    const bump = (s: SqliteControllerStore) =>
      s.transaction(async (tx) => {
        const n = (await tx.getNetwork(NWID))!;
        await new Promise((r) => setImmediate(r));
        await tx.putNetwork({ ...n, revision: n.revision + 1 });
      });
    await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? a : b)));
    assert.equal((await a.getNetwork(NWID))?.revision, 40);
    assert.equal((await b.getNetwork(NWID))?.revision, 40);
  } finally {
    await a.close();
    await b.close();
    cleanup();
  }
});

test('a writer that holds the lock too long makes the other fail with store_busy', async () => {
  const { dir, cleanup } = tempDir();
  const a = openControllerStore(dir);
  const b = openControllerStore(dir, { lockTimeoutMs: 50 });
  try {
    let release!: () => void;
    const held = a.transaction(async (tx) => {
      await tx.putNetwork({ ...newNetworkRecord(NWID, NOW), revision: 1 });
      await new Promise<void>((r) => (release = r));
    });
    await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(
      b.transaction(async () => {}),
      (e: unknown) => e instanceof ControllerError && e.code === 'store_busy',
    );
    release();
    await held;
    await b.transaction(async (tx) => assert.ok(await tx.getNetwork(NWID)));
  } finally {
    await a.close();
    await b.close();
    cleanup();
  }
});

test('a closed store refuses reads and transactions with store_not_ready', async () => {
  const { dir, cleanup } = tempDir();
  const store = openControllerStore(dir);
  await store.close();
  await store.close();
  assert.equal(store.isReady(), false);
  const notReady = (e: unknown) => e instanceof ControllerError && e.code === 'store_not_ready';
  await assert.rejects(store.getNetwork(NWID), notReady);
  await assert.rejects(store.transaction(async () => {}), notReady);
  cleanup();
});

test('close waits for a running transaction to finish', async () => {
  const { dir, cleanup } = tempDir();
  const store = openControllerStore(dir);
  let committed = false;
  const tx = store.transaction(async (t) => {
    await new Promise((r) => setTimeout(r, 20));
    await t.putNetwork({ ...newNetworkRecord(NWID, NOW), revision: 1 });
    committed = true;
  });
  await new Promise((r) => setImmediate(r));
  await store.close();
  await tx;
  assert.equal(committed, true);
  const again = openControllerStore(dir);
  assert.ok(await again.getNetwork(NWID));
  await again.close();
  cleanup();
});

test('a nested transaction fails instead of deadlocking; a listener may start its own transaction', async () => {
  await withStore(async (store) => {
    await assert.rejects(
      store.transaction(async () => store.transaction(async () => {})),
      /nested store transactions/,
    );
    const followUps: Promise<unknown>[] = [];
    store.onChange((events) => {
      if (events.some((e) => e.type === 'networkChanged' && e.network.name === 'first')) {
        followUps.push(store.transaction(async (tx) => tx.putNetwork({ ...(await tx.getNetwork(NWID))!, name: 'second', revision: 2 })));
      }
    });
    await store.transaction(async (tx) => tx.putNetwork({ ...newNetworkRecord(NWID, NOW), name: 'first', revision: 1 }));
    await Promise.all(followUps);
    assert.equal((await store.getNetwork(NWID))?.name, 'second');
  });
});
