/** Verb handlers of the VL1 engine, fed one crafted packet at a time (spec vl1.md 9, 13). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Identity } from '../../src/core/vl1/identity.js';
import { ERROR_CODE, VERB, packetIdBytes } from '../../src/core/vl1/packet.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import {
  decodeError,
  decodeInRe,
  decodeOkWhoisBody,
  encodeError,
  encodeInRe,
  encodeOkHelloBody,
  encodePushDirectPaths,
  encodeRendezvous,
  encodeUserMessage,
  encodeWhois,
} from '../../src/core/vl1/verbs.js';
import { setTrusted } from '../../src/core/vl1/armor.js';
import { buildPacket } from '../../src/core/vl1/packet.js';
import { decodeWorld } from '../../src/core/vl1/world.js';
import type { Node } from '../../src/core/node.js';
import { buildWorld } from '../sim/planet.js';
import { Prng } from '../sim/prng.js';
import {
  BOB_ADDR,
  CAROL_ADDR,
  craft,
  craftHello,
  ids,
  knownPeerBlob,
  makeNode,
  NOW,
  open,
  openWith,
  type RecordingHost,
  ROOT_ADDR,
  testPlanet,
  verbOf,
} from './engine-harness.js';

const { alice, bob, carol, root, spare, signer, otherSigner } = ids();

/** Alice's node, knowing bob (from a peer cache blob) and connected to the root. */
function aliceNode(extra: Partial<Parameters<typeof makeNode>[1]> = {}) {
  const { node, host } = makeNode(alice, { peerCache: [knownPeerBlob(alice, bob)], ...extra });
  connectToRoot(node, host);
  return { node, host };
}

/** Runs the first ping walk (HELLO to the root's endpoint) and answers it as the root would. */
function connectToRoot(node: Node, host: RecordingHost, now = NOW): void {
  node.processBackgroundTasks(now);
  const hello = host.take().find((s) => s.to.ip[0] === 44)!;
  assert.ok(hello, 'HELLO sent to the root endpoint');
  const ok = craft(root, alice, VERB.OK, encodeInRe(VERB.HELLO, packetIdBytes(hello.data), okHelloBody(now)), 1);
  node.processWirePacket(now + 2, 0, ROOT_ADDR, ok);
  host.take();
  assert.ok(node.status(now + 2).online);
}

function okHelloBody(now: number, worlds: ReturnType<typeof testPlanet>[] = []): Uint8Array {
  return encodeOkHelloBody({ timestamp: BigInt(now), protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1, physicalAddress: { family: 4, ip: Uint8Array.of(60, 0, 0, 2), port: 9993 }, worlds });
}

function drops(node: Node, reason: string): number {
  return (node.counters.drops as Record<string, number>)[reason] ?? 0;
}

test('engine: USER_MESSAGE raises an event; the same packet again is a counted replay', () => {
  const { node, host } = aliceNode();
  const p = craft(bob, alice, VERB.USER_MESSAGE, encodeUserMessage({ typeId: 0x10001n, data: Uint8Array.of(1, 2, 3) }));
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, p.slice());
  node.processWirePacket(NOW + 11, 0, BOB_ADDR, p.slice());
  const msgs = host.events.filter((e) => e.type === 'user-message');
  assert.equal(msgs.length, 1);
  assert.deepEqual(msgs[0], { type: 'user-message', from: bob.address, typeId: 0x10001n, data: Uint8Array.of(1, 2, 3) });
  assert.equal(drops(node, 'replayed'), 1);
  // A USER_MESSAGE shorter than its 8-byte type is a drop, not an event.
  node.processWirePacket(NOW + 12, 0, BOB_ADDR, craft(bob, alice, VERB.USER_MESSAGE, Uint8Array.of(1, 2)));
  assert.equal(drops(node, 'truncated'), 1);
});

