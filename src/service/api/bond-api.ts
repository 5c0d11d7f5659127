/**
 * /bond endpoints (service-api.md §4.6). TierZero has no multipath bonding yet, so these answer
 * exactly as the reference does when bonding is not in use: `show` and `rotate` 400 `{}`,
 * `setmtu` 400 with the reference's plain-text sentence. Paths that do not match the
 * reference's patterns are the usual empty 404.
 */
import type { ApiModule } from './api-context.js';
import { sendJson, sendJsonText } from './json-reply.js';

const PEER = /^[0-9a-fA-F]{10}$/;

export const bondApi: ApiModule = (app) => {
  app.get<{ Params: { addr: string } }>('/bond/show/:addr', async (req, reply) =>
    PEER.test(req.params.addr) ? sendJson(reply, {}, 400) : reply.code(404).send(),
  );
  app.route<{ Params: { addr: string } }>({
    method: ['POST', 'PUT'],
    url: '/bond/rotate/:addr',
    handler: async (req, reply) => (PEER.test(req.params.addr) ? sendJson(reply, {}, 400) : reply.code(404).send()),
  });
  app.route<{ Params: { mtu: string; iface: string; ip: string } }>({
    method: ['POST', 'PUT'],
    url: '/bond/setmtu/:mtu/:iface/:ip',
    handler: async (req, reply) => {
      const { mtu, iface, ip } = req.params;
      if (!/^\d{1,6}$/.test(mtu) || !/^[a-zA-Z0-9_]{1,16}$/.test(iface) || !/^[0-9a-fA-F.:]{1,39}$/.test(ip)) return reply.code(404).send();
      // The reference sends this sentence as application/json although it is not JSON.
      return sendJsonText(reply, "Bonding layer isn't active yet", 400);
    },
  });
};
