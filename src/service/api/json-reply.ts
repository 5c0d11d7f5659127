/**
 * Response bodies as the reference sends them (service-api.md §3.3): compact JSON with object
 * keys sorted, `application/json`; JSONP wrapping is done once for every route in local-api.ts.
 */
import type { FastifyReply } from 'fastify';
import { canonicalJson } from '../../controller/canonical-json.js';

export function sendJson(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  return sendJsonText(reply, canonicalJson(value), status);
}

/** As bytes, so the Content-Type stays exactly `application/json` (no charset added). */
export function sendJsonText(reply: FastifyReply, text: string, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(Buffer.from(text, 'utf8'));
}

/** The path parameter as a network id: 16 hex digits, either case. */
export function parseNwidParam(text: string | undefined): bigint | undefined {
  return text !== undefined && /^[0-9a-fA-F]{16}$/.test(text) ? BigInt(`0x${text}`) : undefined;
}

/** A raw body as JSON, or undefined if empty or invalid (endpoints that ignore bad bodies). */
export function lenientJsonBody(body: unknown): unknown {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
