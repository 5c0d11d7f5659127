/**
 * The switch: every packet in and out goes through here (spec vl1.md 4, 6, 11.3-11.6).
 *
 * Out: `send` finds the destination's best direct path, else relays through the best root,
 * else queues the packet and asks a root WHOIS; then armors (or marks a trusted path), fragments
 * to the path MTU and hands datagrams to the host. Replies and probes use `sendDirect`, which
 * writes one armored datagram straight to a given address.
 *
 * In: datagrams are classified, fragments reassembled, packets for others relayed (hop limit,
 * introductions by RENDEZVOUS), and packets for us handed to Incoming. Packets from senders we
 * cannot identify yet wait in a small queue while a WHOIS is out.
 *
 * Bounds: 32 queued outbound and 32 parked inbound packets, each for 5 s, and as many held
 * RENDEZVOUS (for peers being WHOISed, also 5 s); the reassembler's own
 * entry and time limits. Packet buffers handed to us may be modified in place (dearmor, hops).
 */
import type { LocalSocket } from '../host.js';
import type { DropReason } from '../errors.js';
import type { Address } from './address.js';
import { isReservedAddress } from './address.js';
import { armor, type ArmorCipherSuite, cryptField, setTrusted } from './armor.js';
import { readU40 } from './bytes.js';
import { compressPacket } from './compression.js';
import {
  TZ_PENDING_RENDEZVOUS_MAX,
  TZ_PENDING_RENDEZVOUS_TIMEOUT,
  ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE,
  ZT_PROTO_VERSION,
  SOFTWARE_VERSION,
  ZT_RECEIVE_QUEUE_TIMEOUT,
  ZT_RELAY_MAX_HOPS,
  ZT_RX_QUEUE_SIZE,
  ZT_TRANSMIT_QUEUE_TIMEOUT,
  ZT_TX_QUEUE_SIZE,
  ZT_WHOIS_RETRY_DELAY,
  ZT_TRUST_EXPIRATION,
  ZT_PACKET_IDX_DEST,
  ZT_PROTO_VERB_MASK,
  ZT_PACKET_IDX_VERB,
} from './constants.js';
import { decodeFragment, fragmentHops, fragmentPacket, markFragmented, maxPacketLengthForMtu, needsFragmentation, Reassembler, setFragmentHops } from './fragment.js';
import { type InetAddress, inetAddressToString } from './inet-address.js';
import { buildPacket, classifyDatagram, destination, hops, isFragmented, setHops, source, VERB } from './packet.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';
import type { PeerKey } from './peer-key.js';
import type { Runtime } from './runtime.js';
import { encodeHello, encodePushDirectPaths, encodeRendezvous, encodeWhois, type DirectPathRecord } from './verbs.js';

interface QueuedOutbound {
  packet: Uint8Array;
  destination: Address;
  encrypt: boolean;
  created: number;
}

/** A root's introduction to a peer whose identity we are still asking for. */
interface PendingRendezvous {
  peer: Address;
  localSocket: LocalSocket;
  endpoint: InetAddress;
  created: number;
}

interface ParkedInbound {
  localSocket: LocalSocket;
  from: InetAddress;
  packet: Uint8Array;
  source: Address;
  created: number;
}

/** Random bytes are fetched in blocks: one host call per 64 packet IDs. */
const ID_POOL_BYTES = 512;
/** Addresses in one PUSH_DIRECT_PATHS packet: keeps it under 1,200 bytes (records <= 24 bytes). */
const PUSH_RECORDS_PER_PACKET = 48;
/** Bound on WHOIS we send on behalf of one inbound WHOIS full of unknown addresses. */
export const MAX_FORWARDED_WHOIS = 8;
/** Legacy LAN beacon length (spec 11.9). */
const BEACON_LENGTH = 13;

