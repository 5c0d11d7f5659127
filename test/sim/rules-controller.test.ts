/**
 * Flow rules end to end in the simulator: rule text posted to the real controller (SQLite store,
 * API layer, ControllerConfigService) is compiled, stored, issued to members as binary rules,
 * tags and capabilities in their signed configs, pushed to them, and enforced by the Vl2 filter
 * of every member — the sender's outbound pass and the receiver's inbound pass, the latter with
 * the sender's tags and capabilities as it pushed them (NETWORK_CREDENTIALS). TEE, WATCH and
 * REDIRECT copies reach the named member's port. Each rule change goes through the API (POST
 * rulesSource) and takes effect at the next frame, without rejoining or restarting anything.
 *
 * "Both ends" is checked by frames injected below a member's Vl2 (a FRAME sent straight through
 * its Node, as a modified client would): the receiver's own rules still drop them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ControllerConfigService } from '../../src/controller/config-service.js';
import { NetworkController } from '../../src/controller/network-controller.js';
import { SqliteControllerStore } from '../../src/controller/store/sqlite-store.js';
import { VERB } from '../../src/core/vl1/packet.js';
import { encodeFrame } from '../../src/core/vl2/frames.js';
import { makeNetworkId } from '../../src/core/vl2/network-id.js';
import { tempDir } from '../controller/helpers.js';
import { SimNet } from './sim-net.js';
import { addVl2Node, attachRootVl2, type Vl2SimNode } from './vl2-sim.js';

const IPV4 = 0x0800;
const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
const hex = (n: bigint | number, digits: number) => n.toString(16).padStart(digits, '0');

/** An IPv4 packet (no options) carrying `l4` as protocol `proto`; checksums are not checked by anyone here. */
function ipv4Packet(src: Uint8Array, dst: Uint8Array, proto: number, l4: Uint8Array): Uint8Array {
  const p = new Uint8Array(20 + l4.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = proto;
  p.set(src, 12);
  p.set(dst, 16);
  p.set(l4, 20);
  return p;
}

let serial = 0;

/** A TCP segment with a unique marker in its payload (so deliveries can be told apart). */
function tcpPacket(src: Uint8Array, dst: Uint8Array, sport: number, dport: number, flags: number): { packet: Uint8Array; marker: string } {
  const marker = `tz-${++serial}`;
  const body = new TextEncoder().encode(marker);
  const t = new Uint8Array(20 + body.length);
  t[0] = sport >> 8;
  t[1] = sport & 0xff;
  t[2] = dport >> 8;
  t[3] = dport & 0xff;
  t[12] = 5 << 4;
  t[13] = flags;
  t.set(body, 20);
  return { packet: ipv4Packet(src, dst, 6, t), marker };
}

function icmpEcho(src: Uint8Array, dst: Uint8Array): { packet: Uint8Array; marker: string } {
  const marker = `tz-${++serial}`;
  const body = new TextEncoder().encode(marker);
  const t = new Uint8Array(8 + body.length);
  t[0] = 8;
  t.set(body, 8);
  return { packet: ipv4Packet(src, dst, 1, t), marker };
}

const contains = (payload: Uint8Array, marker: string) => Buffer.from(payload).includes(marker);

test('sim rules: rulesSource → controller → member configs → both ends; tags, capabilities, TEE, REDIRECT; changes apply at once', async (t) => {
  const { dir, cleanup } = tempDir();
  const store = new SqliteControllerStore(join(dir, 'controller.db'));
  const net = new SimNet({ seed: 31, identities: 'fixture' });
  attachRootVl2(net);
  const ctl = addVl2Node(net, 'ctl');
  const a = addVl2Node(net, 'a');
  const b = addVl2Node(net, 'b');
  const m = addVl2Node(net, 'm');
  const members = [a, b, m];
  const nwid = makeNetworkId(ctl.address, 0x000042);
  const nwidHex = hex(nwid, 16);
  const id = (x: Vl2SimNode) => hex(x.address, 10);
  let counter = 0n;
  const api = new NetworkController(store, { controllerAddress: id(ctl), now: () => net.now });
  const service = new ControllerConfigService(store, ctl.identity, { sink: ctl.vl2, random64: () => ++counter });
  ctl.vl2.setController(service);

  const settle = async (): Promise<void> => {
    await service.idle();
    service.processBackgroundTasks(net.now);
    await service.idle();
  };
  const runFor = async (ms: number): Promise<void> => {
    const end = net.now + ms;
    while (net.now < end) {
      net.run(100);
      await settle();
    }
  };
  const runUntil = async (done: () => boolean, maxMs: number): Promise<number> => {
    const start = net.now;
    while (!done()) {
      if (net.now - start > maxMs) return Infinity;
      net.run(100);
      await settle();
    }
    return net.now - start;
  };

  const ip = (x: Vl2SimNode): Uint8Array => x.net(nwid)!.config!.staticIps.find((s) => s?.family === 4)!.ip;
  const deliveredTo = (x: Vl2SimNode, marker: string) => x.vhost.frames.filter((f) => f.etherType === IPV4 && contains(f.payload, marker));
  /** Sends from `from`'s port towards `to`; returns who got the frame (to, and copies elsewhere). */
  const send = async (from: Vl2SimNode, to: Vl2SimNode, p: { packet: Uint8Array; marker: string }) => {
    from.sendFrame(nwid, to.mac(nwid), IPV4, p.packet);
    await runFor(500);
    return { at: deliveredTo(to, p.marker), elsewhere: members.filter((x) => x !== to && x !== from).flatMap((x) => deliveredTo(x, p.marker).map((f) => ({ x, f }))) };
  };
  const tcp = async (from: Vl2SimNode, to: Vl2SimNode, dport: number, flags = TCP_SYN) => send(from, to, tcpPacket(ip(from), ip(to), 40000, dport, flags));
  const passes = async (from: Vl2SimNode, to: Vl2SimNode, dport: number, flags = TCP_SYN) => (await tcp(from, to, dport, flags)).at.length === 1;
  /** A FRAME sent under `from`'s Vl2 (no outbound rules at all): only `to`'s inbound rules judge it. */
  let injected = '';
  const inject = async (from: Vl2SimNode, to: Vl2SimNode, dport: number) => {
    const p = tcpPacket(ip(from), ip(to), 40000, dport, TCP_SYN);
    injected = p.marker;
    assert.ok(from.node.sendPacket(net.now, to.address, VERB.FRAME, encodeFrame(nwid, IPV4, p.packet)));
    await runFor(500);
    return deliveredTo(to, p.marker).length === 1;
  };
  const filtered = (x: Vl2SimNode) => x.node.counters.drops.filtered ?? 0;
  /** Posts new rules; returns how long (virtual ms) until every member runs them. */
  const setRules = async (source: string): Promise<number> => {
    const before = members.map((x) => x.net(nwid)!.config!.revision);
    const r = await api.postNetwork(nwidHex, { rulesSource: source });
    assert.equal(r.rulesSource, source);
    return runUntil(() => members.every((x, i) => x.net(nwid)!.config!.revision > before[i]), 5_000);
  };

  try {
    // --- (a) a whitelist, compiled by the controller from its source
    const whitelist = `
      drop not ethertype ipv4 and not ethertype arp and not ethertype ipv6;
      accept ethertype arp;
      accept ipprotocol icmp;
      accept ipprotocol icmp6;
      accept ipprotocol tcp and dport 22; accept ipprotocol tcp and sport 22;
      accept ipprotocol tcp and dport 80; accept ipprotocol tcp and sport 80;
      accept ipprotocol tcp and dport 443; accept ipprotocol tcp and sport 443;
      drop;
    `;
    const created = await api.postNetwork(nwidHex, {
      name: 'sim-rules',
      v4AssignMode: { zt: true },
      ipAssignmentPools: [{ ipRangeStart: '10.98.0.1', ipRangeEnd: '10.98.0.200' }],
      routes: [{ target: '10.98.0.0/24', via: null }],
      rulesSource: whitelist,
    });
    assert.ok(created.rules.length > 10, 'the source was compiled into stored rules');
    for (const x of members) await api.postMember(nwidHex, id(x), { authorized: true });
    assert.ok(net.runUntil(() => net.nodes.every((n) => n.online), 30_000) < Infinity);
    for (const x of members) x.vl2.join(net.now, nwid);
    assert.ok((await runUntil(() => members.every((x) => x.net(nwid)?.status === 'OK'), 20_000)) < Infinity, 'every member configured');
    const nc = a.net(nwid)!.config!;
    assert.equal(nc.rules.length, created.rules.length, 'the member runs the stored rules');
    assert.equal(nc.rules.at(-1)?.type, 'ACTION_DROP');

    for (const port of [22, 80, 443]) assert.ok(await passes(a, b, port), `TCP ${port} a → b`);
    assert.ok((await send(b, a, tcpPacket(ip(b), ip(a), 22, 40000, TCP_SYN | TCP_ACK))).at.length === 1, 'the reply from port 22 passes');
    assert.ok((await send(a, b, icmpEcho(ip(a), ip(b)))).at.length === 1, 'ICMP passes');
    const dropsBefore = filtered(a);
    assert.equal(await passes(a, b, 8080), false, 'TCP 8080 is dropped');
    assert.equal(filtered(a), dropsBefore + 1, "by the sender's outbound rules");
    const bDrops = filtered(b);
    assert.equal(await inject(a, b, 8080), false, 'TCP 8080 sent past the sender\'s rules is dropped by the receiver');
    assert.equal(filtered(b), bDrops + 1, "by the receiver's inbound rules");
    assert.equal(await inject(a, b, 22), true, 'an injected allowed frame passes (the injection itself works)');
    t.diagnostic('whitelist enforced at both ends');

    // --- (b) tdiff: port 5000 only between members of the same department (tags set through the API)
    const took = await setRules(`
      tag department id 1000 enum 1 red enum 2 blue default 0;
      accept not ipprotocol tcp;
      accept ipprotocol tcp and dport 5000 and tdiff department 0;
      accept ipprotocol tcp and sport 5000 and tdiff department 0;
      drop ipprotocol tcp and dport 5000;
      drop ipprotocol tcp and sport 5000;
      accept;
    `);
    assert.ok(took <= 1_000, `new rules in force ${took} ms after the POST`);
    await api.postMember(nwidHex, id(a), { tags: [[1000, 1]] });
    await api.postMember(nwidHex, id(b), { tags: [[1000, 1]] });
    await api.postMember(nwidHex, id(m), { tags: [[1000, 2]] });
    assert.ok((await runUntil(() => members.every((x) => x.net(nwid)!.config!.credentials.tags.some((tg) => tg.id === 1000 && tg.value !== 0)), 5_000)) <= 1_000);
    assert.deepEqual(
      members.map((x) => x.net(nwid)!.config!.credentials.tags.map((tg) => [tg.id, tg.value])),
      [[[1000, 1]], [[1000, 1]], [[1000, 2]]],
      'each member holds its signed tag',
    );
    // Credentials travel with traffic (§6.7): an exchange after the change carries the new tags.
    for (const [x, y] of [[a, b], [a, m], [b, m]] as const) {
      await send(x, y, icmpEcho(ip(x), ip(y)));
      await send(y, x, icmpEcho(ip(y), ip(x)));
    }
    assert.ok(await passes(a, b, 5000), 'same department: a → b');
    assert.ok(await passes(b, a, 5000), 'same department: b → a');
    assert.equal(await passes(a, m, 5000), false, 'other department: a → m dropped');
    assert.equal(await passes(m, b, 5000), false, 'other department: m → b dropped');
    assert.equal(await inject(m, a, 5000), false, "m's frame sent past its own rules: a checks m's tag itself");
    assert.ok(await passes(a, m, 22), 'other ports are not affected');
    // m changes department. a holds m's old tag (they talked above), so a's outbound pass
    // would drop a → m until m sends a something; m pushes its new credentials to the members
    // it talks with as soon as they change, so no traffic from m is needed.
    await api.postMember(nwidHex, id(m), { tags: [[1000, 1]] });
    assert.ok((await runUntil(() => m.net(nwid)!.config!.credentials.tags[0]?.value === 1, 5_000)) <= 1_000);
    await runFor(200);
    assert.ok(await passes(a, m, 5000), 'same department now: a → m, at once');
    assert.ok(await passes(m, a, 5000), 'same department now: m → a');
    // And back: whatever a still believes, m's own inbound pass uses m's new tag.
    await api.postMember(nwidHex, id(m), { tags: [[1000, 2]] });
    assert.ok((await runUntil(() => m.net(nwid)!.config!.credentials.tags[0]?.value === 2, 5_000)) <= 1_000);
    assert.equal(await passes(a, m, 5000), false, 'other department again: a → m dropped');
    assert.equal(await passes(m, a, 5000), false, 'other department again: m → a dropped');
    t.diagnostic('tdiff department 0 enforced with member tags from the API');

    // --- (c) a capability lets its holder through a break
    await setRules(`
      break ipprotocol tcp and dport 6000;
      accept;
      cap admin id 100
        accept ipprotocol tcp and dport 6000;
      ;
    `);
    assert.equal(await passes(a, b, 6000), false, 'without the capability: a → b:6000 dropped');
    await api.postMember(nwidHex, id(a), { capabilities: [100] });
    assert.ok((await runUntil(() => a.net(nwid)!.config!.credentials.capabilities.some((c) => c.id === 100), 5_000)) <= 1_000, 'a holds the capability');
    assert.ok(await passes(a, b, 6000), 'with the capability: a → b:6000 (b checks the capability a pushed)');
    assert.equal(await passes(b, a, 6000), false, 'b holds none: b → a:6000 dropped');
    assert.equal(await inject(b, a, 6000), false, "b's frame past its own rules: a's inbound break, and b has no capability");
    assert.ok(await passes(b, a, 22), 'the break covers only port 6000');
    t.diagnostic('capability through a break');

    // --- (d) tee: copies of a's TCP SYNs go to m
    await setRules(`
      tee -1 ${id(m)} ztsrc ${id(a)} and ipprotocol tcp and chr tcp_syn and not chr tcp_ack;
      accept;
    `);
    const syn = await tcp(a, b, 443);
    assert.equal(syn.at.length, 1, 'the SYN reaches b');
    // Both ends run the rule, so m gets two copies: from a's outbound pass and from b's inbound
    // pass. m takes b's (b is no bridge) because a TEE rule naming m makes m's next accept a
    // super-accept (spec vl2.md §8.3), as in ZeroTier.
    assert.equal(syn.elsewhere.length, 2, 'two copies, one from each end');
    for (const { x, f } of syn.elsewhere) {
      assert.equal(x, m, 'the copies go to m');
      assert.equal(f.dstMac, b.mac(nwid), 'as the original frame (for b)');
      assert.equal(f.srcMac, a.mac(nwid));
    }
    assert.equal((await tcp(a, b, 443, TCP_SYN | TCP_ACK)).elsewhere.length, 0, 'no copy of a SYN-ACK');
    assert.equal((await tcp(b, a, 443)).elsewhere.length, 0, "no copy of b's SYN");
    // WATCH is a TEE whose copies ask for an acknowledgement (EXT_FRAME flags 0x16/0x1c).
    await setRules(`
      watch 64 ${id(m)} ztsrc ${id(a)} and ipprotocol tcp and chr tcp_syn and not chr tcp_ack;
      accept;
    `);
    const watched = await tcp(a, b, 22);
    assert.equal(watched.at.length, 1, 'the SYN reaches b');
    assert.equal(watched.elsewhere.length, 2, 'm gets the watch copies');
    for (const { x, f } of watched.elsewhere) {
      assert.equal(x, m);
      assert.deepEqual(f.payload, watched.at[0].payload, 'the whole frame (it is under 64 bytes)');
    }
    t.diagnostic('tee and watch copies delivered to the monitor');

    // --- (e) redirect: port 7000 traffic for anyone goes to m instead
    await setRules(`
      redirect ${id(m)} ipprotocol tcp and dport 7000;
      accept;
    `);
    const redirected = await tcp(a, b, 7000);
    assert.equal(redirected.at.length, 0, 'b does not get the frame');
    assert.equal(redirected.elsewhere.length, 1);
    assert.equal(redirected.elsewhere[0].x, m, 'm gets it');
    assert.equal(redirected.elsewhere[0].f.dstMac, b.mac(nwid));
    assert.ok(await passes(a, b, 7001), 'other ports go where they were sent');
    assert.equal(await inject(a, b, 7000), false, 'b redirects an injected frame itself');
    assert.equal(deliveredTo(m, injected).length, 1, 'm got the injected one (redirected by b)');
    t.diagnostic('redirect');

    // --- (f) back to accept-all: everything passes again
    await setRules('accept;');
    assert.ok(await passes(a, b, 8080), 'TCP 8080 passes again');
    assert.ok(await passes(m, a, 6000));
  } finally {
    service.close();
    await service.idle();
    await store.close();
    cleanup();
  }
});
