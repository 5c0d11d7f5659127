/** Shared fixtures for controller tests: a store in a temporary directory and an API server on it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createControllerServer } from '../../src/controller/api/server.js';
import { SqliteControllerStore, type SqliteStoreOptions } from '../../src/controller/store/sqlite-store.js';

export const CONTROLLER = '877b4c7399';
export const NWID = '877b4c739939ef9f';
export const TOKEN = 'test-token-abcdefghijklm';
export const NOW = 1795296104634;
export const AUTH = { 'x-zt1-auth': TOKEN };

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tierzero-controller-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Fixture {
  dir: string;
  store: SqliteControllerStore;
  app: FastifyInstance;
  clock: { now: number };
  close(): Promise<void>;
}

/** A fresh store and server; the clock is settable, network ids come from `suffixes` then count up. */
export function fixture(options: { suffixes?: number[]; store?: SqliteStoreOptions; logger?: Record<string, unknown> } = {}): Fixture {
  const { dir, cleanup } = tempDir();
  const store = new SqliteControllerStore(join(dir, 'controller.db'), options.store);
  const clock = { now: NOW };
  const suffixes = [...(options.suffixes ?? [0x39ef9f])];
  let next = 1;
  const app = createControllerServer({
    store,
    authToken: TOKEN,
    controllerAddress: CONTROLLER,
    now: () => clock.now,
    randomNetworkSuffix: () => suffixes.shift() ?? next++,
    logger: options.logger,
  });
  return {
    dir,
    store,
    app,
    clock,
    async close() {
      await app.close();
      await store.close();
      cleanup();
    },
  };
}

export interface Reply {
  status: number;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, unknown>;
}

/** One request through fastify's injector; `body` objects are sent as JSON text. */
export async function call(app: FastifyInstance, method: string, url: string, body?: unknown, headers: Record<string, string> = AUTH): Promise<Reply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const r = await app.inject({ method: method as 'GET', url, payload, headers });
  let json: unknown;
  try {
    json = r.body === '' ? undefined : JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, body: r.body, json, headers: r.headers };
}
