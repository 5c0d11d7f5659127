/**
 * Scenario 2, the NAT grid: two nodes behind every pair of NAT kinds (and both behind one NAT,
 * with and without hairpin) exchange USER_MESSAGEs through a root for a while; then we look at
 * whether their traffic still goes through the root. The table is compared with a committed
 * snapshot (UPDATE_SNAPSHOTS=1 rewrites it) and checked against what NAT behaviour predicts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NAT_PRESETS, type NatPreset } from './fabric.js';
import { SimNet } from './sim-net.js';
import type { SimNode } from './sim-node.js';
import { REPO_ROOT } from '../helpers/vectors.js';

type Outcome = 'direct' | 'relayed' | 'failed';

const PRESETS = Object.keys(NAT_PRESETS) as NatPreset[];
const SNAPSHOT = join(REPO_ROOT, 'test', 'sim', 'nat-grid.snapshot.json');

/** Exchange messages for `warmupMs`, then measure a window: delivered, and relayed by the root or not. */
function exchange(net: SimNet, a: SimNode, b: SimNode): Outcome {
  const online = net.runUntil(() => a.online && b.online, 60_000);
  assert.ok(online < 60_000, 'both nodes come online');
  for (let i = 0; i < 80; i++) {
    a.send(b, `a${i}`);
    b.send(a, `b${i}`);
    net.run(1_000);
  }
  const root = net.roots[0].node;
  const relayedBefore = root.counters.relayed;
  const gotA = b.texts(a).length;
  const gotB = a.texts(b).length;
  for (let i = 0; i < 20; i++) {
    a.send(b, `wa${i}`);
    b.send(a, `wb${i}`);
    net.run(500);
  }
  net.run(2_000);
  const delivered = b.texts(a).length - gotA === 20 && a.texts(b).length - gotB === 20;
  if (!delivered) return 'failed';
  return root.counters.relayed === relayedBefore ? 'direct' : 'relayed';
}

function pairScenario(pa: NatPreset, pb: NatPreset): Outcome {
  const net = new SimNet({ seed: 1000 + PRESETS.indexOf(pa) * 10 + PRESETS.indexOf(pb) });
  const a = net.addNatNode('a', net.addNat(pa));
  const b = net.addNatNode('b', net.addNat(pb));
  return exchange(net, a, b);
}

function sameNatScenario(p: NatPreset, hairpin: boolean): Outcome {
  const net = new SimNet({ seed: 2000 + PRESETS.indexOf(p) * 2 + (hairpin ? 1 : 0) });
  const nat = net.addNat(p, hairpin);
  const a = net.addNatNode('a', nat);
  const b = net.addNatNode('b', nat);
  return exchange(net, a, b);
}

function computeTable(): Record<string, Outcome> {
  const table: Record<string, Outcome> = {};
  for (let i = 0; i < PRESETS.length; i++) {
    for (let j = i; j < PRESETS.length; j++) table[`${PRESETS[i]} <-> ${PRESETS[j]}`] = pairScenario(PRESETS[i], PRESETS[j]);
  }
  for (const p of PRESETS) {
    table[`same NAT (${p}, hairpin)`] = sameNatScenario(p, true);
    table[`same NAT (${p}, no hairpin)`] = sameNatScenario(p, false);
  }
  return table;
}

test('sim: NAT grid outcome table matches the snapshot and NAT theory', () => {
  const table = computeTable();
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(SNAPSHOT)) {
    writeFileSync(SNAPSHOT, JSON.stringify(table, null, 2) + '\n');
  }
  // Every pair can talk, at worst through the root.
  for (const [k, v] of Object.entries(table)) assert.notEqual(v, 'failed', `${k} failed to deliver`);
  // A full-cone NAT accepts from anyone once mapped: always direct.
  for (const p of PRESETS) assert.equal(table[`full-cone <-> ${p}`], 'direct', `full-cone <-> ${p}`);
  // Cone NATs on both sides punch through.
  assert.equal(table['restricted-cone <-> port-restricted-cone'], 'direct');
  assert.equal(table['port-restricted-cone <-> port-restricted-cone'], 'direct');
  // Without port prediction, a symmetric NAT against a port-dependent filter cannot be punched.
  assert.equal(table['symmetric <-> symmetric'], 'relayed');
  assert.equal(table['port-restricted-cone <-> symmetric'], 'relayed');
  // Behind one NAT without hairpin, VL1 alone has no LAN path (pushes need VL2 trust).
  assert.equal(table['same NAT (full-cone, no hairpin)'], 'relayed');
  assert.equal(table['same NAT (full-cone, hairpin)'], 'direct');
  const snapshot = JSON.parse(readFileSync(SNAPSHOT, 'utf8'));
  assert.deepEqual(table, snapshot, 'outcome table differs from test/sim/nat-grid.snapshot.json (UPDATE_SNAPSHOTS=1 to accept)');
});
