/**
 * /network endpoints (service-api.md §4.4): list, show, join (+ local settings), leave.
 * POST and PUT are the same. Only JSON booleans change a setting; a bad or empty body is
 * ignored, as the reference ignores it.
 */
import type { ApiModule } from './api-context.js';
import { lenientJsonBody, parseNwidParam, sendJson } from './json-reply.js';
import { networkJson } from './network-json.js';
import { SETTING_NAMES, type SettingName } from '../networks/network-settings.js';

type Params = { nwid: string };

export function settingChanges(body: unknown): Partial<Record<SettingName, boolean>> {
  const changes: Partial<Record<SettingName, boolean>> = {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return changes;
  for (const name of SETTING_NAMES) {
    const v = (body as Record<string, unknown>)[name];
    if (typeof v === 'boolean') changes[name] = v;
  }
  return changes;
}

export const networkApi: ApiModule = (app, ctx) => {
  const ports = ctx.networks;

  app.get('/network', async (_req, reply) => sendJson(reply, ports.views().map(networkJson)));

  app.get<{ Params: Params }>('/network/:nwid', async (req, reply) => {
    const nwid = parseNwidParam(req.params.nwid);
    if (nwid === undefined) return reply.code(404).send();
    if (!ports.isJoined(nwid)) return sendJson(reply, {}, 404);
    return sendJson(reply, networkJson(ports.view(nwid)));
  });

  app.route<{ Params: Params }>({
    method: ['POST', 'PUT'],
    url: '/network/:nwid',
    handler: async (req, reply) => {
      const nwid = parseNwidParam(req.params.nwid);
      if (nwid === undefined) return reply.code(404).send();
      ports.join(nwid);
      await ports.updateSettings(nwid, settingChanges(lenientJsonBody(req.body)));
      return sendJson(reply, networkJson(ports.view(nwid)));
    },
  });

  app.delete<{ Params: Params }>('/network/:nwid', async (req, reply) => {
    const nwid = parseNwidParam(req.params.nwid);
    if (nwid === undefined) return reply.code(404).send();
    return sendJson(reply, ports.leave(nwid) ? { result: true } : {});
  });
};
