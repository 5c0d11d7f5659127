/**
 * The VL1 engine's packet path, on an in-memory wire (no sockets): packets/s through
 * Node.processWirePacket for USER_MESSAGE (receive, dearmor, replay check, dispatch, event) and
 * ECHO (the same plus an armored OK(ECHO) reply), the send path (build, armor, write), relaying
 * through a root (hop count, lookup, forward, RENDEZVOUS gate), and heap bytes per peer at
 * 1,000 and 10,000 peers (peers with agreed keys and one path each, without and with their
 * lazily made AES-GMAC-SIV contexts; identities are not validated, so only memory is measured). Suite 3 (AES-GMAC-SIV), 100- and 1,400-byte payloads.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Node } from '../src/core/node.js';
import type { Host, LocalSocket, NodeEvent } from '../src/core/host.js';
import { Identity } from '../src/core/vl1/identity.js';
import type { InetAddress } from '../src/core/vl1/inet-address.js';
import { VERB } from '../src/core/vl1/packet.js';
import { Peer } from '../src/core/vl1/peer.js';
import { PeerKey } from '../src/core/vl1/peer-key.js';
import { serializePeer } from '../src/core/vl1/peer-cache.js';
import { buildPlanet, vectorIdentities } from '../test/sim/planet.js';
import { fmt, median } from './timing.js';

class SinkHost implements Host {
  captured: Uint8Array[] = [];
  capture = false;
  events = 0;
  sendDatagram(_s: LocalSocket, _to: InetAddress, data: Uint8Array): void {
    if (this.capture) this.captured.push(data.slice());
  }
  putState(): void {}
  event(_e: NodeEvent): void {
    this.events++;
  }
  randomBytes(n: number): Uint8Array {
    return new Uint8Array(randomBytes(n));
  }
}

const NOW = 1_700_000_000_000;
const v = vectorIdentities();
const [alice, bob, root] = [v[0], v[1], v[3]];
const planet = buildPlanet([{ identity: root, endpoints: [{ ip: '44.0.0.1', port: 9993 }] }]);
const at = (a: number, b: number, c: number, d: number): InetAddress => ({ family: 4, ip: Uint8Array.of(a, b, c, d), port: 9993 });
const ALICE_AT = at(60, 0, 0, 2);
const BOB_AT = at(60, 0, 1, 2);

/** Cache blob: `self` knows `other` as a protocol-12 peer. */
function knows(self: Identity, other: Identity): Uint8Array {
  const p = new Peer(other.publicOnly(), new PeerKey(self.agree(other)));
  p.setVersions(12, 1, 14, 1);
  return serializePeer(p, NOW);
}

function node(identity: Identity, peers: Identity[]): { node: Node; host: SinkHost } {
  const host = new SinkHost();
  const n = new Node(host, { identity, planet, peerCache: peers.map((p) => knows(identity, p)) }, NOW);
  return { node: n, host };
}

/** Gives `n` a live direct path to `peer` at `addr`. */
function directPath(n: Node, peer: Identity, addr: InetAddress): void {
  const p = n.runtime.topology.getPeer(peer.address)!;
  p.addPath(NOW, 0, addr).received(NOW);
}

/** Packets/s of `fn` over the given inputs (median of 3 passes, each over all inputs). */
function rate(inputs: Uint8Array[][], fn: (d: Uint8Array, i: number) => void): number {
  const runs: number[] = [];
  for (const pass of inputs) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < pass.length; i++) fn(pass[i], i);
    runs.push(pass.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return median(runs);
}

/** `count` armored packets from alice to bob, made by alice's node (3 independent passes). */
function makePackets(sender: Node, host: SinkHost, count: number, make: (i: number) => void): Uint8Array[][] {
  const passes: Uint8Array[][] = [];
  for (let r = 0; r < 3; r++) {
    host.captured = [];
    host.capture = true;
    for (let i = 0; i < count; i++) make(i);
    host.capture = false;
    passes.push(host.captured);
  }
  return passes;
}

const COUNT = 20_000;