test('engine: forged, truncated and garbage datagrams are counted drops', () => {
  const { node } = aliceNode();
  const p = craft(bob, alice, VERB.USER_MESSAGE, encodeUserMessage({ typeId: 1n, data: new Uint8Array(40) }));
  const flipped = p.slice();
  flipped[50] ^= 1;
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, flipped);
  assert.equal(drops(node, 'bad_mac'), 1);
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, p.slice(0, 40));
  assert.equal(drops(node, 'bad_mac'), 2);
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, p.slice(0, 20));
  assert.equal(drops(node, 'ignored_datagram'), 1);
  const suite5 = p.slice();
  suite5[18] = (suite5[18] & ~0x38) | (5 << 3);
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, suite5);
  assert.equal(drops(node, 'bad_cipher_suite'), 1);
  assert.equal(node.peers(NOW + 10).find((x) => x.address === bob.address.toString(16).padStart(10, '0'))!.paths.length, 0, 'nothing learned');
});

test('engine: a packet from an unknown sender waits for WHOIS, then is decoded when the root answers', () => {
  const { node, host } = aliceNode();
  const p = craft(carol, alice, VERB.USER_MESSAGE, encodeUserMessage({ typeId: 7n, data: Uint8Array.of(9) }));
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, p);
  assert.equal(node.runtime.sw.parkedInbound, 1);
  const whois = host.take().map((s) => open(alice, root, s.data)).find((x) => x && verbOf(x) === VERB.WHOIS)!;
  assert.ok(whois, 'WHOIS sent to the root');
  // OK(WHOIS) from a leaf is not believed.
  const fromBob = craft(bob, alice, VERB.OK, encodeInRe(VERB.WHOIS, packetIdBytes(whois), carol.serialize(false)));
  node.processWirePacket(NOW + 20, 0, BOB_ADDR, fromBob);
  assert.equal(drops(node, 'not_from_root'), 1);
  assert.equal(node.runtime.sw.parkedInbound, 1);
  // The root's answer quotes the WHOIS packet ID as it went on the wire.
  const ok = craft(root, alice, VERB.OK, encodeInRe(VERB.WHOIS, packetIdBytes(whois), carol.serialize(false)));
  node.processWirePacket(NOW + 30, 0, ROOT_ADDR, ok);
  assert.equal(node.runtime.sw.parkedInbound, 0);
  assert.deepEqual(host.events.filter((e) => e.type === 'user-message'), [{ type: 'user-message', from: carol.address, typeId: 7n, data: Uint8Array.of(9) }]);
});

test('engine: an OK that answers nothing we sent is dropped and teaches nothing', () => {
  const { node } = aliceNode();
  const ok = craft(bob, alice, VERB.OK, encodeInRe(VERB.ECHO, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), new Uint8Array(0)));
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, ok);
  assert.equal(drops(node, 'unexpected_ok'), 1);
  assert.equal(node.runtime.topology.getPeer(bob.address)!.paths.length, 0);
  // All-zero in-re IDs never match an empty slot.
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, craft(bob, alice, VERB.OK, encodeInRe(VERB.ECHO, new Uint8Array(8))));
  assert.equal(drops(node, 'unexpected_ok'), 2);
});

test('engine: an OK(ECHO) answering our probe on a new address creates the direct path', () => {
  const { node, host } = aliceNode();
  const bobPeer = node.runtime.topology.getPeer(bob.address)!;
  node.runtime.sw.attemptToContactAt(NOW + 10, bobPeer, 0, BOB_ADDR);
  const echo = open(alice, bob, host.take()[0].data)!;
  assert.equal(verbOf(echo), VERB.ECHO, 'protocol-12 peers are probed with ECHO');
  node.processWirePacket(NOW + 12, 0, BOB_ADDR, craft(bob, alice, VERB.OK, encodeInRe(VERB.ECHO, packetIdBytes(echo))));
  assert.equal(bobPeer.paths.length, 1);
  assert.equal(bobPeer.bestPath(NOW + 12)?.address.port, 9993);
  assert.ok(host.state.has(`peer/${bob.address.toString(16).padStart(10, '0')}`), 'a peer with a new path is cached');
});

