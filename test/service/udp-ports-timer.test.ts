import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import { BackgroundTimer, type Timers } from '../../src/service/background-timer.js';
import { FatalError } from '../../src/service/fatal-error.js';
import { parseIp } from '../../src/service/ip-text.js';
import { chooseRandomPort, choosePrimaryPort, probeUdpPort } from '../../src/service/ports.js';
import { UdpSockets } from '../../src/service/udp-sockets.js';
import type { LocalInterfaceAddress } from '../../src/service/bind-plan.js';

const quietLog = { debug: () => {}, warn: () => {} };
const loopback: LocalInterfaceAddress = { ifname: 'lo', family: 4, ip: parseIp('127.0.0.1')!.ip, text: '127.0.0.1' };

function seq(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

test('ports: a requested primary port is used when free, else a FatalError that says so', async () => {
  assert.equal(await choosePrimaryPort(9993, async () => true, seq(0)), 9993);
  await assert.rejects(choosePrimaryPort(9993, async () => false, seq(0)), (e: unknown) => e instanceof FatalError && /9993.*in use/.test(e.message) && e.exitCode === 1);
});

test('ports: primary 0 picks a random port in 20000..65499', async () => {
  const tried: number[] = [];
  const port = await choosePrimaryPort(0, async (p) => (tried.push(p), tried.length === 3), seq(5, 45_499, 100));
  assert.deepEqual(tried, [20005, 65499, 20100]);
  assert.equal(port, 20100);
});

test('ports: secondary starts at 20000 + r mod 45500, steps by one, wraps 65535 -> 20000, skips excluded', async () => {
  const tried: number[] = [];
  const port = await chooseRandomPort(async (p) => (tried.push(p), p === 20001), seq(45_499 + 45_500 * 3), [20000]);
  assert.deepEqual(tried.slice(0, 1), [65499]);
  assert.equal(tried.at(-1), 20001);
  assert.ok(!tried.includes(20000));
  assert.equal(port, 20001);
  assert.equal(await chooseRandomPort(async () => false, seq(0), []), 0, 'gives up (0) after 1000 tries');
});

test('ports: the real probe sees a port held by another socket as in use', async () => {
  const holder = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '0.0.0.0', () => r()));
  try {
    assert.equal(await probeUdpPort(holder.address().port), false);
  } finally {
    holder.close();
  }
});

test('udp: binds per address, delivers datagrams with the socket id and source, replies by id', async () => {
  const received: { id: number; from: InetAddress; data: number[] }[] = [];
  const udp = new UdpSockets({ onDatagram: (id, from, data) => received.push({ id, from, data: [...data] }), log: quietLog });
  const peer = createSocket('udp4');
  try {
    const bound = await udp.sync([loopback], [0]);
    assert.equal(bound.length, 1);
    const { id, address } = bound[0]!;
    assert.ok(id > 0);
    assert.ok(bound[0]!.recvBufferBytes > 0);
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    const got = new Promise<number[]>((r) => peer.once('message', (m) => r([...m])));
    peer.send(Uint8Array.of(1, 2, 3), address.port, '127.0.0.1');
    while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(received[0]!.id, id);
    assert.equal(received[0]!.from.port, peer.address().port);
    assert.deepEqual([...received[0]!.from.ip], [127, 0, 0, 1]);
    assert.ok(udp.send(id, received[0]!.from, Uint8Array.of(9, 8), 2), 'low-TTL send works (loopback ignores TTL)');
    assert.deepEqual(await got, [9, 8]);
    const again = new Promise<number[]>((r) => peer.once('message', (m) => r([...m])));
    assert.ok(udp.send(-1, received[0]!.from, Uint8Array.of(7), undefined), 'unknown id: sent from every IPv4 socket');
    assert.deepEqual(await again, [7]);
    assert.equal(udp.send(id, { family: 6, ip: new Uint8Array(16), port: 1 }, Uint8Array.of(1)), false, 'wrong family');
  } finally {
    peer.close();
    await udp.close();
  }
});

test('udp: sync closes sockets no longer planned and keeps ids of the rest; a failed bind is skipped', async () => {
  const udp = new UdpSockets({ onDatagram: () => {}, log: quietLog });
  const holder = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
  try {
    const busy = holder.address().port;
    const [a] = await udp.sync([loopback], [0]);
    const port = a!.address.port;
    const both = await udp.sync([loopback], [port, busy]);
    assert.deepEqual(both.map((b) => b.id), [a!.id], 'busy port skipped, existing socket kept with its id');
    assert.deepEqual(await udp.sync([], [port]), []);
    await udp.close();
    assert.deepEqual(await udp.sync([loopback], [0]), [], 'nothing opens after close');
  } finally {
    holder.close();
    await udp.close();
  }
});

/** Manual timers: nothing runs until the test says so. */
class FakeTimers implements Timers {
  timeouts = new Map<number, { fn: () => void; at: number }>();
  immediates: (() => void)[] = [];
  private next = 1;
  now = 1000;
  setTimeout(fn: () => void, ms: number): unknown {
    const h = this.next++;
    this.timeouts.set(h, { fn, at: this.now + ms });
    return h;
  }
  clearTimeout(h: unknown): void {
    this.timeouts.delete(h as number);
  }
  setImmediate(fn: () => void): unknown {
    this.immediates.push(fn);
    return undefined;
  }
  advance(to: number): void {
    this.now = to;
    for (const [h, t] of [...this.timeouts]) {
      if (t.at <= to) {
        this.timeouts.delete(h);
        t.fn();
      }
    }
  }
  flushImmediates(): void {
    const list = this.immediates;
    this.immediates = [];
    for (const fn of list) fn();
  }
}

test('background timer: sleeps until the returned deadline, runs, re-arms', () => {
  const timers = new FakeTimers();
  const calls: number[] = [];
  const deadlines = [1500, 2000, 9000];
  const t = new BackgroundTimer((now) => (calls.push(now), deadlines[calls.length - 1] ?? now + 5000), () => timers.now, timers);
  t.start();
  assert.deepEqual(calls, [1000]);
  assert.equal(t.nextDeadline, 1500);
  timers.advance(1499);
  assert.equal(calls.length, 1);
  timers.advance(1500);
  assert.deepEqual(calls, [1000, 1500]);
  assert.equal(t.nextDeadline, 2000);
  t.stop();
  timers.advance(5000);
  assert.equal(calls.length, 2);
});

test('background timer: packets poke once per turn and move the deadline earlier', () => {
  const timers = new FakeTimers();
  let deadline = 6000;
  let runs = 0;
  const t = new BackgroundTimer(() => (runs++, deadline), () => timers.now, timers);
  t.start();
  assert.equal(t.nextDeadline, 6000);
  deadline = 1200;
  t.poke();
  t.poke();
  t.poke();
  assert.equal(timers.immediates.length, 1, 'coalesced');
  timers.flushImmediates();
  assert.equal(runs, 2);
  assert.equal(t.nextDeadline, 1200);
  assert.equal(timers.timeouts.size, 1, 'the old timer was replaced');
});

test('background timer: never sleeps longer than 10 s nor into the past', () => {
  const timers = new FakeTimers();
  let d = Infinity;
  const t = new BackgroundTimer(() => d, () => timers.now, timers);
  t.start();
  assert.equal(t.nextDeadline, 11_000);
  d = 0;
  t.poke();
  timers.flushImmediates();
  assert.equal(t.nextDeadline, 1000);
  t.stop();
});
