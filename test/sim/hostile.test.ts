/**
 * Scenario 7: replayed and forged packets change nothing. Everything delivered to a node during
 * a normal conversation is captured (fabric.onDeliver) and re-injected; then bit-flipped copies;
 * then random garbage (some of it shaped like packets). The node gains no peers, delivers no
 * message twice, raises no events, keeps its paths, and counts every injected datagram as a drop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimAddress } from './fabric.js';
import { SimNet } from './sim-net.js';
import type { SimNode } from './sim-node.js';

interface Captured {
  from: SimAddress;
  data: Uint8Array;
}

/** What must not change: peers and their paths, messages, events. */
function fingerprint(n: SimNode, now: number): string {
  const peers = n.node.peers(now).map((p) => `${p.address}:${p.paths.map((x) => `${x.address.ip.join('.')}/${x.address.port}`).join(',')}`);
  return JSON.stringify({ peers, texts: n.texts(), events: n.events.length, parked: n.node.runtime.sw.parkedInbound });
}

/**
 * Packets that claim an unknown sender (a flipped source address, garbage) wait 5 s for a WHOIS
 * the root cannot answer; let b's timers run until they expire (each then counts as a drop).
 */
function settle(net: SimNet, b: SimNode): void {
  net.run(50);
  b.ticking = true;
  net.run(6_000);
  b.ticking = false;
}

function totalDrops(n: SimNode): number {
  return n.node.counters.totalDrops;
}

test('sim: replayed, bit-flipped and garbage datagrams are counted drops and change nothing', () => {
  const net = new SimNet({ seed: 71 });
  const a = net.addPublicNode('a');
  const b = net.addPublicNode('b');
  const captured: Captured[] = [];
  net.fabric.onDeliver = (host, from, data) => {
    if (host === b.host) captured.push({ from: { ...from }, data: data.slice() });
  };
  assert.ok(net.runUntil(() => a.online && b.online, 30_000) < 30_000);
  for (let i = 0; i < 20; i++) {
    a.send(b, `m${i}`);
    net.run(1_000);
  }
  net.fabric.onDeliver = undefined;
  assert.equal(b.texts(a).length, 20);
  assert.ok(captured.length > 20);
  // Quiet period so nothing legitimate is in flight while we measure.
  net.run(100);
  b.ticking = false; // no timers: only injected datagrams can change b
  const before = fingerprint(b, net.now);
  const counters = b.node.counters;

  // 1. Replays of every captured datagram.
  let drops = totalDrops(b);
  for (const c of captured) net.fabric.inject(b.host, c.from, c.data);
  net.run(50);
  assert.equal(fingerprint(b, net.now), before, 'replays changed state');
  assert.equal(totalDrops(b) - drops, captured.length, 'every replay is a counted drop');
  assert.ok((counters.drops.replayed ?? 0) > 0);

  // 2. Bit flips (outside the hop bits, which relays may change and which are not authenticated).
  const rng = net.fabric.rng.fork();
  drops = totalDrops(b);
  let flipped = 0;
  for (const c of captured) {
    for (let k = 0; k < 5; k++) {
      const d = c.data.slice();
      let bit: number;
      do bit = rng.int(0, d.length * 8 - 1);
      while (bit >> 3 === 18 && (bit & 7) < 3);
      d[bit >> 3] ^= 0x80 >> (bit & 7);
      net.fabric.inject(b.host, c.from, d);
      flipped++;
    }
  }
  settle(net, b);
  assert.equal(fingerprint(b, net.now), before, 'bit flips changed state');
  assert.equal(totalDrops(b) - drops, flipped, 'every flipped datagram is a counted drop');

  // 3. Garbage: random lengths and bytes, half of it with b's address as destination.
  drops = totalDrops(b);
  const n = 400;
  for (let i = 0; i < n; i++) {
    const d = rng.bytes(rng.int(0, 1500));
    if (i % 2 === 0 && d.length >= 28) {
      d.set(b.node.runtime.identity.serialize().subarray(0, 5), 8);
      d[13] = 0x01; // never a fragment indicator: looks like a packet from some stranger
    }
    net.fabric.inject(b.host, { ip: `45.${i & 255}.0.1`, port: 1000 + i }, d);
  }
  settle(net, b);
  assert.equal(b.node.runtime.sw.parkedInbound, 0);
  const after = JSON.parse(fingerprint(b, net.now));
  const was = JSON.parse(before);
  assert.deepEqual(after.peers.map((p: string) => p.split(':')[0]), was.peers.map((p: string) => p.split(':')[0]), 'no new peers');
  assert.deepEqual(after.texts, was.texts);
  assert.equal(after.events, was.events);
  assert.equal(totalDrops(b) - drops, n, 'every garbage datagram is a counted drop');
  assert.equal(b.texts(a).length, 20, 'no message delivered twice');

  if (process.env.SIM_VERBOSE) console.log(JSON.stringify(counters.drops));
  // And the conversation still works.
  b.ticking = true;
  a.send(b, 'still here');
  net.run(1_000);
  assert.equal(b.texts(a).at(-1), 'still here');
});
