/**
 * Type-0 ("C25519") identities (spec vl1.md 3): an address, a 64-byte public key and optionally
 * the 64-byte private key. Immutable once built. The address is bound to the key by the
 * memory-hard hash, which only locallyValidate() checks (it is costly: callers rate-limit it);
 * parsing never does.
 *
 * node:crypto KeyObjects for signing, verifying and key agreement are created on first use and
 * kept on the instance, since a peer's identity is used for every credential and every key.
 */
import { randomBytes as nodeRandomBytes, type KeyObject } from 'node:crypto';
import { DecodeError, decodeGuard, fail, ok, type Result } from '../errors.js';
import { addressToString, isReservedAddress, isValidAddressValue, type Address } from './address.js';
import { BufferReader, BufferWriter } from './buffer-reader.js';
import { bytesEqual, bytesToHex, hexToBytes, readU40, writeU40 } from './bytes.js';
import {
  c25519AgreeWithKeys,
  c25519SignWithKey,
  c25519VerifyWithKey,
  ed25519PrivateKeyObject,
  ed25519PublicFromSeed,
  ed25519PublicKeyObject,
  x25519PrivateKeyObject,
  x25519PublicFromPrivate,
  x25519PublicKeyObject,
  type RandomBytes,
} from './c25519.js';
import {
  ZT_ADDRESS_LENGTH,
  ZT_C25519_PRIVATE_KEY_LEN,
  ZT_C25519_PUBLIC_KEY_LEN,
  ZT_IDENTITY_GEN_HASHCASH_FIRST_BYTE_LESS_THAN,
} from './constants.js';
import { memoryHardDigest } from './memory-hard-hash.js';

export { memoryHardDigest } from './memory-hard-hash.js';

export const ZT_IDENTITY_TYPE_C25519 = 0;
/** Serialized sizes: address + type + public key + private length byte (+ private key). */
export const IDENTITY_PUBLIC_SERIALIZED_LENGTH = ZT_ADDRESS_LENGTH + 1 + ZT_C25519_PUBLIC_KEY_LEN + 1;
export const IDENTITY_PRIVATE_SERIALIZED_LENGTH = IDENTITY_PUBLIC_SERIALIZED_LENGTH + ZT_C25519_PRIVATE_KEY_LEN;

const defaultRandomBytes: RandomBytes = (n) => new Uint8Array(nodeRandomBytes(n));

export class Identity {
  readonly address: Address;
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array | undefined;

  #ed25519Public: KeyObject | undefined;
  #x25519Public: KeyObject | undefined;
  #ed25519Private: KeyObject | undefined;
  #x25519Private: KeyObject | undefined;
  #validated: boolean | undefined;

