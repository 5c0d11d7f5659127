/**
 * What the five VL2 credentials (spec vl2.md §6) share: type codes, the verification outcome,
 * how a verifier finds signer identities, the length-prefixed signature field and the 0x7f
 * wrapping of signed messages.
 *
 * Credentials are plain immutable objects (deep-equal comparable); 64-bit wire fields are
 * bigints so every decoded credential re-encodes to the same bytes, which is what signatures
 * are checked against.
 */
import { DecodeError, decodeGuard, type Result } from '../../errors.js';
import type { Address } from '../../vl1/address.js';
import { BufferReader, BufferWriter } from '../../vl1/buffer-reader.js';
import { ZT_C25519_SIGNATURE_LEN } from '../../vl1/constants.js';
import type { Identity } from '../../vl1/identity.js';
import type { NetworkId } from '../network-id.js';

/** Credential type codes (as carried by revocations). */
export const CREDENTIAL_TYPE = {
  NULL: 0,
  COM: 1,
  CAPABILITY: 2,
  TAG: 3,
  COO: 4,
  REVOCATION: 6,
} as const;

/** Signature type byte of the length-prefixed signature field. */
const SIGNATURE_TYPE_ED25519 = 1;

/** Eight 0x7f bytes open and close every signed message but the COM's. */
const SIGNING_WRAPPER = 0x7f7f7f7f7f7f7f7fn;

/**
 * Outcome of verify (the reference's 0 / -1 / 1): valid; invalid; or the identity of `signer`
 * is unknown, so the caller WHOISes it and retries later.
 */
export type VerifyResult =
  | { readonly status: 'valid' }
  | { readonly status: 'invalid'; readonly reason: string }
  | { readonly status: 'unknown-signer'; readonly signer: Address };

export const VALID: VerifyResult = Object.freeze({ status: 'valid' });

export function invalid(reason: string): VerifyResult {
  return { status: 'invalid', reason };
}

/** Where a verifier finds identities: one known identity, or a lookup (e.g. the peer table). */
export type SignerSource = Identity | ((address: Address) => Identity | undefined);

export function lookupSigner(source: SignerSource, address: Address): Identity | undefined {
  if (typeof source === 'function') return source(address);
  return source.address === address ? source : undefined;
}

/** The controller of a network: its ID's top 40 bits. */
export function controllerOf(nwid: NetworkId): Address {
  return Number((nwid >> 24n) & 0xffffffffffn);
}

/**
 * The common tail of verify: signer known, then the signature over `message`. `signedBy` must
 * already have been checked against the controller.
 */
export function verifySignature(source: SignerSource, signedBy: Address, message: Uint8Array, signature: Uint8Array): VerifyResult {
  const signer = lookupSigner(source, signedBy);
  if (!signer) return { status: 'unknown-signer', signer: signedBy };
  return signer.verify(message, signature) ? VALID : invalid('bad signature');
}

export function emptySignature(): Uint8Array {
  return new Uint8Array(ZT_C25519_SIGNATURE_LEN);
}

/** `u8 1, u16 96, 96 bytes`. */
export function writeSignatureField(w: BufferWriter, signature: Uint8Array): void {
  w.u8(SIGNATURE_TYPE_ED25519).u16(ZT_C25519_SIGNATURE_LEN).bytes(signature);
}

/**
 * Reads the signature field. Type 1 must say 96 bytes; any other type is skipped by its length
 * and leaves an all-zero signature (which never verifies).
 */
export function readSignatureField(r: BufferReader): Uint8Array {
  const type = r.u8('signature type');
  const length = r.u16('signature length');
  if (type !== SIGNATURE_TYPE_ED25519) {
    r.skip(length, 'unknown signature');
    return emptySignature();
  }
  if (length !== ZT_C25519_SIGNATURE_LEN) throw new DecodeError('bad_signature', `signature length ${length}, expected ${ZT_C25519_SIGNATURE_LEN}`);
  return r.bytesCopy(ZT_C25519_SIGNATURE_LEN, 'signature');
}

/** The `u16 length` of future fields and those bytes, which 1.14 ignores. */
export function skipExtraFields(r: BufferReader): void {
  r.skip(r.u16('extra fields length'), 'extra fields');
}

export function beginSignedMessage(w: BufferWriter): void {
  w.u64(SIGNING_WRAPPER);
}

/** Writes the (empty) extra-fields length and the closing wrapper. */
export function endSignedMessage(w: BufferWriter): void {
  w.u16(0).u64(SIGNING_WRAPPER);
}

/** Wraps `writeBody`'s bytes as a signed message: `7f×8 ‖ body ‖ 0000 ‖ 7f×8`. */
export function wrappedSignedMessage<T>(capacity: number, writeBody: (w: BufferWriter, credential: T) => void, credential: T): Uint8Array {
  const w = new BufferWriter(capacity);
  beginSignedMessage(w);
  writeBody(w, credential);
  endSignedMessage(w);
  return w.toBytes();
}

/** The fields of a credential the network controller issues and signs itself (tag, COO, revocation). */
export interface ControllerSigned {
  readonly networkId: NetworkId;
  /** 0 = unsigned. */
  readonly signedBy: Address;
  readonly signature: Uint8Array;
}

/** Sets signedBy to the signer, then signs (the signer's address is part of the message). */
export function signAsController<T extends ControllerSigned>(credential: T, signer: Identity, signedMessage: (credential: T) => Uint8Array): T {
  const named = { ...credential, signedBy: signer.address };
  return { ...named, signature: signer.sign(signedMessage(named)) };
}

/**
 * Verify for controller-signed credentials: signed by the network's controller, then
 * `precheck` (undefined = fine), then the signature over the signed message.
 */
export function verifyControllerSigned<T extends ControllerSigned>(
  credential: T,
  signers: SignerSource,
  signedMessage: (credential: T) => Uint8Array,
  precheck?: (credential: T) => VerifyResult | undefined,
): VerifyResult {
  if (credential.signedBy === 0 || credential.signedBy !== controllerOf(credential.networkId)) return invalid('not signed by the network controller');
  const problem = precheck?.(credential);
  if (problem) return problem;
  return verifySignature(signers, credential.signedBy, signedMessage(credential), credential.signature);
}

/** The wire tail of controller-signed credentials: signature field, then no extra fields. */
export function writeSignatureTail(w: BufferWriter, signature: Uint8Array): void {
  writeSignatureField(w, signature);
  w.u16(0);
}

/** Reads the signature field and skips the extra fields after it. */
export function readSignatureTail(r: BufferReader): Uint8Array {
  const signature = readSignatureField(r);
  skipExtraFields(r);
  return signature;
}

/**
 * The decode* wrapper of every credential: `read` at `offset` inside decodeGuard, the result
 * under `key` with how many bytes it took.
 */
export function decodeCredential<K extends string, T>(
  bytes: Uint8Array,
  offset: number,
  key: K,
  read: (r: BufferReader) => T,
): Result<{ [P in K]: T } & { length: number }> {
  return decodeGuard(() => {
    const r = new BufferReader(bytes, offset);
    const value = read(r);
    return { [key]: value, length: r.offset - offset } as { [P in K]: T } & { length: number };
  });
}

/** i64 on the wire, read as u64: the signed value. */
export function asInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** Writes an i64 (any bigint is reduced to its two's-complement 64 bits). */
export function writeI64(w: BufferWriter, v: bigint): void {
  w.u64(BigInt.asUintN(64, v));
}

/** Stable ascending order by credential id (how configs hold tags and capabilities). */
export function sortById<T extends { readonly id: number }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => a.id - b.id);
}
