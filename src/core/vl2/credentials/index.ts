/** The VL2 credentials (spec vl2.md §6), one module each, re-exported for convenience. */
export * from './credential.js';
export * from './com.js';
export * from './tag.js';
export * from './capability.js';
export * from './coo.js';
export * from './revocation.js';
