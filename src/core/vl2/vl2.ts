/**
 * VL2, the virtual Ethernet layer (spec vl2.md), as one object a host drives beside its Node:
 * join and leave networks, hand it frames from the networks' ports, call its background tasks.
 * It plugs into VL1 as the Node's Vl2Handler (the constructor attaches it) and reports to the
 * host through Vl2Host. Like the Node it is sans-I/O: time comes in as `now`, randomness from
 * the Node's host.
 *
 * Background tasks: the Node does not call them; the host calls processBackgroundTasks(now)
 * alongside node.processBackgroundTasks(now) and wakes at the earlier of the two deadlines.
 *
 * The work is split into modules that share a Vl2Runtime: ConfigClient (join flow, config
 * chunks, controller errors), ControllerLink (serving a LocalNetworkController), FrameSwitch
 * (unicast, rules, bridging), MulticastEngine (LIKE, GATHER, multicast fan-out) and
 * CredentialExchange (NETWORK_CREDENTIALS). This class dispatches packets, keeps the small
 * queue of packets waiting for a sender's credentials, and runs the timers.
 *
 * Deliberate differences from ZeroTier One 1.14 (none visible on the wire to a correct peer):
 * - join sends the first config request at once, not at the next 5 s check;
 * - a config whose controller timestamp is older than the one in force is refused, chunks that
 *   overlap within an update are refused, and chunks of a finished update are ignored (replay);
 * - config chunks are taken from the controller only: fast-propagate chunks relayed by members
 *   (a flag 1.14 controllers never set) are neither accepted nor relayed;
 * - every table is bounded (multicast members, learned bridge routes, waiting packets);
 * - a config that changes what our credentials say (tags, capabilities, owned addresses) is
 *   followed at once by a push of them to the members we recently pushed to, not at our next
 *   frame to each (see CredentialExchange.pushToRecentMembers).
 */
import { DecodeError } from '../errors.js';
import type { Node } from '../node.js';
import type { Address } from '../vl1/address.js';
import { ZT_HOUSEKEEPING_PERIOD, ZT_PING_CHECK_INTERVAL } from '../vl1/constants.js';
import type { InetAddress } from '../vl1/inet-address.js';
import { ERROR_CODE, packetIdBytes, payload, source, VERB } from '../vl1/packet.js';
import type { Peer } from '../vl1/peer.js';
import type { Arrival, Vl2Handler } from '../vl1/vl2-hook.js';
import { ConfigClient } from './config-client.js';
import { TZ_VL2_RECEIVE_QUEUE_SIZE, TZ_VL2_RECEIVE_QUEUE_TIMEOUT } from './constants.js';
import { ControllerLink } from './controller-link.js';
import { CredentialExchange } from './credential-exchange.js';
import type { Revocation } from './credentials/revocation.js';
import { FrameSwitch } from './frame-switch.js';
import type { MAC } from './mac.js';
import type { MulticastGroup } from './multicast-group.js';
import { MulticastEngine } from './multicast.js';
import type { NetworkConfig } from './netconf.js';
import { Network } from './network.js';
import type { ConfigErrorCode, LocalNetworkController, NetworkState, Vl2Host } from './vl2-host.js';
import { Vl2Runtime, type Vl2Options } from './vl2-runtime.js';

export type { Vl2Host, NetworkState, NetworkStatusName, LocalNetworkController, ConfigReply, ConfigErrorCode, AuthenticationInfo } from './vl2-host.js';
export type { Vl2Options } from './vl2-runtime.js';

/** A packet waiting for its sender's credentials (or a signer's identity). */
interface Waiting {
  verb: number;
  from: Address;
  packet: Uint8Array;
  arrival: Arrival;
  created: number;
}

/** Waiting packets are retried at most this often from the background tasks. */
const RETRY_INTERVAL = 1_000;

/** Verbs whose arrival counts as activity for VL1 (keepalives, spec vl1.md 9.12). */
const ACTIVE_VERBS = new Set<number>([VERB.FRAME, VERB.EXT_FRAME, VERB.MULTICAST_FRAME, VERB.NETWORK_CONFIG, VERB.NETWORK_CONFIG_REQUEST]);

