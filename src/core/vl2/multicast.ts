/**
 * Multicast over the network (spec vl2.md §10.3–§10.5, §12): announcing the groups we want
 * (MULTICAST_LIKE), learning who wants what (LIKE, GATHER replies), answering gathers, and
 * sending a multicast to at most `multicastLimit` recipients (active bridges first), gathering
 * more members when too few are known and sending to them as they turn up (for 5 s).
 */
import type { Address } from '../vl1/address.js';
import { readU32, readU64 } from '../vl1/bytes.js';
import { packetIdBytes, payload, VERB } from '../vl1/packet.js';
import type { Peer } from '../vl1/peer.js';
import type { Arrival } from '../vl1/vl2-hook.js';
import {
  ZT_MULTICAST_ANNOUNCE_PERIOD,
  ZT_MULTICAST_EXPLICIT_GATHER_DELAY,
  ZT_MULTICAST_MAX_FRAME_LENGTH,
  ZT_MULTICAST_MAX_GATHER_RECIPIENTS,
  ZT_NETWORKCONFIG_FLAG_DISABLE_COMPRESSION,
} from './constants.js';
import type { CredentialExchange } from './credential-exchange.js';
import type { FrameSwitch } from './frame-switch.js';
import { isMulticastMac, macFromBytes, type MAC } from './mac.js';
import type { MulticastGroup } from './multicast-group.js';
import {
  decodeGatherReply,
  decodeMulticastFrame,
  decodeMulticastFrameReply,
  decodeMulticastGather,
  decodeMulticastLikes,
  encodeGatherReply,
  encodeMulticastFrame,
  encodeMulticastFrameReply,
  encodeMulticastGather,
  encodeMulticastLikes,
  MULTICAST_FRAME_FLAG_REPLICATE,
} from './multicast-packets.js';
import type { OutboundMulticast } from './multicaster.js';
import type { Network } from './network.js';
import type { NetworkId } from './network-id.js';
import type { Vl2Runtime } from './vl2-runtime.js';

/** OK(GATHER) header before the member list: nwid, MAC, ADI, total, count. */
const GATHER_REPLY_HEADER = 8 + 6 + 4 + 4 + 2;

export class MulticastEngine {
  constructor(
    private readonly rt: Vl2Runtime,
    private readonly credentials: CredentialExchange,
    private readonly frames: FrameSwitch,
  ) {}

  // ---- Announcing (§12.1) ------------------------------------------------------------------------

  /** Controller, anchors, replicators and every root: told about our groups regardless of the gate. */
  private upstreams(network: Network): Address[] {
    const out = new Set<Address>([...network.anchors, ...network.replicators, network.controller, ...this.rt.vl1.topology.upstreams]);
    out.delete(this.rt.address);
    return [...out];
  }

  private sendLikes(now: number, network: Network, dest: Address, groups: readonly MulticastGroup[]): void {
    if (dest === this.rt.address || groups.length === 0) return;
    // Specialists and members want our credentials before they believe our LIKE; the
    // controller and roots accept it without.
    if (dest !== network.controller && !this.rt.vl1.topology.isUpstream(dest)) this.credentials.pushIfNeeded(now, network, dest);
    const likes = groups.map((group) => ({ networkId: network.id, group }));
    for (const p of encodeMulticastLikes(likes, this.rt.maxPayload)) this.rt.send(now, dest, VERB.MULTICAST_LIKE, p, true);
  }

  /** A new subscription (ours or behind us): announced at once to upstreams and gated members. */
  announceGroup(now: number, network: Network, group: MulticastGroup): void {
    if (!network.config) return;
    for (const dest of this.upstreams(network)) this.sendLikes(now, network, dest, [group]);
    for (const member of network.membersPassingGate(this.rt.signer)) this.sendLikes(now, network, member, [group]);
  }

  /** Periodic: everything to upstreams, and to gated members not told in the last 60 s. */
  announcePeriodically(now: number, network: Network, force = false): void {
    if (!network.config || (!force && now - network.lastAnnounceAll < ZT_MULTICAST_ANNOUNCE_PERIOD)) return;
    network.lastAnnounceAll = now;
    const groups = network.allGroups(now);
    for (const dest of this.upstreams(network)) this.sendLikes(now, network, dest, groups);
    for (const member of network.membersPassingGate(this.rt.signer)) this.announceToIfDue(now, network, member, groups);
  }

  /** A member that passed the gate hears all our groups if it has not in the last 60 s. */
  announceToIfDue(now: number, network: Network, member: Address, groups?: readonly MulticastGroup[]): void {
    const last = network.lastAnnouncedTo.get(member);
    if (last !== undefined && now - last < ZT_MULTICAST_ANNOUNCE_PERIOD) return;
    network.lastAnnouncedTo.set(member, now);
    this.sendLikes(now, network, member, groups ?? network.allGroups(now));
  }

