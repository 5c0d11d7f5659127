/** GET /status (service-api.md §4.1, §5.1) and GET /health (§4.2, no token needed). */
import type { ApiContext, ApiModule } from './api-context.js';
import { sendJson } from './json-reply.js';

/** `1.14.1` → [1, 14, 1]. */
export function versionParts(version: string): [number, number, number] {
  const [a, b, c] = version.split('.').map((x) => Number.parseInt(x, 10));
  return [a ?? 0, b ?? 0, c ?? 0].map((n) => (Number.isFinite(n) ? n : 0)) as [number, number, number];
}

function versionFields(version: string): Record<string, unknown> {
  const [versionMajor, versionMinor, versionRev] = versionParts(version);
  return { version, versionBuild: 0, versionMajor, versionMinor, versionRev };
}

export function statusJson(ctx: ApiContext): Record<string, unknown> {
  const now = ctx.clock();
  const s = ctx.node.status(now);
  return {
    address: s.address,
    clock: now,
    config: ctx.statusConfig(),
    online: s.online,
    planetWorldId: Number(s.planetWorldId),
    planetWorldTimestamp: Number(s.planetWorldTimestamp),
    publicIdentity: s.publicIdentity,
    tcpFallbackActive: ctx.tcpFallbackActive?.() ?? false,
    ...versionFields(s.version),
  };
}

export function healthJson(ctx: ApiContext): Record<string, unknown> {
  const now = ctx.clock();
  const s = ctx.node.status(now);
  return { clock: now, online: s.online, ...versionFields(s.version) };
}

export const statusApi: ApiModule = (app, ctx) => {
  app.get('/status', async (_req, reply) => sendJson(reply, statusJson(ctx)));
  app.get('/health', async (_req, reply) => sendJson(reply, healthJson(ctx)));
};