function packetPath(): void {
  const a = node(alice, [bob]);
  const b = node(bob, [alice]);
  directPath(a.node, bob, BOB_AT);
  directPath(b.node, alice, ALICE_AT);
  let now = NOW + 1000;
  // Warm the path so b does not answer every packet with a path-confirming HELLO.
  b.node.runtime.topology.getPeer(alice.address)!.findPath(0, ALICE_AT)!.received(now);

  for (const size of [100, 1400]) {
    const data = new Uint8Array(randomBytes(size));
    const sendRate = rate([0, 1, 2].map(() => new Array(COUNT).fill(data)), (d) => a.node.sendUserMessage(now, bob.address, 0x10000n, d));
    const packets = makePackets(a.node, a.host, COUNT, () => a.node.sendUserMessage(now, bob.address, 0x10000n, data));
    const eventsBefore = b.host.events;
    const recvRate = rate(packets, (d) => b.node.processWirePacket((now += 0.01), 0, ALICE_AT, d));
    if (b.host.events - eventsBefore !== 3 * COUNT) throw new Error(`USER_MESSAGE not all delivered: ${b.host.events - eventsBefore}`);
    console.log(`USER_MESSAGE ${size} B payload   send ${fmt(sendRate / 1000)} kpps   receive+dispatch ${fmt(recvRate / 1000)} kpps`);
  }

  const echoes = makePackets(a.node, a.host, COUNT, () => a.node.sendPacket(now, bob.address, VERB.ECHO, new Uint8Array(0)));
  const sentBefore = b.host.captured.length;
  b.host.capture = true;
  // ECHO replies are limited to one per path per 166 ms: advance virtual time past that each time.
  const echoRate = rate(echoes, (d) => b.node.processWirePacket((now += 200), 0, ALICE_AT, d));
  b.host.capture = false;
  if (b.host.captured.length - sentBefore < 3 * COUNT) throw new Error('ECHO not all answered');
  console.log(`ECHO -> OK(ECHO)               receive+reply ${fmt(echoRate / 1000)} kpps`);
}

function relayPath(): void {
  const a = node(alice, [bob]);
  const r = node(root, [alice, bob]);
  directPath(r.node, alice, ALICE_AT);
  directPath(r.node, bob, BOB_AT);
  // alice has no direct path to bob: her node sends via the root, which forwards to bob.
  a.node.runtime.topology.getPeer(root.address)!.addPath(NOW, 0, at(44, 0, 0, 1)).received(NOW);
  const now = NOW + 1000;
  for (const size of [100, 1400]) {
    const data = new Uint8Array(randomBytes(size));
    const packets = makePackets(a.node, a.host, COUNT, () => a.node.sendUserMessage(now, bob.address, 0x10000n, data));
    const before = r.node.counters.relayed;
    const relayRate = rate(packets, (d) => r.node.processWirePacket(now, 0, ALICE_AT, d));
    const datagrams = packets.reduce((n, pass) => n + pass.length, 0);
    if (r.node.counters.relayed - before !== datagrams) throw new Error('not all relayed');
    console.log(`relay via root ${size} B payload  ${fmt(relayRate / 1000)} k datagrams/s (${datagrams / (3 * COUNT)} per packet)`);
  }
}

/** JS heap plus ArrayBuffer/external memory (OpenSSL's own allocations are not visible here). */
function used(): { heap: number; rss: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

/**
 * `withSuite3`: each peer also gets its AES-GMAC-SIV contexts, as after its first suite-3 packet
 * on the JavaScript path (without it they are not made: PeerKey makes them on first use).
 */
function heapPerPeer(count: number, withSuite3: boolean): void {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const r = node(root, []);
  const topo = r.node.runtime.topology;
  const keys = Array.from({ length: count }, () => new Uint8Array(randomBytes(64)));
  gc();
  gc();
  const before = used();
  for (let i = 0; i < count; i++) {
    // Random X25519 keys agree fine; the proof of work is not needed to measure memory.
    const p = topo.addPeer(new Identity(0x0100000000 + i, keys[i]));
    p.addPath(NOW, 0, at(60, (i >> 16) & 255, (i >> 8) & 255, i & 255)).received(NOW);
    p.setVersions(12, 1, 14, 1);
    if (withSuite3) void p.key.aes;
  }
  gc();
  gc();
  const after = used();
  // Keep the table alive past the measurement (else the optimizer may free it before `after`).
  if (topo.peers.size !== count) throw new Error(`expected ${count} peers, have ${topo.peers.size}`);
  const per = (x: number) => fmt(x / count, 0);
  const what = withSuite3 ? 'identity, agreed key, one path, AES-GMAC-SIV contexts made' : 'identity, agreed key, one path; no suite-3 packet yet';
  console.log(`memory per peer at ${fmt(count, 0)} peers: heap ${per(after.heap - before.heap)} bytes, RSS ${per(after.rss - before.rss)} bytes (${what})`);
}

if (process.argv[2] === '--heap') {
  heapPerPeer(Number(process.argv[3]), process.argv[4] === '--suite3');
} else {
  packetPath();
  relayPath();
  // Memory figures need --expose-gc and a clean heap: one child process per case.
  for (const count of [1_000, 10_000]) {
    for (const extra of [[], ['--suite3']]) {
      const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--heap', String(count), ...extra], { stdio: 'inherit' });
      if (r.status !== 0) process.exit(r.status ?? 1);
    }
  }
}