test('engine: RENDEZVOUS is obeyed only from a root', () => {
  const { node, host } = aliceNode();
  const rv = encodeRendezvous({ flags: 0, peer: bob.address, endpoint: BOB_ADDR });
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, craft(bob, alice, VERB.RENDEZVOUS, rv));
  assert.equal(drops(node, 'not_from_root'), 1);
  assert.equal(host.take().filter((s) => s.to.ip[0] === 60).length, 0, 'nothing sent toward the named endpoint');

  node.processWirePacket(NOW + 20, 0, ROOT_ADDR, craft(root, alice, VERB.RENDEZVOUS, rv));
  const out = host.take().filter((s) => s.to.ip[0] === 60 && s.to.ip[2] === 1);
  assert.equal(out.length, 2);
  assert.equal(out[0].ttl, 2, 'first a TTL-2 datagram to open our own NAT');
  assert.equal(out[0].data.length, 4);
  assert.equal(verbOf(open(alice, bob, out[1].data)!), VERB.ECHO);

  // Naming ourselves or an unusable address does nothing.
  node.processWirePacket(NOW + 30, 0, ROOT_ADDR, craft(root, alice, VERB.RENDEZVOUS, encodeRendezvous({ flags: 0, peer: alice.address, endpoint: CAROL_ADDR })));
  node.processWirePacket(NOW + 30, 0, ROOT_ADDR, craft(root, alice, VERB.RENDEZVOUS, encodeRendezvous({ flags: 0, peer: bob.address, endpoint: { family: 4, ip: Uint8Array.of(127, 0, 0, 1), port: 9993 } })));
  assert.equal(drops(node, 'unknown_peer'), 1);
  assert.equal(drops(node, 'unusable_path'), 1);
  assert.equal(host.take().length, 0);

  // Naming a peer we cannot identify yet: WHOIS it (as the reference does), and punch once the
  // root's answer arrives (the reference would wait for the next introduction, 30 s later).
  node.processWirePacket(NOW + 40, 0, ROOT_ADDR, craft(root, alice, VERB.RENDEZVOUS, encodeRendezvous({ flags: 0, peer: carol.address, endpoint: CAROL_ADDR })));
  const whois = host.take().map((s) => open(alice, root, s.data)).filter((x) => x && verbOf(x) === VERB.WHOIS);
  assert.equal(whois.length, 1, 'WHOIS for the stranger');
  assert.equal(node.runtime.sw.heldRendezvous, 1);
  node.processWirePacket(NOW + 60, 0, ROOT_ADDR, craft(root, alice, VERB.OK, encodeInRe(VERB.WHOIS, packetIdBytes(whois[0]!), carol.serialize(false))));
  const punch = host.take().filter((s) => s.to.ip[0] === 60 && s.to.ip[2] === 2);
  assert.equal(punch.length, 2);
  assert.equal(punch[0].ttl, 2);
  assert.equal(verbOf(open(alice, carol, punch[1].data)!), VERB.HELLO, 'a peer known only by WHOIS has announced no version: HELLO');
  assert.equal(node.runtime.sw.heldRendezvous, 0);

  // Held introductions to strangers who never turn up expire after 5 s, and are bounded.
  for (let i = 0; i < 40; i++) {
    const stranger = 0x0100000000 + i;
    node.processWirePacket(NOW + 100, 0, ROOT_ADDR, craft(root, alice, VERB.RENDEZVOUS, encodeRendezvous({ flags: 0, peer: stranger, endpoint: CAROL_ADDR })));
  }
  assert.equal(node.runtime.sw.heldRendezvous, 32);
  assert.equal(drops(node, 'queue_full'), 8);
  node.processBackgroundTasks(NOW + 6_000);
  assert.equal(node.runtime.sw.heldRendezvous, 0);
});

test('engine: ERROR(IDENTITY_COLLISION) is fatal from a root and ignored from anyone else', () => {
  const { node, host } = aliceNode();
  const err = encodeError(VERB.HELLO, new Uint8Array(8), ERROR_CODE.IDENTITY_COLLISION);
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, craft(bob, alice, VERB.ERROR, err));
  assert.equal(host.events.filter((e) => e.type === 'fatal-identity-collision').length, 0);
  assert.equal(drops(node, 'not_from_root'), 1);
  node.processWirePacket(NOW + 20, 0, ROOT_ADDR, craft(root, alice, VERB.ERROR, err));
  assert.deepEqual(host.events.filter((e) => e.type === 'fatal-identity-collision'), [{ type: 'fatal-identity-collision', root: root.address }]);
  // Other error codes are accepted as traffic and otherwise ignored (VL2 ones go to VL2).
  node.processWirePacket(NOW + 30, 0, BOB_ADDR, craft(bob, alice, VERB.ERROR, encodeError(VERB.ECHO, new Uint8Array(8), ERROR_CODE.INVALID_REQUEST)));
  assert.equal(drops(node, 'not_from_root'), 1);
});

