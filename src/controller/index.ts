/**
 * The network controller: networks and members in a store, the reference's POST normalization,
 * IP assignment, the data side of config requests, a change feed, the config service that
 * answers members' config requests with signed configs and pushes updates and revocations
 * (config-service.ts, the core's LocalNetworkController), and the `/controller` HTTP API as a
 * fastify plugin.
 *
 * Compatible with ZeroTier One 1.14.1's embedded controller (controller.md) except, deliberately:
 * - Member ids (and network ids) are stored lower-case; the reference keeps a member id's case.
 * - Malformed JSON, non-object bodies and fields of a wrong type or unusable value are 400 with a
 *   JSON body naming the field (`{"error":400,"field":...,"message":...}`); the reference answers
 *   500 for some (a number in ipAssignments) and silently coerces others (mtu "abc" → 2800).
 *   The coercions the spec documents (bools from "true"/1, ints from numeric strings, names from
 *   numbers, enableBroadcast null → false) are accepted; invalid entries inside routes, pools,
 *   rules, tags and ipAssignments are dropped as the reference drops them.
 * - `rulesSource` is stored and compiled (the reference drops it); a compile error is 400 with
 *   line and column.
 * - `authTokens: null` posted stays null (the reference turns it into `[null]`), and
 *   `dns.domain` must be a string or null, `dns.servers` strings, so every object we serve can be
 *   posted back unchanged.
 * - Member tags stay sorted by id when defaults are added at a config request.
 * - Bodies over 16 MiB are 413.
 * - A config request for a network of another controller is answered OBJ_NOT_FOUND (the
 *   reference ignores it), and our own member saves while answering a request do not trigger a
 *   second (push) config to that member (the reference pushes again).
 * Not here (the host server's job): the loopback/allowManagementFrom rule, JSONP, and the empty
 * 404 for unknown paths (createControllerServer shows all but JSONP). No SSO login flow.
 */
export { ControllerError, type ControllerErrorCode, type RuleCompileDetails } from './errors.js';
export { canonicalJson } from './canonical-json.js';
export * from './records.js';
export { parseNetworkPatch, applyNetworkPatch, type NetworkPatch } from './network-patch.js';
export { parseMemberPatch, applyMemberPatch, type MemberPatch } from './member-patch.js';
export { compileRulesSource } from './rules-source.js';
export { assignAddresses, parseNetworkRoutes, secureRandom64, type AssignmentResult, type ParsedRoute, type Random64 } from './ip-assignment.js';
export { resolveConfigRequest, type ConfigRequest, type ConfigRequestMetadata, type ConfigDecision } from './config-request.js';
export {
  ControllerConfigService,
  CONFIG_SERVICE_HOUSEKEEPING_MS,
  type ControllerConfigServiceOptions,
  type ConfigServiceLogger,
  type ConfigServiceStats,
} from './config-service.js';
export { issueNetworkConfig, type ConfigContents, type SsoFields } from './config-issuer.js';
export { buildConfigContents, DEFAULT_SSO_INFO, type SsoInfoSource } from './config-contents.js';
export { readRequestMetadata } from './request-metadata.js';
export { ONLINE_WINDOW_MS, MIN_REQUEST_INTERVAL_MS } from './member-sessions.js';
export type { ConfigErrorCode, ConfigReply, ConfigPushSink, LocalNetworkController } from './vl2-link.js';
export { NetworkController, CONTROLLER_API_VERSION, type NetworkControllerOptions, type NetworkWithMeta } from './network-controller.js';
export type { ControllerStore, StoreTransaction, StoreReader, ControllerEvent, ChangeListener, MemberCounts } from './store/store.js';
export { SqliteControllerStore, type SqliteStoreOptions } from './store/sqlite-store.js';
export { openControllerStore, CONTROLLER_DB_FILE, LEGACY_CONTROLLER_DB_FILE, controllerStoreExists, migrateLegacyControllerDb } from './store/open-store.js';
export { MIGRATIONS, SCHEMA_VERSION, migrate } from './store/sqlite-schema.js';
export { controllerApi, type ControllerApiOptions } from './api/controller-api.js';
export { createControllerServer, type ControllerServerOptions } from './api/server.js';
export { ERROR_RESPONSES } from './api/status-table.js';
