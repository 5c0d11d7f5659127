/**
 * The one place where controller error codes become HTTP responses. Bodies follow the reference
 * where it has one (empty 404/400/503, `{}` for 401); our validation errors add a JSON body naming
 * the field, which the reference (which answers 500 or silently coerces) never sends.
 */
import type { ControllerErrorCode } from '../errors.js';

export type ErrorBody =
  /** No body, no Content-Type (the reference's empty 404/400/503). */
  | 'empty'
  /** `{}` (the reference's 401). */
  | 'empty-object'
  /** `{"error":<status>,"message":...,"field":...}` sorted and compact. */
  | 'message';

export const ERROR_RESPONSES: Readonly<Record<ControllerErrorCode, { status: number; body: ErrorBody }>> = {
  invalid_json: { status: 400, body: 'message' },
  invalid_field: { status: 400, body: 'message' },
  rules_compile_error: { status: 400, body: 'message' },
  wrong_controller: { status: 400, body: 'empty' },
  unauthorized: { status: 401, body: 'empty-object' },
  not_found: { status: 404, body: 'empty' },
  payload_too_large: { status: 413, body: 'message' },
  internal: { status: 500, body: 'message' },
  no_free_network_id: { status: 503, body: 'empty' },
  store_busy: { status: 503, body: 'message' },
  store_not_ready: { status: 503, body: 'message' },
};
