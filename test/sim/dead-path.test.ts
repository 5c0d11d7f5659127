/**
 * Scenario 6: a direct path that dies silently (a firewall starts dropping the pair's UDP while
 * both still reach the root). ZeroTier would keep sending into the void until the path expires
 * (243 s); TierZero notices the unanswered probes and relays through the root within about
 * 20 s, keeps probing the direct path, and goes direct again within seconds of it working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZT_PATH_ALIVE_TIMEOUT } from '../../src/core/vl1/constants.js';
import { SimNet } from './sim-net.js';
import type { SimNode } from './sim-node.js';

/** Both send every 500 ms until `done` (checked after each step) or `maxMs`; returns ms taken. */
function talkUntil(net: SimNet, a: SimNode, b: SimNode, done: () => boolean, maxMs: number, tag: string): number {
  const start = net.now;
  for (let i = 0; net.now - start < maxMs; i++) {
    a.send(b, `${tag} a${i}`);
    b.send(a, `${tag} b${i}`);
    net.run(500);
    if (done()) return net.now - start;
  }
  return Infinity;
}

/** Messages each way delivered during `ms` of talking, and datagrams the root relayed meanwhile. */
function window(net: SimNet, a: SimNode, b: SimNode, ms: number, tag: string): { ab: number; ba: number; relayed: number } {
  const root = net.roots[0].node.counters;
  const [ab0, ba0, r0] = [b.texts(a).length, a.texts(b).length, root.relayed];
  talkUntil(net, a, b, () => false, ms, tag);
  net.run(1_000);
  return { ab: b.texts(a).length - ab0, ba: a.texts(b).length - ba0, relayed: root.relayed - r0 };
}

test('sim: a direct path that goes silently dead falls back to the root within ~20 s, and goes direct again when it works', () => {
  const net = new SimNet({ seed: 61 });
  const a = net.addPublicNode('a');
  const b = net.addNatNode('b', net.addNat('port-restricted-cone'));
  assert.ok(net.runUntil(() => a.online && b.online, 30_000) < 30_000);
  const toDirect = talkUntil(net, a, b, () => a.hasDirectPathTo(b) && b.hasDirectPathTo(a), 60_000, 'start');
  assert.ok(toDirect < 60_000, 'direct before the block');
  const direct = window(net, a, b, 5_000, 'direct');
  assert.deepEqual(direct, { ab: 10, ba: 10, relayed: 0 }, 'all direct before the block');

  // The fabric drops everything between a and b; both still reach the root.
  net.fabric.setBlocked(a.host, b.host, true);
  const blockedAt = net.now;
  const [ab0, ba0] = [b.texts(a).length, a.texts(b).length];
  let resumedAB = Infinity;
  let resumedBA = Infinity;
  talkUntil(
    net,
    a,
    b,
    () => {
      if (resumedAB === Infinity && b.texts(a).length > ab0) resumedAB = net.now - blockedAt;
      if (resumedBA === Infinity && a.texts(b).length > ba0) resumedBA = net.now - blockedAt;
      return resumedAB !== Infinity && resumedBA !== Infinity;
    },
    60_000,
    'blocked',
  );
  if (process.env.SIM_VERBOSE) console.log(`relay fallback: a->b after ${resumedAB} ms, b->a after ${resumedBA} ms`);
  // The last receive was just before the block: not alive 19 s later, a probe unanswered since 14 s.
  assert.ok(resumedAB <= ZT_PATH_ALIVE_TIMEOUT + 2_000, `a -> b flowed again ${resumedAB} ms after the block`);
  assert.ok(resumedBA <= ZT_PATH_ALIVE_TIMEOUT + 2_000, `b -> a flowed again ${resumedBA} ms after the block`);
  const relayed = window(net, a, b, 10_000, 'relayed');
  assert.equal(relayed.ab, 20, 'every message a -> b arrives through the root');
  assert.equal(relayed.ba, 20, 'every message b -> a arrives through the root');
  assert.ok(relayed.relayed >= 40, `the root relayed ${relayed.relayed} datagrams`);
  const bAtA = a.node.peers(net.now).find((p) => p.address === b.node.status(net.now).address)!;
  assert.ok(bAtA.paths.length > 0 && bAtA.paths.every((p) => p.dead && !p.preferred), 'a keeps the dead path (probing it) but prefers none');

  // The block lifts: probes get answers, traffic goes direct again.
  net.fabric.setBlocked(a.host, b.host, false);
  const back = talkUntil(net, a, b, () => a.hasDirectPathTo(b) && b.hasDirectPathTo(a), 30_000, 'unblocked');
  if (process.env.SIM_VERBOSE) console.log(`direct again ${back} ms after unblocking`);
  assert.ok(back <= 5_000, `direct again ${back} ms after unblocking`);
  const after = window(net, a, b, 5_000, 'after');
  assert.deepEqual(after, { ab: 10, ba: 10, relayed: 0 }, 'all direct after the block lifts');
});

test('sim: an idle direct path is not abandoned: traffic after a long pause goes direct at once', () => {
  const net = new SimNet({ seed: 62 });
  const a = net.addPublicNode('a');
  const b = net.addPublicNode('b');
  assert.ok(net.runUntil(() => a.online && b.online, 30_000) < 30_000);
  assert.ok(talkUntil(net, a, b, () => a.hasDirectPathTo(b) && b.hasDirectPathTo(a), 60_000, 'start') < 60_000);
  // 100 s of silence (paths not alive, not expired), then one-way traffic for 30 s.
  net.run(100_000);
  const root = net.roots[0].node.counters;
  const relayed0 = root.relayed;
  const got0 = b.texts(a).length;
  for (let i = 0; i < 60; i++) {
    a.send(b, `one-way ${i}`);
    net.run(500);
  }
  net.run(1_000);
  assert.equal(b.texts(a).length - got0, 60);
  assert.equal(root.relayed, relayed0, 'nothing relayed: the idle path answered its probe');
});
