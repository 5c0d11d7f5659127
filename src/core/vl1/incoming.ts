/**
 * Incoming packets addressed to us (spec vl1.md 7.1, 9, 11.2): authenticate, drop replays,
 * decompress, dispatch on the verb, learn paths. Each handler enforces its verb's rules (who may
 * send it, rate limits) and every refusal is a counted drop with a reason; nothing here throws
 * on packet content.
 *
 * HELLO is the only verb accepted from strangers: it carries the sender's identity, which we
 * check (address match, MAC under the agreed key, per-prefix rate limit, then the memory-hard
 * proof) before creating the peer. Anything else from an unknown sender is parked while we ask
 * a root WHOIS.
 */
import type { LocalSocket } from '../host.js';
import type { DropReason } from '../errors.js';
import { isReservedAddress } from './address.js';
import { cryptField, dearmor, trustedPathIdOf } from './armor.js';
import { decompressPacket } from './compression.js';
import {
  SOFTWARE_VERSION,
  ZT_PACKET_IDX_PAYLOAD,
  ZT_PACKET_IDX_VERB,
  ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE,
  ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012,
  ZT_PROTO_CIPHER_SUITE__NONE,
  ZT_PROTO_MAX_PACKET_LENGTH,
  ZT_PROTO_VERB_MASK,
  ZT_PROTO_VERSION,
  ZT_PROTO_VERSION_MIN,
  ZT_DIRECT_PATH_PUSH_INTERVAL,
  ZT_DIRECT_PATH_PUSH_INTERVAL_HAVEPATH,
  ZT_PUSH_DIRECT_PATHS_MAX_PER_SCOPE_AND_FAMILY,
  ZT_WORLD_TYPE_MOON,
  ZT_WORLD_TYPE_PLANET,
} from './constants.js';
import { Identity, IDENTITY_PUBLIC_SERIALIZED_LENGTH } from './identity.js';
import { type InetAddress, inetAddressToString, ipScope } from './inet-address.js';
import { cipherSuite, ERROR_CODE, hops, packetIdBytes, payload, source, VERB } from './packet.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';
import { PeerKey } from './peer-key.js';
import { pathHash } from './replay-filter.js';
import { serializePeer } from './peer-cache.js';
import type { Runtime } from './runtime.js';
import { MAX_FORWARDED_WHOIS } from './switch.js';
import {
  decodeError,
  decodeHello,
  decodeInRe,
  decodeOkHelloBody,
  decodeOkWhoisBody,
  decodePushDirectPaths,
  decodeRendezvous,
  decodeUserMessage,
  decodeWhois,
  decodeWorldUpdates,
  encodeError,
  encodeInRe,
  encodeOkHelloBody,
  encodeOkWhoisBody,
  PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT,
  PUSH_DIRECT_PATHS_FLAG_FORGET,
} from './verbs.js';
import { type Arrival, VL2_VERBS } from './vl2-hook.js';
import type { World } from './world.js';
import { serializeWorld } from './world.js';

/** Offset of the identity inside a HELLO packet (after version fields and timestamp). */
const HELLO_IDENTITY_OFFSET = ZT_PACKET_IDX_PAYLOAD + 13;
/** Identities that fit one OK(WHOIS) datagram (10,024 - 28 - 9) / 71. */
const MAX_WHOIS_REPLY_IDENTITIES = Math.floor((ZT_PROTO_MAX_PACKET_LENGTH - ZT_PACKET_IDX_PAYLOAD - 9) / IDENTITY_PUBLIC_SERIALIZED_LENGTH);
/** World updates carried in one OK(HELLO) (its length field is 16 bits). */
const MAX_WORLD_UPDATE_BYTES = 0xffff;
/** Plausible round trip from OK(HELLO); anything else is a clock oddity, not a measurement. */
const MAX_PLAUSIBLE_RTT = 60_000;

export class Incoming {
  constructor(private readonly rt: Runtime) {}

  private drop(reason: DropReason): void {
    this.rt.counters.drop(reason);
  }