  /** Builds from parts without any check but lengths; see locallyValidate(). */
  constructor(address: Address, publicKey: Uint8Array, privateKey?: Uint8Array) {
    if (!isValidAddressValue(address)) throw new RangeError(`not a 40-bit address: ${address}`);
    if (publicKey.length !== ZT_C25519_PUBLIC_KEY_LEN) throw new RangeError('identity public key must be 64 bytes');
    if (privateKey && privateKey.length !== ZT_C25519_PRIVATE_KEY_LEN) throw new RangeError('identity private key must be 64 bytes');
    this.address = address;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  /**
   * Searches for a new identity: random private key, then walk the X25519 half until the
   * memory-hard digest starts below 17 (about 15 evaluations). Any search over X25519 keys is
   * interoperable; this one steps private bytes 8..23 like the reference so the Ed25519 half is
   * derived only once per attempt.
   */
  static generate(randomBytes: RandomBytes = defaultRandomBytes): Identity {
    for (;;) {
      const privateKey = randomBytes(ZT_C25519_PRIVATE_KEY_LEN).slice(0, ZT_C25519_PRIVATE_KEY_LEN);
      if (privateKey.length !== ZT_C25519_PRIVATE_KEY_LEN) throw new RangeError('randomBytes returned too few bytes');
      const publicKey = new Uint8Array(ZT_C25519_PUBLIC_KEY_LEN);
      publicKey.set(ed25519PublicFromSeed(privateKey.subarray(32, 64)), 32);
      let digest: Uint8Array;
      for (;;) {
        publicKey.set(x25519PublicFromPrivate(privateKey.subarray(0, 32)), 0);
        digest = memoryHardDigest(publicKey);
        if (digest[0] < ZT_IDENTITY_GEN_HASHCASH_FIRST_BYTE_LESS_THAN) break;
        stepPrivateKey(privateKey);
      }
      const address = readU40(digest, 59);
      if (isReservedAddress(address)) continue;
      const identity = new Identity(address, publicKey, privateKey);
      identity.#validated = true;
      return identity;
    }
  }

  /**
   * Parses `address:0:public[:private]` (spec 3.4). Empty fields are skipped like the reference's
   * tokenizer; surrounding whitespace (a file's trailing newline) is ignored. Keys must be
   * exactly 128 hex digits. Does not check that the address matches the key.
   */
  static fromString(text: string): Result<Identity> {
    const fields = text.trim().split(':').filter((f) => f.length > 0);
    if (fields.length < 3 || fields.length > 4) return badIdentity(`identity must have 3 or 4 ':'-separated fields, found ${fields.length}`);
    if (!/^[0-9a-fA-F]{10}$/.test(fields[0])) return badIdentity('identity address must be 10 hex digits');
    const address = parseInt(fields[0], 16);
    if (isReservedAddress(address)) return fail(new DecodeError('bad_address', `reserved address in identity: ${fields[0]}`));
    if (fields[1] !== '0') return badIdentity(`unsupported identity type ${JSON.stringify(fields[1].slice(0, 8))} (only 0 exists in ZeroTier 1.x)`);
    if (!/^[0-9a-fA-F]{128}$/.test(fields[2])) return badIdentity('identity public key must be 128 hex digits');
    if (fields.length === 4 && !/^[0-9a-fA-F]{128}$/.test(fields[3])) return badIdentity('identity private key must be 128 hex digits');
    return ok(new Identity(address, hexToBytes(fields[2]), fields.length === 4 ? hexToBytes(fields[3]) : undefined));
  }

  /** Decodes the binary form (spec 3.2) at offset; length is how many bytes it took. */
  static deserialize(bytes: Uint8Array, offset = 0): Result<{ identity: Identity; length: number }> {
    return decodeGuard(() => {
      const r = new BufferReader(bytes, offset);
      const identity = Identity.read(r);
      return { identity, length: r.offset - offset };
    });
  }

  /** Reads the binary form from a reader; throws DecodeError (for use inside other decoders). */
  static read(r: BufferReader): Identity {
    const address = r.u40('identity address');
    const type = r.u8('identity type');
    if (type !== ZT_IDENTITY_TYPE_C25519) throw new DecodeError('bad_identity', `unsupported identity type ${type}`);
    const publicKey = r.bytesCopy(ZT_C25519_PUBLIC_KEY_LEN, 'identity public key');
    const privateLength = r.u8('identity private key length');
    if (privateLength !== 0 && privateLength !== ZT_C25519_PRIVATE_KEY_LEN) {
      throw new DecodeError('bad_identity', `bad identity private key length ${privateLength}`);
    }
    const privateKey = privateLength ? r.bytesCopy(privateLength, 'identity private key') : undefined;
    return new Identity(address, publicKey, privateKey);
  }

  /** 71 bytes, or 135 with the private key (only if asked and present). */
  serialize(includePrivate = false): Uint8Array {
    const withPrivate = includePrivate && this.privateKey !== undefined;
    const out = new Uint8Array(withPrivate ? IDENTITY_PRIVATE_SERIALIZED_LENGTH : IDENTITY_PUBLIC_SERIALIZED_LENGTH);
    writeU40(out, 0, this.address);
    out[5] = ZT_IDENTITY_TYPE_C25519;
    out.set(this.publicKey, 6);
    if (withPrivate) {
      out[70] = ZT_C25519_PRIVATE_KEY_LEN;
      out.set(this.privateKey!, 71);
    }
    return out;
  }

  write(w: BufferWriter, includePrivate = false): void {
    w.bytes(this.serialize(includePrivate));
  }

  toString(includePrivate = false): string {
    const pub = `${addressToString(this.address)}:0:${bytesToHex(this.publicKey)}`;
    return includePrivate && this.privateKey ? `${pub}:${bytesToHex(this.privateKey)}` : pub;
  }

  hasPrivate(): boolean {
    return this.privateKey !== undefined;
  }

  /**
   * The full check a node runs before trusting a new identity: address not reserved, memory-hard
   * digest below the threshold and ending in the address, and, if we hold the private key, that
   * it really is this public key's. Memoized, since identities are immutable.
   */
  locallyValidate(): boolean {
    if (this.#validated === undefined) this.#validated = this.#computeValidity();
    return this.#validated;
  }

  #computeValidity(): boolean {
    if (isReservedAddress(this.address)) return false;
    const digest = memoryHardDigest(this.publicKey);
    if (digest[0] >= ZT_IDENTITY_GEN_HASHCASH_FIRST_BYTE_LESS_THAN) return false;
    if (readU40(digest, 59) !== this.address) return false;
    if (this.privateKey) {
      try {
        const x = x25519PublicFromPrivate(this.privateKey.subarray(0, 32));
        const ed = ed25519PublicFromSeed(this.privateKey.subarray(32, 64));
        if (!bytesEqual(x, this.publicKey.subarray(0, 32)) || !bytesEqual(ed, this.publicKey.subarray(32, 64))) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  /** 96-byte signature (spec 3.5). Needs the private key. */
  sign(message: Uint8Array): Uint8Array {
    if (!this.privateKey) throw new Error(`identity ${addressToString(this.address)} has no private key to sign with`);
    this.#ed25519Private ??= ed25519PrivateKeyObject(this.privateKey.subarray(32, 64));
    return c25519SignWithKey(this.#ed25519Private, message);
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (!this.#ed25519Public) {
      try {
        this.#ed25519Public = ed25519PublicKeyObject(this.publicKey.subarray(32, 64));
      } catch {
        return false;
      }
    }
    return c25519VerifyWithKey(this.#ed25519Public, message, signature);
  }

  /** key48 shared with another identity (spec 3.6). Needs our private key; same both ways. */
  agree(other: Identity): Uint8Array {
    if (!this.privateKey) throw new Error(`identity ${addressToString(this.address)} has no private key to agree with`);
    this.#x25519Private ??= x25519PrivateKeyObject(this.privateKey.subarray(0, 32));
    return c25519AgreeWithKeys(this.#x25519Private, other.#x25519PublicKey());
  }

  #x25519PublicKey(): KeyObject {
    this.#x25519Public ??= x25519PublicKeyObject(this.publicKey.subarray(0, 32));
    return this.#x25519Public;
  }

  /** Same address and same public key (private keys are not compared). */
  equals(other: Identity): boolean {
    return this.address === other.address && bytesEqual(this.publicKey, other.publicKey);
  }

  publicOnly(): Identity {
    if (!this.privateKey) return this;
    const copy = new Identity(this.address, this.publicKey);
    copy.#ed25519Public = this.#ed25519Public;
    copy.#x25519Public = this.#x25519Public;
    if (this.#validated) copy.#validated = true;
    return copy;
  }
}

/** Next X25519 candidate: bytes 8..15 count up and bytes 16..23 count down (little-endian). */
function stepPrivateKey(k: Uint8Array): void {
  for (let i = 8; i < 16; i++) {
    k[i] = (k[i] + 1) & 0xff;
    if (k[i] !== 0) break;
  }
  for (let i = 16; i < 24; i++) {
    k[i] = (k[i] - 1) & 0xff;
    if (k[i] !== 0xff) break;
  }
}

function badIdentity(message: string): Result<never> {
  return fail(new DecodeError('bad_identity', message));
}