test('engine: HELLO below protocol 4 is dropped without a reply', () => {
  const { node, host } = aliceNode();
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, craftHello(carol, alice, { protocolVersion: 3 }));
  assert.equal(drops(node, 'bad_protocol_version'), 1);
  assert.equal(host.take().length, 0);
  assert.equal(node.runtime.topology.getPeer(carol.address), undefined);
});

test('engine: HELLO whose identity does not match its source address is dropped', () => {
  const { node, host } = aliceNode();
  // Packet source is carol's address, the identity inside is bob's.
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, craftHello(carol, alice, { identity: bob }));
  assert.equal(drops(node, 'identity_mismatch'), 1);
  assert.equal(host.take().length, 0);
});

test('engine: a new identity is validated and answered (first OK in suite 1), then confirmed with our HELLO', () => {
  const { node, host } = aliceNode();
  const hello = craftHello(carol, alice, { physicalDestination: { family: 4, ip: Uint8Array.of(60, 0, 0, 2), port: 9993 } });
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, hello);
  const carolPeer = node.runtime.topology.getPeer(carol.address);
  assert.ok(carolPeer);
  const out = host.take();
  assert.equal(out.length, 2);
  assert.equal((out[0].data[18] >> 3) & 7, 1, 'first OK(HELLO) to a new peer is suite 1');
  const ok = open(alice, carol, out[0].data)!;
  assert.equal(verbOf(ok), VERB.OK);
  const inre = decodeInRe(ok.subarray(28));
  assert.ok(inre.ok && inre.value.inReVerb === VERB.HELLO);
  assert.deepEqual(inre.ok && inre.value.inRePacketId, packetIdBytes(hello));
  assert.equal((out[1].data[18] >> 3) & 7, 0, 'then our own HELLO to confirm the new path');
  assert.equal(carolPeer.protocolVersion, 12);
  // Later packets to carol use AES-GMAC-SIV.
  node.runtime.sw.attemptToContactAt(NOW + 20, carolPeer, 0, CAROL_ADDR);
  assert.equal((host.take()[0].data[18] >> 3) & 7, 3);
});

test('engine: copies of one HELLO sent from several source ports are each answered (ZeroTier sends from every socket)', () => {
  const { node, host } = aliceNode();
  const hello = craftHello(carol, alice);
  const ports = [9993, 45522, 57022];
  for (const port of ports) node.processWirePacket(NOW + 10, 0, { ...CAROL_ADDR, port }, hello.slice());
  const oks = host.take().filter((s) => verbOf(open(alice, carol, s.data) ?? new Uint8Array(28)) === VERB.OK);
  assert.deepEqual(oks.map((s) => s.to.port), ports, 'one OK(HELLO) per copy, back over its own path');
  assert.equal(drops(node, 'replayed'), 0);
  // The same copy again over the same path is still a replay.
  node.processWirePacket(NOW + 11, 0, { ...CAROL_ADDR, port: 9993 }, hello.slice());
  assert.equal(drops(node, 'replayed'), 1);
});

test('engine: one new identity per source /24 per 2 s', () => {
  const { node } = aliceNode();
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, craftHello(carol, alice));
  const neighbour = { family: 4 as const, ip: Uint8Array.of(60, 0, 2, 3), port: 9993 };
  node.processWirePacket(NOW + 1_500, 0, neighbour, craftHello(spare, alice));
  assert.equal(drops(node, 'rate_limited'), 1);
  assert.equal(node.runtime.topology.getPeer(spare.address), undefined);
  node.processWirePacket(NOW + 2_100, 0, neighbour, craftHello(spare, alice));
  assert.ok(node.runtime.topology.getPeer(spare.address));
});

test('engine: a new identity that fails the proof of work is dropped', () => {
  const { node } = aliceNode();
  // carol's keys under a made-up address: MAC fine, address not derived from the key.
  const impostor = new Identity(0x1234567890, carol.publicKey, carol.privateKey);
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, craftHello(impostor, alice));
  assert.equal(drops(node, 'bad_identity'), 1);
  assert.equal(node.runtime.topology.getPeer(0x1234567890), undefined);
});