export class Switch {
  private readonly txQueue: QueuedOutbound[] = [];
  private readonly rxQueue: ParkedInbound[] = [];
  private readonly pendingRendezvous: PendingRendezvous[] = [];
  readonly reassembler = new Reassembler();
  private readonly reassemblyDropsSeen: Record<string, number> = {};
  private idPool: Uint8Array = new Uint8Array(0);
  private idPoolAt = 0;
  private lastTimerTasks = -Infinity;

  constructor(private readonly rt: Runtime) {}

  // ---- Identifiers and raw output ---------------------------------------------------------

  /** 8 fresh random bytes for a packet ID (a view, valid until the next call). */
  newPacketId(): Uint8Array {
    if (this.idPoolAt + 8 > this.idPool.length) {
      this.idPool = this.rt.host.randomBytes(ID_POOL_BYTES);
      this.idPoolAt = 0;
    }
    const id = this.idPool.subarray(this.idPoolAt, this.idPoolAt + 8);
    this.idPoolAt += 8;
    return id;
  }

  /** A plaintext packet from us, ready for armor. */
  packet(dest: Address, verb: number, payload: Uint8Array): Uint8Array {
    return buildPacket(this.newPacketId(), dest, this.rt.address, verb, payload);
  }

  write(localSocket: LocalSocket, to: InetAddress, data: Uint8Array, ttl?: number): void {
    this.rt.counters.datagramsOut++;
    this.rt.counters.bytesOut += data.length;
    this.rt.host.sendDatagram(localSocket, to, data, ttl);
  }

  // ---- Sending ----------------------------------------------------------------------------

  /**
   * General send (spec 11.3): direct path, else via the best root, else queue (and WHOIS if the
   * destination is unknown). `encrypt` false sends suite 0 (a HELLO relayed through a root).
   */
  send(now: number, packet: Uint8Array, encrypt = true): void {
    const dest = destination(packet);
    const peer = this.rt.topology.getPeer(dest);
    if (peer && this.trySend(now, peer, packet, encrypt)) return;
    if (!peer) this.requestWhois(now, dest);
    if (this.txQueue.length >= ZT_TX_QUEUE_SIZE) {
      this.txQueue.shift();
      this.rt.counters.drop('queue_full');
    }
    this.txQueue.push({ packet, destination: dest, encrypt, created: now });
  }

  /** Sends now if any way to the peer exists; false (and nothing done) otherwise. */
  trySend(now: number, peer: Peer, packet: Uint8Array, encrypt: boolean): boolean {
    const best = peer.bestPath(now);
    if (best) this.probeIfQuiet(now, peer, best);
    const path = this.routeTo(now, peer, best);
    if (!path) return false;
    this.sendOnPath(now, peer, path, packet, encrypt);
    return true;
  }

  /**
   * The path a packet to `peer` goes out on now (`best` is its best direct path): that path
   * unless it is dead, else the best root's path (relay), else any direct path, even a dead or
   * expired one. Undefined if there is no way at all.
   *
   * The dead-path fallback is a deliberate difference from ZeroTier, which keeps sending on a
   * silently dead path until it expires 243 s after its last receive (constants.ts has the rule
   * and its timings). Roots are exempt: they are only reached at their own endpoints, and their
   * liveness has its own rules (10.7).
   */
  routeTo(now: number, peer: Peer, best = peer.bestPath(now)): Path | undefined {
    if (best && (!best.dead(now) || this.rt.topology.isUpstream(peer.address))) return best;
    return this.rt.topology.bestRoot(now, peer.address)?.bestPath(now) ?? best ?? peer.anyPath();
  }

  /**
   * Traffic on a direct path that has been quiet for 14 s also probes it (ECHO, or HELLO for old
   * peers), at most every 2 s: a dead path is noticed within 19 s of its last receive, and a
   * path that comes back is used again as soon as it answers. Not for roots (see routeTo).
   */
  private probeIfQuiet(now: number, peer: Peer, best: Path): void {
    if (best.wantsProbe(now) && !this.rt.topology.isUpstream(peer.address)) this.attemptToContactAt(now, peer, best.localSocket, best.address);
  }

