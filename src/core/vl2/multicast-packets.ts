/**
 * Multicast payloads (spec vl2.md §10.3–§10.5):
 *
 *   MULTICAST_LIKE (0x09):    { u64 nwid ‖ 6 MAC ‖ u32 ADI } repeated
 *   MULTICAST_GATHER (0x0d):  u64 nwid ‖ u8 flags ‖ 6 MAC ‖ u32 ADI ‖ u32 gather limit ‖ [COM if 0x01]
 *   OK(GATHER):               u64 nwid ‖ 6 MAC ‖ u32 ADI ‖ gather results
 *   MULTICAST_FRAME (0x0e):   u64 nwid ‖ u8 flags ‖ [COM 0x01] ‖ [u32 gather limit 0x02] ‖
 *                             [6 source MAC 0x04] ‖ 6 group MAC ‖ u32 ADI ‖ u16 ethertype ‖ frame
 *   OK(MULTICAST_FRAME):      u64 nwid ‖ 6 MAC ‖ u32 ADI ‖ u8 flags ‖ [COM 0x01] ‖ [results 0x02]
 *   gather results:           u32 total known ‖ u16 N ‖ N × 5-byte address
 */
import { decodeGuard, ok, type Result } from '../errors.js';
import type { Address } from '../vl1/address.js';
import { BufferReader, BufferWriter } from '../vl1/buffer-reader.js';
import { encodeCom, readCom, type CertificateOfMembership } from './credentials/com.js';
import { macFromBytes, type MAC } from './mac.js';
import type { MulticastGroup } from './multicast-group.js';
import type { NetworkId } from './network-id.js';

export const MULTICAST_LIKE_RECORD_LENGTH = 18;

export const MULTICAST_GATHER_FLAG_COM = 0x01;

export const MULTICAST_FRAME_FLAG_COM = 0x01;
export const MULTICAST_FRAME_FLAG_GATHER_LIMIT = 0x02;
export const MULTICAST_FRAME_FLAG_SOURCE_MAC = 0x04;
export const MULTICAST_FRAME_FLAG_REPLICATE = 0x08;

/** OK(MULTICAST_FRAME) flags. */
export const MULTICAST_FRAME_OK_FLAG_COM = 0x01;
export const MULTICAST_FRAME_OK_FLAG_GATHER_RESULTS = 0x02;

export interface MulticastLike {
  networkId: NetworkId;
  group: MulticastGroup;
}

function writeMac6(w: BufferWriter, mac: MAC): void {
  w.u16(Math.floor(mac / 0x100000000) & 0xffff).u32(mac >>> 0);
}

function writeGroup(w: BufferWriter, g: MulticastGroup): void {
  writeMac6(w, g.mac);
  w.u32(g.adi);
}

function readGroup(r: BufferReader): MulticastGroup {
  const mac = macFromBytes(r.bytesView(6, 'group MAC'));
  return { mac, adi: r.u32('group ADI') };
}

/**
 * LIKE payloads for `likes` (in the given order), each at most `maxPayload` bytes: a new
 * packet starts when the next record would not fit.
 */
export function encodeMulticastLikes(likes: readonly MulticastLike[], maxPayload: number): Uint8Array[] {
  const perPacket = Math.max(1, Math.floor(maxPayload / MULTICAST_LIKE_RECORD_LENGTH));
  const out: Uint8Array[] = [];
  for (let i = 0; i < likes.length; i += perPacket) {
    const slice = likes.slice(i, i + perPacket);
    const w = new BufferWriter(slice.length * MULTICAST_LIKE_RECORD_LENGTH);
    for (const l of slice) {
      w.u64(l.networkId);
      writeGroup(w, l.group);
    }
    out.push(w.toBytes());
  }
  return out;
}

/** Every whole record; a trailing partial record is ignored (as the reference does). */
export function decodeMulticastLikes(payload: Uint8Array): MulticastLike[] {
  const out: MulticastLike[] = [];
  const r = new BufferReader(payload);
  while (r.remaining >= MULTICAST_LIKE_RECORD_LENGTH) out.push({ networkId: r.u64(), group: readGroup(r) });
  return out;
}

// ---- Gather -------------------------------------------------------------------------------

export interface MulticastGather {
  networkId: NetworkId;
  flags: number;
  group: MulticastGroup;
  gatherLimit: number;
  /** The sender's COM (flag 0x01); undefined if absent or malformed (receivers ignore errors). */
  com: CertificateOfMembership | undefined;
}

export function encodeMulticastGather(networkId: NetworkId, group: MulticastGroup, gatherLimit: number, com: CertificateOfMembership | null | undefined): Uint8Array {
  const w = new BufferWriter(23 + (com ? 64 : 0)).u64(networkId).u8(com ? MULTICAST_GATHER_FLAG_COM : 0);
  writeGroup(w, group);
  w.u32(gatherLimit >>> 0);
  if (com) w.bytes(encodeCom(com));
  return w.toBytes();
}

export function decodeMulticastGather(payload: Uint8Array): Result<MulticastGather> {
  const r = decodeGuard(() => {
    const rd = new BufferReader(payload);
    const networkId = rd.u64('network ID');
    const flags = rd.u8('flags');
    const group = readGroup(rd);
    const gatherLimit = rd.u32('gather limit');
    return { networkId, flags, group, gatherLimit, com: undefined as CertificateOfMembership | undefined, rd };
  });
  if (!r.ok) return r;
  const { rd, ...g } = r.value;
  if ((g.flags & MULTICAST_GATHER_FLAG_COM) !== 0) {
    const com = decodeGuard(() => readCom(rd));
    if (com.ok) g.com = com.value;
  }
  return ok(g);
}

