/**
 * ZeroTier addresses (spec vl1.md 2): 40-bit integers, 5 bytes big-endian on the wire, 10 hex
 * digits as text. Held as plain numbers (2^40 is far below 2^53), so they compare and hash cheaply.
 * Addresses are derived from identities, never chosen; a reserved one is never a node.
 */
import { DecodeError, fail, ok, type Result } from '../errors.js';
import { readU40, writeU40 } from './bytes.js';
import { ZT_ADDRESS_RESERVED_PREFIX } from './constants.js';

export type Address = number;

const ADDRESS_LIMIT = 0x10000000000; // 2^40
const RESERVED_PREFIX_START = ZT_ADDRESS_RESERVED_PREFIX * 0x100000000; // 0xff00000000

export function isValidAddressValue(a: number): boolean {
  return Number.isInteger(a) && a >= 0 && a < ADDRESS_LIMIT;
}

/** Zero and anything whose first byte is 0xff (the fragment indicator) can never be a node. */
export function isReservedAddress(a: Address): boolean {
  return a === 0 || a >= RESERVED_PREFIX_START;
}

export function addressToString(a: Address): string {
  return a.toString(16).padStart(10, '0');
}

/**
 * Parses exactly 10 hex digits (either case, as the reference's base-16 parser accepts) and
 * rejects reserved addresses.
 */
export function parseAddress(text: string): Result<Address> {
  if (!/^[0-9a-fA-F]{10}$/.test(text)) {
    return fail(new DecodeError('bad_address', `not a ZeroTier address (10 hex digits): ${JSON.stringify(text.slice(0, 40))}`));
  }
  const a = parseInt(text, 16);
  if (isReservedAddress(a)) return fail(new DecodeError('bad_address', `reserved ZeroTier address: ${text}`));
  return ok(a);
}

export function readAddress(bytes: Uint8Array, offset: number): Address {
  return readU40(bytes, offset);
}

export function writeAddress(bytes: Uint8Array, offset: number, a: Address): void {
  writeU40(bytes, offset, a);
}