  /**
   * Armors for `peer` (or marks a trusted path), fragments to the path MTU and writes to `path`,
   * which may be the peer's own or a relay's. Registers the ID as expecting a reply.
   */
  sendOnPath(now: number, peer: Peer, path: Path, packet: Uint8Array, encrypt = true): void {
    const verb = packet[ZT_PACKET_IDX_VERB] & ZT_PROTO_VERB_MASK;
    const mtu = this.rt.trustedPaths.mtuFor(path.address) ?? this.rt.physicalMtu;
    if (packet.length > maxPacketLengthForMtu(mtu)) {
      this.rt.counters.drop('oversized');
      return;
    }
    if (needsFragmentation(packet.length, mtu)) markFragmented(packet);
    const trustedId = encrypt ? this.rt.trustedPaths.idFor(path.address) : 0n;
    if (trustedId !== 0n) setTrusted(packet, trustedId);
    else armor(packet, peer.key, encrypt ? peer.cipherSuite : ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE);
    this.rt.expectedReplies.expect(packet);
    const datagrams = fragmentPacket(packet, mtu);
    for (let i = 0; i < datagrams.length; i++) this.write(path.localSocket, path.address, datagrams[i]);
    path.sent(now);
    this.rt.counters.verbOut(verb, packet.length);
  }

  /**
   * One armored datagram straight to an address, no fragmentation (replies and probes, as the
   * reference writes them). `expectReply` registers the ID (HELLO, ECHO).
   */
  sendDirect(now: number, peer: Peer, localSocket: LocalSocket, to: InetAddress, packet: Uint8Array, suite: ArmorCipherSuite, expectReply = false): void {
    this.writeArmored(peer.key, localSocket, to, packet, suite, expectReply);
    const path = peer.findPath(localSocket, to);
    if (!path) return;
    // A packet the peer answers is a probe of the path: its silence then means something.
    if (expectReply) path.probed(now);
    else path.sent(now);
  }

  /** Armors with any key (also one of an identity we refuse to make a peer) and writes it. */
  writeArmored(key: PeerKey, localSocket: LocalSocket, to: InetAddress, packet: Uint8Array, suite: ArmorCipherSuite, expectReply = false): void {
    const verb = packet[ZT_PACKET_IDX_VERB] & ZT_PROTO_VERB_MASK;
    armor(packet, key, suite);
    if (expectReply) this.rt.expectedReplies.expect(packet);
    this.write(localSocket, to, packet);
    this.rt.counters.verbOut(verb, packet.length);
  }

  /** A HELLO (plaintext except the cryptField-encrypted moon list), not yet armored. */
  buildHello(now: number, peer: Peer, to: InetAddress | null): Uint8Array {
    const topo = this.rt.topology;
    const moons = topo.moons.map((m) => ({ type: m.type, id: m.id, timestamp: m.timestamp }));
    for (const id of topo.wantedMoons.keys()) moons.push({ type: 127, id, timestamp: 0n });
    const { payload, cryptFieldStart, cryptFieldLength } = encodeHello({
      protocolVersion: ZT_PROTO_VERSION,
      versionMajor: SOFTWARE_VERSION.major,
      versionMinor: SOFTWARE_VERSION.minor,
      versionRevision: SOFTWARE_VERSION.revision,
      timestamp: BigInt(Math.max(0, Math.floor(now))),
      identity: this.rt.identity,
      physicalDestination: to,
      planetId: topo.planet?.id ?? 0n,
      planetTimestamp: topo.planet?.timestamp ?? 0n,
      moons,
    });
    const packet = this.packet(peer.address, VERB.HELLO, payload);
    cryptField(peer.key, packet, cryptFieldStart, cryptFieldLength);
    return packet;
  }