export class Vl2 implements Vl2Handler {
  private readonly rt: Vl2Runtime;
  private readonly credentials: CredentialExchange;
  private readonly frames: FrameSwitch;
  private readonly multicast: MulticastEngine;
  private readonly client: ConfigClient;
  private readonly controllerLink: ControllerLink;
  private waiting: Waiting[] = [];
  private lastCheck = -Infinity;
  private lastHousekeeping = -Infinity;
  private lastRetry = -Infinity;

  constructor(
    readonly node: Node,
    host: Vl2Host,
    options: Vl2Options = {},
  ) {
    const rt = new Vl2Runtime(node, host, options);
    this.rt = rt;
    this.credentials = new CredentialExchange(rt);
    this.frames = new FrameSwitch(rt, this.credentials);
    this.multicast = new MulticastEngine(rt, this.credentials, this.frames);
    this.frames.multicast = this.multicast;
    this.client = new ConfigClient(rt);
    this.controllerLink = new ControllerLink(rt, this.client, this.credentials);
    this.client.multicast = this.multicast;
    this.client.local = this.controllerLink;
    this.client.credentials = this.credentials;
    node.attachVl2(this);
  }

  private tick(now: number): void {
    if (now > this.rt.lastNow) this.rt.lastNow = now;
  }

  // ---- Networks -------------------------------------------------------------------------------

  /** Joins `nwid` (no-op if joined): status REQUESTING_CONFIGURATION, config requested at once. */
  join(now: number, nwid: bigint): void {
    this.tick(now);
    const id = BigInt.asUintN(64, nwid);
    if (this.rt.networks.has(id)) return;
    const network = new Network(id, this.rt.address, this.rt.maxPayload);
    this.rt.networks.set(id, network);
    this.rt.notify(network);
    this.client.request(now, network);
  }

  leave(now: number, nwid: bigint): void {
    this.tick(now);
    const id = BigInt.asUintN(64, nwid);
    if (!this.rt.networks.delete(id)) return;
    this.rt.multicaster.forgetNetwork(id);
  }

  networks(): NetworkState[] {
    return [...this.rt.networks.values()].map((n) => n.state());
  }

  network(nwid: bigint): NetworkState | undefined {
    return this.rt.networks.get(BigInt.asUintN(64, nwid))?.state();
  }

  /** The host's port for `nwid` failed (or recovered): status PORT_ERROR takes priority. */
  setPortError(nwid: bigint, failed: boolean): void {
    const network = this.rt.networks.get(BigInt.asUintN(64, nwid));
    if (!network || network.portError === failed) return;
    network.portError = failed;
    this.rt.notify(network);
  }

  /** A frame from the network's port (spec §11). `payload` is only read during the call. */
  processVirtualFrame(now: number, nwid: bigint, srcMac: MAC, dstMac: MAC, etherType: number, _vlanId: number, payload: Uint8Array): void {
    this.tick(now);
    const network = this.rt.networks.get(nwid);
    if (!network) return this.rt.drop('network_unknown');
    this.frames.onLocalFrame(now, network, srcMac, dstMac, etherType & 0xffff, payload);
  }

  multicastSubscribe(now: number, nwid: bigint, group: MulticastGroup): void {
    this.tick(now);
    const network = this.rt.networks.get(nwid);
    if (network?.subscribe({ mac: group.mac, adi: group.adi >>> 0 })) this.multicast.announceGroup(now, network, group);
  }

  /** Stops announcing the group (members that heard of it forget it when it expires). */
  multicastUnsubscribe(now: number, nwid: bigint, group: MulticastGroup): void {
    this.tick(now);
    this.rt.networks.get(nwid)?.unsubscribe(group);
  }

  // ---- Controller side --------------------------------------------------------------------------

  setController(controller: LocalNetworkController | undefined): void {
    this.rt.controller = controller;
  }

