/** GET /peer and /peer/<addr> (service-api.md §4.5, §5.3), from the core's peer list. */
import { inetAddressToString } from '../../core/vl1/inet-address.js';
import type { CorePeerStatus } from '../core-node.js';
import type { ApiContext, ApiModule } from './api-context.js';
import { sendJson } from './json-reply.js';

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

export function peerJson(p: CorePeerStatus, ctx: ApiContext): Record<string, unknown> {
  const major = num(p.versionMajor, -1);
  const minor = major < 0 ? -1 : num(p.versionMinor, -1);
  const rev = major < 0 ? -1 : num(p.versionRevision, -1);
  const address = p.address;
  return {
    address,
    isBonded: false,
    latency: p.latency,
    // The reference lists only paths it still considers alive, each as active and not expired.
    paths: p.paths.filter((path) => !path.expired).map((path) => ({
      active: true,
      address: inetAddressToString(path.address),
      expired: false,
      lastReceive: path.lastReceive,
      lastSend: path.lastSend,
      localPort: ctx.localPortOf(path.localSocket),
      localSocket: path.localSocket,
      preferred: path.preferred,
      trustedPathId: Number(path.trustedPathId ?? 0),
    })),
    role: p.role,
    tunneled: false,
    version: `${major}.${minor}.${rev}`,
    versionMajor: major,
    versionMinor: minor,
    versionRev: rev,
  };
}

export const peerApi: ApiModule = (app, ctx) => {
  app.get('/peer', async (_req, reply) => sendJson(reply, ctx.node.peers(ctx.clock()).map((p) => peerJson(p, ctx))));
  app.get<{ Params: { addr: string } }>('/peer/:addr', async (req, reply) => {
    const addr = req.params.addr;
    if (!/^[0-9a-fA-F]{10}$/.test(addr)) return reply.code(404).send();
    const p = ctx.node.peers(ctx.clock()).find((x) => x.address === addr.toLowerCase());
    return sendJson(reply, p ? peerJson(p, ctx) : {});
  });
};
