/**
 * The Vl2 engine end to end: core Nodes with Vl2 wired through the simulator fabric, one of
 * them hosting a tiny LocalNetworkController. Join → config → frames both ways; refusals; a
 * revocation stopping a deauthorized member; broadcast, WAN-friendly ARP and multicast fan-out;
 * rules (drop, TEE); bridging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNetworkId } from '../../src/core/vl2/network-id.js';
import type { Rule } from '../../src/core/vl2/rules-codec.js';
import { BROADCAST_MAC } from '../../src/core/vl2/mac.js';
import { SimNet } from '../sim/sim-net.js';
import {
  ACCEPT,
  addVl2Node,
  arpRequest,
  attachRootVl2,
  DROP,
  ipv4Of,
  tagged,
  TestController,
  untag,
  type TestNetworkOptions,
  type Vl2SimNode,
} from '../sim/vl2-sim.js';

interface World {
  net: SimNet;
  ctl: Vl2SimNode;
  controller: TestController;
  nwid: bigint;
  m: Vl2SimNode[];
}

function world(options: Partial<TestNetworkOptions> = {}, members = 2, seed = 7): World {
  const net = new SimNet({ seed });
  attachRootVl2(net);
  const ctl = addVl2Node(net, 'ctl');
  const nwid = makeNetworkId(ctl.address, 0x000001);
  const controller = new TestController(ctl.identity, nwid, options);
  ctl.vl2.setController(controller);
  const m = Array.from({ length: members }, (_, i) => addVl2Node(net, `m${i}`));
  for (const x of m) controller.authorize(x.identity);
  assert.ok(net.runUntil(() => net.nodes.every((n) => n.online), 30_000) < Infinity, 'everyone online');
  for (const x of m) x.vl2.join(net.now, nwid);
  assert.ok(net.runUntil(() => m.every((x) => x.net(nwid)?.status === 'OK'), 20_000) < Infinity, 'every member configured');
  net.run(2_000);
  return { net, ctl, controller, nwid, m };
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_EXPERIMENTAL = 0x88b5;

test('vl2 engine: join, config, unicast frames delivered both ways', () => {
  const { net, nwid, m } = world();
  const [a, b] = m;
  const sa = a.net(nwid)!;
  assert.equal(sa.status, 'OK');
  assert.equal(sa.config?.issuedTo, a.address);
  assert.ok(sa.config?.credentials.com);
  assert.deepEqual(a.vhost.states.get(nwid)?.status, 'OK');
  a.sendFrame(nwid, b.mac(nwid), ETHERTYPE_IPV4, tagged('a->b'));
  net.run(1_000);
  b.sendFrame(nwid, a.mac(nwid), ETHERTYPE_IPV4, tagged('b->a'));
  net.run(1_000);
  const atB = b.vhost.framesFrom(a.mac(nwid));
  assert.deepEqual(atB.map(untag), ['a->b']);
  assert.equal(atB[0].dstMac, b.mac(nwid));
  assert.equal(atB[0].etherType, ETHERTYPE_IPV4);
  assert.deepEqual(a.vhost.framesFrom(b.mac(nwid)).map(untag), ['b->a']);
});

test('vl2 engine: a non-IP ethertype crosses; a frame to our own MAC comes straight back', () => {
  const { net, nwid, m } = world();
  const [a, b] = m;
  a.sendFrame(nwid, b.mac(nwid), ETHERTYPE_EXPERIMENTAL, tagged('raw ethernet'));
  net.run(1_000);
  assert.deepEqual(b.vhost.framesFrom(a.mac(nwid), ETHERTYPE_EXPERIMENTAL).map(untag), ['raw ethernet']);
  a.sendFrame(nwid, a.mac(nwid), ETHERTYPE_IPV4, tagged('loop'));
  assert.deepEqual(a.vhost.framesFrom(a.mac(nwid)).map(untag), ['loop']);
});

test('vl2 engine: an unauthorized member gets ACCESS_DENIED and no frames move', () => {
  const { net, nwid, m, controller } = world({}, 2);
  const [a] = m;
  const intruder = addVl2Node(net, 'intruder');
  net.runUntil(() => intruder.online, 20_000);
  intruder.vl2.join(net.now, nwid);
  assert.ok(net.runUntil(() => intruder.net(nwid)?.status === 'ACCESS_DENIED', 20_000) < Infinity);
  assert.equal(intruder.net(nwid)?.config, undefined);
  assert.ok(controller.requests > 2);
  intruder.sendFrame(nwid, a.mac(nwid), ETHERTYPE_IPV4, tagged('let me in'));
  a.sendFrame(nwid, intruder.mac(nwid), ETHERTYPE_IPV4, tagged('hello?'));
  net.run(2_000);
  assert.equal(a.vhost.framesFrom(intruder.mac(nwid)).length, 0);
  assert.equal(intruder.vhost.frames.length, 0);
});

test('vl2 engine: a revoked member is cut off by every other member', () => {
  const { net, nwid, m, ctl, controller } = world({}, 3);
  const [a, b, c] = m;
  b.sendFrame(nwid, a.mac(nwid), ETHERTYPE_IPV4, tagged('before'));
  b.sendFrame(nwid, c.mac(nwid), ETHERTYPE_IPV4, tagged('before'));
  net.run(1_000);
  assert.equal(a.vhost.framesFrom(b.mac(nwid)).length, 1);
  assert.equal(c.vhost.framesFrom(b.mac(nwid)).length, 1);
  // Deauthorize b: the controller revokes its COM to the members it configured (a, b, c).
  controller.members.get(b.address)!.authorized = false;
  ctl.vl2.revokeMember(net.now, nwid, b.address, controller.revocation(net.now, b.address));
  net.run(2_000);
  b.sendFrame(nwid, a.mac(nwid), ETHERTYPE_IPV4, tagged('after'));
  b.sendFrame(nwid, c.mac(nwid), ETHERTYPE_IPV4, tagged('after'));
  net.run(3_000);
  assert.deepEqual(a.vhost.framesFrom(b.mac(nwid)).map(untag), ['before']);
  assert.deepEqual(c.vhost.framesFrom(b.mac(nwid)).map(untag), ['before']);
  assert.ok((a.node.counters.drops.not_member ?? 0) >= 1, 'a refused b at the gate');
  assert.ok((c.node.counters.drops.not_member ?? 0) >= 1, 'c refused b at the gate');
  // Its next config request is refused.
  net.run(60_000);
  assert.equal(b.net(nwid)?.status, 'ACCESS_DENIED');
  // The others still talk.
  a.sendFrame(nwid, c.mac(nwid), ETHERTYPE_IPV4, tagged('a->c'));
  net.run(1_000);
  assert.deepEqual(c.vhost.framesFrom(a.mac(nwid)).map(untag), ['a->c']);
});

test('vl2 engine: broadcast reaches every member; an ARP request only its target', () => {
  const { net, nwid, m, controller } = world({}, 3);
  const [a, b, c] = m;
  a.sendFrame(nwid, BROADCAST_MAC, ETHERTYPE_EXPERIMENTAL, tagged('hello all'));
  net.run(2_000);
  assert.deepEqual(b.vhost.framesFrom(a.mac(nwid)).map(untag), ['hello all']);
  assert.deepEqual(c.vhost.framesFrom(a.mac(nwid)).map(untag), ['hello all']);
  assert.equal(b.vhost.framesFrom(a.mac(nwid))[0].dstMac, BROADCAST_MAC);
  const bIp = ipv4Of(controller.members.get(b.address)!.ipv4);
  const aIp = ipv4Of(controller.members.get(a.address)!.ipv4);
  a.sendFrame(nwid, BROADCAST_MAC, 0x0806, arpRequest(a.mac(nwid), aIp, bIp));
  net.run(2_000);
  assert.equal(b.vhost.framesFrom(a.mac(nwid), 0x0806).length, 1, 'the target hears the ARP request');
  assert.equal(c.vhost.framesFrom(a.mac(nwid), 0x0806).length, 0, 'nobody else does');
});

test('vl2 engine: ARP works with broadcast disabled; other broadcasts do not', () => {
  const { net, nwid, m, controller } = world({ broadcast: false }, 2);
  const [a, b] = m;
  a.sendFrame(nwid, BROADCAST_MAC, ETHERTYPE_EXPERIMENTAL, tagged('hello all'));
  const bIp = ipv4Of(controller.members.get(b.address)!.ipv4);
  a.sendFrame(nwid, BROADCAST_MAC, 0x0806, arpRequest(a.mac(nwid), ipv4Of(1), bIp));
  net.run(2_000);
  assert.deepEqual(b.vhost.framesFrom(a.mac(nwid)).map((f) => f.etherType), [0x0806]);
  assert.ok((a.node.counters.drops.broadcast_disabled ?? 0) >= 1);
});

test('vl2 engine: a multicast reaches at most multicastLimit members', () => {
  const { net, nwid, m } = world({ multicastLimit: 2 }, 4);
  const group = { mac: 0x01005e010203, adi: 0 };
  for (const x of m) x.vl2.multicastSubscribe(net.now, nwid, group);
  net.run(2_000);
  const [a, ...others] = m;
  a.sendFrame(nwid, group.mac, ETHERTYPE_IPV4, tagged('to the group'));
  net.run(3_000);
  const got = others.filter((x) => x.vhost.framesFrom(a.mac(nwid)).length > 0);
  assert.equal(got.length, 2);
  a.sendFrame(nwid, group.mac, ETHERTYPE_IPV4, tagged('again'));
  net.run(2_000);
  const total = others.reduce((n, x) => n + x.vhost.framesFrom(a.mac(nwid)).length, 0);
  assert.equal(total, 4, 'two recipients per multicast');
});

test('vl2 engine: the rules drop what they say and pass the rest', () => {
  const rules: Rule[] = [{ type: 'MATCH_ETHERTYPE', not: false, or: false, etherType: ETHERTYPE_EXPERIMENTAL }, DROP, ACCEPT];
  const { net, nwid, m } = world({ rules }, 2);
  const [a, b] = m;
  a.sendFrame(nwid, b.mac(nwid), ETHERTYPE_EXPERIMENTAL, tagged('dropped'));
  a.sendFrame(nwid, b.mac(nwid), ETHERTYPE_IPV4, tagged('passed'));
  net.run(1_000);
  assert.deepEqual(b.vhost.framesFrom(a.mac(nwid)).map(untag), ['passed']);
  assert.ok((a.node.counters.drops.filtered ?? 0) >= 1);
});

test('vl2 engine: a TEE rule copies frames to the observer, which accepts them', () => {
  // The observer's address is only known once it exists: build the world, then change the rules.
  const w = world({}, 3);
  const { net, nwid, m, controller, ctl } = w;
  const [a, b, observer] = m;
  controller.options.rules = [{ type: 'ACTION_TEE', not: false, or: false, address: observer.address, flags: 0, length: 0 }, ACCEPT];
  controller.revision++;
  for (const x of m) ctl.vl2.pushConfig(net.now, x.address, nwid, controller.configFor(net.now, x.identity));
  net.run(1_000);
  assert.ok(m.every((x) => x.net(nwid)?.config?.revision === controller.revision));
  a.sendFrame(nwid, b.mac(nwid), ETHERTYPE_IPV4, tagged('watched'));
  net.run(1_000);
  assert.deepEqual(b.vhost.framesFrom(a.mac(nwid)).map(untag), ['watched']);
  const copies = observer.vhost.framesFrom(a.mac(nwid));
  // One copy from the sender's outbound rules, one from the receiver's inbound rules.
  assert.equal(copies.length, 2);
  assert.ok(copies.every((f) => f.dstMac === b.mac(nwid) && untag(f) === 'watched'));
});

test('vl2 engine: a frame for a MAC behind an active bridge goes to the bridge, which learns nothing it may not', () => {
  const w = world({}, 3);
  const { net, nwid, m, controller, ctl } = w;
  const [a, bridge, other] = m;
  controller.members.get(bridge.address)!.activeBridge = true;
  controller.revision++;
  for (const x of m) ctl.vl2.pushConfig(net.now, x.address, nwid, controller.configFor(net.now, x.identity));
  net.run(1_000);
  assert.equal(bridge.net(nwid)?.activeBridge, true);
  const behindBridge = 0x0a0000000001;
  a.sendFrame(nwid, behindBridge, ETHERTYPE_IPV4, tagged('to a host behind the bridge'));
  net.run(1_000);
  const atBridge = bridge.vhost.framesFrom(a.mac(nwid));
  assert.deepEqual(atBridge.map(untag), ['to a host behind the bridge']);
  assert.equal(atBridge[0].dstMac, behindBridge);
  assert.equal(other.vhost.framesFrom(a.mac(nwid)).length, 0);
  // The bridge may send with a foreign source MAC; a non-bridge may not.
  bridge.sendFrame(nwid, a.mac(nwid), ETHERTYPE_IPV4, tagged('from behind'), behindBridge);
  other.sendFrame(nwid, a.mac(nwid), ETHERTYPE_IPV4, tagged('spoofed'), 0x0a0000000002);
  net.run(1_000);
  assert.deepEqual(a.vhost.framesFrom(behindBridge).map(untag), ['from behind']);
  assert.equal(a.vhost.framesFrom(0x0a0000000002).length, 0);
  assert.ok((other.node.counters.drops.bridging_denied ?? 0) >= 1);
  // a learned that the foreign MAC sits behind the bridge: a reply goes only there.
  a.sendFrame(nwid, behindBridge, ETHERTYPE_IPV4, tagged('reply'));
  net.run(1_000);
  assert.deepEqual(bridge.vhost.framesFrom(a.mac(nwid)).map(untag), ['to a host behind the bridge', 'reply']);
});

test('vl2 engine: a network this node controls is configured in-process', () => {
  const { net, nwid, ctl, controller } = world({}, 1);
  controller.authorize(ctl.identity);
  const before = ctl.node.counters.verbsOut.NETWORK_CONFIG_REQUEST ?? 0;
  ctl.vl2.join(net.now, nwid);
  assert.equal(ctl.net(nwid)?.status, 'OK');
  assert.equal(ctl.node.counters.verbsOut.NETWORK_CONFIG_REQUEST ?? 0, before);
  const unknown = makeNetworkIdFor(ctl.address, 0x000099);
  ctl.vl2.join(net.now, unknown);
  assert.equal(ctl.net(unknown)?.status, 'NOT_FOUND');
});

function makeNetworkIdFor(controller: number, n: number): bigint {
  return makeNetworkId(controller, n);
}

function ipv4Packet(src: Uint8Array, dst: Uint8Array, text: string): Uint8Array {
  const body = tagged(text);
  const p = new Uint8Array(20 + body.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = 17;
  p.set(src, 12);
  p.set(dst, 16);
  p.set(body, 20);
  return p;
}

test('vl2 engine: "chr ipauth" rules pass IPs a certificate of ownership covers and drop spoofed ones; trust is established', () => {
  const SENDER_IP_AUTHENTICATED = 0x1000000000000000n;
  const rules: Rule[] = [
    { type: 'MATCH_ETHERTYPE', not: false, or: false, etherType: ETHERTYPE_IPV4 },
    { type: 'MATCH_CHARACTERISTICS', not: true, or: false, characteristics: SENDER_IP_AUTHENTICATED },
    DROP,
    ACCEPT,
  ];
  const { net, nwid, m, controller } = world({ rules }, 2);
  const [a, b] = m;
  const aIp = ipv4Of(controller.members.get(a.address)!.ipv4);
  const bIp = ipv4Of(controller.members.get(b.address)!.ipv4);
  a.sendFrame(nwid, b.mac(nwid), ETHERTYPE_IPV4, ipv4Packet(aIp, bIp, 'genuine'));
  a.sendFrame(nwid, b.mac(nwid), ETHERTYPE_IPV4, ipv4Packet(ipv4Of(250), bIp, 'spoofed'));
  net.run(1_000);
  assert.deepEqual(b.vhost.framesFrom(a.mac(nwid)).map((f) => new TextDecoder().decode(f.payload.subarray(20))), ['genuine']);
  assert.ok((a.node.counters.drops.filtered ?? 0) >= 1);
  const peerA = b.node.runtime.topology.getPeer(a.address)!;
  assert.equal(peerA.isTrustEstablished(net.now), true);
  assert.equal(peerA.isActive(net.now), true);
});
