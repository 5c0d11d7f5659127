/**
 * A read-only JSON snapshot of the running node — status, peers with their paths, bound
 * sockets — written atomically to the file given with `--status-file` (every second, and at
 * stop). It is a debugging and test aid until the local HTTP API exists; its field names follow
 * ZeroTier's /status and /peer JSON where those exist.
 */
import { addressToString } from '../core/vl1/address.js';
import { inetAddressToString } from '../core/vl1/inet-address.js';
import type { CoreNode } from './core-node.js';
import type { BoundSocket } from './udp-sockets.js';

export interface StatusSnapshot {
  address: string;
  publicIdentity: string;
  online: boolean;
  isRoot: boolean;
  planetWorldId: string;
  planetWorldTimestamp: string;
  version: string;
  clock: number;
  listeningOn: string[];
  moons: { id: string; timestamp: string; roots: string[] }[];
  peers: SnapshotPeer[];
}

export interface SnapshotPeer {
  address: string;
  role: string;
  latency: number;
  paths: {
    address: string;
    localSocket: number;
    lastSend: number;
    lastReceive: number;
    active: boolean;
    expired: boolean;
    preferred: boolean;
    trustedPathId: string;
  }[];
}

export function takeSnapshot(node: CoreNode, sockets: BoundSocket[], now: number): StatusSnapshot {
  const s = node.status(now);
  return {
    address: s.address,
    publicIdentity: s.publicIdentity,
    online: s.online,
    isRoot: s.isRoot,
    planetWorldId: s.planetWorldId.toString(),
    planetWorldTimestamp: s.planetWorldTimestamp.toString(),
    version: s.version,
    clock: now,
    listeningOn: sockets.map((b) => inetAddressToString(b.address)),
    moons: node.moons().map((m) => ({
      id: m.id.toString(16).padStart(16, '0'),
      timestamp: m.timestamp.toString(),
      roots: m.roots.map((r) => addressToString(r.identity.address)),
    })),
    peers: node.peers(now).map((p) => ({
      address: typeof p.address === 'number' ? addressToString(p.address) : p.address,
      role: p.role,
      latency: p.latency,
      paths: p.paths.map((path) => ({
        address: inetAddressToString(path.address),
        localSocket: path.localSocket,
        lastSend: path.lastSend,
        lastReceive: path.lastReceive,
        active: path.active,
        expired: path.expired,
        preferred: path.preferred,
        trustedPathId: String(path.trustedPathId ?? 0),
      })),
    })),
  };
}
