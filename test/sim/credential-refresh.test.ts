/**
 * Credential refresh after a member's tags change (spec vl2.md §6.7 and our deliberate
 * difference): a member whose config changes what its credentials say pushes them at once to
 * the members it recently pushed to, and never twice to one peer inside that peer's 1 s receive
 * rate limit (a second push is deferred, not lost). Checked by behaviour: a tag rule evaluated on
 * the *other* member's outbound pass, which reads the changed member's tag from its record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VERB } from '../../src/core/vl1/packet.js';
import { makeNetworkId } from '../../src/core/vl2/network-id.js';
import type { Rule } from '../../src/core/vl2/rules-codec.js';
import { ownCredentialsKey } from '../../src/core/vl2/filter-views.js';
import { SimNet } from './sim-net.js';
import { ACCEPT, addVl2Node, attachRootVl2, DROP, tagged, TestController, untag, type Vl2SimNode } from './vl2-sim.js';

const IPV4 = 0x0800;
const DEPARTMENT = 1000;
/** Frames pass only between members whose department tags are equal. */
const SAME_DEPARTMENT: Rule[] = [{ type: 'MATCH_TAGS_DIFFERENCE', not: false, or: false, id: DEPARTMENT, value: 0 }, ACCEPT, DROP];

function scene() {
  const net = new SimNet({ seed: 41 });
  attachRootVl2(net);
  const ctl = addVl2Node(net, 'ctl');
  const nwid = makeNetworkId(ctl.address, 0x000007);
  const controller = new TestController(ctl.identity, nwid, { rules: SAME_DEPARTMENT });
  ctl.vl2.setController(controller);
  const a = addVl2Node(net, 'a');
  const b = addVl2Node(net, 'b');
  for (const x of [a, b]) controller.authorize(x.identity, { tags: [[DEPARTMENT, 1]] });
  assert.ok(net.runUntil(() => net.nodes.every((n) => n.online), 30_000) < Infinity);
  for (const x of [a, b]) x.vl2.join(net.now, nwid);
  assert.ok(net.runUntil(() => [a, b].every((x) => x.net(nwid)?.status === 'OK'), 20_000) < Infinity);
  /** The controller changes `x`'s department and pushes its new config. */
  const setDepartment = (x: Vl2SimNode, value: number) => {
    controller.members.get(x.address)!.tags = [[DEPARTMENT, value]];
    controller.revision++;
    ctl.vl2.pushConfig(net.now, x.address, nwid, controller.configFor(net.now, x.identity));
  };
  const reaches = (from: Vl2SimNode, to: Vl2SimNode, text: string) => {
    from.sendFrame(nwid, to.mac(nwid), IPV4, tagged(text));
    net.run(300);
    return to.vhost.framesFrom(from.mac(nwid)).some((f) => untag(f) === text);
  };
  return { net, ctl, controller, nwid, a, b, setDepartment, reaches };
}

test('credential refresh: a changed tag reaches the members a node talks with at once, without traffic from it', () => {
  const { net, nwid, a, b, setDepartment, reaches } = scene();
  assert.ok(reaches(a, b, 'a→b'), 'same department');
  assert.ok(reaches(b, a, 'b→a'));
  // b now holds a's tag 1. a and b both move to department 2; only b sends afterwards. Without
  // a's push, b's outbound pass would still compare its 2 with a's old 1 and drop.
  setDepartment(a, 2);
  net.run(2_000);
  setDepartment(b, 2);
  net.run(2_000);
  assert.ok(reaches(b, a, 'b→a after the change'), "b's outbound pass sees a's new tag");
  assert.ok(reaches(a, b, 'a→b after the change'));
  assert.equal(a.net(nwid)!.config!.credentials.tags[0].value, 2);
});

test('credential refresh: two changes inside a second both reach the peer (the second push waits out its rate limit)', () => {
  const { net, a, b, setDepartment, reaches } = scene();
  assert.ok(reaches(a, b, 'a→b'));
  assert.ok(reaches(b, a, 'b→a'));
  const limitedBefore = b.node.counters.drops.rate_limited ?? 0;
  setDepartment(a, 3);
  net.run(200);
  setDepartment(a, 2);
  net.run(200);
  setDepartment(b, 2);
  assert.equal(reaches(b, a, 'b→a too early'), false, "the second push is still held back: b believes a's 3");
  net.run(2_000);
  assert.ok(reaches(b, a, 'b→a after the spacing'), "b got a's 2");
  assert.equal(b.node.counters.drops.rate_limited ?? 0, limitedBefore, 'no push of a was ignored by b');
});

test('credential refresh: a config that re-issues the same credentials pushes nothing early', () => {
  const { net, ctl, controller, nwid, a, b, reaches } = scene();
  assert.ok(reaches(a, b, 'a→b'));
  net.run(2_000);
  let pushes = 0;
  const send = a.node.sendPacket.bind(a.node);
  a.node.sendPacket = (now, dest, verb, payload, compress) => {
    if (verb === VERB.NETWORK_CREDENTIALS) pushes++;
    return send(now, dest, verb, payload, compress);
  };
  const before = a.net(nwid)!.config!;
  controller.revision++;
  ctl.vl2.pushConfig(net.now, a.address, nwid, controller.configFor(net.now, a.identity));
  net.run(2_000);
  const after = a.net(nwid)!.config!;
  assert.ok(after.timestamp > before.timestamp, 'a new config is in force');
  assert.equal(ownCredentialsKey(after), ownCredentialsKey(before), 'with the same credentials in substance');
  assert.equal(pushes, 0, 'no push without a frame');
  assert.ok(reaches(a, b, 'a→b again'));
  assert.equal(pushes, 1, 'the usual push before the next frame (the config changed)');
});

test('ownCredentialsKey: tags, capability rules and owned addresses count; timestamps and signatures do not', () => {
  const { net, controller, a } = scene();
  const key = () => ownCredentialsKey(controller.configFor(net.now, a.identity));
  const k0 = key();
  net.run(5_000);
  assert.equal(key(), k0, 're-issued later: same key');
  controller.members.get(a.address)!.tags = [[DEPARTMENT, 9]];
  const k1 = key();
  assert.notEqual(k1, k0, 'tag value');
  controller.options.capabilities = [{ id: 5, rules: [ACCEPT] }];
  controller.members.get(a.address)!.capabilities = [5];
  const k2 = key();
  assert.notEqual(k2, k1, 'a capability');
  controller.options.capabilities = [{ id: 5, rules: [DROP] }];
  assert.notEqual(key(), k2, "the capability's rules");
  controller.members.get(a.address)!.ipv4 = 99;
  assert.notEqual(key(), k2, 'owned addresses');
});
