/**
 * The node's local JSON API (service-api.md §3, §4) on TCP at the primary port, loopback only
 * (127.0.0.1 and ::1). Every request is checked before routing: the client must be on loopback
 * and present the auth token (X-ZT1-Auth, then ?auth=, then Authorization: Bearer — only the
 * first present source counts), compared in constant time; otherwise 401 `{}`. So an unknown
 * path is 401 without a token and an empty 404 with one, as in the reference.
 *
 * Endpoint groups are modules (status-api.ts, network-api.ts, peer-api.ts, and the controller's
 * fastify plugin mounted as it is). The server never logs requests, so tokens in headers or
 * query strings never reach a log.
 */
import { createServer, type Server } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { presentedToken, tokenMatches } from '../../controller/api/auth.js';
import { describeError } from '../fatal-error.js';
import type { ApiContext, ApiModule } from './api-context.js';
import { networkApi } from './network-api.js';
import { peerApi } from './peer-api.js';
import { sendJsonText } from './json-reply.js';
import { statusApi } from './status-api.js';

export const DEFAULT_API_MODULES: readonly ApiModule[] = [statusApi, networkApi, peerApi];

/** 16 MiB, as the reference's CLI accepts and the controller API allows. */
const BODY_LIMIT = 16 * 1024 * 1024;

export interface LocalApiOptions {
  context: ApiContext;
  /** Read on every request, so a changed authtoken.secret could be picked up by the caller. */
  token: () => string;
  modules?: readonly ApiModule[];
  /** Extra fastify plugins on the same server (the controller API). */
  plugins?: FastifyPluginAsync[];
}

export function isLoopback(ip: string | undefined): boolean {
  if (!ip) return false;
  if (ip === '::1') return true;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** `jsonp` names we wrap with: a JavaScript identifier path, nothing that could inject markup. */
const JSONP_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export function buildLocalApi(options: LocalApiOptions): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: BODY_LIMIT, exposeHeadRoutes: true });
  const ctx = options.context;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    if (!isLoopback(req.socket.remoteAddress) || !tokenMatches(presentedToken(req), options.token())) {
      return sendJsonText(reply, '{}', 401);
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const q = req.query as Record<string, unknown> | undefined;
    const fn = q && typeof q.jsonp === 'string' ? q.jsonp : undefined;
    if (fn === undefined || !JSONP_NAME.test(fn)) return payload;
    reply.header('content-type', 'application/javascript');
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    return `${fn}(${body === '' ? 'null' : body});`;
  });

  app.setNotFoundHandler((_req, reply) => reply.code(404).send());

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) ctx.log.error({ err }, 'local API handler failed');
    // The reference's printf-formatted exception body (note the spaces).
    return sendJsonText(reply, `{"error": ${status}, "description": ${JSON.stringify(err.message)}}`, status);
  });

  for (const m of options.modules ?? DEFAULT_API_MODULES) m(app, ctx);
  for (const p of options.plugins ?? []) app.register(p);
  return app;
}

export class LocalApiServer {
  private readonly extra: Server[] = [];
  private closed = false;
  readonly listening: string[] = [];

  constructor(readonly app: FastifyInstance) {}

  /**
   * Listen on 127.0.0.1 (required) and ::1 (when the host has IPv6 loopback). Throws if
   * 127.0.0.1:port cannot be bound.
   */
  async listen(port: number): Promise<void> {
    await this.app.listen({ host: '127.0.0.1', port });
    port = (this.app.server.address() as { port: number }).port;
    this.listening.push(`127.0.0.1/${port}`);
    const v6 = createServer((req, res) => this.app.routing(req, res));
    try {
      await new Promise<void>((resolve, reject) => {
        v6.once('error', reject);
        v6.listen({ host: '::1', port, ipv6Only: true }, () => resolve());
      });
      this.extra.push(v6);
      this.listening.push(`::1/${port}`);
    } catch (e) {
      v6.close();
      this.app.log.warn(`local API not on ::1: ${describeError(e)}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.extra) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    await this.app.close();
  }
}
