/**
 * Scenario 4: roaming. A node moves to another network mid-conversation (new NAT, new public
 * IP); its root reports the new address, it re-probes its paths, its peer learns the new path,
 * and traffic resumes within a bounded time in both directions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNet } from './sim-net.js';

test('sim: a node that changes networks mid-stream is reachable again within seconds', () => {
  const net = new SimNet({ seed: 31 });
  const home = net.addNat('port-restricted-cone');
  const away = net.addNat('restricted-cone');
  const a = net.addNatNode('a', home);
  const b = net.addPublicNode('b');
  assert.ok(net.runUntil(() => a.online && b.online, 30_000) < 30_000);
  for (let i = 0; i < 10; i++) {
    a.send(b, `a${i}`);
    b.send(a, `b${i}`);
    net.run(1_000);
  }
  assert.ok(a.hasDirectPathTo(b) && b.hasDirectPathTo(a), 'direct before the move');

  net.fabric.move(a.host, { ip: '10.1.0.9', port: 9993 }, away);
  const movedAt = net.now;
  let resumedAtoB = Infinity;
  let resumedBtoA = Infinity;
  for (let i = 0; i < 120 && (resumedAtoB === Infinity || resumedBtoA === Infinity); i++) {
    const gotB = b.texts(a).length;
    const gotA = a.texts(b).length;
    a.send(b, `moved a${i}`);
    b.send(a, `moved b${i}`);
    net.run(500);
    if (resumedAtoB === Infinity && b.texts(a).length > gotB) resumedAtoB = net.now - movedAt;
    if (resumedBtoA === Infinity && a.texts(b).length > gotA) resumedBtoA = net.now - movedAt;
  }
  if (process.env.SIM_VERBOSE) console.log(`resumed a->b ${resumedAtoB} ms, b->a ${resumedBtoA} ms`);
  assert.ok(resumedAtoB <= 5_000, `a -> b resumed after ${resumedAtoB} ms`);
  assert.ok(resumedBtoA <= 20_000, `b -> a resumed after ${resumedBtoA} ms`);

  // Settles on the new direct path: b prefers a's new public address, nothing relayed.
  net.run(30_000);
  const relayed = net.roots[0].node.counters.relayed;
  const before = [b.texts(a).length, a.texts(b).length];
  for (let i = 0; i < 10; i++) {
    a.send(b, `settled a${i}`);
    b.send(a, `settled b${i}`);
    net.run(500);
  }
  assert.deepEqual([b.texts(a).length, a.texts(b).length], [before[0] + 10, before[1] + 10]);
  assert.equal(net.roots[0].node.counters.relayed, relayed);
  const bPeerA = b.node.peers(net.now).find((p) => p.address === a.node.status(net.now).address)!;
  const preferred = bPeerA.paths.find((p) => p.preferred)!;
  assert.deepEqual(Array.from(preferred.address.ip), [70, 0, 1, 1], 'b sends to a\'s new NAT');
});
