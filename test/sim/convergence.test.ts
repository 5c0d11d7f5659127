/**
 * Scenario 6: 200 nodes (half on the internet, half behind NATs of every kind) converge: all
 * come online through one root, and a sample of pairs exchange messages. The root validates each
 * new identity once (the memory-hard check dominates the runtime); leaves learn each other from
 * the root's OK(WHOIS), which needs no validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NAT_PRESETS, type NatPreset } from './fabric.js';
import { SimNet } from './sim-net.js';
import type { SimNode } from './sim-node.js';

const NODES = 200;
const PAIRS = 20;

test(`sim: ${NODES} nodes converge and a sample of pairs exchange messages`, () => {
  const net = new SimNet({ seed: 61, identities: 'fixture' });
  const presets = Object.keys(NAT_PRESETS) as NatPreset[];
  const nodes: SimNode[] = [];
  for (let i = 0; i < NODES; i++) {
    nodes.push(i % 2 === 0 ? net.addPublicNode(`n${i}`) : net.addNatNode(`n${i}`, net.addNat(presets[(i >> 1) % presets.length])));
  }
  const took = net.runUntil(() => nodes.every((n) => n.online), 120_000, 500);
  assert.ok(took < 60_000, `all ${NODES} online after ${took} ms`);
  assert.equal(net.roots[0].node.peers(net.now).length, NODES, 'the root knows everyone');

  const rng = net.fabric.rng.fork();
  const pairs: [SimNode, SimNode][] = [];
  const chosen = new Set<string>();
  while (pairs.length < PAIRS) {
    const i = rng.int(0, NODES - 1);
    const j = rng.int(0, NODES - 1);
    const key = i < j ? `${i}|${j}` : `${j}|${i}`;
    if (i === j || chosen.has(key)) continue;
    chosen.add(key);
    pairs.push([nodes[i], nodes[j]]);
  }
  for (let round = 0; round < 5; round++) {
    for (const [x, y] of pairs) {
      x.send(y, `${x.name}>${y.name} ${round}`);
      y.send(x, `${y.name}>${x.name} ${round}`);
    }
    net.run(1_000);
  }
  net.run(5_000);
  for (const [x, y] of pairs) {
    assert.equal(y.texts(x).filter((t) => t.startsWith(`${x.name}>${y.name}`)).length, 5, `${x.name} -> ${y.name}`);
    assert.equal(x.texts(y).filter((t) => t.startsWith(`${y.name}>${x.name}`)).length, 5, `${y.name} -> ${x.name}`);
  }
  // Leaves only know the roots and whom they talked to: no all-to-all identity exchange.
  const maxPeers = Math.max(...nodes.map((n) => n.node.peers(net.now).length));
  assert.ok(maxPeers <= 1 + 2 * PAIRS, `a leaf knows ${maxPeers} peers`);
});
