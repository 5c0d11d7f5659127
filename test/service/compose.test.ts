/**
 * The composition root with a fake core: start-up order and failures, what the service hands
 * the core (options, local addresses, datagrams), what it does for the core (state, sends),
 * root mode, status file and a clean stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host, LocalSocket } from '../../src/core/host.js';
import { c25519Generate } from '../../src/core/vl1/c25519.js';
import { ZT_WORLD_TYPE_PLANET } from '../../src/core/vl1/constants.js';
import { DEFAULT_PLANET } from '../../src/core/vl1/default-planet.js';
import { Identity } from '../../src/core/vl1/identity.js';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import { serializeWorld, signWorld } from '../../src/core/vl1/world.js';
import { type ServiceDeps, startService } from '../../src/service/compose.js';
import type { CoreNode, CoreNodeOptions } from '../../src/service/core-node.js';
import { FatalError } from '../../src/service/fatal-error.js';
import { silentLogger } from '../../src/service/logger.js';
import { realTimers } from '../../src/service/background-timer.js';
import { probeUdpPort } from '../../src/service/ports.js';
import { runService } from '../../src/service/run.js';

const identity = Identity.generate();

class FakeNode implements CoreNode {
  received: { localSocket: LocalSocket; from: InetAddress; data: number[] }[] = [];
  localAddresses: { localSocket: LocalSocket; address: InetAddress }[][] = [];
  backgroundRuns = 0;
  constructor(
    readonly host: Host,
    readonly options: CoreNodeOptions,
  ) {}
  processWirePacket(_now: number, localSocket: LocalSocket, from: InetAddress, data: Uint8Array): void {
    this.received.push({ localSocket, from, data: [...data] });
    this.host.sendDatagram(localSocket, from, Uint8Array.of(0xee, ...data));
  }
  processBackgroundTasks(now: number): number {
    this.backgroundRuns++;
    return now + 1000;
  }
  setLocalAddresses(addrs: { localSocket: LocalSocket; address: InetAddress }[]): void {
    this.localAddresses.push(addrs);
  }
  status() {
    return {
      address: identity.toString().slice(0, 10),
      publicIdentity: identity.toString(),
      online: false,
      isRoot: false,
      planetWorldId: this.options.planet!.id,
      planetWorldTimestamp: this.options.planet!.timestamp,
      version: '1.14.1',
    };
  }
  peers() {
    return [];
  }
  moons() {
    return this.options.moons ?? [];
  }
  userMessages: { destination: number; typeId: bigint }[] = [];
  sendUserMessage(_now: number, destination: number, typeId: bigint): boolean {
    this.userMessages.push({ destination, typeId });
    return true;
  }
}

function fakeDeps(nodes: FakeNode[]): ServiceDeps {
  return {
    createNode: (host, options) => {
      const n = new FakeNode(host, options);
      nodes.push(n);
      return n;
    },
    logger: silentLogger(),
    clock: Date.now,
    randomU32: () => Math.floor(Math.random() * 2 ** 32),
    interfaces: () => ({ lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }] }),
    probePort: probeUdpPort,
    timers: realTimers,
    generateIdentity: () => identity,
  };
}

function tempHome(localConf?: unknown): string {
  const home = mkdtempSync(join(tmpdir(), 'tz-svc-'));
  const conf = localConf ?? { settings: { bind: ['127.0.0.1'], allowSecondaryPort: false } };
  writeFileSync(join(home, 'local.conf'), typeof conf === 'string' ? conf : JSON.stringify(conf));
  return home;
}

test('service: first start creates state, binds, feeds the core, and stops cleanly', async () => {
  const home = tempHome({ settings: { bind: ['127.0.0.1'] }, physical: { '10.9.0.0/16': { trustedPathId: 77, mtu: 2800 } } });
  const nodes: FakeNode[] = [];
  const statusFile = join(home, 'status.json');
  const svc = await startService({ home, mode: 'service', port: 0, statusFile, pingPeers: [0x89e92ceee5] }, fakeDeps(nodes));
  const peer = createSocket('udp4');
  try {
    const node = nodes[0]!;
    assert.ok(node.options.identity.equals(identity));
    assert.equal(node.options.planet!.id, 149604618n, 'default planet');
    assert.deepEqual(node.options.trustedPaths, [{ network: { family: 4, ip: Uint8Array.of(10, 9, 0, 0), port: 16 }, id: 77n, mtu: 2800 }]);
    assert.ok(existsSync(join(home, 'identity.secret')));
    assert.deepEqual(new Uint8Array(readFileSync(join(home, 'planet'))), DEFAULT_PLANET, 'default planet written');
    assert.equal(readFileSync(join(home, 'zerotier-one.port'), 'utf8'), String(svc.ports.primary));
    assert.ok(svc.ports.secondary >= 20000, 'a random secondary port');
    assert.deepEqual(svc.sockets.map((b) => b.address.port).sort(), [svc.ports.primary, svc.ports.secondary].sort());
    const advertised = node.localAddresses.at(-1)!;
    assert.equal(advertised.length, 2);
    assert.deepEqual([...advertised[0]!.address.ip], [127, 0, 0, 1]);

    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    const reply = new Promise<number[]>((r) => peer.once('message', (m) => r([...m])));
    const runsBefore = node.backgroundRuns;
    peer.send(Uint8Array.of(1, 2, 3), svc.ports.primary, '127.0.0.1');
    assert.deepEqual(await reply, [0xee, 1, 2, 3], 'the core replied through the socket the packet came in on');
    const primarySocket = svc.sockets.find((b) => b.address.port === svc.ports.primary)!;
    assert.equal(node.received[0]!.localSocket, primarySocket.id);
    assert.equal(node.received[0]!.from.port, peer.address().port);
    await new Promise((r) => setImmediate(r));
    assert.ok(node.backgroundRuns > runsBefore, 'background tasks ran again after the packet');

    node.host.putState('peer', '89e92ceee5', Uint8Array.of(5, 5));
    assert.deepEqual([...readFileSync(join(home, 'peers.d', '89e92ceee5.peer'))], [5, 5]);
    node.host.putState('peer', '../escape', Uint8Array.of(1));
    assert.equal(svc.host.stateWriteErrors, 1, 'a bad id is logged and counted, not thrown into the core');

    node.host.event({ type: 'user-message', from: 0x89e92ceee5, typeId: 1n, data: new Uint8Array(0) });
    while (node.userMessages.length === 0) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(node.userMessages[0], { destination: 0x89e92ceee5, typeId: 0x747a70696e67n }, '--ping-peer');
    svc.writeStatusFile();
    const snap = JSON.parse(readFileSync(statusFile, 'utf8'));
    assert.deepEqual(snap.userMessagesReceived, { '89e92ceee5': 1 });
    assert.equal(snap.publicIdentity, identity.toString());
    assert.equal(snap.planetWorldId, '149604618');
    assert.equal(snap.listeningOn.length, 2);
  } finally {
    peer.close();
    await svc.stop(0);
  }
  assert.equal(await svc.done, 0);
  assert.deepEqual(svc.sockets, [], 'sockets closed');

  // Second start: same identity, and the peer cache handed to the core.
  const nodes2: FakeNode[] = [];
  const again = await startService({ home, mode: 'service', port: 0 }, { ...fakeDeps(nodes2), generateIdentity: () => assert.fail('no new identity') });
  try {
    assert.deepEqual(nodes2[0]!.options.peerCache!.map((b) => [...b]), [[5, 5]]);
  } finally {
    await again.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

async function startFails(home: string, mode: 'service' | 'root', pattern: RegExp, port = 0): Promise<void> {
  await assert.rejects(startService({ home, mode, port }, fakeDeps([])), (e: unknown) => {
    assert.ok(e instanceof FatalError, String(e));
    assert.match(e.message, pattern);
    assert.equal(e.exitCode, 1);
    return true;
  });
}

test('service: a bad local.conf stops start-up with the field named', async () => {
  const home = tempHome({ settings: { primaryPort: 'nine' } });
  try {
    await startFails(home, 'service', /local\.conf: settings\.primaryPort: expected an integer/);
    writeFileSync(join(home, 'local.conf'), '{ "settings": ');
    await startFails(home, 'service', /local\.conf: unable to parse \(invalid JSON/);
    assert.ok(!existsSync(join(home, 'identity.secret')), 'config is checked before an identity is made');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('service: a corrupt planet file stops start-up instead of falling back to the public planet', async () => {
  const home = tempHome();
  try {
    writeFileSync(join(home, 'planet'), DEFAULT_PLANET.subarray(0, 100));
    await startFails(home, 'service', /planet is not a valid planet/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('service: the primary port in use is a clear FatalError, exit 1', async () => {
  const home = tempHome();
  const holder = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '0.0.0.0', () => r()));
  try {
    await startFails(home, 'service', /cannot bind to local UDP port \d+: it is in use/, holder.address().port);
  } finally {
    holder.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('root: refuses when no world lists this node, with the idtool hint', async () => {
  const home = tempHome();
  try {
    await startFails(home, 'root', /is not a root[\s\S]*idtool initplanet[\s\S]*mkworld[\s\S]*initmoon[\s\S]*genmoon/);
    assert.ok(existsSync(join(home, 'identity.public')), 'the identity exists so the user can build the world');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('root: starts when its own planet lists it, and custom planet replaces the default', async () => {
  const home = tempHome();
  const key = c25519Generate();
  const planet = signWorld(
    {
      type: ZT_WORLD_TYPE_PLANET,
      id: 0x1234n,
      timestamp: 1n,
      updatesMustBeSignedBy: key.publicKey,
      roots: [{ identity: identity.publicOnly(), stableEndpoints: [{ family: 4, ip: Uint8Array.of(127, 0, 0, 1), port: 9993 }] }],
    },
    key.privateKey,
  );
  writeFileSync(join(home, 'planet'), serializeWorld(planet));
  const nodes: FakeNode[] = [];
  const svc = await startService({ home, mode: 'root', port: 0 }, fakeDeps(nodes));
  try {
    assert.equal(nodes[0]!.options.planet!.id, 0x1234n);
  } finally {
    await svc.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('service: moons.d files reach the core; broken ones are skipped', async () => {
  const home = tempHome();
  const key = c25519Generate();
  const moon = signWorld(
    { type: 127, id: BigInt(identity.address), timestamp: 5n, updatesMustBeSignedBy: key.publicKey, roots: [{ identity: identity.publicOnly(), stableEndpoints: [] }] },
    key.privateKey,
  );
  mkdirSync(join(home, 'moons.d'));
  const name = identity.address.toString(16).padStart(16, '0');
  writeFileSync(join(home, 'moons.d', `${name}.moon`), serializeWorld(moon));
  writeFileSync(join(home, 'moons.d', '00000000000000aa.moon'), Uint8Array.of(127, 1, 2));
  const nodes: FakeNode[] = [];
  const svc = await startService({ home, mode: 'root', port: 0 }, fakeDeps(nodes));
  try {
    assert.deepEqual(nodes[0]!.options.moons!.map((m) => m.id), [BigInt(identity.address)]);
  } finally {
    await svc.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('runService: a FatalError is one line on stderr and its exit code, no stack trace', async () => {
  const home = tempHome({ settings: { allowSecondaryPort: 'perhaps' } });
  try {
    let err = '';
    const code = await runService({ home, mode: 'service', port: 0 }, { stderr: (t) => (err += t) }, fakeDeps([]));
    assert.equal(code, 1);
    assert.equal(err, `tierzero: fatal error: local.conf: settings.allowSecondaryPort: expected true or false, got "perhaps" (in ${join(home, 'local.conf')})\n`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
