/**
 * Capability (spec vl2.md §6.3): a controller-signed bundle of rules a member presents to be
 * allowed traffic the base rules stop. It carries a chain of custody: the controller signs it
 * to the first holder, and each holder may sign it on to the next while the chain has room.
 *
 * Wire: `u64 nwid ‖ i64 timestamp ‖ u32 id ‖ u16 ruleCount ‖ rules ‖ u8 maxCustodyChainLength ‖
 * custody entries (5 to ‖ 5 from ‖ signature field) ‖ 5 zero bytes ‖ u16 extra length + bytes`.
 * Every custody signature covers the same message, which does not include the chain:
 * `7f×8 ‖ nwid ‖ timestamp ‖ id ‖ ruleCount ‖ rules ‖ maxCustodyChainLength ‖ 0000 ‖ 7f×8`.
 */
import { DecodeError, type Result } from '../../errors.js';
import type { Address } from '../../vl1/address.js';
import { BufferWriter, type BufferReader } from '../../vl1/buffer-reader.js';
import type { Identity } from '../../vl1/identity.js';
import { ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH, ZT_MAX_CAPABILITY_RULES } from '../constants.js';
import type { NetworkId } from '../network-id.js';
import { readRules, writeRule, type Rule } from '../rules-codec.js';
import {
  asInt64,
  controllerOf,
  decodeCredential,
  invalid,
  lookupSigner,
  readSignatureField,
  skipExtraFields,
  VALID,
  wrappedSignedMessage,
  writeI64,
  writeSignatureField,
  type SignerSource,
  type VerifyResult,
} from './credential.js';

export interface CustodyEntry {
  /** Holder after this hop (never 0 in a chain). */
  readonly to: Address;
  /** Signer of this hop: the controller for the first, then the previous holder. */
  readonly from: Address;
  readonly signature: Uint8Array;
}

export interface Capability {
  readonly networkId: NetworkId;
  /** ms, signed 64-bit. */
  readonly timestamp: bigint;
  /** u32 */
  readonly id: number;
  /** At most 64. */
  readonly rules: readonly Rule[];
  /** 1..7: how many hops the chain may have. */
  readonly maxCustodyChainLength: number;
  /** The hops so far, in order (at most maxCustodyChainLength). */
  readonly custody: readonly CustodyEntry[];
}

/** An unsigned capability. Like the reference, keeps at most 64 rules and clamps the chain to 1..7. */
export function createCapability(id: number, networkId: NetworkId, timestamp: bigint, maxCustodyChainLength: number, rules: readonly Rule[]): Capability {
  const chain = maxCustodyChainLength > 0 ? Math.min(maxCustodyChainLength, ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH) : 1;
  return { networkId, timestamp: asInt64(timestamp), id: id >>> 0, rules: rules.slice(0, ZT_MAX_CAPABILITY_RULES), maxCustodyChainLength: chain, custody: [] };
}

/** The chain entries that count: up to the limit and the first zero `to` (as serialized). */
function effectiveCustody(cap: Capability): readonly CustodyEntry[] {
  const limit = Math.min(cap.maxCustodyChainLength, ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH);
  let n = 0;
  while (n < cap.custody.length && n < limit && cap.custody[n].to !== 0) n++;
  return n === cap.custody.length ? cap.custody : cap.custody.slice(0, n);
}

/** The current holder: `to` of the last custody entry (0 if unsigned). */
export function capabilityIssuedTo(cap: Capability): Address {
  const chain = effectiveCustody(cap);
  return chain.length ? chain[chain.length - 1].to : 0;
}

function writeBody(w: BufferWriter, cap: Capability): void {
  w.u64(cap.networkId);
  writeI64(w, cap.timestamp);
  w.u32(cap.id).u16(cap.rules.length);
  for (const rule of cap.rules) writeRule(w, rule);
  w.u8(cap.maxCustodyChainLength);
}

export function capabilitySignedMessage(cap: Capability): Uint8Array {
  return wrappedSignedMessage(64 + cap.rules.length * 8, writeBody, cap);
}

