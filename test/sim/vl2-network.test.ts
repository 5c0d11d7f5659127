/**
 * VL2 scenarios in the simulator: a controller node (tiny in-test LocalNetworkController) and
 * several members on one root. Config propagation (pushes, and the 60 s refresh for a member
 * that missed one), authorization and deauthorization of every member in turn, COM expiry when
 * a member's renewals stop and recovery when they resume, and multicast fan-out within the limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNetworkId } from '../../src/core/vl2/network-id.js';
import { SimNet } from './sim-net.js';
import { addVl2Node, attachRootVl2, tagged, TestController, untag, type TestNetworkOptions, type Vl2SimNode } from './vl2-sim.js';

const IPV4 = 0x0800;

interface Scene {
  net: SimNet;
  ctl: Vl2SimNode;
  controller: TestController;
  nwid: bigint;
  m: Vl2SimNode[];
}

function scene(members: number, options: Partial<TestNetworkOptions> = {}, seed = 11): Scene {
  const net = new SimNet({ seed, identities: 'fixture' });
  attachRootVl2(net);
  const ctl = addVl2Node(net, 'ctl');
  const nwid = makeNetworkId(ctl.address, 0x00beef);
  const controller = new TestController(ctl.identity, nwid, options);
  ctl.vl2.setController(controller);
  const m = Array.from({ length: members }, (_, i) => addVl2Node(net, `m${i}`));
  for (const x of m) controller.authorize(x.identity);
  assert.ok(net.runUntil(() => net.nodes.every((n) => n.online), 30_000) < Infinity);
  for (const x of m) x.vl2.join(net.now, nwid);
  assert.ok(net.runUntil(() => m.every((x) => x.net(nwid)?.status === 'OK'), 20_000) < Infinity);
  net.run(2_000);
  return { net, ctl, controller, nwid, m };
}

function pushAll(s: Scene, to: Vl2SimNode[] = s.m): void {
  for (const x of to) s.ctl.vl2.pushConfig(s.net.now, x.address, s.nwid, s.controller.configFor(s.net.now, x.identity));
}

/** Which of `to` receive a unicast from `from` (sent to each in turn). */
function reachable(s: Scene, from: Vl2SimNode, to: Vl2SimNode[], text: string): Vl2SimNode[] {
  for (const y of to) from.sendFrame(s.nwid, y.mac(s.nwid), IPV4, tagged(text));
  s.net.run(2_000);
  return to.filter((y) => y.vhost.framesFrom(from.mac(s.nwid)).some((f) => untag(f) === text));
}

test('sim vl2: config changes reach every member, and a member that missed the push catches up at its refresh', () => {
  const s = scene(4);
  const { net, controller, nwid, m } = s;
  controller.revision = 2;
  controller.options.multicastLimit = 8;
  pushAll(s);
  net.run(1_000);
  for (const x of m) {
    assert.equal(x.net(nwid)?.config?.revision, 2, `${x.name} has revision 2`);
    assert.equal(x.vhost.states.get(nwid)?.config?.multicastLimit, 8, `${x.name}'s host heard of it`);
  }
  // m3 is cut off from the controller and the root while revision 3 goes out.
  const late = m[3];
  const root = net.roots[0];
  net.fabric.setBlocked(late.host, s.ctl.host, true);
  net.fabric.setBlocked(late.host, root.host, true);
  controller.revision = 3;
  pushAll(s);
  net.run(1_000);
  assert.deepEqual(m.map((x) => x.net(nwid)?.config?.revision), [3, 3, 3, 2]);
  net.fabric.setBlocked(late.host, s.ctl.host, false);
  net.fabric.setBlocked(late.host, root.host, false);
  const took = net.runUntil(() => late.net(nwid)?.config?.revision === 3, 90_000, 1_000);
  assert.ok(took <= 70_000, `caught up after ${took} ms`);
});

