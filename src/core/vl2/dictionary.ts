/**
 * ZeroTier's Dictionary (spec vl2.md §3): `key=value` entries separated by LF, values escaped
 * so that they never contain NUL, CR, LF, `\` or `=`. Carries the network config, the config
 * request metadata and SSO payloads.
 *
 * Reading follows the reference's scan exactly, quirks included: the text ends at the first NUL,
 * CR also separates entries, the first entry wins, a key matches only when `=` follows it at
 * once, a backslash before any other byte yields that byte and a trailing lone backslash is
 * dropped. Lookups scan the bytes (no index), so memory stays flat for hostile input; the size
 * is capped at parse time.
 */
import { DecodeError, fail, ok, type Result } from '../errors.js';
import { ZT_NETWORKCONFIG_DICT_CAPACITY } from './constants.js';
import { strtoll, strtoull } from './c-number.js';

const NUL = 0x00;
const LF = 0x0a;
const CR = 0x0d;
const EQ = 0x3d;
const BACKSLASH = 0x5c;
const U64_MASK = 0xffffffffffffffffn;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** Key bytes (latin1), or undefined for a key no entry can have (a character above 0xff). */
function keyBytes(key: string): Uint8Array | undefined {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export class Dictionary {
  /** The dictionary text: everything before the first NUL. */
  readonly data: Uint8Array;

  private constructor(data: Uint8Array) {
    this.data = data;
  }

  /**
   * Wraps received bytes. Like the reference's fixed buffer, it must be strictly shorter than
   * `capacity` (484 520 for a network config, 1024 for request metadata).
   */
  static parse(bytes: Uint8Array, capacity: number = ZT_NETWORKCONFIG_DICT_CAPACITY): Result<Dictionary> {
    if (bytes.length >= capacity) {
      return fail(new DecodeError('oversized', `dictionary of ${bytes.length} bytes exceeds capacity ${capacity}`));
    }
    const nul = bytes.indexOf(NUL);
    return ok(new Dictionary((nul === -1 ? bytes : bytes.subarray(0, nul)).slice()));
  }

  /** Where the value of the first entry named `key` starts, or -1. */
  private valueOffset(key: string): number {
    const k = keyBytes(key);
    if (k === undefined) return -1;
    const d = this.data;
    const end = d.length;
    let p = 0;
    while (p < end) {
      let m = 0;
      while (m < k.length && p + m < end && d[p + m] === k[m]) m++;
      if (m === k.length && p + m < end && d[p + m] === EQ) return p + m + 1;
      p += m;
      while (p < end && d[p] !== CR && d[p] !== LF) p++;
      if (p >= end) return -1;
      p++;
    }
    return -1;
  }

  has(key: string): boolean {
    return this.valueOffset(key) >= 0;
  }

  /**
   * The unescaped value of `key`, or undefined if absent. `maxLength` reproduces the reference's
   * destination buffer: a value longer than that is cut to its first `maxLength` bytes.
   */
  getBytes(key: string, maxLength = Number.MAX_SAFE_INTEGER): Uint8Array | undefined {
    const start = this.valueOffset(key);
    if (start < 0) return undefined;
    const d = this.data;
    let end = start;
    while (end < d.length && d[end] !== CR && d[end] !== LF) end++;
    const out = new Uint8Array(Math.min(end - start, maxLength));
    let n = 0;
    let escaped = false;
    for (let p = start; p < end; p++) {
      let c = d[p];
      if (escaped) {
        escaped = false;
        if (c === 0x72) c = CR;
        else if (c === 0x6e) c = LF;
        else if (c === 0x30) c = NUL;
        else if (c === 0x65) c = EQ;
      } else if (c === BACKSLASH) {
        escaped = true;
        continue;
      }
      if (n === maxLength) break;
      out[n++] = c;
    }
    return out.subarray(0, n);
  }

  /** The value as UTF-8 text (the reference's text values are C strings: cut at a NUL). */
  getString(key: string, maxLength?: number): string | undefined {
    const b = this.getBytes(key, maxLength);
    if (b === undefined) return undefined;
    const nul = b.indexOf(NUL);
    return utf8Decoder.decode(nul === -1 ? b : b.subarray(0, nul));
  }

  /** Reference `getUI`: strtoull(value, 16) of the first 127 bytes; absent or empty → `dflt`. */
  getU64(key: string, dflt = 0n): bigint {
    const b = this.getBytes(key, 127);
    if (b === undefined || b.length === 0) return dflt & U64_MASK;
    return strtoull(latin1(b), 16);
  }

  /** Reference `getI`: strtoll(value, 16), saturating; absent or empty → `dflt`. */
  getI64(key: string, dflt = 0n): bigint {
    const b = this.getBytes(key, 127);
    if (b === undefined || b.length === 0) return dflt;
    return strtoll(latin1(b), 16);
  }

  /** Reference `getB`: present → first byte is `1`, `t` or `T` (empty → false); absent → `dflt`. */
  getBool(key: string, dflt = false): boolean {
    const b = this.getBytes(key, 3);
    if (b === undefined) return dflt;
    return b.length > 0 && (b[0] === 0x31 || b[0] === 0x74 || b[0] === 0x54);
  }

  /** A 40-bit address written as hex text (`id`, `tt`); absent/empty → `dflt`. */
  getAddress(key: string, dflt = 0): number {
    return Number(this.getU64(key, BigInt(dflt)) & 0xffffffffffn);
  }
}

/**
 * Builds a dictionary into a bounded buffer. Like the reference, an entry that does not fit
 * (the total must stay below `capacity`) is refused and leaves the dictionary unchanged.
 */
export class DictionaryBuilder {
  private buf: Uint8Array;
  private len = 0;

  constructor(readonly capacity: number = ZT_NETWORKCONFIG_DICT_CAPACITY) {
    this.buf = new Uint8Array(Math.max(1, Math.min(capacity, 4096)));
  }

  get length(): number {
    return this.len;
  }

  private ensure(total: number): void {
    if (total <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < total) cap *= 2;
    const next = new Uint8Array(Math.min(cap, this.capacity));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends `key=value`, escaping the value; false (and no change) if it would not fit. */
  add(key: string, value: Uint8Array | string): boolean {
    const k = keyBytes(key);
    // Keys are written raw, so they must not hold a separator, `=` or a NUL.
    if (k === undefined || /[\0\r\n=]/.test(key)) throw new Error(`invalid dictionary key ${JSON.stringify(key)}`);
    const v = typeof value === 'string' ? utf8Encoder.encode(value) : value;
    let escapes = 0;
    for (let i = 0; i < v.length; i++) {
      const c = v[i];
      if (c === NUL || c === CR || c === LF || c === BACKSLASH || c === EQ) escapes++;
    }
    const added = (this.len > 0 ? 1 : 0) + k.length + 1 + v.length + escapes;
    if (this.len + added > this.capacity - 1) return false;
    this.ensure(this.len + added);
    const b = this.buf;
    let o = this.len;
    if (o > 0) b[o++] = LF;
    b.set(k, o);
    o += k.length;
    b[o++] = EQ;
    for (let i = 0; i < v.length; i++) {
      const c = v[i];
      switch (c) {
        case NUL: b[o++] = BACKSLASH; b[o++] = 0x30; break;
        case CR: b[o++] = BACKSLASH; b[o++] = 0x72; break;
        case LF: b[o++] = BACKSLASH; b[o++] = 0x6e; break;
        case BACKSLASH: b[o++] = BACKSLASH; b[o++] = BACKSLASH; break;
        case EQ: b[o++] = BACKSLASH; b[o++] = 0x65; break;
        default: b[o++] = c;
      }
    }
    this.len = o;
    return true;
  }

  /** Exactly 16 lower-case hex digits. */
  addU64(key: string, value: bigint): boolean {
    return this.add(key, (value & U64_MASK).toString(16).padStart(16, '0'));
  }

  /** The reference loses the sign of negative values: it writes the magnitude's 16 hex digits. */
  addI64(key: string, value: bigint): boolean {
    const magnitude = value < 0n ? -value : value;
    return this.addU64(key, magnitude);
  }

  addBool(key: string, value: boolean): boolean {
    return this.add(key, value ? '1' : '0');
  }

  /** A 40-bit address as 10 hex digits (the form `id` and `tt` use). */
  addAddress(key: string, address: number): boolean {
    return this.add(key, address.toString(16).padStart(10, '0'));
  }

  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