test('engine: HELLO claiming a known address with another key gets ERROR(IDENTITY_COLLISION)', () => {
  const { node, host } = aliceNode();
  const fakeBob = new Identity(bob.address, carol.publicKey, carol.privateKey);
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, craftHello(fakeBob, alice));
  assert.equal(drops(node, 'identity_collision'), 1);
  const out = host.take();
  assert.equal(out.length, 1);
  const err = openWith(new PeerKey(alice.agree(fakeBob)), out[0].data)!;
  assert.equal(verbOf(err), VERB.ERROR);
  const e = decodeError(err.subarray(28));
  assert.ok(e.ok && e.value.errorCode === ERROR_CODE.IDENTITY_COLLISION && e.value.inReVerb === VERB.HELLO);
  assert.ok(node.runtime.topology.getPeer(bob.address)!.identity.equals(bob), 'the known identity stays');
});

test('engine: world updates only from the root, only newer, only signed by the current key', () => {
  const { node, host } = aliceNode();
  const rootPeer = node.runtime.topology.getPeer(root.address)!;
  const bobPeer = node.runtime.topology.getPeer(bob.address)!;
  const rootSpec = [{ identity: root, endpoints: [{ ip: '44.0.0.1', port: 9993 }] }];
  const offer = (fromRoot: boolean, world: ReturnType<typeof testPlanet>, at: number) => {
    const peer = fromRoot ? rootPeer : bobPeer;
    node.runtime.sw.sendHello(at, peer, 0, fromRoot ? ROOT_ADDR : BOB_ADDR);
    const id = packetIdBytes(host.take()[0].data);
    const from = fromRoot ? root : bob;
    node.processWirePacket(at + 1, 0, fromRoot ? ROOT_ADDR : BOB_ADDR, craft(from, alice, VERB.OK, encodeInRe(VERB.HELLO, id, okHelloBody(at, [world]))));
    return node.status(at + 1).planetWorldTimestamp;
  };
  assert.equal(offer(true, testPlanet(2000n), NOW + 100), 2000n, 'newer, signed by the current key: accepted');
  assert.ok(host.events.some((e) => e.type === 'world-updated' && e.timestamp === 2000n));
  const stored = host.state.get('planet/');
  assert.ok(stored && decodeWorld(stored).ok);
  assert.equal(offer(true, testPlanet(1500n), NOW + 200), 2000n, 'older: ignored');
  assert.equal(offer(true, buildWorld('planet', 0x5157n, 3000n, rootSpec, { publicKey: otherSigner.publicKey, privateKey: otherSigner.privateKey! }), NOW + 300), 2000n, 'signed by another key: ignored');
  assert.equal(offer(true, buildWorld('planet', 0x9999n, 3500n, rootSpec), NOW + 400), 2000n, 'another planet ID: ignored');
  assert.equal(node.status(NOW + 400).planetWorldId, 0x5157n);
  assert.equal(offer(false, testPlanet(4000n), NOW + 500), 2000n, 'from a leaf: ignored');
  assert.equal(drops(node, 'not_from_root'), 1);
  // Key rotation: the current key signs a revision that names the next key.
  const rotated = buildWorld('planet', 0x5157n, 5000n, rootSpec, { publicKey: signer.publicKey, privateKey: signer.privateKey! }, otherSigner.publicKey);
  assert.equal(offer(true, rotated, NOW + 600), 5000n);
  const next = buildWorld('planet', 0x5157n, 6000n, rootSpec, { publicKey: otherSigner.publicKey, privateKey: otherSigner.privateKey! });
  assert.equal(offer(true, next, NOW + 700), 6000n, 'then only the new key can sign');
});