  /** Full HELLO straight to an address (suite 0). */
  sendHello(now: number, peer: Peer, localSocket: LocalSocket, to: InetAddress): void {
    this.sendDirect(now, peer, localSocket, to, this.buildHello(now, peer, to), ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE, true);
    peer.lastSentFullHello = now;
  }

  /** Full HELLO through the general send path (direct or relayed by a root); false if no route. */
  sendHelloAnyRoute(now: number, peer: Peer): boolean {
    const ok = this.trySend(now, peer, this.buildHello(now, peer, null), false);
    if (ok) peer.lastSentFullHello = now;
    return ok;
  }

  /** Probe an address for a peer: ECHO if it speaks it, else a full HELLO (attemptToContactAt). */
  attemptToContactAt(now: number, peer: Peer, localSocket: LocalSocket, to: InetAddress): void {
    if (peer.prefersEcho) {
      this.sendDirect(now, peer, localSocket, to, this.packet(peer.address, VERB.ECHO, new Uint8Array(0)), peer.cipherSuite, true);
    } else {
      this.sendHello(now, peer, localSocket, to);
    }
  }

  /**
   * WHOIS `address` at the best root, at most once per 500 ms per address. A root's own address
   * is asked of that root itself when we have a path to it: the answer keeps every root's path
   * measured, so a dead root is noticed within seconds (the reference asks the best root for
   * all of them, which leaves the others unmeasured for minutes; on the wire it is the same WHOIS).
   */
  requestWhois(now: number, address: Address): void {
    if (address === this.rt.address || isReservedAddress(address)) return;
    const topo = this.rt.topology;
    const self = topo.isUpstream(address) ? topo.getPeer(address) : undefined;
    const root = self && self.bestPath(now) ? self : topo.bestRoot(now);
    if (!root) return;
    if (!this.rt.gates.whoisSend.allow(now, address)) return;
    this.trySend(now, root, this.packet(root.address, VERB.WHOIS, encodeWhois([address])), true);
  }

  /**
   * Tells `peer` our bound interface addresses and the external addresses peers report, over the
   * path its packet came in on (spec 9.8).
   */
  pushDirectPaths(now: number, peer: Peer, localSocket: LocalSocket, to: InetAddress): void {
    const records: DirectPathRecord[] = [];
    for (const l of this.rt.localAddresses) records.push({ flags: 0, address: l.address });
    for (const a of this.rt.selfAwareness.externalAddresses(now)) records.push({ flags: 0, address: a });
    for (let i = 0; i < records.length; i += PUSH_RECORDS_PER_PACKET) {
      const packet = compressPacket(this.packet(peer.address, VERB.PUSH_DIRECT_PATHS, encodePushDirectPaths(records.slice(i, i + PUSH_RECORDS_PER_PACKET))));
      this.sendDirect(now, peer, localSocket, to, packet, peer.cipherSuite);
    }
  }

  // ---- Receiving --------------------------------------------------------------------------

  onRemotePacket(now: number, localSocket: LocalSocket, from: InetAddress, data: Uint8Array): void {
    this.rt.counters.datagramsIn++;
    this.rt.counters.bytesIn += data.length;
    switch (classifyDatagram(data)) {
      case 'beacon':
        this.onBeacon(now, localSocket, from, data);
        return;
      case 'fragment':
        this.onFragment(now, localSocket, from, data);
        return;
      case 'packet':
        this.onPacketHead(now, localSocket, from, data);
        return;
      default:
        this.rt.counters.drop('ignored_datagram');
    }
  }

  private onPacketHead(now: number, localSocket: LocalSocket, from: InetAddress, data: Uint8Array): void {
    if (destination(data) !== this.rt.address) {
      this.relay(now, localSocket, from, data, false);
      return;
    }
    if (!isFragmented(data)) {
      this.rt.incoming.process(now, localSocket, from, data);
      return;
    }
    const whole = this.reassembler.addHead(now, data, reassemblyKey(localSocket, from));
    this.syncReassemblyDrops();
    if (whole) this.rt.incoming.process(now, localSocket, from, whole);
  }

