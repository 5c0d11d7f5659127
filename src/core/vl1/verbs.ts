/**
 * Payload codecs for the VL1 verbs (spec vl1.md section 9). A payload is everything after the
 * verb byte (packet offset 28), already dearmored and decompressed. Encoders build payloads;
 * decoders take untrusted payloads and return Results, never throwing.
 *
 * HELLO is special: the part after the planet fields is encrypted with cryptField, which needs
 * the packet's IV and the peer key, so encodeHello reports where that part starts and
 * decodeHello takes a callback to decrypt it in place once the packet is authenticated.
 */
import { DecodeError, type Result, decodeGuard } from '../errors.js';
import { BufferReader, BufferWriter } from './buffer-reader.js';
import { ZT_PACKET_IDX_PAYLOAD } from './constants.js';
import { Identity } from './identity.js';
import { type InetAddress, readInetAddress, writeInetAddress } from './inet-address.js';
import { type World, readWorld, serializeWorld } from './world.js';

// ---- HELLO (0x01) --------------------------------------------------------------------------

export interface HelloMoon {
  type: number;
  id: bigint;
  timestamp: bigint;
}

export interface Hello {
  protocolVersion: number;
  versionMajor: number;
  versionMinor: number;
  versionRevision: number;
  timestamp: bigint;
  identity: Identity;
  physicalDestination: InetAddress | null;
  planetId?: bigint;
  planetTimestamp?: bigint;
  moons: HelloMoon[];
}

/**
 * Builds a HELLO payload. `cryptFieldStart`/`cryptFieldLength` locate the encrypted moon list in
 * packet offsets (payload offset + 28) for the caller to pass to cryptField before armor.
 */
export function encodeHello(h: Hello): { payload: Uint8Array; cryptFieldStart: number; cryptFieldLength: number } {
  const w = new BufferWriter(160 + h.moons.length * 17);
  w.u8(h.protocolVersion).u8(h.versionMajor).u8(h.versionMinor).u16(h.versionRevision).u64(h.timestamp);
  w.bytes(h.identity.serialize(false));
  writeInetAddress(w, h.physicalDestination);
  w.u64(h.planetId ?? 0n).u64(h.planetTimestamp ?? 0n);
  const encryptedStart = w.length;
  w.u16(h.moons.length);
  for (const m of h.moons) w.u8(m.type).u64(m.id).u64(m.timestamp);
  return {
    payload: w.toBytes(),
    cryptFieldStart: ZT_PACKET_IDX_PAYLOAD + encryptedStart,
    cryptFieldLength: w.length - encryptedStart,
  };
}

/**
 * Decodes a HELLO payload. `decryptTail(start, length)` is called with packet offsets of the
 * cryptField-encrypted moon list (only if present) and must decrypt it in place in `packet`.
 * Optional trailing parts are optional, as in the reference: old nodes omit them.
 */
export function decodeHello(packet: Uint8Array, decryptTail?: (start: number, length: number) => void): Result<Hello> {
  return decodeGuard(() => {
    const r = new BufferReader(packet, ZT_PACKET_IDX_PAYLOAD);
    const protocolVersion = r.u8('protocol version');
    const versionMajor = r.u8('version major');
    const versionMinor = r.u8('version minor');
    const versionRevision = r.u16('version revision');
    const timestamp = r.u64('timestamp');
    const identity = Identity.read(r);
    const hello: Hello = { protocolVersion, versionMajor, versionMinor, versionRevision, timestamp, identity, physicalDestination: null, moons: [] };
    if (r.remaining > 0) hello.physicalDestination = readInetAddress(r);
    if (r.remaining >= 16) {
      hello.planetId = r.u64('planet id');
      hello.planetTimestamp = r.u64('planet timestamp');
    }
    if (r.remaining > 0) {
      if (!decryptTail) throw new DecodeError('bad_field', 'HELLO has an encrypted moon list but no key to decrypt it');
      decryptTail(r.offset, r.remaining);
      const count = r.u16('moon count');
      r.need(count * 17, 'moon list');
      for (let i = 0; i < count; i++) hello.moons.push({ type: r.u8(), id: r.u64(), timestamp: r.u64() });
    }
    return hello;
  });
}

// ---- OK (0x03) and ERROR (0x02) headers ------------------------------------------------------

