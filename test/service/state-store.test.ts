import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../src/service/state-store.js';

function withStore(fn: (store: StateStore, home: string) => void): void {
  const home = mkdtempSync(join(tmpdir(), 'tz-store-'));
  try {
    fn(new StateStore(home), home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const bytes = (...v: number[]) => new Uint8Array(v);

test('state store: objects land at ZeroTier paths, directories created on demand', () => {
  withStore((store, home) => {
    store.put('planet', '', bytes(1, 2, 3));
    store.put('moon', '000000877b4c7399', bytes(4));
    store.put('peer', '89e92ceee5', bytes(5, 6));
    assert.deepEqual([...readFileSync(join(home, 'planet'))], [1, 2, 3]);
    assert.deepEqual([...readFileSync(join(home, 'moons.d', '000000877b4c7399.moon'))], [4]);
    assert.deepEqual([...readFileSync(join(home, 'peers.d', '89e92ceee5.peer'))], [5, 6]);
    assert.deepEqual([...store.get('peer', '89e92ceee5')!], [5, 6]);
    assert.equal(store.get('peer', '0000000001'), undefined);
  });
});

test('state store: undefined deletes; deleting a missing object is fine', () => {
  withStore((store, home) => {
    store.put('peer', '89e92ceee5', bytes(1));
    store.put('peer', '89e92ceee5', undefined);
    store.put('peer', '89e92ceee5', undefined);
    assert.deepEqual(readdirSync(join(home, 'peers.d')), []);
  });
});

test('state store: writes replace by rename (new inode), leave no temporaries, skip identical bytes', () => {
  withStore((store, home) => {
    const path = join(home, 'peers.d', '89e92ceee5.peer');
    store.put('peer', '89e92ceee5', bytes(1, 2));
    const first = statSync(path).ino;
    store.put('peer', '89e92ceee5', bytes(1, 2));
    assert.equal(statSync(path).ino, first, 'identical bytes: file untouched');
    store.put('peer', '89e92ceee5', bytes(3));
    assert.notEqual(statSync(path).ino, first, 'changed bytes: a new file renamed over the old');
    assert.deepEqual([...readFileSync(path)], [3]);
    assert.deepEqual(readdirSync(join(home, 'peers.d')), ['89e92ceee5.peer']);
  });
});

test('state store: writeAtomic keeps the requested mode', () => {
  withStore((store, home) => {
    store.writeAtomic('identity.secret', 'secret', 0o600);
    assert.equal(statSync(join(home, 'identity.secret')).mode & 0o777, 0o600);
  });
});

test('state store: ids of the wrong shape are refused (no path escapes)', () => {
  withStore((store) => {
    for (const [kind, id] of [
      ['peer', '../../etc/x'],
      ['peer', '89E92CEEE5'],
      ['peer', '89e92ceee'],
      ['moon', '877b4c7399'],
      ['moon', '000000877b4c7399/../../x'],
    ] as const) {
      assert.throws(() => store.put(kind, id, bytes(1)), /invalid/);
    }
  });
});

test('state store: listing ignores foreign names, oversized files and leftovers of a crashed write', () => {
  withStore((store, home) => {
    mkdirSync(join(home, 'peers.d'));
    mkdirSync(join(home, 'moons.d'));
    writeFileSync(join(home, 'peers.d', '89e92ceee5.peer'), bytes(7));
    writeFileSync(join(home, 'peers.d', 'README'), 'x');
    writeFileSync(join(home, 'peers.d', '89e92ceee5.peer.tmp-123-0badc0de'), bytes(9, 9));
    writeFileSync(join(home, 'peers.d', 'aaaaaaaaaa.peer'), new Uint8Array(70_000));
    writeFileSync(join(home, 'moons.d', '000000877b4c7399.moon'), bytes(8));
    writeFileSync(join(home, 'moons.d', 'x.moon'), bytes(8));
    assert.deepEqual(store.listPeers(), [{ id: '89e92ceee5', data: bytes(7) }]);
    assert.deepEqual(store.listMoons(), [{ id: '000000877b4c7399', data: bytes(8) }]);
    store.removeStaleTemporaries();
    assert.ok(!readdirSync(join(home, 'peers.d')).some((n) => n.includes('.tmp-')));
  });
});

test('state store: missing directories list as empty', () => {
  withStore((store) => {
    assert.deepEqual(store.listPeers(), []);
    assert.deepEqual(store.listMoons(), []);
    assert.equal(store.readPlanet(), undefined);
  });
});

test('state store: prunePeers removes only peer files older than the limit', () => {
  withStore((store, home) => {
    store.put('peer', '1111111111', bytes(1));
    store.put('peer', '2222222222', bytes(2));
    const old = new Date(Date.now() - 31 * 86_400_000);
    utimesSync(join(home, 'peers.d', '1111111111.peer'), old, old);
    assert.equal(store.prunePeers(Date.now(), 30 * 86_400_000), 1);
    assert.deepEqual(store.listPeers().map((p) => p.id), ['2222222222']);
  });
});
