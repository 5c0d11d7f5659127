/**
 * NETWORK_CREDENTIALS payload (verb 0x0a, spec vl2.md §10.6):
 *
 *   COMs (each starting with 0x01) ‖ 0x00 ‖ u16 n + capabilities ‖ u16 n + tags ‖
 *   u16 n + revocations ‖ u16 n + certificates of ownership
 *
 * Everything after the 0x00 may be missing (old senders), and a receiver stops at the end of
 * the packet after any section. The reference processes credentials one by one as it reads
 * them, so a malformed one still leaves the earlier ones applied: readNetworkCredentials
 * returns that prefix with the error, decodeNetworkCredentials is the strict form.
 */
import { DecodeError, fail, ok, type Result } from '../errors.js';
import { BufferReader, BufferWriter } from '../vl1/buffer-reader.js';
import { ZT_PACKET_IDX_PAYLOAD, ZT_PROTO_MAX_PACKET_LENGTH } from '../vl1/constants.js';
import { encodeCom, readCom, writeCom, type CertificateOfMembership } from './credentials/com.js';
import { encodeCapability, readCapability, writeCapability, type Capability } from './credentials/capability.js';
import { encodeCoo, readCoo, writeCoo, type CertificateOfOwnership } from './credentials/coo.js';
import { readRevocation, writeRevocation, type Revocation } from './credentials/revocation.js';
import { encodeTag, readTag, writeTag, type Tag } from './credentials/tag.js';

export interface NetworkCredentials {
  coms: CertificateOfMembership[];
  capabilities: Capability[];
  tags: Tag[];
  revocations: Revocation[];
  certificatesOfOwnership: CertificateOfOwnership[];
}

export function emptyNetworkCredentials(): NetworkCredentials {
  return { coms: [], capabilities: [], tags: [], revocations: [], certificatesOfOwnership: [] };
}

export function writeNetworkCredentials(w: BufferWriter, c: NetworkCredentials): void {
  for (const com of c.coms) writeCom(w, com);
  w.u8(0);
  w.u16(c.capabilities.length);
  for (const cap of c.capabilities) writeCapability(w, cap);
  w.u16(c.tags.length);
  for (const tag of c.tags) writeTag(w, tag);
  w.u16(c.revocations.length);
  for (const rev of c.revocations) writeRevocation(w, rev);
  w.u16(c.certificatesOfOwnership.length);
  for (const coo of c.certificatesOfOwnership) writeCoo(w, coo);
}

/** The payload carrying `c` (all four counts written, as 1.14 does). */
export function encodeNetworkCredentials(c: NetworkCredentials): Uint8Array {
  const w = new BufferWriter(1024);
  writeNetworkCredentials(w, c);
  return w.toBytes();
}

export interface NetworkCredentialsRead {
  /** Every credential read before the end or the first malformed one, in wire order. */
  credentials: NetworkCredentials;
  /** Why reading stopped early, if it did. */
  error: DecodeError | undefined;
}

/**
 * Reads a payload the way the reference walks it. COMs without qualifiers are skipped (the
 * reference ignores them); bytes after the last section are ignored.
 */
export function readNetworkCredentials(payload: Uint8Array): NetworkCredentialsRead {
  const credentials = emptyNetworkCredentials();
  const r = new BufferReader(payload);
  try {
    while (r.remaining > 0 && payload[r.offset] !== 0) {
      const com = readCom(r);
      if (com.qualifiers.length > 0) credentials.coms.push(com);
    }
    if (r.remaining > 0) r.skip(1);
    readSection(r, readCapability, credentials.capabilities);
    readSection(r, readTag, credentials.tags);
    readSection(r, readRevocation, credentials.revocations);
    readSection(r, readCoo, credentials.certificatesOfOwnership);
    return { credentials, error: undefined };
  } catch (e) {
    if (e instanceof DecodeError) return { credentials, error: e };
    if (e instanceof RangeError) return { credentials, error: new DecodeError('bad_field', e.message) };
    throw e;
  }
}

/** A section is absent when the payload has ended; otherwise `u16 n` and n credentials. */
function readSection<T>(r: BufferReader, read: (r: BufferReader) => T, into: T[]): void {
  if (r.remaining <= 0) return;
  const count = r.u16('credential count');
  for (let i = 0; i < count; i++) into.push(read(r));
}

/** Strict decode: any malformed credential fails the whole payload. */
export function decodeNetworkCredentials(payload: Uint8Array): Result<NetworkCredentials> {
  const read = readNetworkCredentials(payload);
  return read.error ? fail(read.error) : ok(read.credentials);
}

/** What a member pushes of its own config (never revocations). */
export interface OwnCredentials {
  com: CertificateOfMembership | null;
  capabilities: readonly Capability[];
  tags: readonly Tag[];
  certificatesOfOwnership: readonly CertificateOfOwnership[];
}

/** The largest payload a VL1 packet carries. */
export const MAX_CREDENTIALS_PAYLOAD = ZT_PROTO_MAX_PACKET_LENGTH - ZT_PACKET_IDX_PAYLOAD;

/**
 * The NETWORK_CREDENTIALS payloads that push `own` (spec §6.7): the COM in the first, then as
 * many capabilities, tags and COOs per payload as fit in `maxPayload`. Nothing to push gives no
 * payload. (The reference sizes packets by its in-memory structs; only the content matters to
 * receivers, and a receiver processes just one such packet per second from a peer.)
 */
export function credentialPushPayloads(own: OwnCredentials, maxPayload = MAX_CREDENTIALS_PAYLOAD): Uint8Array[] {
  const caps = own.capabilities.map(encodeCapability);
  const tags = own.tags.map(encodeTag);
  const coos = own.certificatesOfOwnership.map(encodeCoo);
  const out: Uint8Array[] = [];
  let sendCom = own.com !== null && own.com.qualifiers.length > 0;
  let capAt = 0;
  let tagAt = 0;
  let cooAt = 0;
  while (sendCom || capAt < caps.length || tagAt < tags.length || cooAt < coos.length) {
    const w = new BufferWriter(2048);
    let placed = 0;
    if (sendCom) {
      w.bytes(encodeCom(own.com!));
      sendCom = false;
      placed++;
    }
    w.u8(0);
    // Each section leaves room for the counts still to come; an empty payload always takes one.
    const fill = (items: Uint8Array[], at: number, tail: number): number => {
      const countAt = w.length;
      w.u16(0);
      let n = 0;
      while (at < items.length && (placed === 0 || w.length + items[at].length + tail <= maxPayload)) {
        w.bytes(items[at++]);
        n++;
        placed++;
      }
      w.setU16(countAt, n);
      return at;
    };
    capAt = fill(caps, capAt, 6);
    tagAt = fill(tags, tagAt, 4);
    w.u16(0);
    cooAt = fill(coos, cooAt, 0);
    out.push(w.toBytes());
  }
  return out;
}
