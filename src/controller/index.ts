/**
 * The network controller: networks and members in a store, the reference's POST normalization,
 * IP assignment, the data side of config requests, a change feed for the config pusher, and the
 * `/controller` HTTP API as a fastify plugin.
 */
export { ControllerError, type ControllerErrorCode, type RuleCompileDetails } from './errors.js';
export { canonicalJson } from './canonical-json.js';
export * from './records.js';
export { parseNetworkPatch, applyNetworkPatch, type NetworkPatch } from './network-patch.js';
export { parseMemberPatch, applyMemberPatch, type MemberPatch } from './member-patch.js';
export { compileRulesSource } from './rules-source.js';
export { assignAddresses, parseNetworkRoutes, secureRandom64, type AssignmentResult, type ParsedRoute, type Random64 } from './ip-assignment.js';
export { resolveConfigRequest, type ConfigRequest, type ConfigRequestMetadata, type ConfigDecision } from './config-request.js';
export { NetworkController, CONTROLLER_API_VERSION, type NetworkControllerOptions, type NetworkWithMeta } from './network-controller.js';
export type { ControllerStore, StoreTransaction, StoreReader, ControllerEvent, ChangeListener, MemberCounts } from './store/store.js';
export { SqliteControllerStore, type SqliteStoreOptions } from './store/sqlite-store.js';
export { openControllerStore, CONTROLLER_DB_FILE } from './store/open-store.js';
export { MIGRATIONS, SCHEMA_VERSION, migrate } from './store/sqlite-schema.js';
export { controllerApi, type ControllerApiOptions } from './api/controller-api.js';
export { createControllerServer, type ControllerServerOptions } from './api/server.js';
export { ERROR_RESPONSES } from './api/status-table.js';