export interface GatherResults {
  /** Members the replier knows of in all (may exceed the list). */
  totalKnown: number;
  members: Address[];
}

export function writeGatherResults(w: BufferWriter, totalKnown: number, members: readonly Address[]): void {
  w.u32(totalKnown >>> 0).u16(members.length);
  for (const m of members) w.u40(m);
}

export function readGatherResults(r: BufferReader): GatherResults {
  const totalKnown = r.u32('total known');
  const n = r.u16('member count');
  r.need(n * 5, 'members');
  const members: Address[] = [];
  for (let i = 0; i < n; i++) members.push(r.u40());
  return { totalKnown, members };
}

export interface GatherReply {
  networkId: NetworkId;
  group: MulticastGroup;
  results: GatherResults;
}

export function encodeGatherReply(networkId: NetworkId, group: MulticastGroup, totalKnown: number, members: readonly Address[]): Uint8Array {
  const w = new BufferWriter(24 + 5 * members.length).u64(networkId);
  writeGroup(w, group);
  writeGatherResults(w, totalKnown, members);
  return w.toBytes();
}

export function decodeGatherReply(body: Uint8Array): Result<GatherReply> {
  return decodeGuard(() => {
    const r = new BufferReader(body);
    return { networkId: r.u64('network ID'), group: readGroup(r), results: readGatherResults(r) };
  });
}

// ---- MULTICAST_FRAME ------------------------------------------------------------------------

export interface MulticastFrame {
  networkId: NetworkId;
  flags: number;
  com: CertificateOfMembership | undefined;
  /** Present with flag 0x02. */
  gatherLimit: number;
  /** Present with flag 0x04, else undefined (the sender's member MAC is implied). */
  sourceMac: MAC | undefined;
  group: MulticastGroup;
  etherType: number;
  frame: Uint8Array;
}

export interface MulticastFrameFields {
  networkId: NetworkId;
  /** Flags beyond those implied by the optional fields below (e.g. 0x08 replicate). */
  flags?: number;
  gatherLimit?: number;
  sourceMac?: MAC;
  group: MulticastGroup;
  etherType: number;
  frame: Uint8Array;
}

export function encodeMulticastFrame(f: MulticastFrameFields): Uint8Array {
  let flags = (f.flags ?? 0) & ~(MULTICAST_FRAME_FLAG_COM | MULTICAST_FRAME_FLAG_GATHER_LIMIT | MULTICAST_FRAME_FLAG_SOURCE_MAC);
  if (f.gatherLimit !== undefined) flags |= MULTICAST_FRAME_FLAG_GATHER_LIMIT;
  if (f.sourceMac !== undefined) flags |= MULTICAST_FRAME_FLAG_SOURCE_MAC;
  const w = new BufferWriter(35 + f.frame.length).u64(f.networkId).u8(flags);
  if (f.gatherLimit !== undefined) w.u32(f.gatherLimit >>> 0);
  if (f.sourceMac !== undefined) writeMac6(w, f.sourceMac);
  writeGroup(w, f.group);
  w.u16(f.etherType).bytes(f.frame);
  return w.toBytes();
}

export function decodeMulticastFrame(payload: Uint8Array): Result<MulticastFrame> {
  return decodeGuard(() => {
    const r = new BufferReader(payload);
    const networkId = r.u64('network ID');
    const flags = r.u8('flags');
    const com = (flags & MULTICAST_FRAME_FLAG_COM) !== 0 ? readCom(r) : undefined;
    const gatherLimit = (flags & MULTICAST_FRAME_FLAG_GATHER_LIMIT) !== 0 ? r.u32('gather limit') : 0;
    const sourceMac = (flags & MULTICAST_FRAME_FLAG_SOURCE_MAC) !== 0 ? macFromBytes(r.bytesView(6, 'source MAC')) : undefined;
    const group = readGroup(r);
    const etherType = r.u16('ethertype');
    return { networkId, flags, com, gatherLimit, sourceMac, group, etherType, frame: r.rest() };
  });
}

export interface MulticastFrameReply {
  networkId: NetworkId;
  group: MulticastGroup;
  flags: number;
  com: CertificateOfMembership | undefined;
  results: GatherResults | undefined;
}

export function encodeMulticastFrameReply(networkId: NetworkId, group: MulticastGroup, totalKnown: number, members: readonly Address[]): Uint8Array {
  const w = new BufferWriter(25 + 5 * members.length).u64(networkId);
  writeGroup(w, group);
  w.u8(MULTICAST_FRAME_OK_FLAG_GATHER_RESULTS);
  writeGatherResults(w, totalKnown, members);
  return w.toBytes();
}

export function decodeMulticastFrameReply(body: Uint8Array): Result<MulticastFrameReply> {
  return decodeGuard(() => {
    const r = new BufferReader(body);
    const networkId = r.u64('network ID');
    const group = readGroup(r);
    const flags = r.u8('flags');
    const com = (flags & MULTICAST_FRAME_OK_FLAG_COM) !== 0 ? readCom(r) : undefined;
    const results = (flags & MULTICAST_FRAME_OK_FLAG_GATHER_RESULTS) !== 0 ? readGatherResults(r) : undefined;
    return { networkId, group, flags, com, results };
  });
}
