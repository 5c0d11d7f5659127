/**
 * A bench for single-node VL2 engine tests with the identities of vl2-packets.json (A the
 * controller of 8c0dc01ba4000001, B and C members): a core Node + Vl2 that knows the other
 * identities (peer cache, direct paths), a recording Vl2Host, a spy on everything the Vl2 sends
 * (destination, verb, payload before armor), and helpers that deliver packets exactly as a given
 * identity would send them.
 */
import { Node } from '../../src/core/node.js';
import type { Address } from '../../src/core/vl1/address.js';
import { hexToBytes, readU40 } from '../../src/core/vl1/bytes.js';
import { Identity } from '../../src/core/vl1/identity.js';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import { packetIdBytes, VERB } from '../../src/core/vl1/packet.js';
import { encodeInRe } from '../../src/core/vl1/verbs.js';
import { encodeConfigChunks } from '../../src/core/vl2/config-chunks.js';
import type { MAC } from '../../src/core/vl2/mac.js';
import { networkConfigToDictionary, parseNetworkConfig, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import { Vl2, type NetworkState, type Vl2Host } from '../../src/core/vl2/vl2.js';
import { craft, knownPeerBlob, NOW, open, RecordingHost, testPlanet } from '../vl1/engine-harness.js';
import { loadVectors } from '../helpers/vectors.js';

export { NOW };

export const packets = loadVectors('vl2-packets.json');

function identity(text: string): Identity {
  const r = Identity.fromString(text);
  if (!r.ok) throw r.error;
  return r.value;
}

export const A = identity(packets.identities.A_controller.secret);
export const B = identity(packets.identities.B_member.secret);
export const C = identity(packets.identities.C_member.secret);
export const NWID: bigint = BigInt('0x' + packets.nwid);

export function hex(h: string): Uint8Array {
  return hexToBytes(h);
}

const ADDRESSES = new Map<Address, InetAddress>([
  [A.address, { family: 4, ip: Uint8Array.of(60, 0, 10, 2), port: 9993 }],
  [B.address, { family: 4, ip: Uint8Array.of(60, 0, 11, 2), port: 9993 }],
  [C.address, { family: 4, ip: Uint8Array.of(60, 0, 12, 2), port: 9993 }],
]);

export function addressOf(id: Identity): InetAddress {
  return ADDRESSES.get(id.address)!;
}

export interface Delivered {
  nwid: bigint;
  srcMac: MAC;
  dstMac: MAC;
  etherType: number;
  payload: Uint8Array;
}

export class RecordingVl2Host implements Vl2Host {
  frames: Delivered[] = [];
  changes: NetworkState[] = [];
  deliverFrame(nwid: bigint, srcMac: MAC, dstMac: MAC, etherType: number, _vlanId: number, payload: Uint8Array): void {
    this.frames.push({ nwid, srcMac, dstMac, etherType, payload: payload.slice() });
  }
  networkChanged(_nwid: bigint, state: NetworkState): void {
    this.changes.push(state);
  }
}

export interface SentPacket {
  dest: Address;
  verb: number;
  payload: Uint8Array;
  compress: boolean;
}

export interface Vl2Bench {
  id: Identity;
  node: Node;
  host: RecordingHost;
  vhost: RecordingVl2Host;
  vl2: Vl2;
  /** Everything the node was asked to send (VL1 and VL2), in order. */
  sent: SentPacket[];
  /** Sent packets of one verb (optionally to one destination), then forgotten. */
  take(verb: number, dest?: Address): SentPacket[];
  /** Delivers a packet from `from` (armored with their key) to this node. */
  receive(from: Identity, verb: number, payload: Uint8Array, now?: number): Uint8Array;
  /** The wire packet ID of the last datagram of `verb` sent to `to` (what an OK must quote). */
  lastWireId(to: Identity, verb: number): Uint8Array;
}

export function makeBench(id: Identity, others: Identity[], now = NOW): Vl2Bench {
  const host = new RecordingHost(id.address % 1000);
  const peerCache = others.map((o) => knownPeerBlob(id, o, 12));
  const node = new Node(host, { identity: id, planet: testPlanet(), peerCache }, now);
  // A live direct path to each, as if we had just heard from it.
  for (const o of others) node.runtime.topology.getPeer(o.address)!.addPath(now, 0, addressOf(o)).received(now);
  const vhost = new RecordingVl2Host();
  const vl2 = new Vl2(node, vhost, { platform: 'linux/x86_64' });
  const sent: SentPacket[] = [];
  const original = node.sendPacket.bind(node);
  node.sendPacket = (t: number, dest: Address, verb: number, payload: Uint8Array, compress = false): boolean => {
    sent.push({ dest, verb, payload: payload.slice(), compress });
    return original(t, dest, verb, payload, compress);
  };
  const bench: Vl2Bench = {
    id,
    node,
    host,
    vhost,
    vl2,
    sent,
    take(verb, dest) {
      const out: SentPacket[] = [];
      for (let i = 0; i < sent.length; ) {
        if (sent[i].verb === verb && (dest === undefined || sent[i].dest === dest)) out.push(...sent.splice(i, 1));
        else i++;
      }
      return out;
    },
    receive(from, verb, payload, t = now) {
      const packet = craft(from, id, verb, payload);
      const wireId = packet.slice(0, 8);
      node.processWirePacket(t, 0, addressOf(from), packet);
      return wireId;
    },
    lastWireId(to, verb) {
      const target = addressOf(to);
      for (let i = host.sent.length - 1; i >= 0; i--) {
        const s = host.sent[i];
        if (s.to.port !== target.port || s.to.ip.join('.') !== target.ip.join('.')) continue;
        const plain = open(to, id, s.data);
        if (plain && (plain[27] & 0x1f) === verb && readU40(plain, 8) === to.address) return s.data.slice(0, 8);
      }
      throw new Error(`no ${verb} datagram to ${to.address.toString(16)}`);
    },
  };
  return bench;
}

/** The config B gets in the single-chunk vector (revision 42). */
export function vectorConfigOfB(): NetworkConfig {
  const r = parseNetworkConfig(hex(packets.networkConfig_okForm_singleChunk.assembledDictionaryHex));
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * The config the vector's multicast, credential-push and NDP captures ran with (the
 * networkCredentials_push config: revision 45, a single ACCEPT rule; otherwise B's config).
 */
export function scenarioConfigOfB(): NetworkConfig {
  return { ...vectorConfigOfB(), revision: 45, rules: [{ type: 'ACTION_ACCEPT', not: false, or: false }] };
}

/** Configures a bench's node by pushing `nc` as A would (signed NETWORK_CONFIG chunks). */
export function pushConfigAsA(bench: Vl2Bench, nc: NetworkConfig, updateId: bigint, now = NOW): void {
  const dict = networkConfigToDictionary(nc);
  if (!dict) throw new Error('config too large');
  for (const chunk of encodeConfigChunks(dict, nc.networkId, updateId, A)) bench.receive(A, VERB.NETWORK_CONFIG, chunk, now);
}

/** B joined and configured with the vector config through the OK path (the request answered by A). */
export function configuredB(nc: NetworkConfig = scenarioConfigOfB(), others: Identity[] = [A, C]): Vl2Bench {
  const b = makeBench(B, others);
  b.vl2.join(NOW, NWID);
  const requestId = b.lastWireId(A, VERB.NETWORK_CONFIG_REQUEST);
  const dict = networkConfigToDictionary(nc)!;
  for (const chunk of encodeConfigChunks(dict, NWID, 0x1234n, A)) b.receive(A, VERB.OK, encodeInRe(VERB.NETWORK_CONFIG_REQUEST, requestId, chunk));
  if (b.vl2.network(NWID)?.status !== 'OK') throw new Error('B did not accept its config');
  b.sent.length = 0;
  return b;
}

export { packetIdBytes };
