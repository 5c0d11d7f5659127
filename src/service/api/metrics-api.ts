/**
 * GET /metrics (service-api.md §11): Prometheus text. Access (metrics token or auth token, from
 * any client address) is decided before routing in local-api.ts.
 */
import type { ApiModule } from './api-context.js';

export const metricsApi: ApiModule = (app, ctx) => {
  const metrics = ctx.metrics;
  if (!metrics) return;
  app.get('/metrics', async (_req, reply) => {
    const { contentType, text } = await metrics.render();
    return reply.code(200).header('content-type', contentType).send(text);
  });
};
