/**
 * The peer cache blob (our own format, like the reference's peers.d/<address>.peer): enough to
 * recognise a peer after a restart without asking a root, and addresses to try with a HELLO.
 *
 *   u8 format version (1) | identity, public form (71) | u8 protocol | u8 major | u8 minor |
 *   u16 revision | u8 N | N x InetAddress (best path first)
 *
 * Unknown versions are 0xff (0xffff for the revision). Blobs come back from the host's storage,
 * so decoding is defensive like any other input.
 */
import { DecodeError, decodeGuard, type Result } from '../errors.js';
import { BufferReader, BufferWriter } from './buffer-reader.js';
import { Identity } from './identity.js';
import { type InetAddress, readInetAddress, writeInetAddress } from './inet-address.js';
import type { Peer } from './peer.js';

const FORMAT_VERSION = 1;
/** Addresses remembered per peer. */
export const PEER_CACHE_MAX_ADDRESSES = 8;

export interface CachedPeer {
  identity: Identity;
  protocolVersion: number;
  versionMajor: number;
  versionMinor: number;
  versionRevision: number;
  addresses: InetAddress[];
}

export function serializePeer(peer: Peer, now: number): Uint8Array {
  const w = new BufferWriter(128);
  w.u8(FORMAT_VERSION);
  w.bytes(peer.identity.serialize(false));
  w.u8(peer.protocolVersion & 0xff).u8(peer.versionMajor & 0xff).u8(peer.versionMinor & 0xff).u16(peer.versionRevision & 0xffff);
  const paths = peer.paths.filter((p) => !p.expired(now)).sort((a, b) => a.quality(now) - b.quality(now)).slice(0, PEER_CACHE_MAX_ADDRESSES);
  w.u8(paths.length);
  for (const p of paths) writeInetAddress(w, p.address);
  return w.toBytes();
}

export function deserializePeer(blob: Uint8Array): Result<CachedPeer> {
  return decodeGuard(() => {
    const r = new BufferReader(blob);
    const version = r.u8('peer cache format');
    if (version !== FORMAT_VERSION) throw new DecodeError('bad_type', `unknown peer cache format ${version}`);
    const identity = Identity.read(r).publicOnly();
    const protocolVersion = r.u8('protocol version');
    const major = r.u8('version major');
    const minor = r.u8('version minor');
    const revision = r.u16('version revision');
    const count = r.u8('address count');
    if (count > PEER_CACHE_MAX_ADDRESSES) throw new DecodeError('bad_field', `peer cache lists ${count} addresses`);
    const addresses: InetAddress[] = [];
    for (let i = 0; i < count; i++) {
      const a = readInetAddress(r);
      if (a) addresses.push(a);
    }
    r.expectEnd('peer cache entry');
    return {
      identity,
      protocolVersion,
      versionMajor: major === 0xff ? -1 : major,
      versionMinor: minor === 0xff ? -1 : minor,
      versionRevision: revision === 0xffff ? -1 : revision,
      addresses,
    };
  });
}