export interface InRe {
  inReVerb: number;
  /** The 8 packet-ID bytes of the request, as they were on the wire. */
  inRePacketId: Uint8Array;
  /** Verb-specific remainder (a view into the payload). */
  body: Uint8Array;
}

export function encodeInRe(inReVerb: number, inRePacketId: Uint8Array, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (inRePacketId.length !== 8) throw new RangeError('in-re packet ID must be 8 bytes');
  return new BufferWriter(9 + body.length).u8(inReVerb).bytes(inRePacketId).bytes(body).toBytes();
}

export function decodeInRe(payload: Uint8Array): Result<InRe> {
  return decodeGuard(() => {
    const r = new BufferReader(payload);
    return { inReVerb: r.u8('in-re verb'), inRePacketId: r.bytesCopy(8, 'in-re packet ID'), body: r.rest() };
  });
}

export interface ErrorBody {
  inReVerb: number;
  inRePacketId: Uint8Array;
  errorCode: number;
  /** Code-specific payload (network ID, etc.), a view. */
  data: Uint8Array;
}

export function encodeError(inReVerb: number, inRePacketId: Uint8Array, errorCode: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new BufferWriter(10 + data.length).u8(inReVerb).bytes(inRePacketId).u8(errorCode).bytes(data).toBytes();
}

export function decodeError(payload: Uint8Array): Result<ErrorBody> {
  return decodeGuard(() => {
    const r = new BufferReader(payload);
    return { inReVerb: r.u8('in-re verb'), inRePacketId: r.bytesCopy(8, 'in-re packet ID'), errorCode: r.u8('error code'), data: r.rest() };
  });
}

// ---- OK(HELLO) -----------------------------------------------------------------------------

export interface OkHello {
  timestamp: bigint;
  protocolVersion: number;
  versionMajor: number;
  versionMinor: number;
  versionRevision: number;
  /** The HELLO sender's physical address as the responder saw it. */
  physicalAddress: InetAddress | null;
  /** Serialized worlds, undecoded: only updates from roots may be trusted (spec 9.4.1). */
  worldUpdates: Uint8Array;
}

/** Body of OK(HELLO), i.e. what follows the in-re fields. */
export function encodeOkHelloBody(ok: Omit<OkHello, 'worldUpdates'> & { worlds?: World[] }): Uint8Array {
  const w = new BufferWriter(64);
  w.u64(ok.timestamp).u8(ok.protocolVersion).u8(ok.versionMajor).u8(ok.versionMinor).u16(ok.versionRevision);
  writeInetAddress(w, ok.physicalAddress);
  const worlds = (ok.worlds ?? []).map((x) => serializeWorld(x));
  const total = worlds.reduce((n, b) => n + b.length, 0);
  if (total > 0xffff) throw new RangeError('world updates too large for OK(HELLO)');
  w.u16(total);
  for (const b of worlds) w.bytes(b);
  return w.toBytes();
}

export function decodeOkHelloBody(body: Uint8Array): Result<OkHello> {
  return decodeGuard(() => {
    const r = new BufferReader(body);
    const ok: OkHello = {
      timestamp: r.u64('timestamp'),
      protocolVersion: r.u8('protocol version'),
      versionMajor: r.u8('version major'),
      versionMinor: r.u8('version minor'),
      versionRevision: r.u16('version revision'),
      physicalAddress: null,
      worldUpdates: new Uint8Array(0),
    };
    if (r.remaining > 0) ok.physicalAddress = readInetAddress(r);
    if (r.remaining >= 2) {
      const len = r.u16('world update length');
      ok.worldUpdates = r.bytesView(len, 'world updates');
    }
    return ok;
  });
}

/** Decodes the concatenated worlds carried in an OK(HELLO). */
export function decodeWorldUpdates(bytes: Uint8Array): Result<World[]> {
  return decodeGuard(() => {
    const r = new BufferReader(bytes);
    const worlds: World[] = [];
    while (r.remaining > 0) worlds.push(readWorld(r));
    return worlds;
  });
}

// ---- WHOIS (0x04) and OK(WHOIS) ------------------------------------------------------------

export function encodeWhois(addresses: number[]): Uint8Array {
  const w = new BufferWriter(addresses.length * 5);
  for (const a of addresses) w.u40(a);
  return w.toBytes();
}

