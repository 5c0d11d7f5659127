/** GET /status (service-api.md §4.1, §5.1). */
import type { ApiModule } from './api-context.js';
import { sendJson } from './json-reply.js';

/** `1.14.1` → [1, 14, 1]. */
export function versionParts(version: string): [number, number, number] {
  const [a, b, c] = version.split('.').map((x) => Number.parseInt(x, 10));
  return [a ?? 0, b ?? 0, c ?? 0].map((n) => (Number.isFinite(n) ? n : 0)) as [number, number, number];
}

export const statusApi: ApiModule = (app, ctx) => {
  app.get('/status', async (_req, reply) => {
    const now = ctx.clock();
    const s = ctx.node.status(now);
    const [versionMajor, versionMinor, versionRev] = versionParts(s.version);
    return sendJson(reply, {
      address: s.address,
      clock: now,
      config: ctx.statusConfig(),
      online: s.online,
      planetWorldId: Number(s.planetWorldId),
      planetWorldTimestamp: Number(s.planetWorldTimestamp),
      publicIdentity: s.publicIdentity,
      tcpFallbackActive: false,
      version: s.version,
      versionBuild: 0,
      versionMajor,
      versionMinor,
      versionRev,
    });
  });
};
