/** Scenario 1: two nodes on the open internet find each other through a root and go direct. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNet } from './sim-net.js';

test('sim: two public nodes come online, exchange messages via the root, then go direct', () => {
  const net = new SimNet({ seed: 11 });
  const a = net.addPublicNode('a');
  const b = net.addPublicNode('b');
  const took = net.runUntil(() => a.online && b.online, 30_000);
  assert.ok(took < 15_000, `online after ${took} ms`);
  assert.ok(net.roots[0].node.status(net.now).isRoot);

  // First message: A must WHOIS B at the root, then the root relays and introduces them.
  assert.equal(a.send(b, 'hello 0'), true);
  net.runUntil(() => b.texts(a).length === 1, 5_000);
  assert.deepEqual(b.texts(a), ['hello 0']);

  for (let i = 1; i <= 40; i++) {
    a.send(b, `hello ${i}`);
    b.send(a, `reply ${i}`);
    net.run(1_000);
  }
  assert.equal(b.texts(a).length, 41);
  assert.equal(a.texts(b).length, 40);
  assert.ok(a.hasDirectPathTo(b) && b.hasDirectPathTo(a), 'direct paths both ways');

  const relayedBefore = net.roots[0].node.counters.relayed;
  for (let i = 0; i < 10; i++) {
    a.send(b, `direct ${i}`);
    b.send(a, `direct back ${i}`);
    net.run(500);
  }
  assert.equal(net.roots[0].node.counters.relayed, relayedBefore, 'nothing relayed once direct');
  assert.equal(b.texts(a).filter((t) => t.startsWith('direct')).length, 10);
  assert.equal(a.texts(b).filter((t) => t.startsWith('direct')).length, 10);
});
