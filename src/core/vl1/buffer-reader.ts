/**
 * Bounds-checked cursor over untrusted bytes. Every read checks length first and throws
 * DecodeError('truncated'), which decodeGuard turns into a Result at the decoder boundary.
 */
import { DecodeError } from '../errors.js';
import { readU16, readU32, readU40, readU64 } from './bytes.js';

export class BufferReader {
  constructor(
    readonly bytes: Uint8Array,
    public offset = 0,
    readonly end = bytes.length,
  ) {}

  get remaining(): number {
    return this.end - this.offset;
  }

  need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.end) {
      throw new DecodeError('truncated', `truncated ${what}: need ${n} bytes at offset ${this.offset}, have ${this.end - this.offset}`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.bytes[this.offset++];
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = readU16(this.bytes, this.offset);
    this.offset += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = readU32(this.bytes, this.offset);
    this.offset += 4;
    return v;
  }

  u40(what = 'address'): number {
    this.need(5, what);
    const v = readU40(this.bytes, this.offset);
    this.offset += 5;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = readU64(this.bytes, this.offset);
    this.offset += 8;
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  bytesView(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A copy of the next n bytes, for values that outlive the packet buffer. */
  bytesCopy(n: number, what = 'bytes'): Uint8Array {
    return this.bytesView(n, what).slice();
  }

  skip(n: number, what = 'skipped field'): void {
    this.need(n, what);
    this.offset += n;
  }

  rest(): Uint8Array {
    const v = this.bytes.subarray(this.offset, this.end);
    this.offset = this.end;
    return v;
  }

  expectEnd(what: string): void {
    if (this.offset !== this.end) {
      throw new DecodeError('trailing_bytes', `${this.end - this.offset} unexpected trailing bytes after ${what}`);
    }
  }
}

/** Growable big-endian writer for building packets and serialized objects. */
export class BufferWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    for (let s = 24; s >= 0; s -= 8) this.buf[this.length++] = (v >>> s) & 0xff;
    return this;
  }

  u40(v: number): this {
    this.u8(Math.floor(v / 0x100000000));
    return this.u32(v >>> 0);
  }

  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    return this.u32(Number(v & 0xffffffffn));
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  /** Patch a u16 written earlier (e.g. a length prefix). */
  setU16(offset: number, v: number): void {
    this.buf[offset] = (v >>> 8) & 0xff;
    this.buf[offset + 1] = v & 0xff;
  }

  /** A copy of what was written. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
