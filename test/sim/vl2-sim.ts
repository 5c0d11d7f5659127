/**
 * VL2 in the simulator: a SimNode whose core also runs a Vl2 (ticked beside the Node), a
 * recording Vl2Host that behaves like the service (it subscribes to the address-resolution
 * groups of the IPs a config assigns), and a tiny LocalNetworkController that issues real signed
 * configs (COM, COO, optional tags and capabilities) for one network.
 */
import type { NodeOptions } from '../../src/core/node.js';
import type { Address } from '../../src/core/vl1/address.js';
import type { Identity } from '../../src/core/vl1/identity.js';
import { ZT_REVOCATION_FLAG_FAST_PROPAGATE } from '../../src/core/vl2/constants.js';
import { createCapability, signCapability } from '../../src/core/vl2/credentials/capability.js';
import { createCom, signCom } from '../../src/core/vl2/credentials/com.js';
import { addCooIp, createCoo, signCoo } from '../../src/core/vl2/credentials/coo.js';
import { CREDENTIAL_TYPE } from '../../src/core/vl2/credentials/credential.js';
import { createRevocation, signRevocation, type Revocation } from '../../src/core/vl2/credentials/revocation.js';
import { createTag, signTag } from '../../src/core/vl2/credentials/tag.js';
import type { Dictionary } from '../../src/core/vl2/dictionary.js';
import { rfc4193Address, sixPlaneAddress } from '../../src/core/vl2/ipv6.js';
import { NetworkMacSpace, type MAC } from '../../src/core/vl2/mac.js';
import { addressResolutionGroup, compareMulticastGroups, type MulticastGroup } from '../../src/core/vl2/multicast-group.js';
import { emptyNetworkConfig, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import type { Rule } from '../../src/core/vl2/rules-codec.js';
import { Vl2, type ConfigReply, type LocalNetworkController, type NetworkState, type Vl2Host } from '../../src/core/vl2/vl2.js';
import type { Fabric, Nat, SimAddress } from './fabric.js';
import type { SimNet } from './sim-net.js';
import { SimNode } from './sim-node.js';

export interface DeliveredFrame {
  at: number;
  nwid: bigint;
  srcMac: MAC;
  dstMac: MAC;
  etherType: number;
  payload: Uint8Array;
}

/** Records what the core tells it; subscribes like the service does, from its own timer. */
export class FakeVl2Host implements Vl2Host {
  frames: DeliveredFrame[] = [];
  states = new Map<bigint, NetworkState>();
  changes = 0;
  /** Work the host does later (never inside a callback from the core). */
  private pending: ((vl2: Vl2, now: number) => void)[] = [];

  constructor(private readonly clock: () => number) {}

  deliverFrame(nwid: bigint, srcMac: MAC, dstMac: MAC, etherType: number, _vlanId: number, payload: Uint8Array): void {
    this.frames.push({ at: this.clock(), nwid, srcMac, dstMac, etherType, payload: payload.slice() });
  }

  networkChanged(nwid: bigint, state: NetworkState): void {
    this.states.set(nwid, state);
    this.changes++;
    const wanted: MulticastGroup[] = [];
    for (const ip of state.config?.staticIps ?? []) {
      const g = ip ? addressResolutionGroup(ip.ip) : undefined;
      if (g) wanted.push(g);
    }
    const missing = wanted.filter((g) => !state.multicastSubscriptions.some((s) => compareMulticastGroups(s, g) === 0));
    if (missing.length > 0) this.pending.push((vl2, now) => missing.forEach((g) => vl2.multicastSubscribe(now, nwid, g)));
  }

  runPending(vl2: Vl2, now: number): void {
    const p = this.pending;
    this.pending = [];
    for (const f of p) f(vl2, now);
  }

  framesFrom(mac: MAC, etherType?: number): DeliveredFrame[] {
    return this.frames.filter((f) => f.srcMac === mac && (etherType === undefined || f.etherType === etherType));
  }
}

export class Vl2SimNode extends SimNode {
  vl2!: Vl2;
  vhost!: FakeVl2Host;

  constructor(fabric: Fabric, name: string, address: SimAddress, identity: Identity, options: Omit<NodeOptions, 'identity'>, nat?: Nat) {
    super(fabric, name, address, identity, options, nat);
    this.attachVl2();
  }

  private attachVl2(): void {
    this.vhost = new FakeVl2Host(() => this.fabric.now);
    this.vl2 = new Vl2(this.node, this.vhost, { platform: 'linux/x86_64' });
  }

  override tick(now: number): number {
    if (!this.ticking) return now + 1000;
    this.vhost.runPending(this.vl2, now);
    return Math.min(this.node.processBackgroundTasks(now), this.vl2.processBackgroundTasks(now));
  }

  /** A restart loses VL2 state too (networks must be joined again). */
  override restart(withPeerCache = false): void {
    super.restart(withPeerCache);
    this.attachVl2();
  }

  net(nwid: bigint): NetworkState | undefined {
    return this.vl2.network(nwid);
  }

  mac(nwid: bigint): MAC {
    return new NetworkMacSpace(nwid).macFromAddress(this.address);
  }

  /** Sends a frame from this node's port as a TAP read would hand it over. */
  sendFrame(nwid: bigint, dstMac: MAC, etherType: number, payload: Uint8Array, srcMac = this.mac(nwid)): void {
    this.vl2.processVirtualFrame(this.fabric.now, nwid, srcMac, dstMac, etherType, 0, payload);
  }
}

let nextAddress = 0;

/** A VL2-capable leaf on the open internet (each in its own /24). */
export function addVl2Node(net: SimNet, name: string, identity: Identity = net.takeIdentity()): Vl2SimNode {
  const i = nextAddress++;
  const n = new Vl2SimNode(net.fabric, name, { ip: `61.${(i >> 8) & 255}.${i & 255}.2`, port: 9993 }, identity, { planet: net.planet });
  net.nodes.push(n);
  return n;
}

/** Roots answer MULTICAST_LIKE / GATHER for every network: give each a Vl2 (no timers needed). */
export function attachRootVl2(net: SimNet): Vl2[] {
  return net.roots.map((r) => new Vl2(r.node, new FakeVl2Host(() => net.now)));
}

// ---- A tiny controller ------------------------------------------------------------------------

export interface TestMember {
  authorized: boolean;
  /** Last octet of 10.147.17.x (0 = no IPv4). */
  ipv4: number;
  activeBridge?: boolean;
  tags?: [number, number][];
  capabilities?: number[];
  /** Requests from this member get no answer (e.g. to let its COM expire). */
  silent?: boolean;
}

export interface TestNetworkOptions {
  private: boolean;
  multicastLimit: number;
  broadcast: boolean;
  /** IPv6 NDP emulation with RFC4193 + 6PLANE addresses. */
  v6: boolean;
  rules: Rule[];
  capabilities: { id: number; rules: Rule[] }[];
  credentialTimeMaxDelta: number;
}

export const ACCEPT: Rule = { type: 'ACTION_ACCEPT', not: false, or: false };
export const DROP: Rule = { type: 'ACTION_DROP', not: false, or: false };

export function ipv4Of(octet: number): Uint8Array {
  return Uint8Array.of(10, 147, 17, octet);
}

export class TestController implements LocalNetworkController {
  readonly members = new Map<Address, TestMember>();
  readonly identities = new Map<Address, Identity>();
  readonly options: TestNetworkOptions;
  revision = 1;
  requests = 0;

  constructor(
    readonly identity: Identity,
    readonly nwid: bigint,
    options: Partial<TestNetworkOptions> = {},
  ) {
    this.options = { private: true, multicastLimit: 32, broadcast: true, v6: false, rules: [ACCEPT], capabilities: [], credentialTimeMaxDelta: 120_000, ...options };
  }

  authorize(id: Identity, member: Partial<TestMember> = {}): void {
    this.identities.set(id.address, id);
    this.members.set(id.address, { authorized: true, ipv4: this.members.size + 10, ...member });
  }

  onConfigRequest(now: number, requester: Identity, nwid: bigint, _metadata: Dictionary, reply: ConfigReply): void {
    this.requests++;
    if (nwid !== this.nwid) return reply.error('OBJ_NOT_FOUND');
    const m = this.members.get(requester.address);
    if (m?.silent) return;
    this.identities.set(requester.address, requester);
    if (!m?.authorized && this.options.private) return reply.error('ACCESS_DENIED');
    reply.config(this.configFor(now, requester));
  }

  configFor(now: number, member: Identity): NetworkConfig {
    const o = this.options;
    const m = this.members.get(member.address) ?? { authorized: true, ipv4: 0 };
    const ts = BigInt(now);
    const nc = emptyNetworkConfig();
    nc.networkId = this.nwid;
    nc.timestamp = now;
    nc.credentialTimeMaxDelta = o.credentialTimeMaxDelta;
    nc.revision = this.revision;
    nc.issuedTo = member.address;
    nc.flags = (o.broadcast ? 0x02n : 0n) | (o.v6 ? 0x04n : 0n);
    nc.multicastLimit = o.multicastLimit;
    nc.type = o.private ? 0 : 1;
    nc.name = 'sim';
    nc.mtu = 2800;
    nc.rules = o.rules;
    nc.routes = [{ target: { family: 4, ip: Uint8Array.of(10, 147, 17, 0), port: 24 }, via: null, flags: 0, metric: 0 }];
    if (o.v6) {
      nc.staticIps.push({ family: 6, ip: rfc4193Address(this.nwid, member.address), port: 88 });
      nc.staticIps.push({ family: 6, ip: sixPlaneAddress(this.nwid, member.address), port: 40 });
    }
    if (m.ipv4) nc.staticIps.push({ family: 4, ip: ipv4Of(m.ipv4), port: 24 });
    for (const [address, other] of this.members) if (other.activeBridge) nc.specialists.push((0x0000020000000000n | BigInt(address)) & 0xffffffffffffffffn);
    nc.credentials.com = signCom(createCom(ts, BigInt(o.credentialTimeMaxDelta), this.nwid, member), this.identity);
    let coo = createCoo(this.nwid, ts, member.address, 1);
    for (const ip of nc.staticIps) if (ip) coo = addCooIp(coo, ip);
    if (coo.things.length > 0) nc.credentials.certificatesOfOwnership = [signCoo(coo, this.identity)];
    nc.credentials.tags = (m.tags ?? []).map(([id, value]) => signTag(createTag(this.nwid, ts, member.address, id, value), this.identity));
    nc.credentials.capabilities = (m.capabilities ?? []).flatMap((id) => {
      const c = o.capabilities.find((x) => x.id === id);
      const signed = c ? signCapability(createCapability(id, this.nwid, ts, 1, c.rules), this.identity, member.address) : undefined;
      return signed ? [signed] : [];
    });
    return nc;
  }

  /** The controller's revocation of a member's COM (spec §14.7). */
  revocation(now: number, member: Address, id = 1): Revocation {
    return signRevocation(
      createRevocation({ id, networkId: this.nwid, credentialId: 0, threshold: BigInt(now), flags: ZT_REVOCATION_FLAG_FAST_PROPAGATE, target: member, type: CREDENTIAL_TYPE.COM }),
      this.identity,
    );
  }
}

/** A frame payload that says who sent it and what it is (for assertions). */
export function tagged(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function untag(frame: { payload: Uint8Array }): string {
  return new TextDecoder().decode(frame.payload);
}

/** An Ethernet/IPv4 ARP request from (mac, ip) for `target`. */
export function arpRequest(senderMac: MAC, senderIp: Uint8Array, target: Uint8Array): Uint8Array {
  const f = new Uint8Array(28);
  f.set([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
  let v = senderMac;
  for (let i = 5; i >= 0; i--) {
    f[8 + i] = v % 256;
    v = Math.floor(v / 256);
  }
  f.set(senderIp, 14);
  f.set(target, 24);
  return f;
}