  /** A whole packet (reassembled if it was fragmented) whose destination is us. */
  process(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array): void {
    const rt = this.rt;
    const src = source(packet);
    if (src === rt.address) return this.drop('from_self');
    if (isReservedAddress(src)) return this.drop('bad_address');
    const peer = rt.topology.getPeer(src);
    const suite = cipherSuite(packet);
    // Suite 0 leaves the verb in the clear: a HELLO can introduce a sender we do not know.
    if (suite === ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE && (packet[ZT_PACKET_IDX_VERB] & ZT_PROTO_VERB_MASK) === VERB.HELLO) {
      this.onHello(now, localSocket, from, packet, peer, false);
      return;
    }
    if (!peer) {
      rt.sw.park(now, localSocket, from, packet);
      rt.sw.requestWhois(now, src);
      return;
    }
    if (suite === ZT_PROTO_CIPHER_SUITE__NONE) {
      if (!rt.trustedPaths.accepts(from, trustedPathIdOf(packet))) return this.drop('untrusted_path');
    } else {
      const reason = dearmor(packet, peer.key);
      if (reason) return this.drop(reason);
    }
    if (rt.replayFilter.checkAndRecord(packet, pathHash(localSocket, from))) return this.drop('replayed');
    const d = decompressPacket(packet);
    if (!d.ok) return this.drop(d.error.reason);
    this.dispatch(now, localSocket, from, d.value, peer);
  }

  private dispatch(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, peer: Peer): void {
    const verb = packet[ZT_PACKET_IDX_VERB] & ZT_PROTO_VERB_MASK;
    this.rt.counters.verbIn(verb, packet.length);
    switch (verb) {
      case VERB.HELLO:
        return this.onHello(now, localSocket, from, packet, peer, true);
      case VERB.ERROR:
        return this.onError(now, localSocket, from, packet, peer);
      case VERB.OK:
        return this.onOk(now, localSocket, from, packet, peer);
      case VERB.WHOIS:
        return this.onWhois(now, localSocket, from, packet, peer);
      case VERB.RENDEZVOUS:
        return this.onRendezvous(now, localSocket, from, packet, peer);
      case VERB.ECHO:
        return this.onEcho(now, localSocket, from, packet, peer);
      case VERB.PUSH_DIRECT_PATHS:
        return this.onPushDirectPaths(now, localSocket, from, packet, peer);
      case VERB.USER_MESSAGE:
        return this.onUserMessage(now, localSocket, from, packet, peer);
      default: {
        // NOP, bonding verbs, REMOTE_TRACE and unknown verbs: authenticated traffic, nothing more.
        const path = this.received(now, peer, localSocket, from, hops(packet), verb);
        if (VL2_VERBS.has(verb) && this.rt.vl2) this.rt.vl2.handlePacket(now, peer, verb, packet, this.arrival(localSocket, from, packet, path));
      }
    }
  }

  private arrival(localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, path: Path | undefined): Arrival {
    return { localSocket, from, hops: hops(packet), path };
  }

  /**
   * Path learning and follow-ups for an authenticated packet (spec 11.2, 9.8). Returns the
   * peer's path the packet came through, if it was direct and is (now) known.
   */
  received(now: number, peer: Peer, localSocket: LocalSocket, from: InetAddress, hopCount: number, verb: number): Path | undefined {
    const rt = this.rt;
    const outcome = peer.learn(now, localSocket, from, hopCount);
    let path: Path | undefined;
    if (outcome === 'known') {
      path = peer.findPath(localSocket, from);
    } else if (outcome === 'new' && rt.isPathUsable(peer.address, localSocket, from)) {
      if (verb === VERB.OK) {
        // Only an answer over the path proves it works both ways: learn it.
        path = peer.addPath(now, localSocket, from);
        path.received(now);
        rt.host.putState('peer', peer.address.toString(16).padStart(10, '0'), serializePeer(peer, now));
      } else if (rt.gates.pathConfirm.allow(now, `${peer.address}|${localSocket}|${inetAddressToString(from)}`)) {
        rt.sw.sendHello(now, peer, localSocket, from);
      }
    }
    if (peer.isTrustEstablished(now)) {
      const interval = hopCount > 0 ? ZT_DIRECT_PATH_PUSH_INTERVAL : ZT_DIRECT_PATH_PUSH_INTERVAL_HAVEPATH;
      if (now - peer.lastDirectPathPushSent >= interval) {
        peer.lastDirectPathPushSent = now;
        rt.sw.pushDirectPaths(now, peer, localSocket, from);
      }
    }
    return path;
  }

