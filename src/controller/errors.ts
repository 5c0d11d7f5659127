/**
 * The controller's error vocabulary. Every failure that reaches an API caller is a
 * ControllerError with a stable code; api/status-table.ts maps each code to an HTTP status in one
 * place, so no handler picks a status by itself.
 */

export type ControllerErrorCode =
  /** The body is not JSON, or not a JSON object. */
  | 'invalid_json'
  /** A known field has the wrong JSON type or a value we cannot use; `field` names it. */
  | 'invalid_field'
  /** `rulesSource` did not compile; `details` has line, column and message. */
  | 'rules_compile_error'
  /** No such network or member (or a path that names neither). */
  | 'not_found'
  /** Legacy create (`<addr>______`) with an address that is not this controller's. */
  | 'wrong_controller'
  /** Every random network id tried was taken. */
  | 'no_free_network_id'
  /** The database stayed locked by another writer for longer than the lock timeout. */
  | 'store_busy'
  | 'store_not_ready'
  | 'unauthorized'
  | 'payload_too_large'
  | 'internal';

export interface RuleCompileDetails {
  line: number;
  column: number;
  message: string;
}

export class ControllerError extends Error {
  constructor(
    readonly code: ControllerErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: RuleCompileDetails,
  ) {
    super(message);
    this.name = 'ControllerError';
  }
}

/** A body field that fails validation: the message always starts with the field's path. */
export function fieldError(field: string, problem: string): ControllerError {
  return new ControllerError('invalid_field', `${field}: ${problem}`, field);
}

export function notFound(what: string): ControllerError {
  return new ControllerError('not_found', `${what} not found`);
}
