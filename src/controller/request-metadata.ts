/**
 * The parts of a NETWORK_CONFIG_REQUEST's metadata dictionary the controller uses (vl2.md §9.2):
 * the authorization token `a`, the node's version (`majv`, `minv`, `revv`, `pv`) and its rules
 * engine revision `revr`. Any dictionary, however malformed, reads to some value: numbers use
 * the reference's lenient hex parsing, a missing version key stays undefined (recorded as -1).
 */
import type { Dictionary } from '../core/vl2/dictionary.js';
import type { ConfigRequestMetadata } from './config-request.js';

export const METADATA_KEY = {
  AUTH: 'a',
  MAJOR_VERSION: 'majv',
  MINOR_VERSION: 'minv',
  REVISION: 'revv',
  PROTOCOL_VERSION: 'pv',
  RULES_ENGINE_REVISION: 'revr',
} as const;

/** Longer tokens cannot match anything a UI creates; cap what we carry around. */
const MAX_AUTH_LENGTH = 1024;

function version(d: Dictionary, key: string): number | undefined {
  return d.has(key) ? Number(d.getI64(key, 0n)) : undefined;
}

export function readRequestMetadata(d: Dictionary): ConfigRequestMetadata {
  const m: ConfigRequestMetadata = {
    vMajor: version(d, METADATA_KEY.MAJOR_VERSION),
    vMinor: version(d, METADATA_KEY.MINOR_VERSION),
    vRev: version(d, METADATA_KEY.REVISION),
    vProto: version(d, METADATA_KEY.PROTOCOL_VERSION),
    // Huge values only need to stay positive: the controller tests revr ≤ 0.
    rulesEngineRevision: d.getU64(METADATA_KEY.RULES_ENGINE_REVISION, 0n) > 0n ? 1 : 0,
  };
  const auth = d.getString(METADATA_KEY.AUTH, MAX_AUTH_LENGTH);
  if (auth !== undefined) m.auth = auth;
  return m;
}
