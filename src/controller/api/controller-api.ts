/**
 * The controller's HTTP JSON API as a fastify plugin, matching ZeroTier One 1.14's embedded
 * controller (controller.md §2) so ztncui- and ZTNET-style UIs work unchanged:
 *
 *   GET    /controller
 *   GET    /controller/network                      POST/PUT (random id)
 *   GET    /controller/network/<nwid>               POST/PUT (upsert; <addr>______ creates)   DELETE
 *   GET    /controller/network/<nwid>/member
 *   GET    /controller/network/<nwid>/member/<id>   POST/PUT (upsert)   DELETE
 *   GET    /unstable/controller/network
 *   GET    /unstable/controller/network/<nwid>/member
 *
 * Bodies are read whatever their Content-Type (the reference ignores it) and must be JSON
 * objects. Responses are compact JSON with sorted keys. Differences from the reference, all
 * deliberate: malformed JSON and invalid fields are 400 with a message naming the field (the
 * reference answers 500 or coerces); member ids are stored lower-case; `rulesSource` is kept and
 * compiled. JSONP, the loopback/allowManagementFrom rule and the empty 404 for unknown paths are
 * the host server's business (createControllerServer shows how).
 */
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../canonical-json.js';
import { ControllerError } from '../errors.js';
import { parseLegacyCreatePath, parseMemberIdText, parseNetworkIdText } from '../ids.js';
import { CONTROLLER_API_VERSION, NetworkController, type NetworkControllerOptions } from '../network-controller.js';
import type { ControllerStore } from '../store/store.js';
import { presentedToken, tokenMatches } from './auth.js';
import { ERROR_RESPONSES } from './status-table.js';

export interface ControllerApiOptions extends NetworkControllerOptions {
  /**
   * When set, every controller route requires this token (or the one the function returns).
   * Leave it unset when the host checks tokens for all its routes before routing.
   */
  authToken?: string | (() => string);
  /** Largest accepted body in bytes (default 16 MiB: 16384 rules fit comfortably). */
  bodyLimit?: number;
}

export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

type Params = { nwid?: string; memberId?: string };

export function controllerApi(store: ControllerStore, options: ControllerApiOptions): FastifyPluginAsync {
  const controller = new NetworkController(store, options);
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    if (options.authToken !== undefined) {
      const expected = options.authToken;
      app.addHook('onRequest', async (req, reply) => {
        if (!tokenMatches(presentedToken(req), typeof expected === 'function' ? expected() : expected)) {
          return sendError(reply, new ControllerError('unauthorized', 'unauthorized'));
        }
      });
    }
    app.setErrorHandler((err: FastifyError, req, reply) => {
      const e = toControllerError(err);
      if (e.code === 'internal') req.log.error({ err }, 'controller API handler failed');
      return sendError(reply, e);
    });
    registerRoutes(app, controller);
  };
}

function registerRoutes(app: FastifyInstance, c: NetworkController): void {
  const write = ['POST', 'PUT'] as const;

  app.get('/controller', async (_req, reply) => {
    const ready = c.databaseReady();
    const text = `{\n\t"controller": true,\n\t"apiVersion": ${CONTROLLER_API_VERSION},\n\t"clock": ${c.clock()},\n\t"databaseReady": ${ready}\n}\n`;
    return reply.code(ready ? 200 : 503).header('content-type', 'application/json').send(text);
  });

  app.get('/controller/network', async (_req, reply) => sendJson(reply, await c.listNetworkIds()));
  app.route({ method: [...write], url: '/controller/network', handler: async (req, reply) => sendJson(reply, await c.createNetwork(jsonBody(req))) });

  app.get<{ Params: Params }>('/controller/network/:nwid', async (req, reply) => sendJson(reply, await c.getNetwork(nwidOf(req))));
  app.route<{ Params: Params }>({
    method: [...write],
    url: '/controller/network/:nwid',
    handler: async (req, reply) => {
      const legacy = parseLegacyCreatePath(req.params.nwid ?? '');
      if (legacy !== undefined) return sendJson(reply, await c.createNetworkLegacy(legacy, jsonBody(req)));
      const nwid = nwidOf(req);
      return sendJson(reply, await c.postNetwork(nwid, jsonBody(req)));
    },
  });
  app.delete<{ Params: Params }>('/controller/network/:nwid', async (req, reply) => sendJson(reply, await c.deleteNetwork(nwidOf(req))));

  app.get<{ Params: Params }>('/controller/network/:nwid/member', async (req, reply) => {
    const list = await c.listMemberRevisions(nwidOf(req));
    return sendJson(reply, Object.fromEntries(list));
  });
  app.get<{ Params: Params }>('/controller/network/:nwid/member/:memberId', async (req, reply) =>
    sendJson(reply, await c.getMember(nwidOf(req), memberOf(req))),
  );
  app.route<{ Params: Params }>({
    method: [...write],
    url: '/controller/network/:nwid/member/:memberId',
    handler: async (req, reply) => {
      const nwid = nwidOf(req);
      const memberId = memberOf(req);
      return sendJson(reply, await c.postMember(nwid, memberId, jsonBody(req)));
    },
  });
  app.delete<{ Params: Params }>('/controller/network/:nwid/member/:memberId', async (req, reply) =>
    sendJson(reply, await c.deleteMember(nwidOf(req), memberOf(req))),
  );

  app.get('/unstable/controller/network', async (_req, reply) => {
    const data = await c.listNetworksWithMeta();
    return sendJson(reply, { data, meta: { networkCount: data.length } });
  });
  app.get<{ Params: Params }>('/unstable/controller/network/:nwid/member', async (req, reply) => {
    const r = await c.listMembersWithMeta(nwidOf(req));
    return sendJson(reply, { data: r.members, meta: { authorizedCount: r.authorizedCount, totalCount: r.totalCount } });
  });
}

function nwidOf(req: FastifyRequest<{ Params: Params }>): string {
  return parseNetworkIdText(req.params.nwid ?? '') ?? throwNotFound();
}

function memberOf(req: FastifyRequest<{ Params: Params }>): string {
  return parseMemberIdText(req.params.memberId ?? '') ?? throwNotFound();
}

function throwNotFound(): never {
  throw new ControllerError('not_found', 'not found');
}

/** The raw body (any Content-Type) parsed as JSON. */
function jsonBody(req: FastifyRequest): unknown {
  const raw = req.body;
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  if (text.trim() === '') throw new ControllerError('invalid_json', 'the body must be a JSON object, and it is empty');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ControllerError('invalid_json', `the body is not valid JSON: ${(e as Error).message}`);
  }
}

function sendJson(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.header('content-type', 'application/json').send(canonicalJson(value));
}

export function sendError(reply: FastifyReply, e: ControllerError): FastifyReply {
  const r = ERROR_RESPONSES[e.code];
  reply.code(r.status);
  if (r.body === 'empty') return reply.send();
  if (r.body === 'empty-object') return reply.header('content-type', 'application/json').send('{}');
  const body: Record<string, unknown> = { error: r.status, message: e.message };
  if (e.field !== undefined) body.field = e.field;
  if (e.details) {
    body.line = e.details.line;
    body.column = e.details.column;
  }
  return reply.header('content-type', 'application/json').send(canonicalJson(body));
}

/** Fastify's own 4xx errors (body too large, bad encoding) keep their meaning; anything else is internal. */
function toControllerError(err: unknown): ControllerError {
  if (err instanceof ControllerError) return err;
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (status === 413) return new ControllerError('payload_too_large', 'the body is too large');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ControllerError('invalid_json', `bad request: ${(err as Error).message}`);
  }
  return new ControllerError('internal', 'internal error');
}
