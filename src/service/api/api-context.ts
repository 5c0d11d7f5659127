/**
 * What the local API's endpoint modules may use, handed in by the composition root. Each
 * endpoint group is one module `(app, ctx) => void` (status-api.ts, network-api.ts,
 * peer-api.ts, ...), so new groups (/moon, /config, /metrics, /health) are added by writing a
 * module and listing it in local-api.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { CoreNode } from '../core-node.js';
import type { ServiceLogger } from '../logger.js';
import type { NetworkPorts } from '../networks/network-ports.js';

export interface ApiContext {
  clock(): number;
  node: CoreNode;
  networks: NetworkPorts;
  log: ServiceLogger;
  /** `config` of /status: local.conf as loaded, with `settings` augmented (service-api.md §5.1). */
  statusConfig(): Record<string, unknown>;
  /** The local port of a bound socket id (0 if unknown). */
  localPortOf(localSocket: number): number;
}

export type ApiModule = (app: FastifyInstance, ctx: ApiContext) => void;