test('engine: WHOIS answers: a leaf one per peer per 100 ms, a root without limit', () => {
  const { node, host } = aliceNode();
  const ask = (n: Node, h: RecordingHost, asker: typeof bob, askee: typeof alice, at: number, what: number[]) => {
    n.processWirePacket(at, 0, BOB_ADDR, craft(asker, askee, VERB.WHOIS, encodeWhois(what)));
    return h.take().map((s) => open(askee, asker, s.data)).filter((x) => x && verbOf(x) === VERB.OK).length;
  };
  assert.equal(ask(node, host, bob, alice, NOW + 10, [alice.address]), 1);
  assert.equal(ask(node, host, bob, alice, NOW + 50, [alice.address]), 0);
  assert.equal(drops(node, 'rate_limited'), 1);
  assert.equal(ask(node, host, bob, alice, NOW + 120, [alice.address, root.address]), 1);

  const r = makeNode(root, { peerCache: [knownPeerBlob(root, bob)] });
  assert.ok(r.node.status(NOW).isRoot);
  for (let i = 0; i < 5; i++) assert.equal(ask(r.node, r.host, bob, root, NOW + i, [root.address, bob.address]), 1);
  // The answer lists known identities in order; unknown ones are skipped.
  r.node.processWirePacket(NOW + 10, 0, BOB_ADDR, craft(bob, root, VERB.WHOIS, encodeWhois([carol.address, bob.address, root.address])));
  const ok = r.host.take().map((s) => open(root, bob, s.data)).find((x) => x && verbOf(x) === VERB.OK)!;
  const body = decodeInRe(ok.subarray(28));
  assert.ok(body.ok);
  const listed = decodeOkWhoisBody(body.value.body);
  assert.ok(listed.ok);
  assert.deepEqual(listed.value.map((i) => i.address), [bob.address, root.address]);
});

test('engine: ECHO is answered with its payload, at most once per path per 166 ms', () => {
  const { node, host } = aliceNode();
  const echo = (at: number) => {
    node.processWirePacket(at, 0, BOB_ADDR, craft(bob, alice, VERB.ECHO, Uint8Array.of(4, 5, 6)));
    return host.take().map((s) => open(alice, bob, s.data)).filter((x) => x && verbOf(x) === VERB.OK);
  };
  const first = echo(NOW + 10);
  assert.equal(first.length, 1);
  const inre = decodeInRe(first[0]!.subarray(28));
  assert.ok(inre.ok && inre.value.inReVerb === VERB.ECHO);
  assert.deepEqual(inre.ok && Array.from(inre.value.body), [4, 5, 6]);
  assert.equal(echo(NOW + 100).length, 0);
  assert.equal(drops(node, 'rate_limited'), 1);
  assert.equal(echo(NOW + 180).length, 1);
});

test('engine: PUSH_DIRECT_PATHS is processed while fewer than 8 arrive within 30 s of each other', () => {
  const { node, host } = aliceNode();
  let probes = 0;
  for (let i = 0; i < 10; i++) {
    const a = { family: 4 as const, ip: Uint8Array.of(61, 0, i, 2), port: 9993 };
    node.processWirePacket(NOW + 10 + i * 1000, 0, BOB_ADDR, craft(bob, alice, VERB.PUSH_DIRECT_PATHS, encodePushDirectPaths([{ flags: 0, address: a }])));
    probes += host.take().filter((s) => s.to.ip[0] === 61).length;
  }
  assert.equal(probes, 8);
  assert.equal(drops(node, 'rate_limited'), 2);
  // Forget records, unusable addresses and more than 8 per scope/family are skipped.
  const many = [{ flags: 1, address: { family: 4 as const, ip: Uint8Array.of(62, 0, 0, 1), port: 1 } }, { flags: 0, address: { family: 4 as const, ip: Uint8Array.of(127, 0, 0, 1), port: 1 } }];
  for (let i = 0; i < 12; i++) many.push({ flags: 0, address: { family: 4, ip: Uint8Array.of(63, 0, i, 1), port: 1 } });
  node.processWirePacket(NOW + 100_000, 0, BOB_ADDR, craft(bob, alice, VERB.PUSH_DIRECT_PATHS, encodePushDirectPaths(many)));
  const sent = host.take();
  assert.equal(sent.filter((s) => s.to.ip[0] === 63).length, 8);
  assert.equal(sent.filter((s) => s.to.ip[0] === 62 || s.to.ip[0] === 127).length, 0);
});

