/**
 * Unicast Ethernet over the network (spec vl2.md §10.1, §10.2, §11, §13): frames from the host's
 * port to members (FRAME) or through active bridges (EXT_FRAME), frames from members to the
 * host, the rules engine on both paths with its TEE/WATCH/REDIRECT copies, the bridging rules
 * and bridge-route learning. Multicast and broadcast frames are handed to the MulticastEngine
 * after the outbound rules (ARP requests go to the ARP group of their target, §11.3; IPv6
 * solicitations for managed addresses are answered locally, §11.4).
 *
 * Every handler returns false only when the sender failed the network gate: the caller keeps
 * the packet for a retry once credentials arrive.
 */
import type { Address } from '../vl1/address.js';
import { readU32 } from '../vl1/bytes.js';
import { ERROR_CODE, packetIdBytes, payload, VERB } from '../vl1/packet.js';
import type { Peer } from '../vl1/peer.js';
import type { Arrival } from '../vl1/vl2-hook.js';
import { ZT_MAX_BRIDGE_SPAM } from './constants.js';
import type { CredentialExchange } from './credential-exchange.js';
import { filterIncoming, filterOutgoing } from './filter/filter.js';
import { FilterOutcome, type FilterContext, type FilterFrame } from './filter/types.js';
import { decodeExtFrame, decodeFrame, encodeExtFrame, encodeFrame, EXT_FRAME_FLAG_ACK_REQUESTED } from './frames.js';
import { BROADCAST_MAC, isMulticastMac, type MAC } from './mac.js';
import { arpMulticastGroup, BROADCAST_GROUP, type MulticastGroup } from './multicast-group.js';
import type { MulticastEngine } from './multicast.js';
import { emulateNeighborSolicitation } from './ndp-emulation.js';
import { isBroadcastEnabled } from './netconf.js';
import type { Network } from './network.js';
import { Vl2Runtime } from './vl2-runtime.js';

const ETHERTYPE_ARP = 0x0806;

/** An Ethernet/IPv4 ARP request (the ones sent to their target's group, §11.3). */
function isArpRequest(etherType: number, frame: Uint8Array): boolean {
  return etherType === ETHERTYPE_ARP && frame.length >= 28 && frame[2] === 0x08 && frame[3] === 0x00 && frame[4] === 6 && frame[5] === 4 && frame[7] === 1;
}

export class FrameSwitch {
  /** Reused for every filter call (the filter is not re-entrant, and neither is this). */
  private readonly outcome = new FilterOutcome();
  multicast!: MulticastEngine;

  constructor(
    private readonly rt: Vl2Runtime,
    private readonly credentials: CredentialExchange,
  ) {}

  // ---- The rules engine -----------------------------------------------------------------------

  private context(network: Network, peer: Address, noTee: boolean): FilterContext {
    return { config: network.filterConfig!, peer: peer !== 0 ? network.peerView(peer) : undefined, random: this.rt.randomU32, noTee };
  }

  /** Outbound rules for a frame from the host; `ztDest` 0 = none (multicast, bridged). */
  filterOut(network: Network, ztDest: Address, macSource: MAC, macDest: MAC, etherType: number, data: Uint8Array, noTee = false): FilterOutcome {
    const frame: FilterFrame = { ztSource: this.rt.address, ztDest, macSource, macDest, etherType, data, offset: 0, length: data.length };
    return filterOutgoing(this.context(network, ztDest, noTee), frame, this.outcome);
  }

  filterIn(network: Network, ztSource: Address, macSource: MAC, macDest: MAC, etherType: number, data: Uint8Array): FilterOutcome {
    const frame: FilterFrame = { ztSource, ztDest: this.rt.address, macSource, macDest, etherType, data, offset: 0, length: data.length };
    // Inbound, the sender's record counts even if fresh (the reference creates one).
    const ctx: FilterContext = { config: network.filterConfig!, peer: network.peerView(ztSource), random: this.rt.randomU32 };
    return filterIncoming(ctx, frame, this.outcome);
  }

  /** The EXT_FRAME copies the rules asked for (TEE, WATCH, REDIRECT). */
  sendCopies(now: number, network: Network, outcome: FilterOutcome, sourceMac: MAC, destMac: MAC, etherType: number, data: Uint8Array): void {
    for (const c of outcome.copies) {
      if (c.dest === this.rt.address) continue;
      const length = Math.min(c.length, data.length);
      this.rt.send(now, c.dest, VERB.EXT_FRAME, encodeExtFrame(network.id, c.flags, destMac, sourceMac, etherType, data, 0, length), true);
    }
  }

