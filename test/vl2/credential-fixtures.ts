/**
 * Shared by the credential tests: the published test identities of vl2-credentials.json (A is
 * the controller of network 8c0dc01ba4000001, B and C members), a signer lookup over them, and
 * fast-check generators of credentials with every field within its wire width.
 */
import fc from 'fast-check';
import { hexToBytes } from '../../src/core/vl1/bytes.js';
import { Identity } from '../../src/core/vl1/identity.js';
import type { Address } from '../../src/core/vl1/address.js';
import type { Capability, CertificateOfMembership, CertificateOfOwnership, Revocation, Tag } from '../../src/core/vl2/credentials/index.js';
import { loadVectors } from '../helpers/vectors.js';
import { ruleArb } from './rule-arbitrary.js';

export const credentialVectors = loadVectors('vl2-credentials.json');

function identity(text: string): Identity {
  const r = Identity.fromString(text);
  if (!r.ok) throw r.error;
  return r.value;
}

export const A = identity(credentialVectors.identities.A_controller.secret);
export const B = identity(credentialVectors.identities.B_member.secret);
export const C = identity(credentialVectors.identities.C_member.secret);
export const NWID: bigint = BigInt('0x' + credentialVectors.nwid);
export const NOW: number = credentialVectors.now;

const known = new Map<Address, Identity>([A, B, C].map((id) => [id.address, id.publicOnly()]));
/** Finds A, B and C by address (public halves only, like a peer table). */
export const lookup = (address: Address): Identity | undefined => known.get(address);
export const byAddressHex = (hex: string): Identity => {
  const id = lookup(parseInt(hex, 16));
  if (!id) throw new Error(`no test identity ${hex}`);
  return id;
};

export function mustOk<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

export const hex = hexToBytes;

// ---- Generators --------------------------------------------------------------------------

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const address = fc.integer({ min: 0, max: 0xffffffffff });
const nonZeroAddress = fc.integer({ min: 1, max: 0xffffffffff });
const signature = fc.uint8Array({ minLength: 96, maxLength: 96 });

export const comArb: fc.Arbitrary<CertificateOfMembership> = fc
  .record({
    qualifiers: fc.array(fc.record({ id: u64, value: u64, maxDelta: u64 }), { minLength: 1, maxLength: 8 }),
    signedBy: address,
    signature,
  })
  .map((c) => ({
    qualifiers: [...c.qualifiers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((q) => ({ ...q })),
    signedBy: c.signedBy,
    // An unsigned COM carries no signature on the wire, so it decodes as zeros.
    signature: c.signedBy === 0 ? new Uint8Array(96) : c.signature,
  }));

export const tagArb: fc.Arbitrary<Tag> = fc
  .record({ networkId: u64, timestamp: i64, id: u32, value: u32, issuedTo: address, signedBy: address, signature })
  .map((t) => ({ ...t }));

export const capabilityArb: fc.Arbitrary<Capability> = fc
  .record({
    networkId: u64,
    timestamp: i64,
    id: u32,
    rules: fc.array(ruleArb, { maxLength: 10 }),
    maxCustodyChainLength: fc.integer({ min: 1, max: 7 }),
    hops: fc.array(fc.record({ to: nonZeroAddress, from: address, signature }), { maxLength: 7 }),
  })
  .map(({ hops, ...c }) => ({ ...c, custody: hops.slice(0, c.maxCustodyChainLength).map((h) => ({ ...h })) }));

export const cooArb: fc.Arbitrary<CertificateOfOwnership> = fc
  .record({
    networkId: u64,
    timestamp: i64,
    flags: u64,
    id: u32,
    things: fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ minLength: 16, maxLength: 16 }) }), { maxLength: 16 }),
    issuedTo: address,
    signedBy: address,
    signature,
  })
  .map((c) => ({ ...c, things: c.things.map((t) => ({ ...t })) }));

export const revocationArb: fc.Arbitrary<Revocation> = fc
  .record({ id: u32, networkId: u64, credentialId: u32, threshold: i64, flags: u64, target: address, signedBy: address, type: fc.integer({ min: 0, max: 255 }), signature })
  .map((r) => ({ ...r }));