test('sim vl2: every member in turn is deauthorized (cut off by all others) and authorized again', () => {
  const s = scene(4);
  const { net, ctl, controller, nwid, m } = s;
  for (const [i, x] of m.entries()) {
    const others = m.filter((y) => y !== x);
    assert.deepEqual(reachable(s, x, others, `hello ${i}`).map((y) => y.name), others.map((y) => y.name), `${x.name} reaches everyone`);
    controller.members.get(x.address)!.authorized = false;
    ctl.vl2.revokeMember(net.now, nwid, x.address, controller.revocation(net.now, x.address, i + 1));
    ctl.vl2.pushConfigError(net.now, x.address, nwid, 'ACCESS_DENIED');
    net.run(1_000);
    assert.equal(x.net(nwid)?.status, 'ACCESS_DENIED');
    assert.deepEqual(reachable(s, x, others, `denied ${i}`), [], `${x.name} is cut off`);
    // The others still reach each other.
    assert.equal(reachable(s, others[0], others.slice(1), `others ${i}`).length, others.length - 1);
    // Authorized again: a fresh config (a COM newer than the revocation) lets it back in.
    net.run(1_000);
    controller.members.get(x.address)!.authorized = true;
    pushAll(s, [x]);
    net.run(1_000);
    assert.equal(x.net(nwid)?.status, 'OK');
    assert.deepEqual(reachable(s, x, others, `back ${i}`).map((y) => y.name), others.map((y) => y.name), `${x.name} is back`);
  }
});

test('sim vl2: a COM that stops being renewed expires; renewal lets the member back in', () => {
  // A 2-minute credential window keeps the scenario short.
  const s = scene(2, { credentialTimeMaxDelta: 120_000 });
  const { net, controller, nwid, m } = s;
  const [stale, fresh] = m;
  assert.equal(reachable(s, stale, [fresh], 'start').length, 1);
  controller.members.get(stale.address)!.silent = true;
  // The fresh member keeps renewing every minute; after > 2 min the stale COM no longer agrees.
  net.run(200_000);
  assert.ok(fresh.net(nwid)!.config!.timestamp - stale.net(nwid)!.config!.timestamp > 120_000);
  assert.deepEqual(reachable(s, stale, [fresh], 'expired'), []);
  assert.ok((fresh.node.counters.drops.not_member ?? 0) > 0);
  controller.members.get(stale.address)!.silent = false;
  const took = net.runUntil(() => net.now - stale.net(nwid)!.config!.timestamp < 10_000, 30_000, 1_000);
  assert.ok(took < Infinity, 'renewed');
  assert.equal(reachable(s, stale, [fresh], 'renewed').length, 1);
  assert.equal(reachable(s, fresh, [stale], 'both ways').length, 1);
});

test('sim vl2: multicast and broadcast fan out to at most the multicast limit; ARP reaches only its target', () => {
  const s = scene(6, { multicastLimit: 3 });
  const { net, controller, nwid, m } = s;
  const group = { mac: 0x01005e7f0001, adi: 0 };
  for (const x of m) x.vl2.multicastSubscribe(net.now, nwid, group);
  net.run(3_000);
  for (const [i, x] of m.entries()) x.sendFrame(nwid, group.mac, IPV4, tagged(`mc ${i}`));
  net.run(3_000);
  for (const [i, x] of m.entries()) {
    const got = m.filter((y) => y !== x && y.vhost.framesFrom(x.mac(nwid)).some((f) => untag(f) === `mc ${i}`));
    assert.equal(got.length, 3, `multicast ${i} reached ${got.length}`);
  }
  m[0].sendFrame(nwid, 0xffffffffffff, 0x88b5, tagged('bcast'));
  net.run(3_000);
  assert.equal(m.filter((y) => y.vhost.framesFrom(m[0].mac(nwid)).some((f) => untag(f) === 'bcast')).length, 3);
  const target = m[5];
  const ip = controller.members.get(target.address)!.ipv4;
  const arp = new Uint8Array(28);
  arp.set([0, 1, 8, 0, 6, 4, 0, 1]);
  arp.set([10, 147, 17, ip], 24);
  m[1].sendFrame(nwid, 0xffffffffffff, 0x0806, arp);
  net.run(3_000);
  assert.deepEqual(m.filter((y) => y.vhost.framesFrom(m[1].mac(nwid), 0x0806).length > 0).map((y) => y.name), [target.name]);
});