  // ---- HELLO (spec 9.2) ---------------------------------------------------------------------

  private onHello(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, known: Peer | undefined, authenticated: boolean): void {
    const rt = this.rt;
    if (packet.length < HELLO_IDENTITY_OFFSET + IDENTITY_PUBLIC_SERIALIZED_LENGTH) return this.drop('truncated');
    if (packet[ZT_PACKET_IDX_PAYLOAD] < ZT_PROTO_VERSION_MIN) return this.drop('bad_protocol_version');
    const idr = Identity.deserialize(packet, HELLO_IDENTITY_OFFSET);
    if (!idr.ok) return this.drop(idr.error.reason);
    const identity = idr.value.identity;
    if (identity.address !== source(packet)) return this.drop('identity_mismatch');

    let peer: Peer;
    let isNew = false;
    if (known) {
      if (!known.identity.equals(identity)) {
        if (!authenticated) this.identityCollision(now, localSocket, from, packet, identity);
        else this.drop('identity_collision');
        return;
      }
      if (!authenticated) {
        const reason = dearmor(packet, known.key);
        if (reason) return this.drop(reason);
        if (rt.replayFilter.checkAndRecord(packet, pathHash(localSocket, from))) return this.drop('replayed');
        rt.counters.verbIn(VERB.HELLO, packet.length);
      }
      peer = known;
    } else {
      // MAC first (cheap), then the per-prefix gate, then the costly proof of work.
      const key = new PeerKey(rt.identity.agree(identity));
      const reason = dearmor(packet, key);
      if (reason) return this.drop(reason);
      if (!rt.gates.identityVerification.allow(now, from)) return this.drop('rate_limited');
      if (!identity.locallyValidate()) return this.drop('bad_identity');
      if (rt.replayFilter.checkAndRecord(packet, pathHash(localSocket, from))) return this.drop('replayed');
      rt.counters.verbIn(VERB.HELLO, packet.length);
      peer = rt.topology.addPeer(identity, key);
      isNew = true;
    }

    const decoded = decodeHello(packet, (start, length) => cryptField(peer.key, packet, start, length));
    if (!decoded.ok) return this.drop(decoded.error.reason);
    const hello = decoded.value;
    const hopCount = hops(packet);

    if (hello.physicalDestination && hopCount === 0) this.learnExternalAddress(now, peer, localSocket, from, hello.physicalDestination);

    const worlds = rt.topology.worldsNewerThan(hello.planetId, hello.planetTimestamp, hello.moons);
    const body = encodeOkHelloBody({
      timestamp: hello.timestamp,
      protocolVersion: ZT_PROTO_VERSION,
      versionMajor: SOFTWARE_VERSION.major,
      versionMinor: SOFTWARE_VERSION.minor,
      versionRevision: SOFTWARE_VERSION.revision,
      physicalAddress: hello.protocolVersion >= 5 ? from : { family: from.family, ip: from.ip, port: 0 },
      worlds: fitWorlds(worlds),
    });
    const reply = rt.sw.packet(peer.address, VERB.OK, encodeInRe(VERB.HELLO, packetIdBytes(packet), body));
    // Armored before we record its version: a new peer's first OK(HELLO) is suite 1 (spec 7.1).
    rt.sw.sendDirect(now, peer, localSocket, from, reply, peer.cipherSuite);
    peer.setVersions(hello.protocolVersion, hello.versionMajor, hello.versionMinor, hello.versionRevision);
    this.received(now, peer, localSocket, from, hopCount, VERB.HELLO);
    if (isNew) rt.sw.onPeerLearned(now, peer.address);
  }

