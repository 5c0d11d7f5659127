/**
 * The dead-path fallback (TierZero's own rule, constants.ts): path bookkeeping, and the switch
 * relaying through the root while a silent direct path is probed, then returning to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import { Path } from '../../src/core/vl1/path.js';
import {
  TZ_DEAD_PATH_PROBE_INTERVAL,
  TZ_PATH_PROBE_AFTER_SILENCE,
  TZ_PATH_PROBE_ANSWER_TIMEOUT,
  ZT_PATH_ALIVE_TIMEOUT,
} from '../../src/core/vl1/constants.js';
import { VERB, packetIdBytes } from '../../src/core/vl1/packet.js';
import { encodeInRe, encodeOkHelloBody, encodeUserMessage } from '../../src/core/vl1/verbs.js';
import { BOB_ADDR, craft, ids, knownPeerBlob, makeNode, NOW, open, ROOT_ADDR, verbOf, type Sent } from './engine-harness.js';

const { alice, bob, root } = ids();
const PUBLIC: InetAddress = { family: 4, ip: Uint8Array.of(60, 0, 0, 1), port: 9993 };

test('path: dead only when not alive and a probe went unanswered for 3 s; any receive revives it', () => {
  const p = new Path(0, PUBLIC);
  p.received(NOW);
  p.sent(NOW + 1_000);
  // Idle: not alive after 19 s, but never judged dead without a probe.
  assert.ok(!p.alive(NOW + 100_000) && !p.dead(NOW + 100_000));
  // Quiet for 14 s: traffic should probe it, then not again for 2 s.
  assert.ok(!p.wantsProbe(NOW + TZ_PATH_PROBE_AFTER_SILENCE - 1) && p.wantsProbe(NOW + TZ_PATH_PROBE_AFTER_SILENCE));
  const t = NOW + TZ_PATH_PROBE_AFTER_SILENCE;
  p.probed(t);
  assert.ok(!p.wantsProbe(t + TZ_DEAD_PATH_PROBE_INTERVAL - 1) && p.wantsProbe(t + TZ_DEAD_PATH_PROBE_INTERVAL));
  // The first unanswered probe counts, later ones do not restart the clock.
  p.probed(t + TZ_DEAD_PATH_PROBE_INTERVAL);
  assert.equal(p.unansweredProbeSince, t);
  assert.ok(!p.dead(NOW + ZT_PATH_ALIVE_TIMEOUT - 1), 'still alive');
  assert.ok(p.dead(NOW + ZT_PATH_ALIVE_TIMEOUT), 'not alive, probe unanswered 5 s');
  p.received(NOW + 30_000);
  assert.ok(!p.dead(NOW + 30_000) && p.alive(NOW + 30_000));
  // A fresh probe on a not-alive path needs the full 3 s before the path counts as dead.
  const u = NOW + 100_000;
  p.probed(u);
  assert.ok(!p.dead(u + TZ_PATH_PROBE_ANSWER_TIMEOUT - 1) && p.dead(u + TZ_PATH_PROBE_ANSWER_TIMEOUT));
});

function okHelloBody(now: number): Uint8Array {
  return encodeOkHelloBody({ timestamp: BigInt(now), protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1, physicalAddress: { family: 4, ip: Uint8Array.of(60, 0, 0, 2), port: 9993 }, worlds: [] });
}

const toBob = (s: Sent) => s.to.ip[0] === 60 && s.to.ip[2] === 1;
const toRoot = (s: Sent) => s.to.ip[0] === 44;

test('engine: traffic on a silent direct path probes it, relays via the root once it is dead, and returns when it answers', () => {
  const { node, host } = makeNode(alice, { peerCache: [knownPeerBlob(alice, bob, 12)] });
  node.processBackgroundTasks(NOW);
  const hello = host.take().find(toRoot)!;
  node.processWirePacket(NOW + 2, 0, ROOT_ADDR, craft(root, alice, VERB.OK, encodeInRe(VERB.HELLO, packetIdBytes(hello.data), okHelloBody(NOW)), 1));
  const bobPeer = node.runtime.topology.getPeer(bob.address)!;
  const path = bobPeer.addPath(NOW, 0, BOB_ADDR);
  path.received(NOW);
  host.take();
  const send = (t: number, n: number) => node.sendUserMessage(t, bob.address, 1n, encodeUserMessage({ typeId: 1n, data: Uint8Array.of(n) }));
  const verbs = (sent: Sent[]) => sent.map((s) => open(alice, bob, s.data)).map((p) => (p ? verbOf(p) : -1));

  // Within 14 s of the last receive: data only, direct.
  send(NOW + 13_000, 1);
  let out = host.take();
  assert.deepEqual(out.map(toBob), [true]);
  assert.deepEqual(verbs(out), [VERB.USER_MESSAGE]);
  // Quiet 14 s: the data goes direct with an ECHO probe ahead of it.
  send(NOW + 14_000, 2);
  out = host.take();
  assert.deepEqual(out.map(toBob), [true, true]);
  assert.deepEqual(verbs(out), [VERB.ECHO, VERB.USER_MESSAGE]);
  // 19 s without a receive, the probe unanswered for 5 s: relayed through the root, probe again.
  send(NOW + 19_000, 3);
  out = host.take();
  assert.equal(out.filter(toBob).length, 1, 'one probe to bob');
  assert.equal(verbs(out.filter(toBob))[0], VERB.ECHO);
  assert.equal(out.filter(toRoot).length, 1, 'the data to the root');
  const viaRoot = open(alice, bob, out.find(toRoot)!.data)!;
  assert.equal(verbOf(viaRoot), VERB.USER_MESSAGE, 'armored end to end for bob');
  const status = node.peers(NOW + 19_000).find((p) => p.address === bob.address.toString(16).padStart(10, '0'))!;
  assert.deepEqual(status.paths.map((p) => [p.dead, p.preferred]), [[true, false]]);
  // Probes are paced: the next message 1 s later is relayed without one.
  send(NOW + 20_000, 4);
  out = host.take();
  assert.deepEqual([out.filter(toBob).length, out.filter(toRoot).length], [0, 1]);

  // 2 s after the last probe, traffic probes again; bob answers: the path carries traffic again.
  send(NOW + 21_000, 5);
  out = host.take();
  assert.deepEqual([out.filter(toBob).length, out.filter(toRoot).length], [1, 1]);
  const probe = open(alice, bob, out.find(toBob)!.data)!;
  node.processWirePacket(NOW + 21_050, 0, BOB_ADDR, craft(bob, alice, VERB.OK, encodeInRe(VERB.ECHO, packetIdBytes(probe))));
  assert.ok(!path.dead(NOW + 21_050) && path.alive(NOW + 21_050));
  send(NOW + 21_100, 6);
  out = host.take();
  assert.deepEqual(out.map(toBob), [true]);
  assert.deepEqual(verbs(out), [VERB.USER_MESSAGE]);
});

test('engine: roots are exempt: their silent paths are neither probed by traffic nor bypassed', () => {
  const { node, host } = makeNode(alice);
  node.processBackgroundTasks(NOW);
  const hello = host.take().find(toRoot)!;
  node.processWirePacket(NOW + 2, 0, ROOT_ADDR, craft(root, alice, VERB.OK, encodeInRe(VERB.HELLO, packetIdBytes(hello.data), okHelloBody(NOW)), 1));
  const rootPeer = node.runtime.topology.getPeer(root.address)!;
  const rootPath = rootPeer.bestPath(NOW + 2)!;
  rootPath.probed(NOW + 3);
  host.take();
  const t = NOW + 30_000;
  assert.ok(rootPath.dead(t));
  node.sendUserMessage(t, root.address, 1n, Uint8Array.of(1));
  const out = host.take();
  assert.equal(out.length, 1);
  assert.equal(verbOf(open(alice, root, out[0].data)!), VERB.USER_MESSAGE, 'sent straight to the root, no probe');
});
