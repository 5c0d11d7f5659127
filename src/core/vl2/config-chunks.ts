/**
 * Network config transport (spec vl2.md §9.3): a config dictionary travels in signed chunks,
 * each carried by OK(NETWORK_CONFIG_REQUEST) or NETWORK_CONFIG.
 *
 *   u64 nwid ‖ u16 L ‖ L chunk bytes ‖ u8 flags ‖ u64 update ID ‖ u32 total length T ‖
 *   u32 chunk index (byte offset) ‖ u8 1 ‖ u16 96 ‖ 96 signature over nwid..index
 *
 * A body that ends right after the chunk bytes is the legacy single-chunk form (unsigned; only
 * believable from the controller itself).
 *
 * ConfigAssembler reassembles, as the reference does: three update slots (the least recently
 * touched is reused), duplicates recognised by the folded signature, arrival order irrelevant.
 * Unlike the reference it also refuses chunks that overlap or fall outside the update and
 * remembers finished updates, so a replayed chunk is ignored. Memory: at most three buffers of
 * under 484 520 bytes each, allocated only for chunks whose signature verified.
 */
import { DecodeError, decodeGuard, fail, type Result } from '../errors.js';
import { BufferReader, BufferWriter } from '../vl1/buffer-reader.js';
import { ZT_C25519_SIGNATURE_LEN } from '../vl1/constants.js';
import type { Identity } from '../vl1/identity.js';
import {
  ZT_NETWORK_MAX_INCOMING_UPDATES,
  ZT_NETWORK_MAX_UPDATE_CHUNKS,
  ZT_NETWORKCONFIG_CHUNK_DATA_SIZE,
  ZT_NETWORKCONFIG_DICT_CAPACITY,
} from './constants.js';
import type { NetworkId } from './network-id.js';

const SIGNATURE_TYPE_ED25519 = 1;
/** Bytes of a chunk body around its data: 8 + 2 before, 1 + 8 + 4 + 4 + 1 + 2 + 96 after. */
export const CONFIG_CHUNK_OVERHEAD = 10 + 17 + 3 + ZT_C25519_SIGNATURE_LEN;

export interface ConfigChunk {
  networkId: NetworkId;
  /** The slice of the dictionary (a view into the body). */
  data: Uint8Array;
  /** True for the legacy unsigned single-chunk form. */
  legacy: boolean;
  flags: number;
  /** Same for every chunk of one config; 0n for the legacy form (the caller uses the packet ID). */
  updateId: bigint;
  totalLength: number;
  /** Byte offset of `data` within the dictionary. */
  index: number;
  /** 96 bytes (empty for the legacy form). */
  signature: Uint8Array;
  /** nwid through chunk index: what the signature covers (a view). */
  signedPortion: Uint8Array;
}

export function decodeConfigChunk(body: Uint8Array, capacity = ZT_NETWORKCONFIG_DICT_CAPACITY): Result<ConfigChunk> {
  const r = decodeGuard(() => {
    const rd = new BufferReader(body);
    const networkId = rd.u64('network ID');
    const length = rd.u16('chunk length');
    const data = rd.bytesView(length, 'chunk');
    if (rd.remaining === 0) {
      return { networkId, data, legacy: true, flags: 0, updateId: 0n, totalLength: length, index: 0, signature: new Uint8Array(0), signedPortion: body.subarray(0, rd.offset) };
    }
    const flags = rd.u8('chunk flags');
    const updateId = rd.u64('update ID');
    const totalLength = rd.u32('total length');
    const index = rd.u32('chunk index');
    const signedPortion = body.subarray(0, rd.offset);
    const sigType = rd.u8('signature type');
    const sigLength = rd.u16('signature length');
    if (sigType !== SIGNATURE_TYPE_ED25519 || sigLength !== ZT_C25519_SIGNATURE_LEN) throw new DecodeError('bad_signature', `chunk signature type ${sigType} length ${sigLength}`);
    const signature = rd.bytesView(ZT_C25519_SIGNATURE_LEN, 'signature');
    return { networkId, data, legacy: false, flags, updateId, totalLength, index, signature, signedPortion };
  });
  if (!r.ok) return r;
  const c = r.value;
  if (c.index + c.data.length > c.totalLength) return fail(new DecodeError('bad_field', `chunk ${c.index}+${c.data.length} beyond total ${c.totalLength}`));
  if (c.totalLength >= capacity) return fail(new DecodeError('oversized', `config of ${c.totalLength} bytes exceeds capacity ${capacity}`));
  return r;
}

/**
 * Splits a config dictionary into signed chunk bodies (`chunkSize` bytes each, the last one
 * shorter), as a controller sends them. `updateId` must be non-zero and random.
 */
