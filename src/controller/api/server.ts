/**
 * A standalone HTTP server for the controller API (tests, benchmarks, or running a controller
 * without the node's local API). Like the node's API it checks the token before routing, so an
 * unknown path is 401 without a token and an empty 404 with one, and it never logs tokens: the
 * request log omits query strings and headers.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ControllerStore } from '../store/store.js';
import { presentedToken, tokenMatches } from './auth.js';
import { controllerApi, sendError, type ControllerApiOptions } from './controller-api.js';
import { ControllerError } from '../errors.js';

export interface ControllerServerOptions extends Omit<ControllerApiOptions, 'authToken'> {
  store: ControllerStore;
  /** Required: the standalone server never runs without authentication. */
  authToken: string | (() => string);
  /** Fastify logger options (default false: no logging); requests are always logged without query or headers. */
  logger?: boolean | Record<string, unknown>;
}

export function createControllerServer(options: ControllerServerOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ? { ...(options.logger === true ? {} : options.logger), serializers: { req: safeRequest } } : false,
    forceCloseConnections: true,
  });
  const expected = options.authToken;
  app.addHook('onRequest', async (req, reply) => {
    if (!tokenMatches(presentedToken(req), typeof expected === 'function' ? expected() : expected)) {
      return sendError(reply, new ControllerError('unauthorized', 'unauthorized'));
    }
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send());
  const { store, logger: _logger, authToken: _token, ...apiOptions } = options;
  app.register(controllerApi(store, apiOptions));
  return app;
}

/** Method and path only: the query may carry `auth=<token>`. */
function safeRequest(req: { method: string; url: string }): { method: string; path: string } {
  const q = req.url.indexOf('?');
  return { method: req.method, path: q === -1 ? req.url : req.url.slice(0, q) };
}
