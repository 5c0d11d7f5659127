/**
 * The service's Vl2Host: ports (fake TAPs) per joined network, frames both ways, network
 * changes applied (MAC, MTU, managed addresses and routes, config saved, multicast), settings,
 * leave, PORT_ERROR, restart from networks.d.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROADCAST_MAC, macFromAddress } from '../../src/core/vl2/mac.js';
import { parseNetworkConfig } from '../../src/core/vl2/netconf.js';
import { silentLogger } from '../../src/service/logger.js';
import type { IpCommandRunner } from '../../src/service/networks/ip-command.js';
import { NetworkPorts } from '../../src/service/networks/network-ports.js';
import { NetworksDir } from '../../src/service/networks/networks-dir.js';
import { StateStore } from '../../src/service/state-store.js';
import { FakeTapFactory } from '../../src/service/tap/fake-tap.js';
import { FakeVl2, inet, sampleConfig } from './vl2-fakes.js';

const ADDRESS = 0x0c234e38b7;
const NWID = 0x877b4c739939ef9fn;

class Recorder implements IpCommandRunner {
  commands: string[] = [];
  async run(args: readonly string[]) {
    this.commands.push(args.join(' '));
    return { ok: true, error: '' };
  }
}

interface Rig {
  home: string;
  ports: NetworkPorts;
  vl2: FakeVl2;
  taps: FakeTapFactory;
  ip: Recorder;
  pokes: () => number;
  errors: string[];
}

function rig(home = mkdtempSync(join(tmpdir(), 'tz-ports-'))): Rig {
  const taps = new FakeTapFactory();
  const ip = new Recorder();
  let pokes = 0;
  const errors: string[] = [];
  const log = silentLogger();
  log.error = ((...args: unknown[]) => void errors.push(String(args.find((a) => typeof a === 'string')))) as typeof log.error;
  const ports = new NetworkPorts({
    taps,
    ip,
    dir: new NetworksDir(new StateStore(home)),
    log,
    clock: () => 1_000_000,
    address: ADDRESS,
    defer: (fn) => setImmediate(fn),
    poke: () => pokes++,
  });
  const vl2 = new FakeVl2(ports, ADDRESS);
  ports.attach(vl2);
  return { home, ports, vl2, taps, ip, pokes: () => pokes, errors };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('network ports: join makes a port, files and a core join; frames go both ways', async () => {
  const r = rig();
  try {
    const view = r.ports.join(NWID);
    assert.equal(view.portDeviceName, 'zt6trhlhag');
    assert.equal(view.mac, macFromAddress(ADDRESS, NWID));
    assert.equal(view.state?.status, 'REQUESTING_CONFIGURATION');
    assert.deepEqual(r.vl2.calls, ['join 877b4c739939ef9f']);
    assert.equal(readFileSync(join(r.home, 'networks.d', '877b4c739939ef9f.conf'), 'utf8'), '\n');
    assert.equal(readFileSync(join(r.home, 'networks.d', '877b4c739939ef9f.local.conf'), 'utf8'), 'allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=0\n');
    const tap = r.taps.byNetwork(NWID)!;
    assert.equal(tap.mac, view.mac);
    assert.equal(tap.mtu, 2800);
    assert.ok(tap.up);
    r.ports.join(NWID);
    assert.equal(r.taps.history.length, 1, 'join is idempotent');

    const before = r.pokes();
    tap.inject(view.mac, BROADCAST_MAC, 0x0806, Uint8Array.of(1, 2, 3));
    assert.deepEqual(r.vl2.frames, [{ nwid: NWID, src: view.mac, dst: BROADCAST_MAC, etherType: 0x0806, payload: [1, 2, 3] }]);
    assert.ok(r.pokes() > before, 'the core is poked after a frame');
    r.ports.deliverFrame(NWID, 0x32aabbccddee, view.mac, 0x88b5, 0, Uint8Array.of(9, 8));
    assert.deepEqual(tap.written, [{ srcMac: 0x32aabbccddee, dstMac: view.mac, etherType: 0x88b5, vlanId: 0, payload: Uint8Array.of(9, 8) }]);
    r.ports.deliverFrame(0x1234n, 1, 2, 0x800, 0, Uint8Array.of(1));
    assert.equal(r.ports.framesWithoutPort, 1);
  } finally {
    r.ports.close();
    rmSync(r.home, { recursive: true, force: true });
  }
});

test('network ports: a config is applied (MTU, addresses, routes, saved config, ARP/NDP subscriptions)', async () => {
  const r = rig();
  try {
    r.ports.join(NWID);
    const tap = r.taps.byNetwork(NWID)!;
    tap.osMulticastMacs = [0x333300000001];
    const config = sampleConfig(NWID, {
      mtu: 1500,
      staticIps: [inet('fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88'), inet('172.31.250.17/24'), inet('8.8.8.8/24')],
      routes: [
        { target: inet('172.31.250.0/24'), via: null, flags: 0, metric: 0 },
        { target: inet('172.31.251.0/24'), via: inet('172.31.250.1'), flags: 0, metric: 0 },
      ],
    });
    r.vl2.configure(NWID, config);
    await until('routes applied', () => r.ip.commands.length === 3);
    assert.equal(tap.mtu, 1500);
    assert.deepEqual(r.ip.commands, [
      '-6 addr replace fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88 dev zt6trhlhag nodad',
      '-4 addr replace 172.31.250.17/24 broadcast + dev zt6trhlhag',
      '-4 route replace 172.31.251.0/24 via 172.31.250.1 dev zt6trhlhag proto static metric 5000',
    ], 'global 8.8.8.8 needs allowGlobal; the connected /24 is the kernel\'s');
    await until('subscriptions', () => r.vl2.network(NWID)!.multicastSubscriptions.length === 3);
    assert.deepEqual(r.vl2.network(NWID)!.multicastSubscriptions, [
      { mac: 0x333300000001, adi: 0 },
      { mac: 0x3333ff4e38b7, adi: 0 },
      { mac: BROADCAST_MAC, adi: 2887776785 },
    ]);
    const saved = parseNetworkConfig(new Uint8Array(readFileSync(join(r.home, 'networks.d', '877b4c739939ef9f.conf'))));
    assert.ok(saved.ok && saved.value.networkId === NWID && saved.value.revision === 3, 'the config is kept in networks.d');

    // Settings: allowManaged off removes the managed state; allowGlobal on brings the global address.
    r.ip.commands = [];
    await r.ports.updateSettings(NWID, { allowManaged: false });
    assert.deepEqual(r.ip.commands, [
      '-6 addr del fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88 dev zt6trhlhag',
      '-4 addr del 172.31.250.17/24 dev zt6trhlhag',
      '-4 route del 172.31.251.0/24 via 172.31.250.1 dev zt6trhlhag proto static metric 5000',
    ]);
    assert.deepEqual(r.vl2.network(NWID)!.multicastSubscriptions, [{ mac: 0x333300000001, adi: 0 }], 'address groups unsubscribed');
    tap.osIps = [Uint8Array.of(192, 168, 7, 1)];
    r.ports.scanMulticast();
    assert.deepEqual(r.vl2.network(NWID)!.multicastSubscriptions.at(-1), { mac: BROADCAST_MAC, adi: 0xc0a80701 }, 'an address added by hand gets its ARP group');
    r.ip.commands = [];
    await r.ports.updateSettings(NWID, { allowManaged: true, allowGlobal: true });
    assert.ok(r.ip.commands.includes('-4 addr replace 8.8.8.8/24 broadcast + dev zt6trhlhag'));
    assert.match(readFileSync(join(r.home, 'networks.d', '877b4c739939ef9f.local.conf'), 'utf8'), /^allowManaged=1\nallowGlobal=1\n/);

    // A refusal keeps the config in force (and its addresses), as the reference does.
    r.ip.commands = [];
    r.vl2.configure(NWID, config, 'ACCESS_DENIED');
    await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(r.ip.commands, []);
  } finally {
    r.ports.close();
    rmSync(r.home, { recursive: true, force: true });
  }
});

test('network ports: leave removes the port and both files; close keeps memberships; restart rejoins', async () => {
  const home = mkdtempSync(join(tmpdir(), 'tz-ports-'));
  try {
    const r = rig(home);
    r.ports.join(NWID);
    r.ports.join(0x1111111111111111n);
    await r.ports.updateSettings(NWID, { allowDNS: true });
    assert.equal(r.ports.leave(0x1111111111111111n), true);
    assert.equal(r.ports.leave(0x1111111111111111n), false);
    assert.equal(existsSync(join(home, 'networks.d', '1111111111111111.conf')), false);
    assert.equal(existsSync(join(home, 'networks.d', '1111111111111111.local.conf')), false);
    assert.deepEqual(r.vl2.calls, ['join 877b4c739939ef9f', 'join 1111111111111111', 'leave 1111111111111111']);
    assert.equal(r.taps.open_.length, 1);
    r.ports.close();
    assert.equal(r.taps.open_.length, 0, 'stop closes every TAP');
    assert.ok(existsSync(join(home, 'networks.d', '877b4c739939ef9f.conf')), 'memberships stay');

    writeFileSync(join(home, 'networks.d', '2222222222222222.conf'), 'corrupt\0');
    const again = rig(home);
    again.ports.restore();
    assert.deepEqual(again.ports.views().map((v) => v.nwid), [NWID]);
    assert.equal(again.ports.views()[0]!.settings.allowDNS, true, 'local settings reloaded');
    assert.equal(again.errors.length, 1);
    assert.match(again.errors[0]!, /2222222222222222\.conf: not a network config/);
    again.ports.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('network ports: a port that cannot be created is PORT_ERROR, the network stays joined', () => {
  const r = rig();
  try {
    r.taps.failWith = 'cannot create TAP device ztx: EPERM (creating TAP devices needs root or CAP_NET_ADMIN)';
    const view = r.ports.join(NWID);
    assert.equal(view.portError, -1);
    assert.equal(view.portDeviceName, '');
    assert.equal(r.vl2.portErrors.get(NWID), true);
    assert.match(r.errors.join('\n'), /no port \(PORT_ERROR\): cannot create TAP device ztx: EPERM/);
    r.ports.deliverFrame(NWID, 1, 2, 0x800, 0, Uint8Array.of(1));
    assert.equal(r.ports.framesWithoutPort, 1);
    assert.equal(r.ports.leave(NWID), true);
  } finally {
    r.ports.close();
    rmSync(r.home, { recursive: true, force: true });
  }
});

test('network ports: a core that throws on a frame does not take the port down', () => {
  const r = rig();
  try {
    r.ports.join(NWID);
    r.vl2.processVirtualFrame = () => {
      throw new Error('boom');
    };
    const tap = r.taps.byNetwork(NWID)!;
    tap.inject(1, 2, 0x800, Uint8Array.of(1));
    tap.inject(1, 2, 0x800, Uint8Array.of(1));
    assert.equal(tap.closed, false);
  } finally {
    r.ports.close();
    rmSync(r.home, { recursive: true, force: true });
  }
});

