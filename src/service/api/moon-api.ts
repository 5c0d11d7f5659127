/**
 * /moon endpoints (service-api.md §4.7, §5.4): list the moons we orbit, show one, orbit one
 * through a seed root, deorbit. The path's world id is exactly 10 hex digits, as in the
 * reference (a 16-digit id is a 404, which is what zerotier-cli users meet). The POST body
 * `{"seed":"<hex address>"}` is validated (400 naming `seed`) where the reference ignores junk.
 */
import { bytesToHex } from '../../core/vl1/bytes.js';
import { inetAddressToString } from '../../core/vl1/inet-address.js';
import type { World } from '../../core/vl1/world.js';
import type { ApiModule } from './api-context.js';
import { BadRequest, describeJsonValue, jsonObjectBody, sendJson } from './json-reply.js';

type Params = { world: string };

const WORLD_ID = /^[0-9a-fA-F]{10}$/;

export function moonIdText(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

export function moonJson(w: World): Record<string, unknown> {
  return {
    id: moonIdText(w.id),
    roots: w.roots.map((r) => ({ identity: r.identity.toString(false), stableEndpoints: r.stableEndpoints.map(inetAddressToString) })),
    signature: bytesToHex(w.signature),
    timestamp: Number(w.timestamp),
    updatesMustBeSignedBy: bytesToHex(w.updatesMustBeSignedBy),
    waiting: false,
  };
}

/** What POST answers while the world is being fetched from the seed. */
export function waitingMoonJson(id: bigint): Record<string, unknown> {
  return { id: moonIdText(id), roots: [], signature: null, timestamp: 0, updatesMustBeSignedBy: null, waiting: true };
}

/** The seed of a POST body: absent = 0; otherwise 1-16 hex digits naming a 40-bit address. */
export function parseSeed(body: Record<string, unknown>): number {
  const v = body.seed;
  if (v === undefined) return 0;
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{1,16}$/.test(v)) {
    throw new BadRequest('seed', `seed must be the hex address of one of the moon's roots, not ${describeJsonValue(v)}`);
  }
  const n = BigInt(`0x${v}`);
  if (n > 0xffffffffffn) throw new BadRequest('seed', 'seed must be a 10-hex-digit ZeroTier address');
  return Number(n);
}

export const moonApi: ApiModule = (app, ctx) => {
  const find = (id: bigint) => ctx.node.moons().find((m) => m.id === id);

  app.get('/moon', async (_req, reply) => sendJson(reply, ctx.node.moons().map(moonJson)));

  app.get<{ Params: Params }>('/moon/:world', async (req, reply) => {
    if (!WORLD_ID.test(req.params.world)) return reply.code(404).send();
    const m = find(BigInt(`0x${req.params.world}`));
    return sendJson(reply, m ? moonJson(m) : {});
  });

  app.route<{ Params: Params }>({
    method: ['POST', 'PUT'],
    url: '/moon/:world',
    handler: async (req, reply) => {
      if (!WORLD_ID.test(req.params.world)) return reply.code(404).send();
      const id = BigInt(`0x${req.params.world}`);
      const seed = parseSeed(jsonObjectBody(req.body));
      const known = find(id);
      if (known) return sendJson(reply, moonJson(known));
      if (seed === 0 || !ctx.node.orbit) return sendJson(reply, {});
      ctx.node.orbit(ctx.clock(), id, seed);
      ctx.poke?.();
      return sendJson(reply, waitingMoonJson(id));
    },
  });

  app.delete<{ Params: Params }>('/moon/:world', async (req, reply) => {
    if (!WORLD_ID.test(req.params.world)) return reply.code(404).send();
    ctx.node.deorbit?.(ctx.clock(), BigInt(`0x${req.params.world}`));
    return sendJson(reply, { result: true });
  });
};
