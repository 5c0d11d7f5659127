/** Identical seeds give identical runs: same datagrams at the same virtual times, same events. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SimNet } from './sim-net.js';

function runScenario(seed: number): { events: string[]; wire: string; stats: unknown } {
  const net = new SimNet({ seed, roots: 2 });
  net.fabric.impairments = { loss: 0.02, duplicate: 0.02, delayMs: 5, jitterMs: 10 };
  const wire = createHash('sha256');
  net.fabric.onDeliver = (host, from, data) => {
    wire.update(`${net.now}|${host.name}|${from.ip}:${from.port}|`);
    wire.update(data);
  };
  const a = net.addNatNode('a', net.addNat('port-restricted-cone'));
  const b = net.addNatNode('b', net.addNat('symmetric'));
  const c = net.addPublicNode('c');
  net.run(5_000);
  for (let i = 0; i < 30; i++) {
    a.send(b, `ab${i}`);
    b.send(c, `bc${i}`);
    c.send(a, `ca${i}`);
    net.run(1_000);
  }
  const events = net.all.flatMap((n) => n.events.map((e) => `${e.at} ${n.name} ${e.event.type} ${'from' in e.event ? e.event.from : ''}`));
  return { events, wire: wire.digest('hex'), stats: { ...net.fabric.stats } };
}

test('sim: the same seed replays the same run; another seed does not', () => {
  const first = runScenario(5);
  const second = runScenario(5);
  assert.ok(first.events.length > 50);
  assert.deepEqual(second.events, first.events);
  assert.equal(second.wire, first.wire);
  assert.deepEqual(second.stats, first.stats);
  assert.notEqual(runScenario(6).wire, first.wire);
});