export function encodeConfigChunks(
  dictionary: Uint8Array,
  networkId: NetworkId,
  updateId: bigint,
  signer: Identity,
  chunkSize = ZT_NETWORKCONFIG_CHUNK_DATA_SIZE,
  flags = 0,
): Uint8Array[] {
  if (chunkSize <= 0 || chunkSize > 0xffff) throw new RangeError(`chunk size ${chunkSize}`);
  const out: Uint8Array[] = [];
  for (let index = 0; index === 0 || index < dictionary.length; index += chunkSize) {
    const data = dictionary.subarray(index, Math.min(dictionary.length, index + chunkSize));
    const w = new BufferWriter(CONFIG_CHUNK_OVERHEAD + data.length);
    w.u64(networkId).u16(data.length).bytes(data).u8(flags).u64(updateId).u32(dictionary.length).u32(index);
    const signed = w.toBytes();
    w.u8(SIGNATURE_TYPE_ED25519).u16(ZT_C25519_SIGNATURE_LEN).bytes(signer.sign(signed));
    out.push(w.toBytes());
  }
  return out;
}

/** A chunk's identity for de-duplication: its signature's first 16 bytes folded into 8 by XOR. */
export function chunkIdOf(signature: Uint8Array): bigint {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 4; i++) {
    hi = ((hi << 8) | (signature[i] ^ signature[i + 8])) >>> 0;
    lo = ((lo << 8) | (signature[i + 4] ^ signature[i + 12])) >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

interface UpdateSlot {
  updateId: bigint;
  touched: number;
  totalLength: number;
  /** Allocated once the first verified chunk arrives. */
  buffer: Uint8Array;
  received: number;
  chunkIds: Set<bigint>;
  /** [start, end) ranges already filled, to refuse overlaps. */
  ranges: [number, number][];
  done: boolean;
}

export type ChunkOutcome =
  /** The update is complete: the dictionary bytes (length T). */
  | { kind: 'complete'; updateId: bigint; dictionary: Uint8Array }
  | { kind: 'incomplete'; updateId: bigint }
  /** Seen already, overlapping, inconsistent with its update, or past the chunk limit. */
  | { kind: 'ignored'; reason: 'duplicate' | 'inconsistent' | 'too-many-chunks' }
  | { kind: 'bad-signature' };

export class ConfigAssembler {
  private readonly slots: UpdateSlot[] = [];
  private clock = 0;

  /**
   * Offers a decoded signed chunk. `verify` checks its signature against the controller and
   * runs only for chunks not already seen.
   */
  offer(chunk: ConfigChunk, verify: (chunk: ConfigChunk) => boolean): ChunkOutcome {
    const chunkId = chunkIdOf(chunk.signature);
    let slot = this.slots.find((s) => s.updateId === chunk.updateId);
    if (slot?.chunkIds.has(chunkId)) return { kind: 'ignored', reason: 'duplicate' };
    if (slot && (slot.done || slot.totalLength !== chunk.totalLength)) return { kind: 'ignored', reason: slot.done ? 'duplicate' : 'inconsistent' };
    if (slot && slot.chunkIds.size >= ZT_NETWORK_MAX_UPDATE_CHUNKS) return { kind: 'ignored', reason: 'too-many-chunks' };
    const start = chunk.index;
    const end = chunk.index + chunk.data.length;
    if (slot && slot.ranges.some(([s, e]) => start < e && s < end)) return { kind: 'ignored', reason: 'inconsistent' };
    if (!verify(chunk)) return { kind: 'bad-signature' };

    if (!slot) slot = this.newSlot(chunk.updateId, chunk.totalLength);
    slot.touched = ++this.clock;
    slot.chunkIds.add(chunkId);
    slot.ranges.push([start, end]);
    slot.buffer.set(chunk.data, start);
    slot.received += chunk.data.length;
    if (slot.received !== slot.totalLength) return { kind: 'incomplete', updateId: slot.updateId };
    slot.done = true;
    const dictionary = slot.buffer;
    // Keep the slot's chunk IDs (replays stay recognisable) but not its bytes.
    slot.buffer = new Uint8Array(0);
    slot.ranges = [];
    return { kind: 'complete', updateId: slot.updateId, dictionary };
  }

  private newSlot(updateId: bigint, totalLength: number): UpdateSlot {
    const slot: UpdateSlot = { updateId, touched: 0, totalLength, buffer: new Uint8Array(totalLength), received: 0, chunkIds: new Set(), ranges: [], done: false };
    if (this.slots.length < ZT_NETWORK_MAX_INCOMING_UPDATES) {
      this.slots.push(slot);
    } else {
      let oldest = 0;
      for (let i = 1; i < this.slots.length; i++) if (this.slots[i].touched < this.slots[oldest].touched) oldest = i;
      this.slots[oldest] = slot;
    }
    return slot;
  }
}

export function verifyConfigChunk(chunk: ConfigChunk, controller: Identity | undefined): boolean {
  return controller !== undefined && !chunk.legacy && controller.verify(chunk.signedPortion, chunk.signature);
}
