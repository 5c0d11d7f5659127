/**
 * The node's local JSON API (service-api.md §3, §4) on TCP at the primary port. Every request
 * is checked before routing (access.ts): the client must be on loopback or in
 * `settings.allowManagementFrom`, and present the auth token (X-ZT1-Auth, then `?auth=` if
 * local.conf enables it, then Authorization: Bearer — only the first present source counts),
 * compared in constant time; otherwise 401 `{}`. `/health` needs no token, `/metrics` takes the
 * metrics token from anywhere. So an unknown path is 401 without a token and an empty 404 with
 * one, as in the reference.
 *
 * Endpoint groups are modules (status, network, peer, moon, config, bond, metrics, and the
 * controller's fastify plugin mounted as it is). Request bodies are validated: a wrong type is a
 * 400 naming the field. The server never logs requests, so tokens in headers or query strings
 * never reach a log.
 */
import { type Server, createServer } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { describeError } from '../fatal-error.js';
import { type ManagementAccess, LOOPBACK_ONLY, decideAccess } from './access.js';
import type { ApiContext, ApiModule } from './api-context.js';
import { bondApi } from './bond-api.js';
import { configApi } from './config-api.js';
import { BadRequest, sendBadRequest, sendJsonText } from './json-reply.js';
import { metricsApi } from './metrics-api.js';
import { moonApi } from './moon-api.js';
import { networkApi } from './network-api.js';
import { peerApi } from './peer-api.js';
import { statusApi } from './status-api.js';

export { isLoopback } from './access.js';

export const DEFAULT_API_MODULES: readonly ApiModule[] = [statusApi, networkApi, peerApi, moonApi, configApi, bondApi, metricsApi];

/** 16 MiB, as the reference's CLI accepts and the controller API allows. */
const BODY_LIMIT = 16 * 1024 * 1024;

export interface LocalApiOptions {
  context: ApiContext;
  /** Read on every request, so a changed authtoken.secret could be picked up by the caller. */
  token: () => string;
  /** metricstoken.secret: accepted by /metrics only. */
  metricsToken?: () => string;
  /** Read on every request (local.conf may change): who besides loopback, and `?auth=`. */
  access?: () => ManagementAccess;
  modules?: readonly ApiModule[];
  /** Extra fastify plugins on the same server (the controller API). */
  plugins?: FastifyPluginAsync[];
  /** Run before any controller route is handled (the composition root opens the store lazily). */
  beforeController?: () => void;
}

/** `jsonp` names we wrap with: a JavaScript identifier path, nothing that could inject markup. */
const JSONP_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

const CONTROLLER_PATH = /^\/(unstable\/)?controller(\/|$)/;

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function buildLocalApi(options: LocalApiOptions): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: BODY_LIMIT, exposeHeadRoutes: true });
  const ctx = options.context;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req.url);
    const access = options.access?.() ?? LOOPBACK_ONLY;
    const decision = decideAccess(path, req.socket.remoteAddress, req, access, options.token(), options.metricsToken?.());
    if (decision === 'deny') return sendJsonText(reply, '{}', 401);
    if (options.beforeController && CONTROLLER_PATH.test(path)) options.beforeController();
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
    if (err instanceof BadRequest) return sendBadRequest(reply, err);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) ctx.log.error({ err }, 'local API handler failed');
    // The reference's printf-formatted exception body (note the spaces).
    return sendJsonText(reply, `{"error": ${status}, "description": ${JSON.stringify(err.message)}}`, status);
  });

  for (const m of options.modules ?? DEFAULT_API_MODULES) m(app, ctx);
  for (const p of options.plugins ?? []) app.register(p);
  return app;
}

/**
 * The API's TCP listeners: 127.0.0.1 (required) and ::1 (when the host has IPv6 loopback); or,
 * while `allowManagementFrom` lists networks, 0.0.0.0 and [::] (each on its own, as the
 * reference binds them). The access check still runs on every request either way.
 */
export class LocalApiServer {
  private servers: Server[] = [];
  private readonly draining: Server[] = [];
  private closed = false;
  private wildcard = false;
  port = 0;
  readonly listening: string[] = [];

  constructor(readonly app: FastifyInstance) {}

  /** Listen at `port` (0 = any); throws if the IPv4 address cannot be bound. */
  async listen(port: number, wildcard = false): Promise<void> {
    await this.app.ready();
    this.wildcard = wildcard;
    const [v4, v6] = wildcard ? ['0.0.0.0', '::'] : ['127.0.0.1', '::1'];
    const first = await this.open(v4, port);
    this.servers.push(first);
    this.port = (first.address() as { port: number }).port;
    this.listening.push(`${v4}/${this.port}`);
    try {
      this.servers.push(await this.open(v6, this.port));
      this.listening.push(`${v6}/${this.port}`);
    } catch (e) {
      this.app.log.warn(`local API not on ${v6}: ${describeError(e)}`);
    }
  }

  /**
   * Switch between loopback and wildcard listeners when allowManagementFrom starts or stops
   * listing networks. Connections already open (the one that changed the setting among them)
   * are let finish on the old listeners.
   */
  async setWildcard(wildcard: boolean): Promise<void> {
    if (this.closed || wildcard === this.wildcard || this.servers.length === 0) return;
    this.stopListening();
    try {
      await this.listen(this.port, wildcard);
    } catch (e) {
      // The other set was just released, so going back to it normally works.
      await this.listen(this.port, !wildcard);
      throw e;
    }
  }

  private open(host: string, port: number): Promise<Server> {
    const server = createServer((req, res) => this.app.routing(req, res));
    return new Promise<Server>((resolve, reject) => {
      server.once('error', (e) => {
        server.close();
        reject(e);
      });
      server.listen({ host, port, ipv6Only: host.includes(':') }, () => resolve(server));
    });
  }

  /** Stop accepting; open connections finish (and are cut at close()). */
  private stopListening(): void {
    for (const s of this.servers) {
      s.once('close', () => this.draining.splice(this.draining.indexOf(s) >>> 0, 1));
      s.close();
      s.closeIdleConnections();
      this.draining.push(s);
    }
    this.servers = [];
    this.listening.length = 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    for (const s of this.draining) s.closeAllConnections();
    await Promise.all([...this.draining].map((s) => new Promise<void>((r) => (this.draining.includes(s) ? s.once('close', () => r()) : r()))));
    await this.app.close();
  }
}
