/**
 * Ethernet frames through VL2 between two core Nodes in memory (no sockets): frames/s for
 * 1400-byte IPv4 frames on a private network with the default rules (a single ACCEPT), suite 3
 * armor, the default physical MTU (1432, so each frame is two fragments).
 *
 * - send:    Vl2.processVirtualFrame → rules → FRAME → armor → fragment → datagrams
 * - receive: datagrams → reassemble → dearmor → gate (COM agreement) → rules → host.deliverFrame
 * - both:    one frame sent and delivered, end to end
 *
 * The network's controller is the receiving node itself (a small in-bench controller); the
 * sender joins over the in-memory wire like a real member (config request, signed chunks,
 * credential push) before anything is measured.
 */
import { randomBytes } from 'node:crypto';
import { Node } from '../src/core/node.js';
import type { Host, LocalSocket, NodeEvent } from '../src/core/host.js';
import type { Identity } from '../src/core/vl1/identity.js';
import type { InetAddress } from '../src/core/vl1/inet-address.js';
import { Peer } from '../src/core/vl1/peer.js';
import { PeerKey } from '../src/core/vl1/peer-key.js';
import { serializePeer } from '../src/core/vl1/peer-cache.js';
import type { MAC } from '../src/core/vl2/mac.js';
import { makeNetworkId } from '../src/core/vl2/network-id.js';
import { Vl2, type NetworkState, type Vl2Host } from '../src/core/vl2/vl2.js';
import { buildPlanet, vectorIdentities } from '../test/sim/planet.js';
import { TestController } from '../test/sim/vl2-sim.js';
import { fmt, median } from './timing.js';

const NOW = 1_700_000_000_000;
const FRAME_BYTES = 1400;
const COUNT = 20_000;

interface Datagram {
  to: InetAddress;
  data: Uint8Array;
}

class WireHost implements Host {
  out: Datagram[] = [];
  capture = true;
  sendDatagram(_s: LocalSocket, to: InetAddress, data: Uint8Array): void {
    if (this.capture) this.out.push({ to, data: data.slice() });
  }
  putState(): void {}
  event(_e: NodeEvent): void {}
  randomBytes(n: number): Uint8Array {
    return new Uint8Array(randomBytes(n));
  }
}

class CountingVl2Host implements Vl2Host {
  delivered = 0;
  bytes = 0;
  deliverFrame(_nwid: bigint, _src: MAC, _dst: MAC, _etherType: number, _vlan: number, payload: Uint8Array): void {
    this.delivered++;
    this.bytes += payload.length;
  }
  networkChanged(_nwid: bigint, _state: NetworkState): void {}
}

const v = vectorIdentities();
const [alice, bob, root] = [v[0], v[1], v[3]];
const planet = buildPlanet([{ identity: root, endpoints: [{ ip: '44.0.0.1', port: 9993 }] }]);
const at = (a: number, b: number, c: number, d: number): InetAddress => ({ family: 4, ip: Uint8Array.of(a, b, c, d), port: 9993 });
const ALICE_AT = at(60, 0, 0, 2);
const BOB_AT = at(60, 0, 1, 2);

function side(identity: Identity, other: Identity, otherAt: InetAddress) {
  const host = new WireHost();
  const p = new Peer(other.publicOnly(), new PeerKey(identity.agree(other)));
  p.setVersions(12, 1, 14, 1);
  const node = new Node(host, { identity, planet, peerCache: [serializePeer(p, NOW)] }, NOW);
  node.runtime.topology.getPeer(other.address)!.addPath(NOW, 0, otherAt).received(NOW);
  const vhost = new CountingVl2Host();
  const vl2 = new Vl2(node, vhost);
  return { host, node, vhost, vl2 };
}

const a = side(alice, bob, BOB_AT);
const b = side(bob, alice, ALICE_AT);
let now = NOW + 1000;

/** Moves datagrams between the two until both are quiet. */
function pump(): void {
  for (let round = 0; round < 100 && (a.host.out.length > 0 || b.host.out.length > 0); round++) {
    const fromA = a.host.out;
    const fromB = b.host.out;
    a.host.out = [];
    b.host.out = [];
    for (const d of fromA) if (d.to.ip[2] === 1) b.node.processWirePacket(now, 0, ALICE_AT, d.data);
    for (const d of fromB) if (d.to.ip[2] === 0) a.node.processWirePacket(now, 0, BOB_AT, d.data);
  }
}

// ---- Setup: bob controls the network and is a member; alice joins over the wire. ----
const nwid = makeNetworkId(bob.address, 1);
const controller = new TestController(bob, nwid, { private: true });
controller.authorize(alice);
controller.authorize(bob);
b.vl2.setController(controller);
b.vl2.join(now, nwid);
a.vl2.join(now, nwid);
pump();
if (a.vl2.network(nwid)?.status !== 'OK' || b.vl2.network(nwid)?.status !== 'OK') throw new Error('not configured');
const aMac = a.vl2.network(nwid)!.mac;
const bMac = b.vl2.network(nwid)!.mac;
const frame = new Uint8Array(randomBytes(FRAME_BYTES));
frame[0] = 0x45;
// The first frame pushes alice's credentials; after that it is frames only.
a.vl2.processVirtualFrame(now, nwid, aMac, bMac, 0x0800, 0, frame);
pump();
if (b.vhost.delivered !== 1) throw new Error('the first frame was not delivered');

function rate(n: number, fn: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const sendRates: number[] = [];
const recvRates: number[] = [];
const bothRates: number[] = [];
let datagramsPerFrame = 0;
for (let pass = 0; pass < 3; pass++) {
  a.host.out = [];
  sendRates.push(rate(COUNT, () => a.vl2.processVirtualFrame(now, nwid, aMac, bMac, 0x0800, 0, frame)));
  const captured = a.host.out;
  a.host.out = [];
  datagramsPerFrame = captured.length / COUNT;
  const before = b.vhost.delivered;
  recvRates.push(rate(captured.length, (i) => b.node.processWirePacket((now += 0.001), 0, ALICE_AT, captured[i].data)) / datagramsPerFrame);
  if (b.vhost.delivered - before !== COUNT) throw new Error(`delivered ${b.vhost.delivered - before} of ${COUNT}`);
  b.host.out = [];
  const beforeBoth = b.vhost.delivered;
  bothRates.push(
    rate(COUNT, () => {
      a.vl2.processVirtualFrame(now, nwid, aMac, bMac, 0x0800, 0, frame);
      const out = a.host.out;
      a.host.out = [];
      for (const d of out) b.node.processWirePacket((now += 0.001), 0, ALICE_AT, d.data);
    }),
  );
  if (b.vhost.delivered - beforeBoth !== COUNT) throw new Error('end to end: not all delivered');
}

const mbps = (fps: number): string => fmt((fps * FRAME_BYTES * 8) / 1e6, 0);
console.log(`VL2 FRAME ${FRAME_BYTES} B, private network, default rules, suite 3, ${datagramsPerFrame} datagrams per frame`);
console.log(`  send (port -> datagrams)      ${fmt(median(sendRates) / 1000)} k frames/s  (${mbps(median(sendRates))} Mbit/s)`);
console.log(`  receive (datagrams -> port)   ${fmt(median(recvRates) / 1000)} k frames/s  (${mbps(median(recvRates))} Mbit/s)`);
console.log(`  end to end, one thread        ${fmt(median(bothRates) / 1000)} k frames/s  (${mbps(median(bothRates))} Mbit/s)`);
