/**
 * /network endpoints (service-api.md §4.4): list, show, join (+ local settings), leave.
 * POST and PUT are the same. An empty body is `{}`. Unlike the reference (which silently
 * ignores them), a body that is not a JSON object, or one of the four settings given as
 * anything but a JSON boolean, is refused with 400 naming the field, and nothing is joined.
 * Other keys are ignored, so a UI may post back the network object it read.
 */
import type { ApiModule } from './api-context.js';
import { BadRequest, describeJsonValue, jsonObjectBody, parseNwidParam, sendJson } from './json-reply.js';
import { networkJson } from './network-json.js';
import { SETTING_NAMES, type SettingName } from '../networks/network-settings.js';

type Params = { nwid: string };

/** The settings a body changes; throws BadRequest for a setting that is not a boolean. */
export function settingChanges(body: Record<string, unknown>): Partial<Record<SettingName, boolean>> {
  const changes: Partial<Record<SettingName, boolean>> = {};
  for (const name of SETTING_NAMES) {
    const v = body[name];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new BadRequest(name, `${name} must be true or false, not ${describeJsonValue(v)}`);
    changes[name] = v;
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
      const changes = settingChanges(jsonObjectBody(req.body));
      ports.join(nwid);
      await ports.updateSettings(nwid, changes);
      return sendJson(reply, networkJson(ports.view(nwid)));
    },
  });

  app.delete<{ Params: Params }>('/network/:nwid', async (req, reply) => {
    const nwid = parseNwidParam(req.params.nwid);
    if (nwid === undefined) return reply.code(404).send();
    return sendJson(reply, ports.leave(nwid) ? { result: true } : {});
  });
};
