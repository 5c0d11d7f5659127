/** The simulator's own fabric must behave like the NATs it claims to model. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fabric, type SimAddress, type SimEndpoint, type NatPreset } from './fabric.js';

class Recorder implements SimEndpoint {
  got: { from: SimAddress; text: string; at: number }[] = [];
  receive(now: number, from: SimAddress, data: Uint8Array): void {
    this.got.push({ from, text: Buffer.from(data).toString(), at: now });
  }
  tick(): number {
    return Infinity;
  }
}

function setup(preset: NatPreset, hairpin = false) {
  const f = new Fabric(7);
  const nat = f.addNatPreset(preset, '198.51.100.1', hairpin);
  const inside = new Recorder();
  const a = f.addHost('inside', { ip: '10.0.0.2', port: 9993 }, inside, nat);
  const s1 = new Recorder();
  const s2 = new Recorder();
  const server1 = f.addHost('server1', { ip: '203.0.113.1', port: 9993 }, s1);
  const server2 = f.addHost('server2', { ip: '203.0.113.2', port: 9993 }, s2);
  return { f, nat, inside, a, s1, s2, server1, server2 };
}

test('fabric: endpoint-independent mapping reuses one public port for all destinations', () => {
  const { f, a, s1, s2 } = setup('full-cone');
  a.send({ ip: '203.0.113.1', port: 9993 }, new TextEncoder().encode('x'));
  a.send({ ip: '203.0.113.2', port: 9993 }, new TextEncoder().encode('y'));
  f.run(100);
  assert.equal(s1.got[0].from.ip, '198.51.100.1');
  assert.equal(s1.got[0].from.port, s2.got[0].from.port);
});

test('fabric: symmetric NAT uses a new public port per destination', () => {
  const { f, a, s1, s2 } = setup('symmetric');
  a.send({ ip: '203.0.113.1', port: 9993 }, new Uint8Array([1]));
  a.send({ ip: '203.0.113.2', port: 9993 }, new Uint8Array([2]));
  f.run(100);
  assert.notEqual(s1.got[0].from.port, s2.got[0].from.port);
});

const filteringCases: [NatPreset, boolean, boolean][] = [
  // preset, a stranger host may reply, the contacted host from another port may reply
  ['full-cone', true, true],
  ['restricted-cone', false, true],
  ['port-restricted-cone', false, false],
  ['symmetric', false, false],
];
for (const [preset, strangerPasses, otherPortPasses] of filteringCases) {
  test(`fabric: ${preset} filtering of unsolicited inbound datagrams`, () => {
    const { f, a, inside, s1, server2 } = setup(preset);
    a.send({ ip: '203.0.113.1', port: 9993 }, new Uint8Array([1]));
    f.run(10);
    const mapped = s1.got[0].from;
    server2.send(mapped, new TextEncoder().encode('stranger'));
    const otherPort = f.addHost('server1-alt', { ip: '203.0.113.1', port: 5555 }, new Recorder());
    otherPort.send(mapped, new TextEncoder().encode('other-port'));
    f.hosts.find((h) => h.name === 'server1')!.send(mapped, new TextEncoder().encode('reply'));
    f.run(20);
    const texts = inside.got.map((g) => g.text);
    assert.ok(texts.includes('reply'), 'the contacted endpoint can always answer');
    assert.equal(texts.includes('stranger'), strangerPasses);
    assert.equal(texts.includes('other-port'), otherPortPasses);
  });
}

test('fabric: hairpin delivers to a neighbour via the public address only when enabled', () => {
  for (const hairpin of [true, false]) {
    const f = new Fabric(1);
    const nat = f.addNatPreset('full-cone', '198.51.100.1', hairpin);
    const r1 = new Recorder();
    const r2 = new Recorder();
    const h1 = f.addHost('h1', { ip: '10.0.0.2', port: 9993 }, r1, nat);
    const h2 = f.addHost('h2', { ip: '10.0.0.3', port: 9993 }, r2, nat);
    const server = new Recorder();
    f.addHost('s', { ip: '203.0.113.1', port: 9993 }, server);
    h2.send({ ip: '203.0.113.1', port: 9993 }, new Uint8Array([0]));
    f.run(10);
    h1.send(server.got[0].from, new TextEncoder().encode('hairpin'));
    h1.send({ ip: '10.0.0.3', port: 9993 }, new TextEncoder().encode('lan'));
    f.run(20);
    assert.deepEqual(r2.got.map((g) => g.text).sort(), hairpin ? ['hairpin', 'lan'] : ['lan']);
  }
});

test('fabric: a TTL-2 datagram opens the sender\'s NAT mapping but never arrives', () => {
  const { f, a, nat, s1 } = setup('port-restricted-cone');
  a.send({ ip: '203.0.113.1', port: 9993 }, new Uint8Array([1]), 2);
  f.run(10);
  assert.equal(s1.got.length, 0);
  assert.equal(nat.mappingCount, 1);
  assert.equal(f.stats.ttlExpired, 1);
});

test('fabric: loss, duplication and jitter are deterministic for a seed', () => {
  const run = (seed: number) => {
    const f = new Fabric(seed);
    f.impairments = { loss: 0.2, duplicate: 0.1, delayMs: 5, jitterMs: 20 };
    const r = new Recorder();
    const rx = f.addHost('rx', { ip: '203.0.113.9', port: 1 }, r);
    const tx = f.addHost('tx', { ip: '203.0.113.8', port: 1 }, new Recorder());
    for (let i = 0; i < 200; i++) tx.send(rx.address, new TextEncoder().encode(String(i)));
    f.run(1000);
    return { order: r.got.map((g) => g.text).join(','), stats: { ...f.stats } };
  };
  const a = run(42);
  assert.deepEqual(run(42), a);
  assert.notDeepEqual(run(43).order, a.order);
  assert.ok(a.stats.lost > 10 && a.stats.lost < 80, `lost ${a.stats.lost}`);
  assert.ok(a.stats.duplicated > 0);
  const nums = a.order.split(',').map(Number);
  assert.ok(nums.some((n, i) => i > 0 && n < nums[i - 1]), 'jitter reorders');
});

test('fabric: blocked pairs and hosts that are down receive nothing', () => {
  const { f, server1, server2, s2 } = setup('full-cone');
  f.setBlocked(server1, server2, true);
  server1.send(server2.address, new Uint8Array([1]));
  f.run(10);
  assert.equal(s2.got.length, 0);
  f.setBlocked(server1, server2, false);
  server2.up = false;
  server1.send(server2.address, new Uint8Array([1]));
  f.run(20);
  assert.equal(s2.got.length, 0);
  server2.up = true;
  server1.send(server2.address, new Uint8Array([1]));
  f.run(30);
  assert.equal(s2.got.length, 1);
});
