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
  /** USER_MESSAGEs received, by sender (see --ping-peer). */
  userMessagesReceived: Record<string, number>;
  /** The core's counters, made JSON-safe (bigints as strings, Maps as objects). */
  counters: unknown;
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
    dead: boolean;
    trustedPathId: string;
  }[];
}

export function takeSnapshot(node: CoreNode, sockets: BoundSocket[], userMessages: Map<string, number>, now: number): StatusSnapshot {
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
        dead: path.dead ?? false,
        trustedPathId: String(path.trustedPathId ?? 0),
      })),
    })),
    userMessagesReceived: Object.fromEntries(userMessages),
    counters: jsonSafe(node.counters ?? null, 0),
  };
}

/** A plain JSON value from whatever the core's counters are built of (depth-bounded). */
function jsonSafe(v: unknown, depth: number): unknown {
  if (depth > 6) return null;
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return typeof v === 'function' ? undefined : v;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonSafe(x, depth + 1)]));
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, depth + 1));
  if (ArrayBuffer.isView(v)) return undefined;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x, depth + 1)]));
}
