/**
 * What the VL2 modules share (one per Vl2): the VL1 node they send through, the host, the
 * joined networks, the multicast table, the local controller, randomness and the send helpers.
 * Built by Vl2; modules receive it instead of reaching for each other directly.
 *
 * Time: every input carries `now`; `lastNow` remembers the latest so that work started later
 * by a local controller's deferred reply is stamped sensibly.
 */
import type { DropReason } from '../errors.js';
import type { Node } from '../node.js';
import type { Address } from '../vl1/address.js';
import { writeU64 } from '../vl1/bytes.js';
import { ZT_PACKET_IDX_PAYLOAD } from '../vl1/constants.js';
import type { Identity } from '../vl1/identity.js';
import { maxPacketLengthForMtu } from '../vl1/fragment.js';
import { VERB } from '../vl1/packet.js';
import type { Peer } from '../vl1/peer.js';
import type { Runtime } from '../vl1/runtime.js';
import { encodeError, encodeInRe } from '../vl1/verbs.js';
import { ConfiguredMembers } from './configured-members.js';
import { Multicaster } from './multicaster.js';
import type { Network } from './network.js';
import type { NetworkId } from './network-id.js';
import type { LocalNetworkController, Vl2Host } from './vl2-host.js';

export interface Vl2Options {
  /** `<os>/<arch>` for the config request metadata `o` (default `linux/x86_64`). */
  platform?: string;
}

/** Bytes of random data fetched from the host at a time. */
const RANDOM_POOL_BYTES = 256;

export class Vl2Runtime {
  readonly networks = new Map<NetworkId, Network>();
  readonly multicaster = new Multicaster();
  /** As a controller: whom we configured recently (LIKE/GATHER without a COM, revocation targets). */
  readonly configuredMembers = new ConfiguredMembers();
  readonly platform: string;
  controller: LocalNetworkController | undefined;
  lastNow = 0;
  private pool: Uint8Array = new Uint8Array(0);
  private poolAt = 0;
  /** Largest payload node.sendPacket accepts. */
  readonly maxPayload: number;

  constructor(
    readonly node: Node,
    readonly host: Vl2Host,
    options: Vl2Options,
  ) {
    this.platform = options.platform ?? 'linux/x86_64';
    this.maxPayload = maxPacketLengthForMtu(node.runtime.physicalMtu) - ZT_PACKET_IDX_PAYLOAD;
  }

  get vl1(): Runtime {
    return this.node.runtime;
  }

  get address(): Address {
    return this.node.address;
  }

  get identity(): Identity {
    return this.node.identity;
  }

  drop(reason: DropReason): void {
    this.node.counters.drop(reason);
  }

  /** Identities for verifying signatures: ourselves and every peer we know. */
  readonly signer = (address: Address): Identity | undefined => {
    if (address === this.node.address) return this.node.identity;
    return this.node.runtime.topology.getPeer(address)?.identity;
  };

  peer(address: Address): Peer | undefined {
    return this.node.runtime.topology.getPeer(address);
  }

  /** Asks a root who `address` is (rate-limited by VL1). */
  whois(now: number, address: Address): void {
    this.node.runtime.sw.requestWhois(now, address);
  }

  send(now: number, dest: Address, verb: number, payload: Uint8Array, compress = false): boolean {
    if (this.node.sendPacket(now, dest, verb, payload, compress)) return true;
    if (dest !== this.address) this.drop('unsendable');
    return false;
  }

  sendOk(now: number, dest: Address, inReVerb: number, inRePacketId: Uint8Array, body: Uint8Array, compress = false): boolean {
    return this.send(now, dest, VERB.OK, encodeInRe(inReVerb, inRePacketId, body), compress);
  }

  sendError(now: number, dest: Address, inReVerb: number, inRePacketId: Uint8Array, code: number, data: Uint8Array): boolean {
    return this.send(now, dest, VERB.ERROR, encodeError(inReVerb, inRePacketId, code, data));
  }

  /** `u64 nwid`, the payload of many errors and acknowledgements. */
  static nwidBytes(nwid: NetworkId): Uint8Array {
    const b = new Uint8Array(8);
    writeU64(b, 0, nwid);
    return b;
  }

  notify(network: Network): void {
    this.host.networkChanged(network.id, network.state());
  }

  // ---- Randomness (from the host, so simulations stay deterministic) --------------------------

  private randomBytes(n: number): Uint8Array {
    if (this.poolAt + n > this.pool.length) {
      this.pool = this.node.runtime.host.randomBytes(Math.max(RANDOM_POOL_BYTES, n));
      this.poolAt = 0;
    }
    const v = this.pool.subarray(this.poolAt, this.poolAt + n);
    this.poolAt += n;
    return v;
  }

  readonly randomU32 = (): number => {
    const b = this.randomBytes(4);
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  };

  /** A random non-zero u64 (config update IDs). */
  randomU64NonZero(): bigint {
    for (;;) {
      const v = (BigInt(this.randomU32()) << 32n) | BigInt(this.randomU32());
      if (v !== 0n) return v;
    }
  }

  /** Fisher-Yates in place. */
  shuffle<T>(list: T[]): T[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = this.randomU32() % (i + 1);
      const t = list[i];
      list[i] = list[j];
      list[j] = t;
    }
    return list;
  }
}