  /** Controller push: send a fresh config to a member (NETWORK_CONFIG chunks signed by this node). */
  pushConfig(now: number, member: Address, nwid: bigint, config: NetworkConfig): void {
    this.tick(now);
    this.controllerLink.sendConfig(now, member, nwid, config);
  }

  /** Controller push of a refusal (e.g. ACCESS_DENIED after deauthorization), as an unsolicited ERROR. */
  pushConfigError(now: number, member: Address, nwid: bigint, code: ConfigErrorCode): void {
    this.tick(now);
    this.controllerLink.sendConfigError(now, member, nwid, code);
  }

  /**
   * Controller revocation on deauthorization: send `revocation` (of the member's COM) in
   * NETWORK_CREDENTIALS to `recipients`, by default to the members this node configured recently.
   */
  revokeMember(now: number, nwid: bigint, member: Address, revocation: Revocation, recipients?: readonly Address[]): void {
    this.tick(now);
    this.controllerLink.revoke(now, nwid, member, revocation, recipients);
  }

  // ---- Time -----------------------------------------------------------------------------------

  /** Runs timers; returns when it wants to be called next (absolute ms). */
  processBackgroundTasks(now: number): number {
    this.tick(now);
    if (now - this.lastCheck >= ZT_PING_CHECK_INTERVAL) {
      this.lastCheck = now;
      for (const network of [...this.rt.networks.values()]) {
        if (this.client.isRequestDue(now, network)) this.client.request(now, network);
        this.multicast.announcePeriodically(now, network);
      }
    }
    if (now - this.lastHousekeeping >= ZT_HOUSEKEEPING_PERIOD) {
      this.lastHousekeeping = now;
      for (const network of this.rt.networks.values()) network.clean(now);
      this.rt.multicaster.clean(now);
      this.rt.configuredMembers.clean(now);
      this.credentials.clean(now);
    }
    if (this.waiting.length > 0 && now - this.lastRetry >= RETRY_INTERVAL) this.retryWaiting(now);
    this.credentials.sendOwed(now);
    let next = Math.min(this.lastCheck + ZT_PING_CHECK_INTERVAL, this.lastHousekeeping + ZT_HOUSEKEEPING_PERIOD, this.credentials.nextOwedDue());
    if (this.waiting.length > 0) next = Math.min(next, this.lastRetry + RETRY_INTERVAL);
    return Math.max(next, now + 1);
  }

  // ---- VL1 hook -------------------------------------------------------------------------------

  handlePacket(now: number, peer: Peer, verb: number, packet: Uint8Array, arrival: Arrival): void {
    this.tick(now);
    if (ACTIVE_VERBS.has(verb)) peer.markActive(now);
    if (!this.guard(() => this.dispatch(now, peer, verb, packet, arrival))) this.wait(now, verb, packet, arrival);
  }

  /** True when done with the packet, false when it should wait for credentials. */
  private dispatch(now: number, peer: Peer, verb: number, packet: Uint8Array, arrival: Arrival): boolean {
    switch (verb) {
      case VERB.FRAME:
        return this.frames.onFrame(now, peer, packet, arrival);
      case VERB.EXT_FRAME:
        return this.frames.onExtFrame(now, peer, packet, arrival);
      case VERB.MULTICAST_FRAME:
        return this.multicast.onMulticastFrame(now, peer, packet, arrival);
      case VERB.MULTICAST_LIKE:
        this.multicast.onLike(now, peer, packet);
        return true;
      case VERB.MULTICAST_GATHER:
        this.multicast.onGather(now, peer, packet);
        return true;
      case VERB.NETWORK_CREDENTIALS: {
        const o = this.credentials.onCredentials(now, peer, payload(packet));
        if (o.accepted) this.retryFrom(now, peer.address);
        return !o.deferred;
      }
      case VERB.NETWORK_CONFIG_REQUEST:
        this.controllerLink.onRequest(now, peer, packet);
        return true;
      case VERB.NETWORK_CONFIG:
        this.client.onChunk(now, peer, packetIdBytes(packet), payload(packet), true);
        return true;
      default:
        return true;
    }
  }