  private onFragment(now: number, localSocket: LocalSocket, from: InetAddress, data: Uint8Array): void {
    const r = decodeFragment(data);
    if (!r.ok) {
      this.rt.counters.drop(r.error.reason);
      return;
    }
    if (r.value.destination !== this.rt.address) {
      this.relay(now, localSocket, from, data, true);
      return;
    }
    const whole = this.reassembler.addFragment(now, r.value, reassemblyKey(localSocket, from));
    this.syncReassemblyDrops();
    if (whole) this.rt.incoming.process(now, localSocket, from, whole);
  }

  private syncReassemblyDrops(): void {
    const drops = this.reassembler.drops as Record<string, number>;
    for (const reason in drops) {
      const seen = this.reassemblyDropsSeen[reason] ?? 0;
      const n = drops[reason];
      if (n === seen) continue;
      const c = this.rt.counters.drops;
      c[reason as DropReason] = (c[reason as DropReason] ?? 0) + (n - seen);
      this.reassemblyDropsSeen[reason] = n;
    }
  }

  /** Legacy LAN beacon: answer a known peer with a NOP, at most every 2.5 s (spec 11.9). */
  private onBeacon(now: number, localSocket: LocalSocket, from: InetAddress, data: Uint8Array): void {
    if (data.length !== BEACON_LENGTH) return;
    const peer = this.rt.topology.getPeer(readU40(data, 8));
    if (!peer || peer.address === this.rt.address) {
      this.rt.counters.drop('unknown_peer');
      return;
    }
    if (!this.rt.isPathUsable(peer.address, localSocket, from) || !this.rt.gates.beaconReply.allow(now)) {
      this.rt.counters.drop('rate_limited');
      return;
    }
    this.sendDirect(now, peer, localSocket, from, this.packet(peer.address, VERB.NOP, new Uint8Array(0)), peer.cipherSuite);
  }

  // ---- Relaying and introductions (spec 11.5, 11.6) ------------------------------------------

  private relay(now: number, localSocket: LocalSocket, from: InetAddress, data: Uint8Array, isFragment: boolean): void {
    const rt = this.rt;
    const src = isFragment ? 0 : source(data);
    if (!isFragment && src === rt.address) return rt.counters.drop('from_self');
    if (!rt.topology.amRoot && !this.arrivedOnTrustedPath(now, localSocket, from)) return rt.counters.drop('relay_denied');
    const h = isFragment ? fragmentHops(data) : hops(data);
    if (h >= ZT_RELAY_MAX_HOPS) return rt.counters.drop('relay_hop_limit');
    if (isFragment) setFragmentHops(data, h + 1);
    else setHops(data, h + 1);
    const dest = readU40(data, ZT_PACKET_IDX_DEST);
    const destPeer = rt.topology.getPeer(dest);
    const direct = destPeer?.bestPath(now);
    if (direct) {
      this.write(direct.localSocket, direct.address, data);
      rt.counters.relayed++;
      if (!isFragment) this.unite(now, src, dest);
      return;
    }
    const upstream = rt.topology.bestRoot(now, dest);
    const upstreamPath = upstream && upstream.address !== src ? upstream.bestPath(now) : undefined;
    if (!upstreamPath) return rt.counters.drop('relay_unreachable');
    this.write(upstreamPath.localSocket, upstreamPath.address, data);
    rt.counters.relayed++;
  }

  /**
   * Non-roots relay only over paths that carried a certified member's frame (VL2) lately. Only
   * peers with trust established are searched, so without VL2 this costs one pass over a
   * (non-root's small) peer table and finds nothing.
   */
  private arrivedOnTrustedPath(now: number, localSocket: LocalSocket, from: InetAddress): boolean {
    for (const peer of this.rt.topology.peers.values()) {
      if (!peer.isTrustEstablished(now)) continue;
      const p = peer.findPath(localSocket, from);
      if (p && now - p.lastTrustEstablishedReceive < ZT_TRUST_EXPIRATION) return true;
    }
    return false;
  }

