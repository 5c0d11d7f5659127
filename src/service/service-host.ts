/**
 * The Host the core talks to inside the service: datagrams go to the bound sockets, state to
 * the home directory, events to the log, and local.conf's blacklists veto paths.
 *
 * Host methods are sinks (the core forbids re-entry): nothing here calls the Node. Events that
 * need action from the service (an identity collision) are handed to `onFatal`, which runs the
 * stop outside the core's call stack.
 */
import { randomBytes } from 'node:crypto';
import type { Host, LocalSocket, NodeEvent, StateObjectKind } from '../core/host.js';
import type { Address } from '../core/vl1/address.js';
import { addressToString } from '../core/vl1/address.js';
import type { InetAddress } from '../core/vl1/inet-address.js';
import { inetAddressToString } from '../core/vl1/inet-address.js';
import { describeError } from './fatal-error.js';
import { type Cidr, cidrContains } from './ip-text.js';
import type { LocalConf } from './local-conf.js';
import type { ServiceLogger } from './logger.js';
import type { StateStore } from './state-store.js';
import type { UdpSockets } from './udp-sockets.js';

export interface PathPolicy {
  /** Physical networks never used at all. */
  blacklist: Cidr[];
  /** Per peer: networks never used toward that peer. */
  perPeer: Map<Address, Cidr[]>;
}

export function pathPolicyOf(conf: LocalConf): PathPolicy {
  return {
    blacklist: conf.physical.filter((p) => p.blacklist).map((p) => p.network),
    perPeer: new Map(conf.virtual.filter((v) => v.blacklist.length > 0).map((v) => [v.address, v.blacklist])),
  };
}

export interface ServiceHostDeps {
  udp: UdpSockets;
  store: StateStore;
  log: ServiceLogger;
  policy: PathPolicy;
  /** Called (on a later tick) when the node cannot go on, e.g. after an identity collision. */
  onFatal(message: string, e: NodeEvent): void;
  /** Called when the node's online state changes. */
  onOnlineChange?(online: boolean): void;
}

export class ServiceHost implements Host {
  policy: PathPolicy;
  datagramsSent = 0;
  stateWriteErrors = 0;
  /** USER_MESSAGEs received, by sender address (shown in the status snapshot). */
  readonly userMessagesFrom = new Map<string, number>();

  constructor(private readonly deps: ServiceHostDeps) {
    this.policy = deps.policy;
  }

  sendDatagram(localSocket: LocalSocket, to: InetAddress, data: Uint8Array, ttl?: number): void {
    if (this.deps.udp.send(localSocket, to, data, ttl)) this.datagramsSent++;
  }

  putState(kind: StateObjectKind, id: string, data: Uint8Array | undefined): void {
    try {
      this.deps.store.put(kind, id, data);
      this.deps.log.debug({ kind, id, bytes: data?.length ?? 0 }, data ? 'state written' : 'state deleted');
    } catch (e) {
      this.stateWriteErrors++;
      this.deps.log.error({ kind, id }, `cannot store ${kind} ${id}: ${describeError(e)}`);
    }
  }

  event(e: NodeEvent): void {
    const log = this.deps.log;
    switch (e.type) {
      case 'up':
        log.debug('node up');
        break;
      case 'online':
        log.info('online: a root answered');
        this.deps.onOnlineChange?.(true);
        break;
      case 'offline':
        log.warn('offline: no root has answered for a while');
        this.deps.onOnlineChange?.(false);
        break;
      case 'world-updated':
        log.info({ world: e.id.toString(16).padStart(16, '0'), timestamp: e.timestamp.toString() }, `${e.worldType} updated`);
        break;
      case 'user-message': {
        const from = addressToString(e.from);
        if (this.userMessagesFrom.has(from) || this.userMessagesFrom.size < 1024) {
          this.userMessagesFrom.set(from, (this.userMessagesFrom.get(from) ?? 0) + 1);
        }
        log.debug({ from: addressToString(e.from), typeId: e.typeId.toString(), bytes: e.data.length }, 'user message');
        break;
      }
      case 'trace':
        log.trace(e.detail ?? {}, e.message);
        break;
      case 'fatal-identity-collision': {
        const message = `identity collision: root ${addressToString(e.root)} reports another node with this address; move identity.secret away and restart to get a new identity`;
        log.fatal(message);
        queueMicrotask(() => this.deps.onFatal(message, e));
        break;
      }
    }
  }

  randomBytes(n: number): Uint8Array {
    return randomBytes(n);
  }

  shouldUsePath(peer: Address, _localSocket: LocalSocket, remote: InetAddress): boolean {
    const { blacklist, perPeer } = this.policy;
    for (const net of blacklist) if (cidrContains(net, remote.family, remote.ip)) return this.veto(peer, remote);
    const own = perPeer.get(peer);
    if (own) for (const net of own) if (cidrContains(net, remote.family, remote.ip)) return this.veto(peer, remote);
    return true;
  }

  private veto(peer: Address, remote: InetAddress): boolean {
    this.deps.log.trace(`path ${inetAddressToString(remote)} to ${addressToString(peer)} blacklisted by local.conf`);
    return false;
  }
}
