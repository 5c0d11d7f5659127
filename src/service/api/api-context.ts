/**
 * What the local API's endpoint modules may use, handed in by the composition root. Each
 * endpoint group is one module `(app, ctx) => void` (status-api.ts, network-api.ts,
 * peer-api.ts, moon-api.ts, config-api.ts, bond-api.ts, metrics-api.ts), listed in local-api.ts.
 * The optional parts are absent in small test rigs; their endpoints then answer 404.
 */
import type { FastifyInstance } from 'fastify';
import type { CoreNode } from '../core-node.js';
import type { ServiceLogger } from '../logger.js';
import type { NetworkPorts } from '../networks/network-ports.js';

/** local.conf as the API sees it (GET /config, POST /config/settings). */
export interface LocalConfAccess {
  /** The parsed file as loaded (not the computed defaults); `{}` if there is none. */
  raw(): Record<string, unknown>;
  /**
   * Replace `settings.<key>` for each key of `patch`, validate the result as local.conf, write it
   * and apply it. Throws BadRequest naming the field if the result would not be a valid local.conf.
   */
  updateSettings(patch: Record<string, unknown>): Promise<void>;
}

export interface MetricsSource {
  /** The Prometheus exposition text and its content type. */
  render(): Promise<{ contentType: string; text: string }>;
}

export interface ApiContext {
  clock(): number;
  node: CoreNode;
  networks: NetworkPorts;
  log: ServiceLogger;
  /** `config` of /status: local.conf as loaded, with `settings` augmented (service-api.md §5.1). */
  statusConfig(): Record<string, unknown>;
  /** The local port of a bound socket id (0 if unknown). */
  localPortOf(localSocket: number): number;
  /** Whether the TCP fallback tunnel is open (TierZero has none: always false). */
  tcpFallbackActive?(): boolean;
  /** New work for the core (an orbit): run its background tasks soon. */
  poke?(): void;
  localConf?: LocalConfAccess;
  metrics?: MetricsSource;
}

export type ApiModule = (app: FastifyInstance, ctx: ApiContext) => void;