  /**
   * Introduces two peers we relay between (spec 11.6): from private scope downward, the first
   * scope (IPv6 before IPv4) where both have a path; each gets a RENDEZVOUS naming the other's
   * address as we see it, in random order. At most once per pair per 30 s.
   */
  unite(now: number, a: Address, b: Address): void {
    const rt = this.rt;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    if (!rt.gates.unite.wouldAllow(now, key)) return;
    const pa = rt.topology.getPeer(a);
    const pb = rt.topology.getPeer(b);
    if (!pa || !pb) return;
    let chosen: [Path, Path] | undefined;
    for (let scope = 7; scope >= 0 && !chosen; scope--) {
      for (const family of [6, 4] as const) {
        const x = bestPathIn(now, pa, scope, family);
        const y = x && bestPathIn(now, pb, scope, family);
        if (x && y) {
          chosen = [x, y];
          break;
        }
      }
    }
    if (!chosen) return;
    rt.gates.unite.allow(now, key);
    const [pathA, pathB] = chosen;
    const toA = this.packet(pa.address, VERB.RENDEZVOUS, encodeRendezvous({ flags: 0, peer: pb.address, endpoint: pathB.address }));
    const toB = this.packet(pb.address, VERB.RENDEZVOUS, encodeRendezvous({ flags: 0, peer: pa.address, endpoint: pathA.address }));
    if ((rt.host.randomBytes(1)[0] & 1) === 0) {
      this.sendOnPath(now, pa, pathA, toA);
      this.sendOnPath(now, pb, pathB, toB);
    } else {
      this.sendOnPath(now, pb, pathB, toB);
      this.sendOnPath(now, pa, pathA, toA);
    }
  }

  /**
   * NAT traversal toward `endpoint` after a RENDEZVOUS (spec 11.6): a TTL-2 datagram opens our
   * own NAT toward the far side without reaching it, then a probe (ECHO or HELLO) follows.
   */
  holePunch(now: number, peer: Peer, localSocket: LocalSocket, endpoint: InetAddress): void {
    this.write(localSocket, endpoint, this.rt.host.randomBytes(4), 2);
    this.attemptToContactAt(now, peer, localSocket, endpoint);
  }

  // ---- Waiting for identities ---------------------------------------------------------------

  /**
   * A root introduced a peer we cannot identify yet: WHOIS it and punch when it is known (5 s at
   * most). Happens when two nodes start together: the relayed packet that made the root
   * introduce them and the RENDEZVOUS arrive before the sender's identity.
   */
  holdRendezvous(now: number, peer: Address, localSocket: LocalSocket, endpoint: InetAddress): void {
    const i = this.pendingRendezvous.findIndex((e) => e.peer === peer);
    if (i >= 0) this.pendingRendezvous.splice(i, 1);
    else if (this.pendingRendezvous.length >= TZ_PENDING_RENDEZVOUS_MAX) {
      this.pendingRendezvous.shift();
      this.rt.counters.drop('queue_full');
    }
    this.pendingRendezvous.push({ peer, localSocket, endpoint: { family: endpoint.family, ip: endpoint.ip.slice(), port: endpoint.port }, created: now });
    this.requestWhois(now, peer);
  }

  /** Keeps a packet from an unknown sender until its identity arrives (5 s at most). */
  park(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array): void {
    if (this.rxQueue.length >= ZT_RX_QUEUE_SIZE) {
      this.rxQueue.shift();
      this.rt.counters.drop('queue_full');
    }
    this.rxQueue.push({ localSocket, from: { family: from.family, ip: from.ip.slice(), port: from.port }, packet, source: source(packet), created: now });
  }