  // ---- Sending (§12.2) ---------------------------------------------------------------------------

  /**
   * Sends a multicast the outbound rules already accepted. `bridged`: the source MAC is not ours
   * and travels in the packet. `origin`: the member we replicate for (never sent back to it).
   */
  send(now: number, network: Network, group: MulticastGroup, sourceMac: MAC, bridged: boolean, etherType: number, data: Uint8Array, origin: Address): void {
    const nc = network.config;
    if (!nc) return;
    const self = this.rt.address;
    const limit = nc.multicastLimit;
    const frame = data.length > ZT_MULTICAST_MAX_FRAME_LENGTH ? data.subarray(0, ZT_MULTICAST_MAX_FRAME_LENGTH) : data;

    if (origin === 0 && !network.amActiveBridge && network.replicators.length > 0 && !network.replicators.includes(self)) {
      const replicator = this.bestReplicator(now, network);
      if (replicator !== undefined) {
        const p = encodeMulticastFrame({ networkId: network.id, flags: MULTICAST_FRAME_FLAG_REPLICATE, sourceMac, group, etherType, frame });
        this.sendTo(now, network, replicator, p, sourceMac, group, etherType, frame);
        return;
      }
    }

    const members = this.rt.shuffle(this.rt.multicaster.members(network.id, group).filter((m) => m !== self));
    const bridges = network.activeBridges.filter((b) => b !== self);
    const explicitSource = bridged || origin !== 0 ? sourceMac : undefined;

    if (members.length >= limit) {
      const p = encodeMulticastFrame({ networkId: network.id, gatherLimit: 1, sourceMac: explicitSource, group, etherType, frame });
      let sent = 0;
      for (const b of bridges) {
        if (sent >= limit) break;
        if (b === origin) continue;
        this.sendTo(now, network, b, p, sourceMac, group, etherType, frame);
        sent++;
      }
      for (const m of members) {
        if (sent >= limit) break;
        if (m === origin || network.isActiveBridge(m)) continue;
        this.sendTo(now, network, m, p, sourceMac, group, etherType, frame);
        sent++;
      }
      return;
    }

    const gatherLimit = limit - members.length + 1;
    if (members.length === 0 || now - this.rt.multicaster.lastExplicitGather(network.id, group) >= ZT_MULTICAST_EXPLICIT_GATHER_DELAY) {
      this.rt.multicaster.setLastExplicitGather(network.id, group, now);
      this.gather(now, network, group, gatherLimit);
    }
    const om: OutboundMulticast = { created: now, limit, origin, sentTo: new Set(), sourceMac, bridged: explicitSource !== undefined, etherType, frame: frame.slice(), gatherLimit };
    this.rt.multicaster.enqueue(network.id, group, om);
    const p = this.payloadOf(network, group, om);
    // As the reference does, the origin is not excluded from these first sends.
    for (const b of bridges) {
      if (om.sentTo.size >= limit) break;
      om.sentTo.add(b);
      this.sendTo(now, network, b, p, sourceMac, group, etherType, om.frame);
    }
    for (const m of members) {
      if (om.sentTo.size >= limit) break;
      if (network.isActiveBridge(m)) continue;
      om.sentTo.add(m);
      this.sendTo(now, network, m, p, sourceMac, group, etherType, om.frame);
    }
  }

  private payloadOf(network: Network, group: MulticastGroup, om: OutboundMulticast): Uint8Array {
    return encodeMulticastFrame({ networkId: network.id, gatherLimit: om.gatherLimit, sourceMac: om.bridged ? om.sourceMac : undefined, group, etherType: om.etherType, frame: om.frame });
  }

  /** One recipient: its own pass of the outbound rules (no TEE), credentials, then the frame. */
  private sendTo(now: number, network: Network, member: Address, packetPayload: Uint8Array, sourceMac: MAC, group: MulticastGroup, etherType: number, frame: Uint8Array): void {
    const outcome = this.frames.filterOut(network, member, sourceMac, group.mac, etherType, frame, true);
    this.frames.sendCopies(now, network, outcome, sourceMac, group.mac, etherType, frame);
    if (outcome.verdict !== 'accept') return this.rt.drop('filtered');
    this.credentials.pushIfNeeded(now, network, member);
    const compress = (network.config!.flags & ZT_NETWORKCONFIG_FLAG_DISABLE_COMPRESSION) === 0n;
    this.rt.send(now, member, VERB.MULTICAST_FRAME, packetPayload, compress);
  }