  /**
   * Someone else claims a peer's address. If its HELLO authenticates under its own key, tell it
   * (ERROR IDENTITY_COLLISION); in any case drop. Rate-limited like new identities.
   */
  private identityCollision(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, claimed: Identity): void {
    const rt = this.rt;
    if (!rt.gates.identityVerification.allow(now, from)) return this.drop('rate_limited');
    const key = new PeerKey(rt.identity.agree(claimed));
    if (dearmor(packet, key) === undefined) {
      const err = rt.sw.packet(claimed.address, VERB.ERROR, encodeError(VERB.HELLO, packetIdBytes(packet), ERROR_CODE.IDENTITY_COLLISION));
      rt.sw.writeArmored(key, localSocket, from, err, ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012);
    }
    this.drop('identity_collision');
  }

  private learnExternalAddress(now: number, peer: Peer, localSocket: LocalSocket, from: InetAddress, mine: InetAddress): void {
    const rt = this.rt;
    const change = rt.selfAwareness.iam(now, peer.address, localSocket, from, mine, rt.topology.isUpstream(peer.address));
    if (change) rt.resetPathsWithinScope(now, change.scope, change.family);
  }

  // ---- OK (spec 9.4) ------------------------------------------------------------------------

  private onOk(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, peer: Peer): void {
    const rt = this.rt;
    const r = decodeInRe(payload(packet));
    if (!r.ok) return this.drop(r.error.reason);
    const { inReVerb, inRePacketId, body } = r.value;
    if (!rt.expectedReplies.isExpected(inRePacketId)) return this.drop('unexpected_ok');
    const hopCount = hops(packet);
    switch (inReVerb) {
      case VERB.HELLO:
        return this.onOkHello(now, localSocket, from, hopCount, body, peer);
      case VERB.WHOIS:
        return this.onOkWhois(now, localSocket, from, hopCount, body, peer);
      default: {
        const path = this.received(now, peer, localSocket, from, hopCount, VERB.OK);
        if (inReVerb !== VERB.ECHO && rt.vl2?.handleOk) rt.vl2.handleOk(now, peer, inReVerb, inRePacketId, body, { localSocket, from, hops: hopCount, path });
      }
    }
  }

  private onOkHello(now: number, localSocket: LocalSocket, from: InetAddress, hopCount: number, body: Uint8Array, peer: Peer): void {
    const r = decodeOkHelloBody(body);
    if (!r.ok) return this.drop(r.error.reason);
    const ok = r.value;
    if (ok.protocolVersion < ZT_PROTO_VERSION_MIN) return this.drop('bad_protocol_version');
    if (ok.worldUpdates.length > 0) this.offerWorlds(now, peer, ok.worldUpdates);
    const path = this.received(now, peer, localSocket, from, hopCount, VERB.OK);
    if (hopCount === 0 && path) {
      const rtt = now - Number(ok.timestamp);
      if (rtt >= 0 && rtt < MAX_PLAUSIBLE_RTT) path.updateLatency(rtt);
    }
    peer.setVersions(ok.protocolVersion, ok.versionMajor, ok.versionMinor, ok.versionRevision);
    if (hopCount === 0 && ok.physicalAddress) this.learnExternalAddress(now, peer, localSocket, from, ok.physicalAddress);
  }

  /** World updates are believed only from a root or a moon seed we wait for (spec 9.4.1, 10.3). */
  private offerWorlds(now: number, peer: Peer, bytes: Uint8Array): void {
    const rt = this.rt;
    const topo = rt.topology;
    const fromRoot = topo.isUpstream(peer.address);
    if (!fromRoot && !topo.isWantedMoonSeed(peer.address)) return this.drop('not_from_root');
    const worlds = decodeWorldUpdates(bytes);
    if (!worlds.ok) return this.drop(worlds.error.reason);
    for (const w of worlds.value) {
      let outcome: 'accepted' | 'ignored' = 'ignored';
      if (w.type === ZT_WORLD_TYPE_PLANET) {
        if (fromRoot) outcome = topo.addWorld(w, false);
      } else if (w.type === ZT_WORLD_TYPE_MOON) {
        outcome = topo.offerMoonFromSeed(w, peer.address);
      }
      if (outcome === 'accepted') this.worldAccepted(now, w);
    }
  }

