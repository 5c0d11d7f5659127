/**
 * A member POST body turned into the changes it makes (controller.md §4.3). As for networks,
 * every present key replaces the stored value; `authorized` is the one field whose effect
 * depends on the stored record (the timestamps move only when it flips), so it is applied with
 * the stored record and the clock inside the store transaction.
 *
 * Read-only and unknown keys (identity, revision, lastAuthorizedTime, vMajor, ...) are ignored;
 * `authenticationURL` is accepted and dropped like the reference drops it.
 */
import { ControllerError, fieldError } from './errors.js';
import { canonicalIpText } from './ip-values.js';
import { has, isJsonObject, NON_NEGATIVE, readArray, readBool, readInt, readText, readU32Masked, U32_RANGE } from './json-coerce.js';
import { readTraceTarget } from './network-patch.js';
import type { MemberRecord } from './records.js';
import { MAX_JSON_ARRAY_ENTRIES } from './rules-json.js';

export interface MemberPatch {
  authorized?: boolean;
  fields: Partial<
    Pick<
      MemberRecord,
      | 'activeBridge'
      | 'noAutoAssignIps'
      | 'ipAssignments'
      | 'tags'
      | 'capabilities'
      | 'name'
      | 'remoteTraceTarget'
      | 'remoteTraceLevel'
      | 'authenticationExpiryTime'
    >
  >;
}

export function parseMemberPatch(body: unknown): MemberPatch {
  if (!isJsonObject(body)) throw new ControllerError('invalid_json', 'body must be a JSON object');
  const b = body;
  const patch: MemberPatch = { fields: {} };
  const f = patch.fields;
  if (has(b, 'authorized')) patch.authorized = readBool(b.authorized, 'authorized');
  if (has(b, 'activeBridge')) f.activeBridge = readBool(b.activeBridge, 'activeBridge');
  if (has(b, 'noAutoAssignIps')) f.noAutoAssignIps = readBool(b.noAutoAssignIps, 'noAutoAssignIps');
  if (has(b, 'name')) f.name = readText(b.name, 'name');
  if (has(b, 'remoteTraceTarget')) f.remoteTraceTarget = readTraceTarget(b.remoteTraceTarget, 'remoteTraceTarget');
  if (has(b, 'remoteTraceLevel')) f.remoteTraceLevel = readInt(b.remoteTraceLevel, 'remoteTraceLevel', U32_RANGE);
  if (has(b, 'authenticationExpiryTime')) f.authenticationExpiryTime = readInt(b.authenticationExpiryTime, 'authenticationExpiryTime', NON_NEGATIVE);
  if (has(b, 'ipAssignments')) f.ipAssignments = readIpAssignments(readArray(b.ipAssignments, 'ipAssignments'));
  if (has(b, 'tags')) f.tags = readMemberTags(readArray(b.tags, 'tags'));
  if (has(b, 'capabilities')) f.capabilities = readMemberCapabilities(readArray(b.capabilities, 'capabilities'));
  return patch;
}

/**
 * Applies a patch to the stored (or freshly defaulted) member. Authorization timestamps move only
 * when `authorized` actually changes; an API authorization records credential type "api".
 */
export function applyMemberPatch(member: MemberRecord, patch: MemberPatch, now: number): MemberRecord {
  const next: MemberRecord = { ...member, ...structuredClone(patch.fields) };
  if (patch.authorized !== undefined && patch.authorized !== member.authorized) {
    next.authorized = patch.authorized;
    if (patch.authorized) {
      next.lastAuthorizedTime = now;
      next.lastAuthorizedCredentialType = 'api';
      next.lastAuthorizedCredential = null;
    } else {
      next.lastDeauthorizedTime = now;
    }
  }
  return next;
}

/**
 * Every element must be a string (the reference fails the whole request on anything else);
 * strings that are not IP addresses are dropped, `/bits` is stripped, order and duplicates kept.
 */
function readIpAssignments(list: unknown[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length && out.length < MAX_JSON_ARRAY_ENTRIES; i++) {
    const s = list[i];
    if (typeof s !== 'string') throw fieldError(`ipAssignments[${i}]`, 'must be an IP address string');
    const slash = s.indexOf('/');
    const ip = canonicalIpText(slash === -1 ? s : s.slice(0, slash));
    if (ip !== undefined) out.push(ip);
  }
  return out;
}

/** `[id, value]` pairs masked to 32 bits; anything that is not a 2-element array is dropped; last id wins; sorted. */
function readMemberTags(list: unknown[]): [number, number][] {
  const byId = new Map<number, number>();
  list.forEach((t, i) => {
    if (!Array.isArray(t) || t.length !== 2) return;
    byId.set(readU32Masked(t[0], `tags[${i}][0]`), readU32Masked(t[1], `tags[${i}][1]`));
  });
  return [...byId.entries()].sort((a, b) => a[0] - b[0]).slice(0, MAX_JSON_ARRAY_ENTRIES);
}

function readMemberCapabilities(list: unknown[]): number[] {
  const ids = list.slice(0, MAX_JSON_ARRAY_ENTRIES).map((c, i) => readInt(c, `capabilities[${i}]`, U32_RANGE));
  return [...new Set(ids)].sort((a, b) => a - b);
}