  private bestReplicator(now: number, network: Network): Address | undefined {
    let best: Address | undefined;
    let bestLatency = Infinity;
    for (const r of network.replicators) {
      const peer = this.rt.peer(r);
      if (!peer || !peer.isAlive(now)) continue;
      const l = peer.latency(now);
      const latency = l < 0 ? 0xffff : l;
      if (latency < bestLatency) {
        bestLatency = latency;
        best = r;
      }
    }
    return best;
  }

  /** MULTICAST_GATHER to the best root, the controller and the anchors/replicators (≤ 16). */
  private gather(now: number, network: Network, group: MulticastGroup, gatherLimit: number): void {
    const recipients: Address[] = [];
    const root = this.rt.vl1.topology.bestRoot(now);
    if (root) recipients.push(root.address);
    recipients.push(network.controller);
    recipients.push(...this.rt.shuffle([...network.anchors, ...network.replicators]));
    recipients.push(...network.anchors);
    const p = encodeMulticastGather(network.id, group, gatherLimit, network.config?.credentials.com);
    const sent = new Set<Address>();
    for (const r of recipients) {
      if (sent.size >= ZT_MULTICAST_MAX_GATHER_RECIPIENTS) break;
      if (r === this.rt.address || sent.has(r)) continue;
      sent.add(r);
      // Sent uncompressed, as 1.14 does (the COM hardly compresses).
      this.rt.send(now, r, VERB.MULTICAST_GATHER, p);
    }
  }

  /** A member of (nwid, group) was learned: queued multicasts still short of their limit go to it. */
  private learned(now: number, network: Network | undefined, group: MulticastGroup, member: Address): void {
    if (!network?.config) return;
    for (const om of this.rt.multicaster.queued(now, network.id, group)) {
      if (om.sentTo.size >= om.limit || om.sentTo.has(member) || member === om.origin) continue;
      om.sentTo.add(member);
      this.sendTo(now, network, member, this.payloadOf(network, group, om), om.sourceMac, group, om.etherType, om.frame);
    }
  }

  private addMember(now: number, nwid: NetworkId, group: MulticastGroup, member: Address): void {
    if (member === this.rt.address || member === 0) return;
    if (this.rt.multicaster.add(now, nwid, group, member)) this.learned(now, this.rt.networks.get(nwid), group, member);
  }

  // ---- Receiving ---------------------------------------------------------------------------------

  /** May `peer` tell us about (or ask about) members of `nwid`? (§10.3, §10.4) */
  private mayShare(now: number, network: Network | undefined, nwid: NetworkId, peer: Peer): boolean {
    if (network && network.gate(peer.identity)) {
      this.announceToIfDue(now, network, peer.address);
      return true;
    }
    return this.rt.vl1.topology.amRoot || this.rt.configuredMembers.recentlyAuthorized(now, nwid, peer.address);
  }

  onLike(now: number, peer: Peer, packet: Uint8Array): void {
    const likes = decodeMulticastLikes(payload(packet));
    let authorized: NetworkId | undefined;
    let denied: NetworkId | undefined;
    for (const l of likes) {
      if (l.networkId !== authorized) {
        if (l.networkId === denied) continue;
        const network = this.rt.networks.get(l.networkId);
        if (!this.mayShare(now, network, l.networkId, peer)) {
          denied = l.networkId;
          this.rt.drop('not_member');
          continue;
        }
        authorized = l.networkId;
      }
      this.addMember(now, l.networkId, l.group, peer.address);
    }
  }

  /** Members to list in a gather reply: ourselves first if we want the group, then others at random. */
  private gatherResults(now: number, network: Network | undefined, nwid: NetworkId, group: MulticastGroup, requester: Address, limit: number, room: number): { total: number; members: Address[] } {
    const max = Math.min(limit, 0xffff, Math.max(0, Math.floor(room / 5)));
    const members: Address[] = [];
    let total = 0;
    if (network?.config && network.wantsGroup(now, group)) {
      total++;
      if (members.length < max) members.push(this.rt.address);
    }
    const known = this.rt.shuffle(this.rt.multicaster.members(nwid, group));
    total += known.length;
    for (const m of known) {
      if (members.length >= max) break;
      if (m !== requester && m !== this.rt.address) members.push(m);
    }
    return { total, members };
  }

