/**
 * The flow-rules engine (spec vl2.md §8): filterOutgoing / filterIncoming decide whether a frame
 * passes and which EXT_FRAME copies (TEE, WATCH, REDIRECT) to send. reference.ts holds the slow
 * spec-literal twin used by the property tests.
 */
export { filterIncoming, filterOutgoing } from './filter.js';
export { referenceFilterIncoming, referenceFilterOutgoing } from './reference.js';
export { compileRuleTable } from './compile.js';
export { OwnershipTable, NO_OWNERSHIP, COO_THING_MAC, COO_THING_IPV4, COO_THING_IPV6, type OwnershipThing } from './ownership.js';
export * from './types.js';
