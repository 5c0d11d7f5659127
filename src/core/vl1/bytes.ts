/**
 * Byte helpers shared by every codec. Wire integers are big-endian (ZeroTier's order).
 * hexToBytes is strict: it is for trusted text (vectors, our own files); parsers of user
 * or network text validate first and report their own errors.
 */

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4] + HEX[i & 15]);

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]];
  return out;
}

export function isHex(text: string, digits?: number): boolean {
  if (digits !== undefined && text.length !== digits) return false;
  return text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text);
}

/** Decodes an even-length hex string; throws on anything else (callers validate untrusted text). */
export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex)) throw new Error(`not an even-length hex string: ${hex.slice(0, 32)}`);
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares without an early exit, so timing does not reveal where secrets differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function readU16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function readU40(b: Uint8Array, o: number): number {
  return b[o] * 0x100000000 + readU32(b, o + 1);
}

export function readU64(b: Uint8Array, o: number): bigint {
  return (BigInt(readU32(b, o)) << 32n) | BigInt(readU32(b, o + 4));
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

export function writeU40(b: Uint8Array, o: number, v: number): void {
  b[o] = Math.floor(v / 0x100000000) & 0xff;
  writeU32(b, o + 1, v >>> 0);
}

export function writeU64(b: Uint8Array, o: number, v: bigint): void {
  writeU32(b, o, Number((v >> 32n) & 0xffffffffn));
  writeU32(b, o + 4, Number(v & 0xffffffffn));
}
