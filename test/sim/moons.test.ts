/**
 * Orbiting (spec vl1.md 10.4): a node told to orbit a moon through its seed finds the seed via
 * the planet's root, asks it for the moon in HELLO, accepts it from OK(HELLO), and the moon's
 * root becomes one of its upstreams. Deorbit removes it again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildWorld } from './planet.js';
import { SimNet } from './sim-net.js';

test('sim: orbit a moon through its seed, then deorbit', () => {
  const net = new SimNet({ seed: 81 });
  const moonRootId = net.takeIdentity();
  const moonRootAddr = { ip: '45.0.0.1', port: 9993 };
  const moon = buildWorld('moon', BigInt(moonRootId.address), 5000n, [{ identity: moonRootId, endpoints: [moonRootAddr] }]);
  const moonRoot = net.add('moonroot', moonRootAddr, moonRootId, { moons: [moon] });
  const a = net.addPublicNode('a');
  assert.ok(net.runUntil(() => a.online && moonRoot.online, 30_000) < 30_000);
  assert.ok(moonRoot.node.status(net.now).isRoot, 'a node listed in its own moon is a root');

  const moonId = BigInt(moonRootId.address);
  a.node.orbit(net.now, moonId, moonRootId.address);
  const took = net.runUntil(() => a.node.moons().length === 1, 30_000);
  assert.ok(took < 15_000, `moon received after ${took} ms`);
  assert.equal(a.node.moons()[0].timestamp, 5000n);
  const hex = moonId.toString(16).padStart(16, '0');
  assert.ok(a.state.has(`moon/${hex}`), 'the moon is persisted');
  assert.ok(a.events.some((e) => e.event.type === 'world-updated' && e.event.worldType === 'moon'));
  const peerStatus = () => a.node.peers(net.now).find((p) => p.address === moonRootId.address.toString(16).padStart(10, '0'));
  assert.equal(peerStatus()?.role, 'MOON');
  net.run(10_000);
  assert.ok(peerStatus()!.paths.some((p) => p.address.ip[0] === 45 && !p.expired), 'a direct path to the moon root at its stable endpoint');

  // A newer revision from the moon root reaches orbiting nodes at their next HELLO.
  const v2 = buildWorld('moon', moonId, 6000n, [{ identity: moonRootId, endpoints: [moonRootAddr] }]);
  moonRoot.node.runtime.topology.addWorld(v2, false);
  a.node.runtime.sw.sendHello(net.now, a.node.runtime.topology.getPeer(moonRootId.address)!, 0, a.node.runtime.topology.getPeer(moonRootId.address)!.bestPath(net.now)!.address);
  net.run(1_000);
  assert.equal(a.node.moons()[0].timestamp, 6000n);

  a.node.deorbit(net.now, moonId);
  assert.equal(a.node.moons().length, 0);
  assert.ok(!a.state.has(`moon/${hex}`));
  assert.equal(peerStatus()?.role ?? 'LEAF', 'LEAF');
});