test('engine: unknown verbs authenticate as NOP; VL2 verbs reach the attached handler', () => {
  const { node } = aliceNode();
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, craft(bob, alice, 0x1d, Uint8Array.of(1)));
  assert.equal(node.counters.verbsIn.UNKNOWN_0x1d, 1);
  node.processWirePacket(NOW + 11, 0, BOB_ADDR, craft(bob, alice, VERB.FRAME, Uint8Array.of(1, 2)));
  assert.equal(node.counters.verbsIn.FRAME, 1, 'counted even without VL2');
  const seen: number[] = [];
  node.attachVl2({ handlePacket: (_now, peer, verb) => seen.push(verb, peer.address) });
  node.processWirePacket(NOW + 12, 0, BOB_ADDR, craft(bob, alice, VERB.MULTICAST_LIKE, Uint8Array.of(1, 2)));
  assert.deepEqual(seen, [VERB.MULTICAST_LIKE, bob.address]);
  assert.equal(node.counters.totalDrops, 0);
});

test('engine: suite 2 is accepted only from a configured trusted network with the same ID', () => {
  const trusted = { network: { family: 4 as const, ip: Uint8Array.of(60, 0, 1, 0), port: 24 }, id: 77n };
  const { node, host } = aliceNode({ trustedPaths: [trusted] });
  const plain = (id: bigint) => {
    const p = buildPacket(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, Number(id & 0xffn)), alice.address, bob.address, VERB.USER_MESSAGE, encodeUserMessage({ typeId: 5n, data: Uint8Array.of(id === 77n ? 1 : 2) }));
    setTrusted(p, id);
    return p;
  };
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, plain(77n));
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, plain(78n));
  node.processWirePacket(NOW + 10, 0, CAROL_ADDR, plain(77n));
  assert.equal(host.events.filter((e) => e.type === 'user-message').length, 1);
  assert.equal(drops(node, 'untrusted_path'), 2);
  // And we send suite 2 toward that network through the general send path.
  const bobPeer = node.runtime.topology.getPeer(bob.address)!;
  bobPeer.addPath(NOW + 20, 0, BOB_ADDR).received(NOW + 20);
  host.take();
  node.sendUserMessage(NOW + 20, bob.address, 5n, Uint8Array.of(3));
  const out = host.take();
  assert.equal(out.length, 1);
  assert.equal((out[0].data[18] >> 3) & 7, 2);
});

test('engine: a large USER_MESSAGE is fragmented at the MTU and reassembled by the receiver', () => {
  const { node: a, host: ha } = aliceNode();
  const { node: b, host: hb } = makeNode(bob, { peerCache: [knownPeerBlob(bob, alice)] }, 2);
  a.runtime.topology.getPeer(bob.address)!.addPath(NOW, 0, BOB_ADDR).received(NOW);
  // Incompressible data, so the packet really needs 4 datagrams.
  const data = new Prng(5).bytes(5000);
  assert.ok(a.sendUserMessage(NOW + 10, bob.address, 9n, data));
  const datagrams = ha.take();
  assert.equal(datagrams.length, 4, '5,036 bytes at MTU 1432: head + 3 fragments');
  assert.ok(datagrams.every((d) => d.data.length <= 1432));
  for (const d of datagrams.reverse()) b.processWirePacket(NOW + 11, 0, { family: 4, ip: Uint8Array.of(60, 0, 0, 2), port: 9993 }, d.data);
  const got = hb.events.find((e) => e.type === 'user-message');
  assert.ok(got && got.type === 'user-message');
  assert.deepEqual(got.data, data);
  assert.equal(a.sendUserMessage(NOW + 20, bob.address, 9n, new Uint8Array(20_000)), false, 'too large for 7 fragments');
});

test('engine: a restarted node reloads cached peers and greets their remembered addresses', () => {
  const { node, host } = aliceNode();
  const bobPeer = node.runtime.topology.getPeer(bob.address)!;
  node.runtime.sw.attemptToContactAt(NOW + 10, bobPeer, 0, BOB_ADDR);
  const echo = open(alice, bob, host.take()[0].data)!;
  node.processWirePacket(NOW + 12, 0, BOB_ADDR, craft(bob, alice, VERB.OK, encodeInRe(VERB.ECHO, packetIdBytes(echo))));
  node.shutdown(NOW + 20);
  const blob = host.state.get(`peer/${bob.address.toString(16).padStart(10, '0')}`)!;
  const restarted = makeNode(alice, { peerCache: [blob, Uint8Array.of(1, 2, 3)] });
  assert.equal(restarted.node.counters.drops.truncated, 1, 'a corrupt blob is a counted drop');
  assert.equal(restarted.node.runtime.topology.getPeer(bob.address)?.protocolVersion, 12);
  restarted.node.processBackgroundTasks(NOW + 30);
  const greetings = restarted.host.take().filter((s) => s.to.ip[0] === 60 && s.to.ip[2] === 1);
  assert.equal(greetings.length, 1);
  assert.equal(verbOf(greetings[0].data), VERB.HELLO);
});

