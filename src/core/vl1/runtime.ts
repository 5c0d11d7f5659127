/**
 * Everything one node's VL1 engine shares: the host, our identity, the topology, counters, the
 * rate gates and the two workers (the switch sends and routes, incoming handles verbs). Built
 * once by Node; modules receive it instead of reaching for globals.
 */
import type { Host, LocalSocket, NodeEvent } from '../host.js';
import type { Address } from './address.js';
import type { Identity } from './identity.js';
import { type InetAddress, IpScope, isAddressValidForPath } from './inet-address.js';
import { NodeCounters } from './counters.js';
import { ExpectedReplies } from './expected-replies.js';
import { Incoming } from './incoming.js';
import { NEVER } from './path.js';
import { Peer } from './peer.js';
import { PeerKey } from './peer-key.js';
import { IdentityVerificationGate, IntervalGate, KeyedIntervalGate } from './rate-gates.js';
import { ReplayFilter } from './replay-filter.js';
import { SelfAwareness } from './self-awareness.js';
import { Switch } from './switch.js';
import { Topology } from './topology.js';
import { TrustedPaths } from './trusted-paths.js';
import type { Vl2Handler } from './vl2-hook.js';
import {
  BEACON_REPLY_INTERVAL,
  ZT_ECHO_RATE_LIMIT,
  ZT_MIN_UNITE_INTERVAL,
  ZT_PATH_CONFIRM_HELLO_RATE_LIMIT,
  ZT_WHOIS_RETRY_DELAY,
} from './constants.js';

export interface LocalAddress {
  localSocket: LocalSocket;
  address: InetAddress;
}

export class Runtime {
  readonly address: Address;
  readonly counters = new NodeCounters();
  readonly expectedReplies = new ExpectedReplies();
  readonly replayFilter = new ReplayFilter();
  readonly selfAwareness = new SelfAwareness();
  readonly topology: Topology;
  readonly sw: Switch;
  readonly incoming: Incoming;
  readonly gates = {
    identityVerification: new IdentityVerificationGate(),
    /** WHOIS sent, per address. */
    whoisSend: new KeyedIntervalGate<Address>(ZT_WHOIS_RETRY_DELAY),
    /** RENDEZVOUS sent by us as a relay, per unordered address pair. */
    unite: new KeyedIntervalGate<string>(ZT_MIN_UNITE_INTERVAL),
    /** Path-confirming HELLO, per (peer, path). */
    pathConfirm: new KeyedIntervalGate<string>(ZT_PATH_CONFIRM_HELLO_RATE_LIMIT),
    /** OK(ECHO) replies, per arrival path. */
    echoReply: new KeyedIntervalGate<string>(ZT_ECHO_RATE_LIMIT),
    /** Legacy LAN beacon replies (spec 11.9). */
    beaconReply: new IntervalGate(BEACON_REPLY_INTERVAL),
  };
  localAddresses: LocalAddress[] = [];
  vl2: Vl2Handler | undefined;

  constructor(
    readonly host: Host,
    readonly identity: Identity,
    readonly trustedPaths: TrustedPaths,
    readonly physicalMtu: number,
  ) {
    this.address = identity.address;
    this.topology = new Topology(identity, (id, key) => new Peer(id, key ?? new PeerKey(identity.agree(id))));
    this.sw = new Switch(this);
    this.incoming = new Incoming(this);
  }

  /**
   * May this remote address carry traffic for `peer` (spec 11.2)? Usable scope, not a root's
   * prohibited endpoint, not inside a joined network's managed range, not vetoed by the host.
   */
  isPathUsable(peer: Address, localSocket: LocalSocket, address: InetAddress): boolean {
    if (!isAddressValidForPath(address)) return false;
    if (this.topology.isProhibitedEndpoint(peer, address)) return false;
    if (this.vl2?.isManagedAddress?.(address)) return false;
    return this.host.shouldUsePath ? this.host.shouldUsePath(peer, localSocket, address) : true;
  }

  event(e: NodeEvent): void {
    this.host.event(e);
  }

  /**
   * A root says our IP changed in `scope` (spec 11.8): re-probe every path in that scope and family
   * and stop trusting them until something comes back.
   */
  resetPathsWithinScope(now: number, scope: IpScope, family: 4 | 6): void {
    for (const peer of this.topology.peers.values()) {
      for (const p of peer.paths) {
        if (p.scope !== scope || p.address.family !== family) continue;
        this.sw.attemptToContactAt(now, peer, p.localSocket, p.address);
        p.lastReceive = NEVER;
      }
    }
  }
}
