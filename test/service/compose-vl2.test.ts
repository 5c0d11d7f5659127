/**
 * The composition root with VL2: the Vl2 is built on the ports (its host), its and the
 * controller's background tasks run on the service timer, the local API answers on the primary
 * port with the auth token, networks.d is rejoined at start, and stop closes the API and the
 * ports but keeps memberships.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../../src/core/host.js';
import { Identity } from '../../src/core/vl1/identity.js';
import { openControllerStore } from '../../src/controller/store/open-store.js';
import { realTimers } from '../../src/service/background-timer.js';
import { type ServiceDeps, startService } from '../../src/service/compose.js';
import type { CoreNode, CoreNodeOptions } from '../../src/service/core-node.js';
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

test('service with VL2: API on the primary port, networks.d rejoined, Vl2 and controller driven, clean stop', async () => {
  const home = mkdtempSync(join(tmpdir(), 'tz-svc-vl2-'));
  writeFileSync(join(home, 'local.conf'), JSON.stringify({ settings: { bind: ['127.0.0.1'], allowSecondaryPort: false }, extra: { kept: true } }));
  mkdirSync(join(home, 'networks.d'));
  writeFileSync(join(home, 'networks.d', '877b4c739939ef9f.conf'), '\n');
  writeFileSync(join(home, 'networks.d', '877b4c739939ef9f.local.conf'), 'allowManaged=0\n');
  writeFileSync(join(home, 'networks.d', '0000000000000bad.conf'), 'junk\0');
  const taps = new FakeTapFactory();
  const vl2s: FakeVl2[] = [];
  const deps: ServiceDeps = {
    createNode: fakeNode,
    createVl2: (_node, host) => {
      const v = new FakeVl2(host, identity.address);
      vl2s.push(v);
      return v;
    },
    taps,
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
  const svc = await startService({ home, mode: 'service', port: 0 }, deps);
  try {
    const vl2 = vl2s[0]!;
    assert.ok(vl2.controller, 'the controller config service is plugged into Vl2');
    assert.deepEqual(vl2.calls, ['join 877b4c739939ef9f'], 'networks.d rejoined; the corrupt file skipped');
    assert.equal(taps.open_.length, 1);
    const token = readFileSync(join(home, 'authtoken.secret'), 'utf8');
    assert.match(token, /^[a-z0-9]{24}$/);
    const get = async (path: string, t = token) => {
      const r = await fetch(`http://127.0.0.1:${svc.ports.primary}${path}`, { headers: { 'X-ZT1-Auth': t } });
      return { status: r.status, body: await r.text() };
    };
    assert.equal((await get('/status', 'nope')).status, 401);
    const status = JSON.parse((await get('/status')).body);
    assert.equal(status.address, identity.toString().slice(0, 10));
    assert.deepEqual(status.config.extra, { kept: true }, 'local.conf as loaded');
    assert.equal(status.config.settings.primaryPort, svc.ports.primary);
    assert.equal(status.config.settings.homeDir, home);
    assert.deepEqual(status.config.settings.listeningOn, [`127.0.0.1/${svc.ports.primary}`]);
    const networks = JSON.parse((await get('/network')).body);
    assert.equal(networks.length, 1);
    assert.equal(networks[0].allowManaged, false, 'local settings reloaded');
    assert.equal((await get('/controller')).status, 200);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(vl2.backgroundRuns > 0, "Vl2's background tasks run on the service timer");
    await svc.stop(0);
    assert.equal(taps.open_.length, 0, 'ports closed at stop');
    assert.ok(existsSync(join(home, 'networks.d', '877b4c739939ef9f.conf')), 'memberships kept');
    await assert.rejects(fetch(`http://127.0.0.1:${svc.ports.primary}/status`), 'the API is closed');
  } finally {
    await svc.stop(0);
    rmSync(home, { recursive: true, force: true });
  }
});

test('service with VL2: the API port already taken on TCP is a clean fatal error', async () => {
  const home = mkdtempSync(join(tmpdir(), 'tz-svc-vl2-'));
  writeFileSync(join(home, 'local.conf'), JSON.stringify({ settings: { bind: ['127.0.0.1'], allowSecondaryPort: false } }));
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  try {
    const deps: ServiceDeps = {
      createNode: fakeNode,
      taps: new FakeTapFactory(),
      logger: silentLogger(),
      clock: Date.now,
      randomU32: () => 1,
      interfaces: () => ({}),
      probePort: probeUdpPort,
      timers: realTimers,
      generateIdentity: () => identity,
    };
    await assert.rejects(startService({ home, mode: 'service', port }, deps), /cannot bind to local control interface port \d+/);
  } finally {
    blocker.close();
    rmSync(home, { recursive: true, force: true });
  }
});
