/**
 * End to end: the real controller (SQLite store + API layer + ControllerConfigService) behind a
 * core Node's Vl2, and members on other Nodes, through the simulator fabric. A member joins, is
 * denied, is authorized through the API and gets its config pushed at once (addresses from the
 * pool, credentials the controller node itself accepts: frames flow); a rename reaches it as a
 * push; deauthorization revokes its COM and tells it ACCESS_DENIED at once.
 *
 * The store answers asynchronously, so the scene alternates virtual time with letting the
 * service finish (settle), as a host's event loop would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ControllerConfigService } from '../../src/controller/config-service.js';
import { NetworkController } from '../../src/controller/network-controller.js';
import { SqliteControllerStore } from '../../src/controller/store/sqlite-store.js';
import { inetAddressToString } from '../../src/core/vl1/inet-address.js';
import { verifyCom } from '../../src/core/vl2/credentials/com.js';
import { rfc4193Address } from '../../src/core/vl2/ipv6.js';
import { makeNetworkId } from '../../src/core/vl2/network-id.js';
import { tempDir } from '../controller/helpers.js';
import { SimNet } from './sim-net.js';
import { addVl2Node, attachRootVl2, tagged, untag, type Vl2SimNode } from './vl2-sim.js';

const IPV4 = 0x0800;
const hex = (n: bigint | number, digits: number) => n.toString(16).padStart(digits, '0');

test('sim controller: join → denied → authorized (pushed at once) → frames → rename pushed → deauthorized (revoked, told at once)', async () => {
  const { dir, cleanup } = tempDir();
  const store = new SqliteControllerStore(join(dir, 'controller.db'));
  const net = new SimNet({ seed: 23, identities: 'fixture' });
  attachRootVl2(net);
  const ctl = addVl2Node(net, 'ctl');
  const a = addVl2Node(net, 'a');
  const b = addVl2Node(net, 'b');
  const nwid = makeNetworkId(ctl.address, 0x000001);
  const nwidHex = hex(nwid, 16);
  let counter = 0n;
  const api = new NetworkController(store, { controllerAddress: hex(ctl.address, 10), now: () => net.now });
  const service = new ControllerConfigService(store, ctl.identity, { sink: ctl.vl2, random64: () => ++counter });
  ctl.vl2.setController(service);

  /** Lets the service answer what it was asked and act on store changes, as a host's loop would. */
  const settle = async (): Promise<void> => {
    await service.idle();
    service.processBackgroundTasks(net.now);
    await service.idle();
  };
  /** Runs virtual time in small steps, settling the service after each, until `done`. */
  const runUntil = async (done: () => boolean, maxMs: number): Promise<number> => {
    const start = net.now;
    while (!done()) {
      if (net.now - start > maxMs) return Infinity;
      net.run(200);
      await settle();
    }
    return net.now - start;
  };
  const status = (x: Vl2SimNode) => x.net(nwid)?.status;
  const reaches = async (from: Vl2SimNode, to: Vl2SimNode, text: string): Promise<boolean> => {
    from.sendFrame(nwid, to.mac(nwid), IPV4, tagged(text));
    await runUntil(() => false, 2_000);
    return to.vhost.framesFrom(from.mac(nwid)).some((f) => untag(f) === text);
  };

  try {
    await api.postNetwork(nwidHex, {
      name: 'sim-controller',
      v4AssignMode: { zt: true },
      v6AssignMode: { rfc4193: true },
      routes: [{ target: '10.99.0.0/24', via: null }],
      ipAssignmentPools: [{ ipRangeStart: '10.99.0.1', ipRangeEnd: '10.99.0.200' }],
    });
    await api.postMember(nwidHex, hex(ctl.address, 10), { authorized: true });
    await api.postMember(nwidHex, hex(b.address, 10), { authorized: true });
    assert.ok(net.runUntil(() => net.nodes.every((n) => n.online), 30_000) < Infinity);

    // The controller node joins its own network (answered in-process), then the members.
    ctl.vl2.join(net.now, nwid);
    a.vl2.join(net.now, nwid);
    b.vl2.join(net.now, nwid);
    assert.ok((await runUntil(() => status(ctl) === 'OK' && status(b) === 'OK' && status(a) === 'ACCESS_DENIED', 20_000)) < Infinity);
    const denied = await api.getMember(nwidHex, hex(a.address, 10));
    assert.equal(denied.authorized, false);
    assert.equal(denied.identity, a.identity.toString(), 'the join recorded the member and its identity');

    // Authorized through the API: the config is pushed, no need to wait for a's next request.
    await api.postMember(nwidHex, hex(a.address, 10), { authorized: true });
    const took = await runUntil(() => status(a) === 'OK', 5_000);
    assert.ok(took <= 1_000, `configured ${took} ms after authorization`);
    const nc = a.net(nwid)!.config!;
    assert.equal(nc.name, 'sim-controller');
    assert.equal(nc.issuedTo, a.address);
    assert.equal(verifyCom(nc.credentials.com!, ctl.identity).status, 'valid');
    const member = await api.getMember(nwidHex, hex(a.address, 10));
    assert.equal(member.ipAssignments.length, 1);
    assert.deepEqual(
      nc.staticIps.map((ip) => inetAddressToString(ip!)),
      [inetAddressToString({ family: 6, ip: rfc4193Address(nwid, a.address), port: 88 }), `${member.ipAssignments[0]}/24`],
    );
    assert.ok(service.stats.pushes >= 1);

    // Members and the controller node talk: their COMs agree.
    assert.equal(await reaches(a, b, 'a→b'), true);
    assert.equal(await reaches(b, ctl, 'b→ctl'), true);
    assert.equal(await reaches(a, ctl, 'a→ctl'), true);

    // A rename reaches both members as a push.
    const before = a.net(nwid)!.config!.revision;
    await api.postNetwork(nwidHex, { name: 'renamed' });
    assert.ok((await runUntil(() => a.net(nwid)?.config?.name === 'renamed' && b.net(nwid)?.config?.name === 'renamed', 5_000)) <= 1_000);
    assert.ok(a.net(nwid)!.config!.revision > before);

    // Deauthorization: a is told at once, and the others drop its frames (its COM is revoked).
    net.run(1_000);
    await api.postMember(nwidHex, hex(a.address, 10), { authorized: false });
    assert.ok((await runUntil(() => status(a) === 'ACCESS_DENIED', 5_000)) <= 1_000);
    assert.equal(service.stats.revocations, 1);
    assert.equal(await reaches(a, b, 'a→b denied'), false);
    assert.equal(await reaches(a, ctl, 'a→ctl denied'), false);
    assert.equal(await reaches(b, ctl, 'b→ctl still'), true);
  } finally {
    service.close();
    await service.idle();
    await store.close();
    cleanup();
  }
});