  worldAccepted(_now: number, w: World): void {
    const isPlanet = w.type === ZT_WORLD_TYPE_PLANET;
    this.rt.host.putState(isPlanet ? 'planet' : 'moon', isPlanet ? '' : w.id.toString(16).padStart(16, '0'), serializeWorld(w));
    this.rt.event({ type: 'world-updated', worldType: isPlanet ? 'planet' : 'moon', id: w.id, timestamp: w.timestamp });
  }

  /** Roots are trusted for identities: the first one is taken without the proof of work (9.4.2). */
  private onOkWhois(now: number, localSocket: LocalSocket, from: InetAddress, hopCount: number, body: Uint8Array, peer: Peer): void {
    const rt = this.rt;
    if (!rt.topology.isUpstream(peer.address)) return this.drop('not_from_root');
    const r = decodeOkWhoisBody(body);
    if (!r.ok) return this.drop(r.error.reason);
    this.received(now, peer, localSocket, from, hopCount, VERB.OK);
    const id = r.value[0];
    if (id.address === rt.address || isReservedAddress(id.address) || rt.topology.getPeer(id.address)) return;
    rt.topology.addPeer(id.publicOnly());
    rt.sw.onPeerLearned(now, id.address);
  }

  // ---- ERROR (spec 9.3) ---------------------------------------------------------------------

  private onError(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, peer: Peer): void {
    const rt = this.rt;
    const r = decodeError(payload(packet));
    if (!r.ok) return this.drop(r.error.reason);
    const e = r.value;
    const hopCount = hops(packet);
    if (e.errorCode === ERROR_CODE.IDENTITY_COLLISION) {
      if (e.inReVerb !== VERB.HELLO || !rt.topology.isUpstream(peer.address)) return this.drop('not_from_root');
      this.received(now, peer, localSocket, from, hopCount, VERB.ERROR);
      rt.event({ type: 'fatal-identity-collision', root: peer.address });
      return;
    }
    const path = this.received(now, peer, localSocket, from, hopCount, VERB.ERROR);
    if (e.errorCode >= ERROR_CODE.OBJ_NOT_FOUND && rt.vl2?.handleError) {
      rt.vl2.handleError(now, peer, e.inReVerb, e.inRePacketId, e.errorCode, e.data, { localSocket, from, hops: hopCount, path });
    }
  }

  // ---- WHOIS (spec 9.5) ---------------------------------------------------------------------

  private onWhois(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, peer: Peer): void {
    const rt = this.rt;
    if (!rt.topology.amRoot && !peer.whoisReplyGate.allow(now)) return this.drop('rate_limited');
    const r = decodeWhois(payload(packet));
    if (!r.ok) return this.drop(r.error.reason);
    const found: Identity[] = [];
    let forwarded = 0;
    for (const a of r.value) {
      if (found.length >= MAX_WHOIS_REPLY_IDENTITIES) break;
      if (a === rt.address) {
        found.push(rt.identity);
        continue;
      }
      const p = rt.topology.getPeer(a);
      if (p) found.push(p.identity);
      else if (forwarded++ < MAX_FORWARDED_WHOIS) rt.sw.requestWhois(now, a);
    }
    if (found.length > 0) {
      const reply = rt.sw.packet(peer.address, VERB.OK, encodeInRe(VERB.WHOIS, packetIdBytes(packet), encodeOkWhoisBody(found)));
      rt.sw.sendDirect(now, peer, localSocket, from, reply, peer.cipherSuite);
    }
    this.received(now, peer, localSocket, from, hops(packet), VERB.WHOIS);
  }

  // ---- RENDEZVOUS (spec 9.6) ----------------------------------------------------------------