export function decodeWhois(payload: Uint8Array): Result<number[]> {
  return decodeGuard(() => {
    if (payload.length === 0 || payload.length % 5 !== 0) {
      throw new DecodeError('bad_field', `WHOIS payload of ${payload.length} bytes is not a non-empty list of 5-byte addresses`);
    }
    const r = new BufferReader(payload);
    const out: number[] = [];
    while (r.remaining > 0) out.push(r.u40());
    return out;
  });
}

export function encodeOkWhoisBody(identities: Identity[]): Uint8Array {
  const w = new BufferWriter(identities.length * 71);
  for (const id of identities) w.bytes(id.serialize(false));
  return w.toBytes();
}

export function decodeOkWhoisBody(body: Uint8Array): Result<Identity[]> {
  return decodeGuard(() => {
    const r = new BufferReader(body);
    const out: Identity[] = [];
    while (r.remaining > 0) out.push(Identity.read(r));
    if (out.length === 0) throw new DecodeError('truncated', 'OK(WHOIS) carries no identity');
    return out;
  });
}

// ---- RENDEZVOUS (0x05) ---------------------------------------------------------------------

export interface Rendezvous {
  flags: number;
  peer: number;
  endpoint: InetAddress;
}

export function encodeRendezvous(rv: Rendezvous): Uint8Array {
  return new BufferWriter(25)
    .u8(rv.flags)
    .u40(rv.peer)
    .u16(rv.endpoint.port)
    .u8(rv.endpoint.ip.length)
    .bytes(rv.endpoint.ip)
    .toBytes();
}

export function decodeRendezvous(payload: Uint8Array): Result<Rendezvous> {
  return decodeGuard(() => {
    const r = new BufferReader(payload);
    const flags = r.u8('flags');
    const peer = r.u40('peer address');
    const port = r.u16('port');
    const len = r.u8('address length');
    if (len !== 4 && len !== 16) throw new DecodeError('bad_field', `RENDEZVOUS address length ${len} is neither 4 nor 16`);
    const ip = r.bytesCopy(len, 'address');
    return { flags, peer, endpoint: { family: len === 4 ? 4 : 6, ip, port } };
  });
}

// ---- PUSH_DIRECT_PATHS (0x10) --------------------------------------------------------------

export const PUSH_DIRECT_PATHS_FLAG_FORGET = 0x01;
export const PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT = 0x02;

export interface DirectPathRecord {
  flags: number;
  /** null for address types we do not know (the record is skipped by receivers). */
  address: InetAddress | null;
}

export function encodePushDirectPaths(records: DirectPathRecord[]): Uint8Array {
  const w = new BufferWriter(2 + records.length * 24);
  const usable = records.filter((x) => x.address !== null);
  w.u16(usable.length);
  for (const rec of usable) {
    const a = rec.address!;
    w.u8(rec.flags).u16(0).u8(a.family).u8(a.ip.length + 2).bytes(a.ip).u16(a.port);
  }
  return w.toBytes();
}

export function decodePushDirectPaths(payload: Uint8Array): Result<DirectPathRecord[]> {
  return decodeGuard(() => {
    const r = new BufferReader(payload);
    const count = r.u16('record count');
    const out: DirectPathRecord[] = [];
    for (let i = 0; i < count; i++) {
      const flags = r.u8('flags');
      r.skip(r.u16('extension length'), 'extension data');
      const type = r.u8('address type');
      const len = r.u8('address length');
      const data = r.bytesView(len, 'address');
      if (type === 4 && len === 6) out.push({ flags, address: { family: 4, ip: data.slice(0, 4), port: (data[4] << 8) | data[5] } });
      else if (type === 6 && len === 18) out.push({ flags, address: { family: 6, ip: data.slice(0, 16), port: (data[16] << 8) | data[17] } });
      else out.push({ flags, address: null });
    }
    return out;
  });
}

// ---- USER_MESSAGE (0x14) -------------------------------------------------------------------

export interface UserMessage {
  typeId: bigint;
  data: Uint8Array;
}

export function encodeUserMessage(m: UserMessage): Uint8Array {
  return new BufferWriter(8 + m.data.length).u64(m.typeId).bytes(m.data).toBytes();
}

export function decodeUserMessage(payload: Uint8Array): Result<UserMessage> {
  return decodeGuard(() => {
    const r = new BufferReader(payload);
    return { typeId: r.u64('message type'), data: r.rest().slice() };
  });
}