  deliver(network: Network, sourceMac: MAC, destMac: MAC, etherType: number, data: Uint8Array): void {
    this.rt.host.deliverFrame(network.id, sourceMac, destMac, etherType, 0, data);
  }

  // ---- From the host's port (§11) -----------------------------------------------------------------

  onLocalFrame(now: number, network: Network, sourceMac: MAC, destMac: MAC, etherType: number, data: Uint8Array): void {
    const nc = network.config;
    if (!nc) return this.rt.drop('network_unknown');
    const bridged = sourceMac !== network.mac;
    if (bridged && !network.amActiveBridge) return this.rt.drop('bridging_denied');

    if (isMulticastMac(destMac)) {
      let group: MulticastGroup;
      if (destMac === BROADCAST_MAC) {
        if (isArpRequest(etherType, data)) group = arpMulticastGroup(readU32(data, 24));
        else if (!isBroadcastEnabled(nc)) return this.rt.drop('broadcast_disabled');
        else group = BROADCAST_GROUP;
      } else {
        const na = emulateNeighborSolicitation(nc, this.rt.address, network.macSpace, sourceMac, destMac, etherType, data);
        if (na) return this.deliver(network, na.sourceMac, na.destMac, na.etherType, na.frame);
        group = { mac: destMac, adi: 0 };
      }
      if (nc.multicastLimit === 0) return this.rt.drop('multicast_disabled');
      if (bridged && network.learnBridgedGroup(now, group)) this.multicast.announceGroup(now, network, group);
      const outcome = this.filterOut(network, 0, sourceMac, destMac, etherType, data);
      this.sendCopies(now, network, outcome, sourceMac, destMac, etherType, data);
      if (outcome.verdict !== 'accept') return this.rt.drop('filtered');
      this.multicast.send(now, network, group, sourceMac, bridged, etherType, data, 0);
      return;
    }

    if (destMac === network.mac) return this.deliver(network, sourceMac, destMac, etherType, data);

    if (network.macSpace.isMember(destMac)) {
      const member = network.macSpace.addressFromMac(destMac);
      const outcome = this.filterOut(network, member, sourceMac, destMac, etherType, data);
      this.sendCopies(now, network, outcome, sourceMac, destMac, etherType, data);
      if (outcome.verdict !== 'accept') return this.rt.drop('filtered');
      this.credentials.pushIfNeeded(now, network, member);
      if (bridged) this.rt.send(now, member, VERB.EXT_FRAME, encodeExtFrame(network.id, 0, destMac, sourceMac, etherType, data));
      else this.rt.send(now, member, VERB.FRAME, encodeFrame(network.id, etherType, data));
      return;
    }

    this.sendToBridges(now, network, sourceMac, destMac, etherType, data);
  }

  /** A unicast for a MAC outside the network's space: only active bridges can reach it (§11.2). */
  private sendToBridges(now: number, network: Network, sourceMac: MAC, destMac: MAC, etherType: number, data: Uint8Array): void {
    const outcome = this.filterOut(network, 0, sourceMac, destMac, etherType, data);
    this.sendCopies(now, network, outcome, sourceMac, destMac, etherType, data);
    if (outcome.verdict !== 'accept') return this.rt.drop('filtered');
    const learned = network.bridgeRoutes.lookup(destMac);
    let bridges: Address[];
    if (learned !== undefined && learned !== this.rt.address && network.isActiveBridge(learned)) {
      bridges = [learned];
    } else {
      bridges = network.activeBridges.filter((b) => b !== this.rt.address);
      if (bridges.length > ZT_MAX_BRIDGE_SPAM) bridges = this.rt.shuffle(bridges).slice(0, ZT_MAX_BRIDGE_SPAM);
    }
    if (bridges.length === 0) return this.rt.drop('unsendable');
    const frame = encodeExtFrame(network.id, 0, destMac, sourceMac, etherType, data);
    for (const bridge of bridges) {
      const o = this.filterOut(network, bridge, sourceMac, destMac, etherType, data, true);
      this.sendCopies(now, network, o, sourceMac, destMac, etherType, data);
      if (o.verdict !== 'accept') continue;
      this.credentials.pushIfNeeded(now, network, bridge);
      this.rt.send(now, bridge, VERB.EXT_FRAME, frame, true);
    }
  }

