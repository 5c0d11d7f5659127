/**
 * GET /config and POST/PUT /config/settings (service-api.md §4.3): the loaded local.conf, and a
 * shallow replace of `settings.<key>` for each key of the body. The result is validated as a
 * whole local.conf before anything is written (400 naming the field, where the reference writes
 * whatever it gets), then written (4-space indentation, sorted keys, as the reference writes it)
 * and applied at once rather than at the next 10-second check. Ports and `bind` still need a
 * restart, as in the reference.
 */
import type { ApiModule } from './api-context.js';
import { jsonObjectBody, sendJson } from './json-reply.js';

export const configApi: ApiModule = (app, ctx) => {
  const conf = ctx.localConf;
  if (!conf) return;
  app.get('/config', async (_req, reply) => sendJson(reply, conf.raw()));
  app.route({
    method: ['POST', 'PUT'],
    url: '/config/settings',
    handler: async (req, reply) => {
      await conf.updateSettings(jsonObjectBody(req.body));
      return sendJson(reply, {});
    },
  });
};