  private onRendezvous(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, peer: Peer): void {
    const rt = this.rt;
    if (!rt.topology.isUpstream(peer.address)) return this.drop('not_from_root');
    const r = decodeRendezvous(payload(packet));
    if (!r.ok) return this.drop(r.error.reason);
    const rv = r.value;
    this.received(now, peer, localSocket, from, hops(packet), VERB.RENDEZVOUS);
    if (rv.peer === rt.address || isReservedAddress(rv.peer)) return this.drop('unknown_peer');
    if (rv.endpoint.port === 0 || !rt.isPathUsable(rv.peer, localSocket, rv.endpoint)) return this.drop('unusable_path');
    const other = rt.topology.getPeer(rv.peer);
    // The reference drops an introduction to a stranger (and WHOISes it); we keep it until the
    // identity arrives, so a start-up race does not cost the next introduction, 30 s later.
    if (!other) return rt.sw.holdRendezvous(now, rv.peer, localSocket, rv.endpoint);
    rt.sw.holePunch(now, other, localSocket, rv.endpoint);
  }

  // ---- ECHO (spec 9.7) ----------------------------------------------------------------------

  private onEcho(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, peer: Peer): void {
    const rt = this.rt;
    if (!rt.gates.echoReply.allow(now, `${localSocket}|${inetAddressToString(from)}`)) return this.drop('rate_limited');
    const reply = rt.sw.packet(peer.address, VERB.OK, encodeInRe(VERB.ECHO, packetIdBytes(packet), payload(packet)));
    rt.sw.sendDirect(now, peer, localSocket, from, reply, peer.cipherSuite);
    this.received(now, peer, localSocket, from, hops(packet), VERB.ECHO);
  }

  // ---- PUSH_DIRECT_PATHS (spec 9.8) ---------------------------------------------------------

  private onPushDirectPaths(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, peer: Peer): void {
    const rt = this.rt;
    if (!peer.pushDirectPathsGate.allow(now)) return this.drop('rate_limited');
    const r = decodePushDirectPaths(payload(packet));
    if (!r.ok) return this.drop(r.error.reason);
    this.received(now, peer, localSocket, from, hops(packet), VERB.PUSH_DIRECT_PATHS);
    const perScopeAndFamily = new Map<number, number>();
    for (const rec of r.value) {
      const a = rec.address;
      if (!a || (rec.flags & PUSH_DIRECT_PATHS_FLAG_FORGET) !== 0) continue;
      const redirect = (rec.flags & PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT) !== 0;
      if (!redirect && peer.hasActivePathTo(now, a)) continue;
      if (!rt.isPathUsable(peer.address, localSocket, a)) continue;
      const k = ipScope(a) * 16 + a.family;
      const n = perScopeAndFamily.get(k) ?? 0;
      if (n >= ZT_PUSH_DIRECT_PATHS_MAX_PER_SCOPE_AND_FAMILY) continue;
      perScopeAndFamily.set(k, n + 1);
      rt.sw.attemptToContactAt(now, peer, localSocket, a);
    }
  }

  // ---- USER_MESSAGE (spec 9.9) --------------------------------------------------------------

  private onUserMessage(now: number, localSocket: LocalSocket, from: InetAddress, packet: Uint8Array, peer: Peer): void {
    const r = decodeUserMessage(payload(packet));
    if (!r.ok) return this.drop(r.error.reason);
    this.received(now, peer, localSocket, from, hops(packet), VERB.USER_MESSAGE);
    this.rt.event({ type: 'user-message', from: peer.address, typeId: r.value.typeId, data: r.value.data });
  }
}

/** Worlds that fit OK(HELLO)'s 16-bit length field, in order. */
function fitWorlds(worlds: World[]): World[] {
  const out: World[] = [];
  let total = 0;
  for (const w of worlds) {
    const n = serializeWorld(w).length;
    if (total + n > MAX_WORLD_UPDATE_BYTES) break;
    total += n;
    out.push(w);
  }
  return out;
}
