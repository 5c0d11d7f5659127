/**
 * The periodic peer walk (spec vl1.md 11.7): keep paths to roots, moon seeds and active peers
 * alive, HELLO roots at their stable endpoints until a path exists, and WHOIS every root we do
 * not HELLO this round (the effective root keepalive, answered with OK(WHOIS)).
 */
import { ANY_LOCAL_SOCKET } from '../host.js';
import type { Address } from './address.js';
import { ALWAYS_CONTACT_PING_HEARTBEAT_MULTIPLE, ROOT_PING_HEARTBEAT_MULTIPLE, ZT_PATH_HEARTBEAT_PERIOD } from './constants.js';
import type { Peer } from './peer.js';
import type { Runtime } from './runtime.js';

/** Bits of the "sent something" mask returned by ping (an encoding, not a tunable). */
const SENT_V4 = 1;
const SENT_V6 = 2;

export class Pinger {
  constructor(private readonly rt: Runtime) {}

  run(now: number): void {
    const rt = this.rt;
    const topo = rt.topology;
    const alwaysContact = new Set<Address>(topo.upstreams);
    for (const seed of topo.wantedMoons.values()) if (seed !== 0 && seed !== rt.address) alwaysContact.add(seed);

    const whois: Address[] = [];
    for (const address of alwaysContact) {
      const peer = topo.getPeer(address);
      if (!peer) {
        whois.push(address);
        continue;
      }
      const isRoot = topo.isUpstream(address);
      const scale = isRoot ? (peer.bestPath(now) ? ROOT_PING_HEARTBEAT_MULTIPLE : 0) : ALWAYS_CONTACT_PING_HEARTBEAT_MULTIPLE;
      if (now - peer.lastSentFullHello < ZT_PATH_HEARTBEAT_PERIOD * scale) {
        whois.push(address);
        continue;
      }
      let sent = this.ping(now, peer);
      const endpoints = topo.endpointsOf(address);
      for (const [family, bit] of [[4, SENT_V4], [6, SENT_V6]] as const) {
        if ((sent & bit) !== 0) continue;
        const candidates = endpoints.filter((e) => e.family === family);
        if (candidates.length === 0) continue;
        const pick = candidates.length === 1 ? 0 : rt.host.randomBytes(1)[0] % candidates.length;
        rt.sw.sendHello(now, peer, ANY_LOCAL_SOCKET, candidates[pick]);
        sent |= bit;
      }
      if (sent === 0) rt.sw.sendHelloAnyRoute(now, peer);
    }
    for (const address of whois) rt.sw.requestWhois(now, address);

    for (const peer of topo.peers.values()) {
      if (!alwaysContact.has(peer.address) && peer.isActive(now)) this.ping(now, peer);
    }
  }

  /**
   * doPingAndKeepalive: drops expired paths; on each remaining path of the highest priority sends
   * a full HELLO if one is due (60 s), else an ECHO if the path has been quiet 14 s. Returns which
   * families something went out on.
   */
  ping(now: number, peer: Peer): number {
    const paths = peer.removeExpiredPaths(now);
    if (paths.length === 0) return 0;
    let maxPriority = 0;
    for (const p of paths) if (p.priority > maxPriority) maxPriority = p.priority;
    const fullHello = peer.isFullHelloDue(now);
    let sent = 0;
    for (const p of paths) {
      if (p.priority !== maxPriority) continue;
      const bit = p.address.family === 4 ? SENT_V4 : SENT_V6;
      if (fullHello) {
        this.rt.sw.sendHello(now, peer, p.localSocket, p.address);
        sent |= bit;
      } else if (p.needsHeartbeat(now)) {
        this.rt.sw.attemptToContactAt(now, peer, p.localSocket, p.address);
        sent |= bit;
      }
    }
    return sent;
  }
}
