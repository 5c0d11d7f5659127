/** Paths and peers: liveness, expiry, quality, learning and selection (spec vl1.md 11.2, 10.7). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import { Path, LATENCY_UNKNOWN } from '../../src/core/vl1/path.js';
import { Peer } from '../../src/core/vl1/peer.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { ids, NOW } from './engine-harness.js';

const v4 = (a: number, b: number, c: number, d: number, port = 9993): InetAddress => ({ family: 4, ip: Uint8Array.of(a, b, c, d), port });
const PUBLIC = v4(60, 0, 0, 1);
const PRIVATE = v4(10, 0, 0, 1);

function peer(): Peer {
  const { alice, bob } = ids();
  return new Peer(bob, new PeerKey(alice.agree(bob)));
}

test('path: alive 19 s after a receive, heartbeat due 14 s after a send, expired after 243 s', () => {
  const p = new Path(0, PUBLIC);
  assert.ok(!p.alive(NOW) && p.expired(NOW) && p.needsHeartbeat(NOW), 'a path never heard from');
  p.received(NOW);
  p.sent(NOW);
  assert.ok(p.alive(NOW + 18_999) && !p.alive(NOW + 19_000));
  assert.ok(!p.needsHeartbeat(NOW + 13_999) && p.needsHeartbeat(NOW + 14_000));
  assert.ok(!p.expired(NOW + 242_999) && p.expired(NOW + 243_000));
});

test('path: latency starts unknown, takes the first sample, then averages', () => {
  const p = new Path(0, PUBLIC);
  assert.equal(p.latency, LATENCY_UNKNOWN);
  p.updateLatency(40);
  assert.equal(p.latency, 40);
  p.updateLatency(20);
  assert.equal(p.latency, 30);
  p.updateLatency(-5);
  assert.equal(p.latency, 15, 'negative samples clamp to 0');
});

test('path: quality weighs latency by scope and punishes silence', () => {
  const pub = new Path(0, PUBLIC);
  const priv = new Path(0, PRIVATE);
  for (const p of [pub, priv]) {
    p.received(NOW);
    p.updateLatency(10);
  }
  assert.equal(priv.quality(NOW), 10, 'private scope: x1');
  assert.equal(pub.quality(NOW), 40, 'global scope: x4');
  assert.equal(priv.quality(NOW + 30_000), 10 + 65535 + 30_000, 'not alive: latency + 65535 + age');
  assert.equal(priv.quality(NOW + 500_000), 10 + 65535 + 140_000, 'age capped at 140 s');
});

test('peer: learning: known paths refresh, same-IP paths are not relearned, relayed never learn', () => {
  const p = peer();
  assert.equal(p.learn(NOW, 0, PUBLIC, 1), 'relayed');
  assert.equal(p.paths.length, 0);
  assert.equal(p.lastReceive, NOW, 'relayed traffic still counts as hearing from the peer');
  assert.equal(p.learn(NOW, 0, PUBLIC, 0), 'new');
  p.addPath(NOW, 0, PUBLIC).received(NOW);
  assert.equal(p.learn(NOW + 5, 0, PUBLIC, 0), 'known');
  assert.equal(p.paths[0].lastReceive, NOW + 5);
  // Same IP, other port, while the first path is alive: ignored (no learning loops).
  assert.equal(p.learn(NOW + 6, 0, v4(60, 0, 0, 1, 4000), 0), 'ignored');
  // Once the first path is silent, the new port is new.
  assert.equal(p.learn(NOW + 30_000, 0, v4(60, 0, 0, 1, 4000), 0), 'new');
  // Other socket, same address: a different path.
  assert.equal(p.learn(NOW + 30_001, 1, PUBLIC, 0), 'new');
});

test('peer: at most 64 paths; a dead path to the same IP is replaced first, else the longest silent', () => {
  const p = peer();
  for (let i = 0; i < 64; i++) p.addPath(NOW, 0, v4(60, 1, i, 1)).received(NOW + i);
  assert.equal(p.paths.length, 64);
  p.addPath(NOW + 100, 0, v4(60, 2, 0, 1));
  assert.equal(p.paths.length, 64);
  assert.ok(!p.paths.some((x) => x.address.ip[2] === 0 && x.address.ip[1] === 1), 'the longest silent path went');
  // A dead path to the same IP (other port) is the preferred victim.
  p.addPath(NOW + 100_000, 0, v4(60, 1, 40, 1, 5555));
  assert.ok(!p.paths.some((x) => x.address.ip[2] === 40 && x.address.port === 9993));
});

test('peer: the best path minimises quality; ties go to the later slot; expired paths never win', () => {
  const p = peer();
  const a = p.addPath(NOW, 0, v4(60, 0, 0, 1));
  const b = p.addPath(NOW, 0, v4(60, 0, 0, 2));
  for (const x of [a, b]) {
    x.received(NOW);
    x.updateLatency(10);
  }
  assert.equal(p.bestPath(NOW), b);
  a.updateLatency(0);
  assert.equal(p.bestPath(NOW), a);
  const priv = p.addPath(NOW, 0, PRIVATE);
  priv.received(NOW);
  priv.updateLatency(20);
  assert.equal(p.bestPath(NOW), priv, 'private scope wins at similar latency');
  assert.equal(p.bestPath(NOW + 243_000), undefined);
  assert.equal(p.removeExpiredPaths(NOW + 243_000).length, 0);
});

test('peer: suite and keepalive verb follow the announced versions', () => {
  const p = peer();
  assert.equal(p.cipherSuite, 1);
  assert.equal(p.prefersEcho, false);
  p.setVersions(12, 1, 14, 1);
  assert.equal(p.cipherSuite, 3);
  assert.equal(p.prefersEcho, true);
  p.setVersions(5, 1, 1, 0);
  assert.equal(p.prefersEcho, false, '1.1.0 gets HELLO, not ECHO');
});

test('peer: relay quality: latency times 61 s buckets of silence, infinite after 500 s', () => {
  const p = peer();
  assert.equal(p.relayQuality(NOW), Infinity);
  const path = p.addPath(NOW, 0, PUBLIC);
  path.received(NOW);
  p.lastReceive = NOW;
  assert.equal(p.relayQuality(NOW), LATENCY_UNKNOWN, 'unknown latency counts as 65535');
  path.updateLatency(10);
  assert.equal(p.relayQuality(NOW + 60_999), 10);
  assert.equal(p.relayQuality(NOW + 61_000), 20);
  assert.equal(p.relayQuality(NOW + 500_000), Infinity);
});
