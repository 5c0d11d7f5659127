/**
 * The embedded controller's store is not created in every node's home: a service starts without
 * `controller.sqlite`, config requests for "our" networks are answered OBJ_NOT_FOUND without
 * creating it, the first controller API call creates it, and the next start opens it at once.
 * An earlier TierZero's `controller.db` is renamed once (ZeroTier refuses to start with one); a
 * `controller.db` that is not TierZero's is left alone. Also: settings written through
 * /config/settings reach local.conf (4-space indentation, sorted keys) and apply at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Host } from '../../src/core/host.js';
import { Identity } from '../../src/core/vl1/identity.js';
import { Dictionary } from '../../src/core/vl2/dictionary.js';
import { SqliteControllerStore } from '../../src/controller/store/sqlite-store.js';
import { CONTROLLER_DB_FILE, LEGACY_CONTROLLER_DB_FILE, migrateLegacyControllerDb, openControllerStore } from '../../src/controller/store/open-store.js';
import { realTimers } from '../../src/service/background-timer.js';
import { type ServiceDeps, startService } from '../../src/service/compose.js';
import type { CoreNode, CoreNodeOptions } from '../../src/service/core-node.js';
import { EmbeddedController } from '../../src/service/embedded-controller.js';
import { silentLogger } from '../../src/service/logger.js';
import { probeUdpPort } from '../../src/service/ports.js';
import { FakeTapFactory } from '../../src/service/tap/fake-tap.js';
import { FakeVl2 } from './vl2-fakes.js';

const identity = Identity.generate();

function fakeNode(_host: Host, options: CoreNodeOptions): CoreNode {
  return {
    processWirePacket: () => {},
    processBackgroundTasks: (now) => now + 1000,
    setLocalAddresses: () => {},
    status: () => ({
      address: identity.toString().slice(0, 10),
      publicIdentity: identity.toString(),
      online: false,
      isRoot: false,
      planetWorldId: options.planet!.id,
      planetWorldTimestamp: options.planet!.timestamp,
      version: '1.14.1',
    }),
    peers: () => [],
    moons: () => [],
    sendUserMessage: () => true,
  };
}

function deps(): ServiceDeps {
  return {
    createNode: fakeNode,
    createVl2: (_node, host) => new FakeVl2(host, identity.address),
    taps: new FakeTapFactory(),
    ip: { run: async () => ({ ok: true, error: '' }) },
    openControllerStore: (h) => openControllerStore(h),
    logger: silentLogger(),
    clock: Date.now,
    randomU32: () => Math.floor(Math.random() * 2 ** 32),
    interfaces: () => ({}),
    probePort: probeUdpPort,
    timers: realTimers,
    generateIdentity: () => identity,
  };
}

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'tz-ctl-store-'));
  writeFileSync(join(home, 'local.conf'), JSON.stringify({ settings: { bind: ['127.0.0.1'], allowSecondaryPort: false } }));
  return home;
}

test('controller store: created by the first controller API call, opened at start afterwards', async () => {
  const home = newHome();
  try {
    let svc = await startService({ home, mode: 'service', port: 0 }, deps());
    const token = readFileSync(join(home, 'authtoken.secret'), 'utf8');
    const call = async (method: string, path: string, body?: string) => {
      const r = await fetch(`http://127.0.0.1:${svc.ports.primary}${path}`, { method, headers: { 'X-ZT1-Auth': token }, body });
      return { status: r.status, body: await r.text() };
    };
    try {
      assert.equal((await call('GET', '/status')).status, 200);
      assert.ok(!existsSync(join(home, CONTROLLER_DB_FILE)), 'no store after start');
      assert.ok(!existsSync(join(home, LEGACY_CONTROLLER_DB_FILE)));
      assert.equal(svc.parts.controller?.isOpen, false);
      const created = await call('POST', `/controller/network/${identity.toString().slice(0, 10)}______`, '{"name":"lazy"}');
      assert.equal(created.status, 200, created.body);
      assert.ok(existsSync(join(home, CONTROLLER_DB_FILE)), 'created by the first controller call');
      assert.ok(existsSync(join(home, 'metricstoken.secret')));
    } finally {
      await svc.stop(0);
    }
    svc = await startService({ home, mode: 'service', port: 0 }, deps());
    try {
      assert.equal(svc.parts.controller?.isOpen, true, 'an existing store is opened at start (members may ask)');
      assert.equal(JSON.parse((await call('GET', '/controller/network')).body).length, 1);
    } finally {
      await svc.stop(0);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('controller store: config requests before any store exists are OBJ_NOT_FOUND and create nothing', async () => {
  const home = newHome();
  const vl2 = new FakeVl2({} as never, identity.address);
  const answers: string[] = [];
  const results: string[] = [];
  const c = new EmbeddedController({
    home,
    identity,
    vl2,
    log: silentLogger(),
    openStore: (h) => openControllerStore(h),
    poke: () => {},
    onAnswer: (result, seconds) => {
      results.push(result);
      assert.ok(seconds >= 0);
    },
  });
  try {
    assert.equal(vl2.controller, c, 'plugged into Vl2 at once');
    const nwid = (BigInt(identity.address) << 24n) | 1n;
    const parsed = Dictionary.parse(new Uint8Array(0));
    assert.ok(parsed.ok);
    c.onConfigRequest(Date.now(), identity, nwid, parsed.value, { config: () => answers.push('config'), error: (code) => answers.push(code) });
    assert.deepEqual(answers, ['OBJ_NOT_FOUND']);
    assert.deepEqual(results, ['not_found']);
    assert.ok(!existsSync(join(home, CONTROLLER_DB_FILE)));
    assert.equal(c.processBackgroundTasks(0), Infinity);
    assert.equal(await c.counts(), undefined);
    assert.equal(await c.apiStore.listNetworkIds().then((x) => x.length), 0, 'the API store opens the real one');
    assert.ok(c.isOpen && existsSync(join(home, CONTROLLER_DB_FILE)));
    assert.deepEqual(await c.counts(), { networks: 0, members: 0 });
  } finally {
    await c.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test("controller store: an earlier TierZero's controller.db is renamed once; a foreign one is left", async () => {
  const home = newHome();
  try {
    const old = new SqliteControllerStore(join(home, LEGACY_CONTROLLER_DB_FILE));
    await old.transaction(async (tx) => {
      await tx.putNetwork({ id: 'abcdefabcd000001', nwid: 'abcdefabcd000001', name: 'kept' } as never);
    });
    await old.close();
    assert.equal(migrateLegacyControllerDb(home), 'renamed');
    assert.ok(!existsSync(join(home, LEGACY_CONTROLLER_DB_FILE)));
    const store = openControllerStore(home);
    assert.deepEqual(await store.listNetworkIds(), ['abcdefabcd000001'], 'the data came along');
    await store.close();
    assert.equal(migrateLegacyControllerDb(home), 'none');

    const other = newHome();
    try {
      const db = new Database(join(other, LEGACY_CONTROLLER_DB_FILE));
      db.exec('CREATE TABLE Network (id TEXT)');
      db.close();
      assert.equal(migrateLegacyControllerDb(other), 'foreign');
      assert.ok(existsSync(join(other, LEGACY_CONTROLLER_DB_FILE)), 'left untouched');
      assert.ok(!existsSync(join(other, CONTROLLER_DB_FILE)));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('service: /config/settings writes local.conf as ZeroTier does and applies it at once', async () => {
  const home = newHome();
  const svc = await startService({ home, mode: 'service', port: 0 }, deps());
  try {
    const token = readFileSync(join(home, 'authtoken.secret'), 'utf8');
    const post = async (body: string) => {
      const r = await fetch(`http://127.0.0.1:${svc.ports.primary}/config/settings`, { method: 'POST', headers: { 'X-ZT1-Auth': token }, body });
      return { status: r.status, body: await r.text() };
    };
    assert.deepEqual(await post('{"allowAuthTokenInQueryString":true,"softwareUpdate":"disable"}'), { status: 200, body: '{}' });
    assert.equal(
      readFileSync(join(home, 'local.conf'), 'utf8'),
      '{\n    "settings": {\n        "allowAuthTokenInQueryString": true,\n        "allowSecondaryPort": false,\n        "bind": [\n            "127.0.0.1"\n        ],\n        "softwareUpdate": "disable"\n    }\n}',
    );
    const viaQuery = await fetch(`http://127.0.0.1:${svc.ports.primary}/status?auth=${token}`);
    assert.equal(viaQuery.status, 200, 'applied without waiting for the 10 s check');
    const bad = await post('{"secondaryPort":70000}');
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).field, 'settings.secondaryPort');
    assert.ok(!readFileSync(join(home, 'local.conf'), 'utf8').includes('70000'), 'nothing written');
  } finally {
    await svc.stop(0);
    rmSync(home, { recursive: true, force: true });
  }
});
