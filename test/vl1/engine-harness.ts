/**
 * A bench for engine unit tests: a Host that records everything, a planet with one root, and
 * helpers that craft packets as a given identity would send them (so handlers can be fed exactly
 * the edge case under test, without a simulator).
 */
import { Node, type NodeOptions } from '../../src/core/node.js';
import type { Host, LocalSocket, NodeEvent, StateObjectKind } from '../../src/core/host.js';
import { armor, cryptField, dearmor, type ArmorCipherSuite } from '../../src/core/vl1/armor.js';
import { decompressPacket } from '../../src/core/vl1/compression.js';
import { Peer } from '../../src/core/vl1/peer.js';
import { serializePeer } from '../../src/core/vl1/peer-cache.js';
import { SOFTWARE_VERSION, ZT_PROTO_VERSION } from '../../src/core/vl1/constants.js';
import type { Identity } from '../../src/core/vl1/identity.js';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import { buildPacket, VERB } from '../../src/core/vl1/packet.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { encodeHello, type HelloMoon } from '../../src/core/vl1/verbs.js';
import type { World } from '../../src/core/vl1/world.js';
import { Prng } from '../sim/prng.js';
import { buildPlanet, vectorIdentities } from '../sim/planet.js';

export const NOW = 1_700_000_000_000;
export const ROOT_ADDR: InetAddress = { family: 4, ip: Uint8Array.of(44, 0, 0, 1), port: 9993 };
export const BOB_ADDR: InetAddress = { family: 4, ip: Uint8Array.of(60, 0, 1, 2), port: 9993 };
export const CAROL_ADDR: InetAddress = { family: 4, ip: Uint8Array.of(60, 0, 2, 2), port: 9993 };

export interface Sent {
  localSocket: LocalSocket;
  to: InetAddress;
  data: Uint8Array;
  ttl?: number;
}

export class RecordingHost implements Host {
  sent: Sent[] = [];
  events: NodeEvent[] = [];
  state = new Map<string, Uint8Array | undefined>();
  private readonly rng: Prng;
  constructor(seed = 1) {
    this.rng = new Prng(seed);
  }
  sendDatagram(localSocket: LocalSocket, to: InetAddress, data: Uint8Array, ttl?: number): void {
    this.sent.push({ localSocket, to, data: data.slice(), ttl });
  }
  putState(kind: StateObjectKind, id: string, data: Uint8Array | undefined): void {
    this.state.set(`${kind}/${id}`, data);
  }
  event(e: NodeEvent): void {
    this.events.push(e);
  }
  randomBytes(n: number): Uint8Array {
    return this.rng.bytes(n);
  }
  take(): Sent[] {
    const s = this.sent;
    this.sent = [];
    return s;
  }
}

/** alice, bob, carol, root1 (the planet's only root), and two spare identities. */
export function ids() {
  const v = vectorIdentities();
  return { alice: v[0], bob: v[1], carol: v[2], root: v[3], moonseed: v[4], spare: v[5], signer: v[7], otherSigner: v[6] };
}

export function testPlanet(timestamp = 1000n): World {
  return buildPlanet([{ identity: ids().root, endpoints: [{ ip: '44.0.0.1', port: 9993 }] }], timestamp);
}

export function makeNode(identity: Identity, options: Partial<NodeOptions> = {}, seed = 1): { node: Node; host: RecordingHost } {
  const host = new RecordingHost(seed);
  const node = new Node(host, { identity, planet: testPlanet(), ...options }, NOW);
  return { node, host };
}

const crafterRng = new Prng(99);

/** A packet from `from` to `to`, armored with their shared key. */
export function craft(from: Identity, to: Identity, verb: number, payload: Uint8Array, suite: ArmorCipherSuite = 3, hops = 0): Uint8Array {
  const p = buildPacket(crafterRng.bytes(8), to.address, from.address, verb, payload);
  p[18] |= hops & 7;
  armor(p, new PeerKey(from.agree(to)), suite);
  return p;
}

export interface HelloOptions {
  protocolVersion?: number;
  identity?: Identity;
  physicalDestination?: InetAddress | null;
  planetId?: bigint;
  planetTimestamp?: bigint;
  moons?: HelloMoon[];
  timestamp?: bigint;
}

/** A HELLO as `from` would send it to `to` (suite 0, moon list cryptField-encrypted). */
export function craftHello(from: Identity, to: Identity, o: HelloOptions = {}): Uint8Array {
  const { payload, cryptFieldStart, cryptFieldLength } = encodeHello({
    protocolVersion: o.protocolVersion ?? ZT_PROTO_VERSION,
    versionMajor: SOFTWARE_VERSION.major,
    versionMinor: SOFTWARE_VERSION.minor,
    versionRevision: SOFTWARE_VERSION.revision,
    timestamp: o.timestamp ?? BigInt(NOW),
    identity: o.identity ?? from,
    physicalDestination: o.physicalDestination ?? null,
    planetId: o.planetId,
    planetTimestamp: o.planetTimestamp,
    moons: o.moons ?? [],
  });
  const p = buildPacket(crafterRng.bytes(8), to.address, from.address, VERB.HELLO, payload);
  const key = new PeerKey(from.agree(to));
  cryptField(key, p, cryptFieldStart, cryptFieldLength);
  armor(p, key, 0);
  return p;
}

/** Dearmors a datagram `to` received from `from` (a copy); undefined if it does not authenticate. */
export function open(to: Identity, from: Identity, datagram: Uint8Array): Uint8Array | undefined {
  return openWith(new PeerKey(to.agree(from)), datagram);
}

export function openWith(key: PeerKey, datagram: Uint8Array): Uint8Array | undefined {
  const p = datagram.slice();
  if (dearmor(p, key) !== undefined) return undefined;
  const d = decompressPacket(p);
  return d.ok ? d.value : undefined;
}

export function verbOf(plain: Uint8Array): number {
  return plain[27] & 0x1f;
}

/**
 * A peer-cache blob that makes `self`'s node know `other` from the start (no HELLO, no proof of
 * work), as after a restart; `addresses` become remembered paths to greet.
 */
export function knownPeerBlob(self: Identity, other: Identity, protocolVersion = ZT_PROTO_VERSION, addresses: InetAddress[] = []): Uint8Array {
  const peer = new Peer(other.publicOnly(), new PeerKey(self.agree(other)));
  peer.setVersions(protocolVersion, 1, 14, 1);
  for (const a of addresses) peer.addPath(NOW, 0, a).received(NOW);
  return serializePeer(peer, NOW);
}