/**
 * Appends the custody hop `(to, signer)`. Undefined when the chain is already full or `to` is
 * 0. The signer should be the controller (first hop) or the current holder, or verify fails.
 */
export function signCapability(cap: Capability, signer: Identity, to: Address): Capability | undefined {
  const chain = effectiveCustody(cap);
  if (to === 0 || chain.length >= Math.min(cap.maxCustodyChainLength, ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH)) return undefined;
  const signature = signer.sign(capabilitySignedMessage(cap));
  return { ...cap, custody: [...chain, { to, from: signer.address, signature }] };
}

/**
 * The custody chain: the first hop is from the controller to someone, each later hop is from
 * the previous holder, and every hop's signature verifies with its `from` identity.
 */
export function verifyCapability(cap: Capability, signers: SignerSource): VerifyResult {
  const limit = cap.maxCustodyChainLength;
  if (limit < 1 || limit > ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH) return invalid('bad custody chain length');
  const chain = effectiveCustody(cap);
  if (chain.length === 0) return invalid('no custody');
  const message = capabilitySignedMessage(cap);
  for (let i = 0; i < chain.length; i++) {
    const hop = chain[i];
    if (i === 0) {
      if (hop.from === 0 || hop.from !== controllerOf(cap.networkId)) return invalid('first custody hop not from the network controller');
    } else if (hop.from === 0 || hop.from !== chain[i - 1].to) {
      return invalid(`custody hop ${i} not from the previous holder`);
    }
    const signer = lookupSigner(signers, hop.from);
    if (!signer) return { status: 'unknown-signer', signer: hop.from };
    if (!signer.verify(message, hop.signature)) return invalid(`bad signature on custody hop ${i}`);
  }
  return VALID;
}

export function writeCapability(w: BufferWriter, cap: Capability): void {
  writeBody(w, cap);
  for (const hop of effectiveCustody(cap)) {
    w.u40(hop.to).u40(hop.from);
    writeSignatureField(w, hop.signature);
  }
  // A zero `to` ends the chain, even a full one.
  w.u40(0).u16(0);
}

export function encodeCapability(cap: Capability): Uint8Array {
  const w = new BufferWriter(64 + cap.rules.length * 8 + cap.custody.length * 109);
  writeCapability(w, cap);
  return w.toBytes();
}

/**
 * Reads one capability; throws DecodeError (use inside decodeGuard). Rules are read like the
 * reference reads them: up to `ruleCount` rules bounded only by the end of the whole buffer.
 */
export function readCapability(r: BufferReader): Capability {
  const networkId = r.u64('capability network ID');
  const timestamp = asInt64(r.u64('capability timestamp'));
  const id = r.u32('capability id');
  const ruleCount = r.u16('capability rule count');
  if (ruleCount > ZT_MAX_CAPABILITY_RULES) throw new DecodeError('oversized', `capability has ${ruleCount} rules, max ${ZT_MAX_CAPABILITY_RULES}`);
  const parsed = readRules(r.bytes, r.offset, r.end, ruleCount);
  r.offset = parsed.offset;
  const maxCustodyChainLength = r.u8('custody chain length');
  if (maxCustodyChainLength < 1 || maxCustodyChainLength > ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH) {
    throw new DecodeError('bad_field', `custody chain length ${maxCustodyChainLength} outside 1..${ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH}`);
  }
  const custody: CustodyEntry[] = [];
  for (;;) {
    const to = r.u40('custody to');
    if (to === 0) break;
    if (custody.length >= maxCustodyChainLength) throw new DecodeError('oversized', 'custody chain longer than its maximum');
    const from = r.u40('custody from');
    custody.push({ to, from, signature: readSignatureField(r) });
  }
  skipExtraFields(r);
  return { networkId, timestamp, id, rules: parsed.rules, maxCustodyChainLength, custody };
}

export function decodeCapability(bytes: Uint8Array, offset = 0): Result<{ capability: Capability; length: number }> {
  return decodeCredential(bytes, offset, 'capability', readCapability);
}
