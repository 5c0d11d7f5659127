/** The peer cache blob: round trip, and hostile blobs (truncated, oversized, garbage). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deserializePeer, PEER_CACHE_MAX_ADDRESSES, serializePeer } from '../../src/core/vl1/peer-cache.js';
import { Peer } from '../../src/core/vl1/peer.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { ids, NOW } from './engine-harness.js';

const { alice, bob } = ids();

function bobWithPaths(n: number): Peer {
  const p = new Peer(bob, new PeerKey(alice.agree(bob)));
  p.setVersions(12, 1, 14, 1);
  for (let i = 0; i < n; i++) {
    const path = p.addPath(NOW, 0, { family: 4, ip: Uint8Array.of(60, 0, i, 2), port: 9993 + i });
    path.received(NOW);
    path.updateLatency(100 - i);
  }
  return p;
}

test('peer cache: identity, versions and the best paths survive a round trip', () => {
  const r = deserializePeer(serializePeer(bobWithPaths(12), NOW));
  assert.ok(r.ok);
  assert.ok(r.value.identity.equals(bob));
  assert.equal(r.value.identity.hasPrivate(), false);
  assert.deepEqual([r.value.protocolVersion, r.value.versionMajor, r.value.versionMinor, r.value.versionRevision], [12, 1, 14, 1]);
  assert.equal(r.value.addresses.length, PEER_CACHE_MAX_ADDRESSES);
  assert.equal(r.value.addresses[0].port, 9993 + 11, 'best (lowest latency) path first');
  const fresh = new Peer(bob, new PeerKey(alice.agree(bob)));
  const unknown = deserializePeer(serializePeer(fresh, NOW));
  assert.ok(unknown.ok);
  assert.deepEqual([unknown.value.protocolVersion, unknown.value.versionMajor, unknown.value.versionRevision, unknown.value.addresses.length], [0, -1, -1, 0]);
  // Expired paths are not remembered.
  assert.equal((deserializePeer(serializePeer(bobWithPaths(3), NOW + 300_000)) as { ok: true; value: { addresses: unknown[] } }).value.addresses.length, 0);
});

test('peer cache: every truncation and any trailing byte is rejected', () => {
  const blob = serializePeer(bobWithPaths(2), NOW);
  for (let n = 0; n < blob.length; n++) assert.equal(deserializePeer(blob.subarray(0, n)).ok, false, `truncated to ${n}`);
  const longer = new Uint8Array(blob.length + 1);
  longer.set(blob);
  assert.equal(deserializePeer(longer).ok, false);
  const badVersion = blob.slice();
  badVersion[0] = 2;
  assert.equal(deserializePeer(badVersion).ok, false);
});

test('peer cache: arbitrary and bit-flipped blobs never throw', () => {
  const blob = serializePeer(bobWithPaths(3), NOW);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const r = deserializePeer(bytes);
      return r.ok || r.error.reason.length > 0;
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: blob.length * 8 - 1 }), (bit) => {
      const b = blob.slice();
      b[bit >> 3] ^= 1 << (bit & 7);
      deserializePeer(b);
      return true;
    }),
    { numRuns: 300 },
  );
});
