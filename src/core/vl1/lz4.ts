/**
 * LZ4 block format (raw blocks: no frame, checksum or size prefix), as ZeroTier uses it to
 * compress packet payloads (spec vl1.md 5.6).
 *
 * Decoding follows LZ4_decompress_safe: it accepts every block that function accepts within the
 * same output limit, and rejects (never throws, never loops without consuming input) anything
 * that would read past the input, write past `maxOutput`, copy from before the start of the
 * output, use offset 0, or end on a match instead of a literal run.
 *
 * Encoding is a greedy single-pass matcher with a hash table, like LZ4_compress_fast at
 * acceleration 1. Its output obeys the format's end-of-block rules (the last 5 bytes are
 * literals, no match starts within the last 12 bytes), so every LZ4 decoder, the reference's
 * included, accepts it. The exact bytes may differ from the reference encoder's; only
 * decodability matters on the wire.
 */
import { DecodeError, fail, ok, type Result } from '../errors.js';

const MIN_MATCH = 4;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
/** No match may start within the last 12 bytes of the input. */
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;
const RUN_MASK = 15;
const HASH_LOG = 12;
/** Search step grows by one every 2^6 misses, so incompressible data is skipped quickly. */
const SKIP_TRIGGER = 6;

// Scratch buffers: every call is synchronous and finishes before the next, so one of each is
// enough and the hot path allocates only its result.
const hashTable = new Int32Array(1 << HASH_LOG);
/**
 * Hash table entries hold `position + tableBase`; each call moves tableBase past every value the
 * previous call stored, so stale entries read as negative positions and the table needs no
 * clearing per call (only when the base nears the Int32 limit).
 */
let tableBase = 1;
let encodeScratch = new Uint8Array(16384);
let decodeScratch = new Uint8Array(16384);

/** Worst-case encoded size of `n` input bytes (LZ4_compressBound). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

// ---- Decoding -----------------------------------------------------------------------------

/**
 * Decodes `src` into `dst` starting at `dstStart`, writing at most `maxOutput` bytes (and never
 * past `dst.length`). Returns the number of bytes produced, or an error message.
 */
export function lz4DecodeInto(src: Uint8Array, dst: Uint8Array, dstStart: number, maxOutput: number): number | string {
  const srcEnd = src.length;
  if (srcEnd === 0) return 'empty LZ4 block';
  const dstEnd = Math.min(dst.length, dstStart + Math.max(0, maxOutput));
  let ip = 0;
  let op = dstStart;
  for (;;) {
    const token = src[ip++];

    let literals = token >>> 4;
    if (literals === RUN_MASK) {
      let b: number;
      do {
        if (ip >= srcEnd) return 'truncated literal length';
        b = src[ip++];
        literals += b;
      } while (b === 255);
    }
    if (literals > srcEnd - ip) return `literal run of ${literals} bytes overruns the input`;
    if (literals > dstEnd - op) return `literal run overflows the ${maxOutput}-byte output limit`;
    if (literals < 32) {
      for (let i = 0; i < literals; i++) dst[op + i] = src[ip + i];
    } else {
      dst.set(src.subarray(ip, ip + literals), op);
    }
    ip += literals;
    op += literals;
    if (ip === srcEnd) break; // the last sequence is a literal run with no match

    if (srcEnd - ip < 2) return 'truncated match offset';
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0) return 'match offset 0';
    if (offset > op - dstStart) return `match offset ${offset} reaches before the start of the output`;

    let matchLength = token & RUN_MASK;
    if (matchLength === RUN_MASK) {
      let b: number;
      do {
        if (ip >= srcEnd) return 'truncated match length';
        b = src[ip++];
        matchLength += b;
      } while (b === 255);
    }
    matchLength += MIN_MATCH;
    if (matchLength > dstEnd - op) return `match overflows the ${maxOutput}-byte output limit`;
    let from = op - offset;
    if (offset >= matchLength && matchLength >= 32) {
      dst.copyWithin(op, from, from + matchLength);
      op += matchLength;
    } else {
      // Overlapping copies repeat the last `offset` bytes; byte order matters here.
      const end = op + matchLength;
      while (op < end) dst[op++] = dst[from++];
    }
    if (ip >= srcEnd) return 'block ends with a match instead of literals';
  }
  return op - dstStart;
}

