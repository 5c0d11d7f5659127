/**
 * Certificate of ownership (spec vl2.md §6.4): the controller states that a member owns IP or
 * MAC addresses, so the rules engine may treat traffic from them as authenticated.
 *
 * Wire: `u64 nwid ‖ i64 timestamp ‖ u64 flags ‖ u32 id ‖ u16 thingCount ‖ things (u8 type ‖
 * 16 value bytes) ‖ 5 issuedTo ‖ 5 signedBy ‖ signature field ‖ u16 extra length + bytes`.
 * Signed message: everything through signedBy, then `0000`, wrapped in 0x7f×8.
 */
import type { Result } from '../../errors.js';
import type { Address } from '../../vl1/address.js';
import { BufferWriter, type BufferReader } from '../../vl1/buffer-reader.js';
import type { Identity } from '../../vl1/identity.js';
import type { InetAddress } from '../../vl1/inet-address.js';
import { ZT_CERTIFICATEOFOWNERSHIP_MAX_THING_VALUE_SIZE, ZT_CERTIFICATEOFOWNERSHIP_MAX_THINGS } from '../constants.js';
import { writeMac, type MAC } from '../mac.js';
import type { NetworkId } from '../network-id.js';
import {
  asInt64,
  decodeCredential,
  emptySignature,
  invalid,
  readSignatureTail,
  signAsController,
  verifyControllerSigned,
  wrappedSignedMessage,
  writeI64,
  writeSignatureTail,
  type SignerSource,
  type VerifyResult,
} from './credential.js';

export const COO_THING = { NULL: 0, MAC: 1, IPV4: 2, IPV6: 3 } as const;

export interface CooThing {
  /** COO_THING value (other bytes are carried but own nothing). */
  readonly type: number;
  /** 16 bytes: the address, zero-padded. */
  readonly value: Uint8Array;
}

export interface CertificateOfOwnership {
  readonly networkId: NetworkId;
  /** ms, signed 64-bit. */
  readonly timestamp: bigint;
  /** u64, 0 in 1.14. */
  readonly flags: bigint;
  /** u32 */
  readonly id: number;
  /** At most 16. */
  readonly things: readonly CooThing[];
  readonly issuedTo: Address;
  /** 0 = unsigned. */
  readonly signedBy: Address;
  readonly signature: Uint8Array;
  /**
   * Present only when the wire declared more than 16 things: the reference then reads 16 and
   * takes what follows for the remaining fields; such a certificate never verifies.
   */
  readonly wireThingCount?: number;
}

export function createCoo(networkId: NetworkId, timestamp: bigint, issuedTo: Address, id: number): CertificateOfOwnership {
  return { networkId, timestamp: asInt64(timestamp), flags: 0n, id: id >>> 0, things: [], issuedTo, signedBy: 0, signature: emptySignature() };
}

function thing(type: number, bytes: Uint8Array): CooThing {
  const value = new Uint8Array(ZT_CERTIFICATEOFOWNERSHIP_MAX_THING_VALUE_SIZE);
  value.set(bytes.subarray(0, ZT_CERTIFICATEOFOWNERSHIP_MAX_THING_VALUE_SIZE));
  return { type, value };
}

/** Adds an IP (its address bytes; the port is ignored). Unchanged when already holding 16 things. */
export function addCooIp(coo: CertificateOfOwnership, ip: InetAddress): CertificateOfOwnership {
  if (coo.things.length >= ZT_CERTIFICATEOFOWNERSHIP_MAX_THINGS) return coo;
  return { ...coo, things: [...coo.things, thing(ip.family === 4 ? COO_THING.IPV4 : COO_THING.IPV6, ip.ip)] };
}

export function addCooMac(coo: CertificateOfOwnership, mac: MAC): CertificateOfOwnership {
  if (coo.things.length >= ZT_CERTIFICATEOFOWNERSHIP_MAX_THINGS) return coo;
  const bytes = new Uint8Array(6);
  writeMac(bytes, 0, mac);
  return { ...coo, things: [...coo.things, thing(COO_THING.MAC, bytes)] };
}