  onGather(now: number, peer: Peer, packet: Uint8Array): void {
    const r = decodeMulticastGather(payload(packet));
    if (!r.ok) return this.rt.drop(r.error.reason);
    const g = r.value;
    const network = this.rt.networks.get(g.networkId);
    if (g.com && network) this.credentials.addInlineCom(now, network, g.com);
    if (g.gatherLimit === 0) return;
    if (!this.mayShare(now, network, g.networkId, peer)) return this.rt.drop('not_member');
    const { total, members } = this.gatherResults(now, network, g.networkId, g.group, peer.address, g.gatherLimit, this.rt.maxPayload - 9 - GATHER_REPLY_HEADER);
    if (members.length === 0) return;
    this.rt.sendOk(now, peer.address, VERB.MULTICAST_GATHER, packetIdBytes(packet), encodeGatherReply(g.networkId, g.group, total, members), true);
  }

  onGatherReply(now: number, _peer: Peer, body: Uint8Array): void {
    const r = decodeGatherReply(body);
    if (!r.ok) return this.rt.drop(r.error.reason);
    const { networkId, group, results } = r.value;
    if (!this.rt.networks.has(networkId)) return this.rt.drop('network_unknown');
    for (const m of results.members) this.addMember(now, networkId, group, m);
  }

  onMulticastFrame(now: number, peer: Peer, packet: Uint8Array, arrival: Arrival): boolean {
    const r = decodeMulticastFrame(payload(packet));
    if (!r.ok) {
      this.rt.drop(r.error.reason);
      return true;
    }
    const f = r.value;
    const network = this.rt.networks.get(f.networkId);
    const nc = network?.config;
    if (!network || !nc) {
      this.rt.drop('network_unknown');
      return true;
    }
    if (f.com) this.credentials.addInlineCom(now, network, f.com);
    if (!network.gate(peer.identity)) return this.frames.needCredentials(now, network, peer, VERB.MULTICAST_FRAME, packet);
    this.frames.admitted(now, network, peer, arrival);
    if (nc.multicastLimit === 0) {
      this.rt.drop('multicast_disabled');
      return true;
    }
    if (f.frame.length > 0 && f.frame.length <= ZT_MULTICAST_MAX_FRAME_LENGTH) {
      const senderMac = network.macSpace.macFromAddress(peer.address);
      const sourceMac = f.sourceMac ?? senderMac;
      if (!isMulticastMac(f.group.mac) || sourceMac === 0 || isMulticastMac(sourceMac) || sourceMac === network.mac) {
        this.rt.drop('bad_address');
        return true;
      }
      if ((f.flags & MULTICAST_FRAME_FLAG_REPLICATE) !== 0 && network.replicators.includes(this.rt.address)) {
        this.send(now, network, f.group, sourceMac, true, f.etherType, f.frame, peer.address);
      }
      if (sourceMac !== senderMac) {
        if (!network.isActiveBridge(peer.address)) {
          this.rt.drop('bridging_denied');
          return true;
        }
        network.bridgeRoutes.learn(sourceMac, peer.address);
      }
      const outcome = this.frames.filterIn(network, peer.address, sourceMac, f.group.mac, f.etherType, f.frame);
      this.frames.sendCopies(now, network, outcome, sourceMac, f.group.mac, f.etherType, f.frame);
      if (outcome.verdict === 'drop') this.rt.drop('filtered');
      else this.frames.deliver(network, sourceMac, f.group.mac, f.etherType, f.frame);
    }
    if (f.gatherLimit > 0) {
      const { total, members } = this.gatherResults(now, network, network.id, f.group, peer.address, f.gatherLimit, this.rt.maxPayload - 10 - GATHER_REPLY_HEADER);
      if (members.length > 0) {
        this.rt.sendOk(now, peer.address, VERB.MULTICAST_FRAME, packetIdBytes(packet), encodeMulticastFrameReply(network.id, f.group, total, members), true);
      }
    }
    return true;
  }

  onMulticastFrameReply(now: number, _peer: Peer, body: Uint8Array): void {
    const r = decodeMulticastFrameReply(body);
    if (!r.ok) return this.rt.drop(r.error.reason);
    const { networkId, group, results } = r.value;
    if (!results) return;
    if (!this.rt.networks.has(networkId)) return this.rt.drop('network_unknown');
    for (const m of results.members) this.addMember(now, networkId, group, m);
  }

  /** ERROR UNWANTED_MULTICAST (`u64 nwid ‖ 6 MAC ‖ u32 ADI`): forget the peer for that group. */
  onUnwanted(_now: number, peer: Peer, data: Uint8Array): void {
    if (data.length < 18) return this.rt.drop('truncated');
    const network = this.rt.networks.get(readU64(data, 0));
    if (!network || !network.gate(peer.identity)) return;
    this.rt.multicaster.remove(network.id, { mac: macFromBytes(data, 8), adi: readU32(data, 14) }, peer.address);
  }
}
