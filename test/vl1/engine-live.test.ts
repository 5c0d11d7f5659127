/**
 * Interop: our Node acting as the root of vl1_live_capture.json, fed the datagrams that an
 * unmodified ZeroTier One 1.14.1 node sent to that root. The real node's HELLO must be accepted
 * (identity validated) and answered with an OK(HELLO) identical, after the packet ID, to the one
 * the reference-built root sent; its periodic WHOIS for the root's own address must be answered;
 * its OKs to requests our node never made must be dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Node } from '../../src/core/node.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { Identity } from '../../src/core/vl1/identity.js';
import { parseInetAddress } from '../../src/core/vl1/inet-address.js';
import { packetIdBytes, VERB } from '../../src/core/vl1/packet.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { decodeInRe, decodeOkWhoisBody } from '../../src/core/vl1/verbs.js';
import { decodeWorld } from '../../src/core/vl1/world.js';
import { loadVectors } from '../helpers/vectors.js';
import { openWith, RecordingHost, verbOf } from './engine-harness.js';

const live = loadVectors('vl1_live_capture.json');
const unwrap = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

test('engine/live: our root accepts a real 1.14.1 node and answers its HELLO and WHOIS like the reference', () => {
  const rootId = unwrap(Identity.fromString(live.rootSecret));
  const nodeId = unwrap(Identity.fromString(live.nodePublic));
  const planet = unwrap(decodeWorld(hexToBytes(live.testPlanet))).world;
  const host = new RecordingHost(3);
  const t0 = 1_795_296_442_000;
  const root = new Node(host, { identity: rootId, planet }, t0);
  assert.ok(root.status(t0).isRoot);
  const from = unwrap(parseInetAddress('10.99.0.2/29901'));
  const key = new PeerKey(hexToBytes(live.key48));

  const events = live.events as { tMs: number; dir: string; what: string; bytes: string; plain?: string; plainAfterDearmor?: string }[];
  const hello = events.find((e) => e.dir === 'in' && e.what.startsWith('HELLO'))!;
  root.processWirePacket(t0 + hello.tMs, 0, from, hexToBytes(hello.bytes));
  assert.ok(root.runtime.topology.getPeer(nodeId.address), 'the real node is now a peer');
  const sent = host.take();
  const ok = openWith(key, sent[0].data)!;
  assert.ok(ok, 'our OK(HELLO) authenticates under the real key');
  assert.equal(verbOf(ok), VERB.OK);
  assert.deepEqual(packetIdBytes(unwrap(decodeInRe(ok.subarray(28))).inRePacketId), hexToBytes(hello.bytes).subarray(0, 8));
  const referenceOk = hexToBytes(events.find((e) => e.dir === 'out' && e.what.startsWith('OK(HELLO)'))!.plain!);
  assert.equal(bytesToHex(ok.subarray(27)), bytesToHex(referenceOk.subarray(27)), 'same OK(HELLO) payload as the reference root');
  // Then, as the reference does, a HELLO of our own to confirm the new path.
  assert.equal(sent.length, 2);
  assert.equal(sent[1].data[27] & 0x1f, VERB.HELLO);

  // Its OKs answer requests the scripted root made, not us: dropped.
  const okCount = events.filter((e) => e.dir === 'in' && e.plainAfterDearmor && Number.parseInt(e.plainAfterDearmor.slice(54, 56), 16) === VERB.OK).length;
  const whoisEvents = events.filter((e) => e.dir === 'in' && e.plainAfterDearmor && (Number.parseInt(e.plainAfterDearmor.slice(54, 56), 16) & 0x1f) === VERB.WHOIS);
  assert.ok(whoisEvents.length >= 10);
  let answered = 0;
  for (const e of events) {
    if (e.dir !== 'in' || e === hello) continue;
    host.take();
    root.processWirePacket(t0 + e.tMs, 0, from, hexToBytes(e.bytes));
    if (!whoisEvents.includes(e)) continue;
    const reply = host.take().map((s) => openWith(key, s.data)).find((p) => p && verbOf(p) === VERB.OK);
    assert.ok(reply, `WHOIS at ${e.tMs} ms answered`);
    assert.equal((reply![18] >> 3) & 7, 3, 'suite 3 once the node announced protocol 12');
    const ids = unwrap(decodeOkWhoisBody(unwrap(decodeInRe(reply!.subarray(28))).body));
    assert.deepEqual(ids.map((i) => i.address), [rootId.address], 'the root identifies itself');
    answered++;
  }
  assert.equal(answered, whoisEvents.length);
  assert.equal(root.counters.drops.unexpected_ok, okCount);
  assert.equal(root.counters.totalDrops, okCount, 'nothing else dropped');
  assert.ok(root.status(t0 + 90_000).online);
});

const newpeer = loadVectors('vl1_live_newpeer.json');

test('engine/live: new identities saying HELLO get the same answers, suites and rate limit as from 1.14.1', () => {
  const nodeId = unwrap(Identity.fromString(newpeer.nodeSecret));
  const planet = unwrap(decodeWorld(hexToBytes(live.testPlanet))).world;
  const host = new RecordingHost(4);
  const t0 = 1_795_300_000_000;
  const node = new Node(host, { identity: nodeId, planet }, t0);
  const from = unwrap(parseInetAddress('10.99.0.1/9999'));
  type Ev = { tMs: number; dir: string; what: string; bytes: string; cipherSuite?: string; plainAfterDearmor?: string; key48?: string };
  const events = newpeer.events as Ev[];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.dir !== 'out') continue;
    host.take();
    node.processWirePacket(t0 + e.tMs, 0, from, hexToBytes(e.bytes));
    const ours = host.take();
    const theirs: Ev[] = [];
    for (let j = i + 1; j < events.length && events[j].dir === 'in'; j++) theirs.push(events[j]);
    assert.equal(ours.length, theirs.length, `${e.what}: ${theirs.length} datagrams in reply`);
    for (let k = 0; k < theirs.length; k++) {
      const key = new PeerKey(hexToBytes(theirs[k].key48!));
      assert.equal((ours[k].data[18] >> 3) & 7, Number(theirs[k].cipherSuite), `${e.what}: reply ${k} cipher suite`);
      const plain = openWith(key, ours[k].data)!;
      assert.ok(plain, `${e.what}: reply ${k} authenticates`);
      const ref = hexToBytes(theirs[k].plainAfterDearmor!);
      assert.equal(verbOf(plain), verbOf(ref));
      if (verbOf(plain) === VERB.OK) assert.equal(bytesToHex(plain.subarray(27)), bytesToHex(ref.subarray(27)), `${e.what}: OK(HELLO) payload`);
    }
  }
  assert.equal(node.counters.drops.rate_limited, 1, 'the HELLO 1.5 s after another new identity from the same /24');
});
