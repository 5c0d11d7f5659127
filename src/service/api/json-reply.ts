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

/** A request the API refuses with 400, naming the offending field (`body` for the whole body). */
export class BadRequest extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

/** `{"error":400,"field":...,"message":...}`, the shape the controller API uses for its 400s. */
export function sendBadRequest(reply: FastifyReply, e: BadRequest): FastifyReply {
  return sendJson(reply, { error: 400, field: e.field, message: e.message }, 400);
}

/**
 * A body that must be a JSON object: empty means `{}` (zerotier-cli and many UIs post nothing or
 * `{}`), anything else that is not a JSON object is a BadRequest.
 */
export function jsonObjectBody(body: unknown): Record<string, unknown> {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BadRequest('body', `the body is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest('body', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A short description of a JSON value for error messages. */
export function describeJsonValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
