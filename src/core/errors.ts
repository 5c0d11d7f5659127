/**
 * Typed errors for hostile input. A decoder never lets anything but a DecodeError escape its
 * boundary, and public decoders return a Result instead of throwing. `reason` is a stable code
 * used for drop counters and metrics; `message` is for humans.
 */

export type DropReason =
  | 'truncated'
  | 'oversized'
  | 'trailing_bytes'
  | 'bad_field'
  | 'bad_type'
  | 'bad_address'
  | 'bad_identity'
  | 'bad_signature'
  | 'bad_mac'
  | 'bad_cipher_suite'
  | 'bad_compression'
  | 'bad_fragment'
  | 'too_many_fragments'
  | 'duplicate_fragment'
  | 'reassembly_expired'
  | 'reassembly_evicted'
  | 'too_many_roots'
  | 'too_many_endpoints'
  // Engine-level drops (src/core/vl1/incoming.ts, switch.ts): authenticated or routed packets
  // that the protocol rules refuse.
  | 'ignored_datagram'
  | 'replayed'
  | 'unexpected_ok'
  | 'rate_limited'
  | 'not_from_root'
  | 'identity_mismatch'
  | 'identity_collision'
  | 'bad_protocol_version'
  | 'unknown_peer'
  | 'untrusted_path'
  | 'relay_denied'
  | 'relay_hop_limit'
  | 'relay_unreachable'
  | 'from_self'
  | 'queue_full'
  | 'queue_expired'
  | 'unusable_path'
  // VL2 drops (src/core/vl2/): authenticated packets and local frames the network rules refuse.
  | 'network_unknown'
  | 'not_member'
  | 'not_from_controller'
  | 'bad_config'
  | 'old_config'
  | 'filtered'
  | 'bridging_denied'
  | 'multicast_disabled'
  | 'broadcast_disabled'
  | 'unsendable';

export class DecodeError extends Error {
  constructor(
    readonly reason: DropReason,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

export type Result<T, E = DecodeError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<E = DecodeError>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/**
 * Runs a decoder body that may throw DecodeError (typically from a Reader) and converts the
 * throw into a Result. Any other exception is a bug in our own code and is rethrown.
 */
export function decodeGuard<T>(body: () => T): Result<T> {
  try {
    return ok(body());
  } catch (e) {
    if (e instanceof DecodeError) return fail(e);
    if (e instanceof RangeError) return fail(new DecodeError('bad_field', e.message));
    throw e;
  }
}