  /** A new peer exists: decode what it sent us meanwhile and send what we held for it. */
  onPeerLearned(now: number, address: Address): void {
    for (let i = 0; i < this.rxQueue.length; ) {
      const e = this.rxQueue[i];
      if (e.source !== address) {
        i++;
        continue;
      }
      this.rxQueue.splice(i, 1);
      this.rt.incoming.process(now, e.localSocket, e.from, e.packet);
    }
    this.flushQueueFor(now, address);
    const i = this.pendingRendezvous.findIndex((e) => e.peer === address);
    const peer = this.rt.topology.getPeer(address);
    if (i >= 0 && peer) {
      const [e] = this.pendingRendezvous.splice(i, 1);
      this.holePunch(now, peer, e.localSocket, e.endpoint);
    }
  }

  private flushQueueFor(now: number, address: Address): void {
    const peer = this.rt.topology.getPeer(address);
    if (!peer) return;
    for (let i = 0; i < this.txQueue.length; ) {
      const e = this.txQueue[i];
      if (e.destination === address && this.trySend(now, peer, e.packet, e.encrypt)) this.txQueue.splice(i, 1);
      else i++;
    }
  }

  /** Queue upkeep every 500 ms: retry, re-WHOIS, expire; also expires partial packets. */
  doTimerTasks(now: number): void {
    if (this.reassembler.size > 0) {
      this.reassembler.expire(now);
      this.syncReassemblyDrops();
    }
    if (now - this.lastTimerTasks < ZT_WHOIS_RETRY_DELAY) return;
    this.lastTimerTasks = now;
    for (let i = 0; i < this.txQueue.length; ) {
      const e = this.txQueue[i];
      if (now - e.created > ZT_TRANSMIT_QUEUE_TIMEOUT) {
        this.txQueue.splice(i, 1);
        this.rt.counters.drop('queue_expired');
        continue;
      }
      const peer = this.rt.topology.getPeer(e.destination);
      if (peer && this.trySend(now, peer, e.packet, e.encrypt)) {
        this.txQueue.splice(i, 1);
        continue;
      }
      if (!peer) this.requestWhois(now, e.destination);
      i++;
    }
    for (let i = 0; i < this.rxQueue.length; ) {
      const e = this.rxQueue[i];
      if (now - e.created > ZT_RECEIVE_QUEUE_TIMEOUT) {
        this.rxQueue.splice(i, 1);
        this.rt.counters.drop('queue_expired');
      } else {
        this.requestWhois(now, e.source);
        i++;
      }
    }
    for (let i = 0; i < this.pendingRendezvous.length; ) {
      const e = this.pendingRendezvous[i];
      if (now - e.created > TZ_PENDING_RENDEZVOUS_TIMEOUT) {
        this.pendingRendezvous.splice(i, 1);
        this.rt.counters.drop('queue_expired');
      } else {
        this.requestWhois(now, e.peer);
        i++;
      }
    }
  }

  /** When doTimerTasks next has work, or Infinity. */
  nextDeadline(): number {
    const pending = this.txQueue.length > 0 || this.rxQueue.length > 0 || this.pendingRendezvous.length > 0;
    let t = pending ? this.lastTimerTasks + ZT_WHOIS_RETRY_DELAY : Infinity;
    const r = this.reassembler.nextDeadline();
    if (r !== undefined && r < t) t = r;
    return t;
  }

  get queuedOutbound(): number {
    return this.txQueue.length;
  }

  get parkedInbound(): number {
    return this.rxQueue.length;
  }

  get heldRendezvous(): number {
    return this.pendingRendezvous.length;
  }
}

function bestPathIn(now: number, peer: Peer, scope: number, family: 4 | 6): Path | undefined {
  let best: Path | undefined;
  let q = Infinity;
  for (const p of peer.paths) {
    if (p.scope !== scope || p.address.family !== family || p.expired(now)) continue;
    const pq = p.quality(now);
    if (pq <= q) {
      best = p;
      q = pq;
    }
  }
  return best;
}

function reassemblyKey(localSocket: LocalSocket, from: InetAddress): string {
  return `${localSocket}|${inetAddressToString(from)}`;
}