  // ---- From members (§10.1, §10.2) ------------------------------------------------------------

  /** The sender failed the gate: tell it (it re-pushes its credentials) and keep the packet. */
  needCredentials(now: number, network: Network, peer: Peer, verb: number, packet: Uint8Array): false {
    this.rt.sendError(now, peer.address, verb, packetIdBytes(packet), ERROR_CODE.NEED_MEMBERSHIP_CERTIFICATE, Vl2Runtime.nwidBytes(network.id));
    this.rt.drop('not_member');
    return false;
  }

  /** Gate passed: VL1 may trust this path, and the member hears our groups if it is due. */
  admitted(now: number, network: Network, peer: Peer, arrival: Arrival): void {
    peer.markTrustEstablished(now, arrival.path);
    this.multicast.announceToIfDue(now, network, peer.address);
  }

  onFrame(now: number, peer: Peer, packet: Uint8Array, arrival: Arrival): boolean {
    const r = decodeFrame(payload(packet));
    if (!r.ok) {
      this.rt.drop(r.error.reason);
      return true;
    }
    const f = r.value;
    const network = this.rt.networks.get(f.networkId);
    if (!network?.config) {
      this.rt.drop('network_unknown');
      return true;
    }
    if (!network.gate(peer.identity)) return this.needCredentials(now, network, peer, VERB.FRAME, packet);
    this.admitted(now, network, peer, arrival);
    if (f.frame.length === 0) return true;
    const sourceMac = network.macSpace.macFromAddress(peer.address);
    const outcome = this.filterIn(network, peer.address, sourceMac, network.mac, f.etherType, f.frame);
    this.sendCopies(now, network, outcome, sourceMac, network.mac, f.etherType, f.frame);
    if (outcome.verdict === 'drop') this.rt.drop('filtered');
    else this.deliver(network, sourceMac, network.mac, f.etherType, f.frame);
    return true;
  }

  onExtFrame(now: number, peer: Peer, packet: Uint8Array, arrival: Arrival): boolean {
    const r = decodeExtFrame(payload(packet));
    if (!r.ok) {
      this.rt.drop(r.error.reason);
      return true;
    }
    const f = r.value;
    const network = this.rt.networks.get(f.networkId);
    if (!network?.config) {
      this.rt.drop('network_unknown');
      return true;
    }
    if (f.com) this.credentials.addInlineCom(now, network, f.com);
    if (!network.gate(peer.identity)) return this.needCredentials(now, network, peer, VERB.EXT_FRAME, packet);
    this.admitted(now, network, peer, arrival);
    if (f.sourceMac === 0 || f.sourceMac === network.mac) {
      this.rt.drop('bad_address');
      return true;
    }
    const outcome = this.filterIn(network, peer.address, f.sourceMac, f.destMac, f.etherType, f.frame);
    this.sendCopies(now, network, outcome, f.sourceMac, f.destMac, f.etherType, f.frame);
    if (outcome.verdict === 'accept') {
      if (f.sourceMac !== network.macSpace.macFromAddress(peer.address)) {
        if (!network.isActiveBridge(peer.address)) {
          this.rt.drop('bridging_denied');
          return true;
        }
        network.bridgeRoutes.learn(f.sourceMac, peer.address);
      } else if (f.destMac !== network.mac) {
        const refused = isMulticastMac(f.destMac) ? network.config.multicastLimit === 0 : !network.amActiveBridge;
        if (refused) {
          this.rt.drop('bridging_denied');
          return true;
        }
      }
      this.deliver(network, f.sourceMac, f.destMac, f.etherType, f.frame);
    } else if (outcome.verdict === 'super-accept') {
      this.deliver(network, f.sourceMac, f.destMac, f.etherType, f.frame);
    } else {
      this.rt.drop('filtered');
    }
    if ((f.flags & EXT_FRAME_FLAG_ACK_REQUESTED) !== 0) this.rt.sendOk(now, peer.address, VERB.EXT_FRAME, packetIdBytes(packet), Vl2Runtime.nwidBytes(network.id));
    return true;
  }
}