  handleOk(now: number, peer: Peer, inReVerb: number, inRePacketId: Uint8Array, body: Uint8Array, _arrival: Arrival): void {
    this.tick(now);
    this.guard(() => {
      switch (inReVerb) {
        case VERB.NETWORK_CONFIG_REQUEST:
          return this.client.onChunk(now, peer, inRePacketId, body, false);
        case VERB.MULTICAST_GATHER:
          return this.multicast.onGatherReply(now, peer, body);
        case VERB.MULTICAST_FRAME:
          return this.multicast.onMulticastFrameReply(now, peer, body);
      }
    });
  }

  handleError(now: number, peer: Peer, inReVerb: number, _inRePacketId: Uint8Array, errorCode: number, data: Uint8Array, _arrival: Arrival): void {
    this.tick(now);
    this.guard(() => {
      switch (errorCode) {
        case ERROR_CODE.NEED_MEMBERSHIP_CERTIFICATE:
          return this.credentials.onNeedCertificate(now, peer, data);
        case ERROR_CODE.UNWANTED_MULTICAST:
          return this.multicast.onUnwanted(now, peer, data);
        case ERROR_CODE.OBJ_NOT_FOUND:
        case ERROR_CODE.UNSUPPORTED_OPERATION:
        case ERROR_CODE.NETWORK_ACCESS_DENIED:
        case ERROR_CODE.NETWORK_AUTHENTICATION_REQUIRED:
          return this.client.onError(peer, inReVerb, errorCode, data);
      }
    });
  }

  /** Inside a joined network's managed range (a static IP's subnet): never a physical path. */
  isManagedAddress(address: InetAddress): boolean {
    for (const network of this.rt.networks.values()) {
      for (const ip of network.config?.staticIps ?? []) {
        if (ip && ip.family === address.family && ip.port > 0 && prefixMatches(ip.ip, address.ip, ip.port)) return true;
      }
    }
    return false;
  }

  /**
   * Runs a handler; hostile input is a counted drop, never an exception out of the core. Our own
   * bugs (anything else) still throw.
   */
  private guard<T>(body: () => T): T | true {
    try {
      return body();
    } catch (e) {
      if (e instanceof DecodeError) this.rt.drop(e.reason);
      else if (e instanceof RangeError) this.rt.drop('bad_field');
      else throw e;
      return true;
    }
  }

  // ---- Packets waiting for credentials (spec §10) -------------------------------------------------

  private wait(now: number, verb: number, packet: Uint8Array, arrival: Arrival): void {
    if (this.waiting.length >= TZ_VL2_RECEIVE_QUEUE_SIZE) {
      this.waiting.shift();
      this.rt.drop('queue_full');
    }
    this.waiting.push({ verb, from: source(packet), packet: packet.slice(), arrival, created: now });
  }

  /** Credentials from `from` arrived: its waiting packets may pass now. */
  private retryFrom(now: number, from: Address): void {
    this.retry(now, (w) => w.from === from);
  }

  private retryWaiting(now: number): void {
    this.lastRetry = now;
    this.retry(now, () => true);
  }

  private retry(now: number, which: (w: Waiting) => boolean): void {
    const pending = this.waiting;
    this.waiting = [];
    const keep: Waiting[] = [];
    for (const w of pending) {
      if (now - w.created >= TZ_VL2_RECEIVE_QUEUE_TIMEOUT) {
        this.rt.drop('queue_expired');
        continue;
      }
      const peer = which(w) ? this.rt.peer(w.from) : undefined;
      if (!peer) {
        keep.push(w);
        continue;
      }
      if (!this.guard(() => this.dispatch(now, peer, w.verb, w.packet, w.arrival))) keep.push(w);
    }
    // Anything queued while retrying (it cannot be, handlers do not wait) goes after the survivors.
    this.waiting = [...keep, ...this.waiting];
  }
}

function prefixMatches(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const n = Math.min(bits, a.length * 8, b.length * 8);
  const whole = n >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = n & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole] & mask) === (b[whole] & mask);
}