function ownsThing(coo: CertificateOfOwnership, type: number, bytes: Uint8Array): boolean {
  outer: for (const t of coo.things) {
    if (t.type !== type) continue;
    for (let i = 0; i < bytes.length; i++) if (t.value[i] !== bytes[i]) continue outer;
    return true;
  }
  return false;
}

export function cooOwnsIp(coo: CertificateOfOwnership, ip: InetAddress): boolean {
  return ownsThing(coo, ip.family === 4 ? COO_THING.IPV4 : COO_THING.IPV6, ip.ip);
}

export function cooOwnsMac(coo: CertificateOfOwnership, mac: MAC): boolean {
  const bytes = new Uint8Array(6);
  writeMac(bytes, 0, mac);
  return ownsThing(coo, COO_THING.MAC, bytes);
}

function writeBody(w: BufferWriter, coo: CertificateOfOwnership): void {
  w.u64(coo.networkId);
  writeI64(w, coo.timestamp);
  w.u64(coo.flags).u32(coo.id).u16(coo.things.length);
  for (const t of coo.things) w.u8(t.type).bytes(t.value);
  w.u40(coo.issuedTo).u40(coo.signedBy);
}

export function cooSignedMessage(coo: CertificateOfOwnership): Uint8Array {
  return wrappedSignedMessage(64 + coo.things.length * 17, writeBody, coo);
}

export function signCoo(coo: CertificateOfOwnership, signer: Identity): CertificateOfOwnership {
  return signAsController(coo, signer, cooSignedMessage);
}

function tooManyThings(coo: CertificateOfOwnership): VerifyResult | undefined {
  if (coo.wireThingCount !== undefined || coo.things.length > ZT_CERTIFICATEOFOWNERSHIP_MAX_THINGS) return invalid('more than 16 things');
  return undefined;
}

export function verifyCoo(coo: CertificateOfOwnership, signers: SignerSource): VerifyResult {
  return verifyControllerSigned(coo, signers, cooSignedMessage, tooManyThings);
}

export function writeCoo(w: BufferWriter, coo: CertificateOfOwnership): void {
  writeBody(w, coo);
  writeSignatureTail(w, coo.signature);
}

export function encodeCoo(coo: CertificateOfOwnership): Uint8Array {
  const w = new BufferWriter(160 + coo.things.length * 17);
  writeCoo(w, coo);
  return w.toBytes();
}

/** Reads one COO; throws DecodeError (use inside decodeGuard). */
export function readCoo(r: BufferReader): CertificateOfOwnership {
  const networkId = r.u64('COO network ID');
  const timestamp = asInt64(r.u64('COO timestamp'));
  const flags = r.u64('COO flags');
  const id = r.u32('COO id');
  const count = r.u16('COO thing count');
  const things: CooThing[] = [];
  // Only the first 16 things are consumed, whatever the count says (the reference's quirk).
  for (let i = 0; i < Math.min(count, ZT_CERTIFICATEOFOWNERSHIP_MAX_THINGS); i++) {
    const type = r.u8('COO thing type');
    things.push({ type, value: r.bytesCopy(ZT_CERTIFICATEOFOWNERSHIP_MAX_THING_VALUE_SIZE, 'COO thing') });
  }
  const issuedTo = r.u40('COO issued-to');
  const signedBy = r.u40('COO signer');
  const signature = readSignatureTail(r);
  const coo: CertificateOfOwnership = { networkId, timestamp, flags, id, things, issuedTo, signedBy, signature };
  return count > ZT_CERTIFICATEOFOWNERSHIP_MAX_THINGS ? { ...coo, wireThingCount: count } : coo;
}

export function decodeCoo(bytes: Uint8Array, offset = 0): Result<{ coo: CertificateOfOwnership; length: number }> {
  return decodeCredential(bytes, offset, 'coo', readCoo);
}