/** LZ4_decompress_safe: the decoded block, or 'bad_compression' if it is invalid or too big. */
export function lz4DecompressBlock(src: Uint8Array, maxOutput: number): Result<Uint8Array> {
  if (!Number.isSafeInteger(maxOutput) || maxOutput < 0) throw new RangeError(`bad maxOutput ${maxOutput}`);
  // No valid block expands beyond 255x its input, so the scratch never needs to be larger.
  const cap = Math.min(maxOutput, src.length * 255 + 16);
  if (decodeScratch.length < cap) decodeScratch = new Uint8Array(cap);
  const r = lz4DecodeInto(src, decodeScratch, 0, cap);
  if (typeof r === 'string') return fail(new DecodeError('bad_compression', r));
  return ok(decodeScratch.slice(0, r));
}

// ---- Encoding -----------------------------------------------------------------------------

function read32(s: Uint8Array, i: number): number {
  return s[i] | (s[i + 1] << 8) | (s[i + 2] << 16) | (s[i + 3] << 24);
}

function hash4(sequence: number): number {
  return Math.imul(sequence, 2654435761) >>> (32 - HASH_LOG);
}

/** Writes a length beyond the 4-bit token field as 255-runs plus a final byte. */
function writeLengthTail(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

function writeLiterals(dst: Uint8Array, op: number, src: Uint8Array, from: number, count: number): number {
  if (count < 32) {
    for (let i = 0; i < count; i++) dst[op + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, from + count), op);
  }
  return op + count;
}

/**
 * Encodes `src` as one LZ4 block into `dst` at `dstStart` and returns the encoded length.
 * `dst` must have lz4CompressBound(src.length) bytes free from `dstStart`.
 */
export function lz4EncodeInto(src: Uint8Array, dst: Uint8Array, dstStart: number): number {
  const n = src.length;
  if (dst.length - dstStart < lz4CompressBound(n)) throw new RangeError('LZ4 output buffer too small');
  let op = dstStart;
  let anchor = 0;

  if (n > MF_LIMIT) {
    const lastMatchStart = n - MF_LIMIT;
    const matchEndLimit = n - LAST_LITERALS;
    if (tableBase > 0x7fffffff - n) {
      hashTable.fill(0);
      tableBase = 1;
    }
    const base = tableBase;
    tableBase += n;
    hashTable[hash4(read32(src, 0))] = base;
    let ip = 1;

    search: for (;;) {
      let ref: number;
      let attempts = 1 << SKIP_TRIGGER;
      for (;;) {
        if (ip > lastMatchStart) break search;
        const sequence = read32(src, ip);
        const h = hash4(sequence);
        ref = hashTable[h] - base;
        hashTable[h] = ip + base;
        if (ref >= 0 && ip - ref <= MAX_OFFSET && read32(src, ref) === sequence) break;
        ip += attempts++ >>> SKIP_TRIGGER;
      }

      // Grow the match backwards over literals that also match, then forwards.
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let length = MIN_MATCH;
      while (ip + length < matchEndLimit && src[ip + length] === src[ref + length]) length++;

      const literals = ip - anchor;
      const tokenAt = op++;
      let token: number;
      if (literals >= RUN_MASK) {
        token = RUN_MASK << 4;
        op = writeLengthTail(dst, op, literals - RUN_MASK);
      } else {
        token = literals << 4;
      }
      op = writeLiterals(dst, op, src, anchor, literals);
      const offset = ip - ref;
      dst[op++] = offset & 0xff;
      dst[op++] = offset >>> 8;
      const extra = length - MIN_MATCH;
      if (extra >= RUN_MASK) {
        token |= RUN_MASK;
        op = writeLengthTail(dst, op, extra - RUN_MASK);
      } else {
        token |= extra;
      }
      dst[tokenAt] = token;

      ip += length;
      anchor = ip;
      if (ip > lastMatchStart) break;
      // Index a position inside the match so that the next repeat is found sooner.
      hashTable[hash4(read32(src, ip - 2))] = ip - 2 + base;
    }
  }

  const literals = n - anchor;
  if (literals >= RUN_MASK) {
    dst[op++] = RUN_MASK << 4;
    op = writeLengthTail(dst, op, literals - RUN_MASK);
  } else {
    dst[op++] = literals << 4;
  }
  op = writeLiterals(dst, op, src, anchor, literals);
  return op - dstStart;
}

/** Compresses `src` into a new LZ4 block (any input, including empty). */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const bound = lz4CompressBound(src.length);
  if (encodeScratch.length < bound) encodeScratch = new Uint8Array(bound);
  const length = lz4EncodeInto(src, encodeScratch, 0);
  return encodeScratch.slice(0, length);
}
