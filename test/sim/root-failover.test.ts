/**
 * Scenarios 3 and 5: roots failing. With two roots, losing one keeps relaying and WHOIS going
 * through the other. A single root that disappears takes its nodes offline; when it comes back
 * (restarted, with no memory) they return online quickly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNet } from './sim-net.js';

test('sim: root failover: relayed traffic and WHOIS continue through the second root', () => {
  const net = new SimNet({ seed: 21, roots: 2 });
  // Symmetric NATs on both sides: these two can only ever talk through a root.
  const a = net.addNatNode('a', net.addNat('symmetric'));
  const b = net.addNatNode('b', net.addNat('symmetric'));
  assert.ok(net.runUntil(() => a.online && b.online, 30_000) < 30_000);
  for (let i = 0; i < 20; i++) {
    a.send(b, `before ${i}`);
    net.run(1_000);
  }
  assert.equal(b.texts(a).length, 20);

  // Take down whichever root relays for them now.
  const relaying = net.roots.reduce((x, y) => (x.node.counters.relayed >= y.node.counters.relayed ? x : y));
  const survivor = net.roots.find((r) => r !== relaying)!;
  relaying.host.up = false;
  const downAt = net.now;
  let firstAfter = Infinity;
  for (let i = 0; i < 400 && firstAfter === Infinity; i++) {
    const before = b.texts(a).length;
    a.send(b, `after ${i}`);
    net.run(1_000);
    if (b.texts(a).length > before) firstAfter = net.now - downAt;
  }
  // Roots answer their own keepalive WHOIS every 5 s; a path silent 19 s is no longer alive.
  assert.ok(firstAfter <= 30_000, `traffic resumed ${firstAfter} ms after the root died`);
  if (process.env.SIM_VERBOSE) console.log(`failover took ${firstAfter} ms`);
  const relayedBySurvivor = survivor.node.counters.relayed;
  for (let i = 0; i < 10; i++) {
    a.send(b, `steady ${i}`);
    b.send(a, `steady back ${i}`);
    net.run(1_000);
  }
  assert.equal(b.texts(a).filter((t) => t.startsWith('steady')).length, 10);
  assert.equal(a.texts(b).filter((t) => t.startsWith('steady')).length, 10);
  assert.ok(survivor.node.counters.relayed >= relayedBySurvivor + 20, 'the surviving root relays');

  // A newcomer: reaching it needs a WHOIS, which must go to the surviving root.
  const c = net.addNatNode('c', net.addNat('symmetric'));
  assert.ok(net.runUntil(() => c.online, 30_000) < 30_000, 'newcomer online through the surviving root');
  assert.ok(!a.knows(c));
  a.send(c, 'welcome');
  assert.ok(net.runUntil(() => c.texts(a).length === 1, 10_000) < 10_000, 'WHOIS answered by the surviving root');
  assert.ok(a.knows(c) && c.knows(a));
});

test('sim: a root that disappears and returns (restarted) brings its nodes back online', () => {
  const net = new SimNet({ seed: 22 });
  const root = net.roots[0];
  const a = net.addNatNode('a', net.addNat('port-restricted-cone'));
  const b = net.addPublicNode('b');
  assert.ok(net.runUntil(() => a.online && b.online, 30_000) < 30_000);

  root.host.up = false;
  net.run(520_000);
  assert.ok(!a.online && !b.online, 'offline after 500 s without the root');
  for (const n of [a, b]) assert.equal(n.events.at(-1)?.event.type, 'offline');

  root.restart();
  root.host.up = true;
  const back = net.runUntil(() => a.online && b.online, 30_000);
  assert.ok(back <= 10_000, `back online ${back} ms after the root returned`);
  // The restarted root knows them again and relays/introduces as before.
  a.send(b, 'after the outage');
  b.send(a, 'likewise');
  assert.ok(net.runUntil(() => b.texts(a).length === 1 && a.texts(b).length === 1, 10_000) < 10_000);
});