test('engine: processWirePacket never throws on arbitrary datagrams and keeps its queues bounded', () => {
  const { node } = aliceNode();
  let t = NOW + 100;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1600 }), fc.boolean(), (bytes, addressed) => {
      if (addressed && bytes.length >= 28) bytes.set(alice.serialize().subarray(0, 5), 8);
      node.processWirePacket((t += 7), 0, BOB_ADDR, bytes);
      node.processBackgroundTasks(t);
      return node.runtime.sw.parkedInbound <= 32 && node.runtime.sw.reassembler.size <= 64;
    }),
    { numRuns: 400 },
  );
});

test('engine: VL2 trust lets a leaf push its direct paths and relay over the trusted path', () => {
  const { node, host } = aliceNode({ peerCache: [knownPeerBlob(alice, bob), knownPeerBlob(alice, carol)] });
  node.setLocalAddresses([{ localSocket: 0, address: { family: 4, ip: Uint8Array.of(10, 9, 0, 2), port: 9993 } }]);
  node.attachVl2({
    handlePacket: (now, peer, _verb, _packet, arrival) => {
      peer.markActive(now);
      peer.markTrustEstablished(now, arrival.path);
    },
  });
  const topo = node.runtime.topology;
  topo.getPeer(bob.address)!.addPath(NOW, 0, BOB_ADDR).received(NOW);
  topo.getPeer(carol.address)!.addPath(NOW, 0, CAROL_ADDR).received(NOW);
  // Before any trust: a leaf refuses to relay.
  const forCarol = craft(bob, carol, VERB.USER_MESSAGE, encodeUserMessage({ typeId: 1n, data: Uint8Array.of(1) }));
  node.processWirePacket(NOW + 10, 0, BOB_ADDR, forCarol.slice());
  assert.equal(drops(node, 'relay_denied'), 1);

  node.processWirePacket(NOW + 20, 0, BOB_ADDR, craft(bob, alice, VERB.FRAME, Uint8Array.of(0)));
  host.take();
  node.processWirePacket(NOW + 30, 0, BOB_ADDR, craft(bob, alice, VERB.NOP, new Uint8Array(0)));
  const push = host.take().map((s) => open(alice, bob, s.data)).find((x) => x && verbOf(x) === VERB.PUSH_DIRECT_PATHS);
  assert.ok(push, 'direct paths pushed to a trusted peer');

  node.processWirePacket(NOW + 40, 0, BOB_ADDR, forCarol.slice());
  const toCarol = host.take().filter((s) => s.to.ip[2] === 2 && s.to.ip[0] === 60);
  const relayed = toCarol.filter((s) => s.data.subarray(19).every((b, i) => b === forCarol[19 + i]));
  assert.equal(relayed.length, 1);
  assert.equal(relayed[0].data[18] & 7, 1, 'hop count incremented');
  const rv = toCarol.map((s) => open(alice, carol, s.data)).filter((x) => x && verbOf(x) === VERB.RENDEZVOUS);
  assert.equal(rv.length, 1, 'any relay introduces the two ends');
  assert.equal(node.counters.relayed, 1);
  // Hop limit: a packet that already made 3 hops goes no further.
  const tired = forCarol.slice();
  tired[18] = (tired[18] & ~7) | 3;
  node.processWirePacket(NOW + 50, 0, BOB_ADDR, tired);
  assert.equal(drops(node, 'relay_hop_limit'), 1);
  // Active peers get keepalives in the ping walk.
  host.take();
  node.processBackgroundTasks(NOW + 60_000);
  assert.ok(host.take().some((s) => s.to.ip[0] === 60 && s.to.ip[2] === 1), 'bob is pinged');
});
