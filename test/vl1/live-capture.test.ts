/**
 * Replays the two captures made against an unmodified zerotier-one 1.14.1: everything it sent
 * must dearmor and decode with our code, and everything the scripted root sent must come out
 * of our armor byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { armor, cryptField, dearmor } from '../../src/core/vl1/armor.js';
import { Identity } from '../../src/core/vl1/identity.js';
import { inetAddressToString } from '../../src/core/vl1/inet-address.js';
import { decodeWorld } from '../../src/core/vl1/world.js';
import { fragmentPacket } from '../../src/core/vl1/fragment.js';
import { decompressPacket } from '../../src/core/vl1/packet.js';
import { addressToString } from '../../src/core/vl1/address.js';
import { decodeHello, decodeInRe, decodeOkHelloBody, decodeOkWhoisBody, decodeWhois } from '../../src/core/vl1/verbs.js';
import { loadVectors } from '../helpers/vectors.js';

const cap = loadVectors('vl1_live_capture.json');
const newpeer = loadVectors('vl1_live_newpeer.json');

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

const node = unwrap(Identity.fromString(cap.nodeSecret));
const root = unwrap(Identity.fromString(cap.rootSecret));
const key = new PeerKey(hexToBytes(cap.key48));

test('live capture: key agreement between the node and the root gives the captured key48', () => {
  assert.equal(bytesToHex(node.agree(root)), cap.key48);
  assert.equal(bytesToHex(root.agree(node)), cap.key48);
  assert.ok(unwrap(decodeWorld(hexToBytes(cap.testPlanet))).world.roots.some((r) => r.identity.equals(root)));
});

test('live capture: the node\'s HELLO authenticates and decodes to the recorded fields', () => {
  const e = cap.events[0];
  const pkt = hexToBytes(e.bytes);
  assert.equal(dearmor(pkt, key), undefined);
  const h = unwrap(decodeHello(pkt, (start, len) => cryptField(key, pkt, start, len)));
  const d = cap.helloDecoded;
  assert.equal(h.protocolVersion, d.protocolVersion);
  assert.deepEqual([h.versionMajor, h.versionMinor, h.versionRevision], [d.major, d.minor, d.revision]);
  assert.equal(h.timestamp, BigInt(d.timestamp));
  assert.equal(bytesToHex(h.identity.serialize()), d.identity);
  assert.equal(addressToString(h.identity.address), d.source);
  assert.equal(inetAddressToString(h.physicalDestination!), '10.99.0.1/9999');
  assert.equal(h.planetId, BigInt(d.planetWorldId));
  assert.equal(h.planetTimestamp, BigInt(d.planetWorldTimestamp));
  assert.deepEqual(h.moons, []);
});

for (const [i, e] of cap.events.entries()) {
  if (e.dir !== 'in' || i === 0) continue;
  test(`live capture event ${i} (${e.tMs} ms, ${e.what}): dearmors and decodes`, () => {
    const pkt = hexToBytes(e.bytes);
    assert.equal(pkt[18] >> 3 & 7, Number(e.cipherSuite));
    assert.equal(dearmor(pkt, key), undefined);
    const plain = unwrap(decompressPacket(pkt));
    assert.equal(bytesToHex(plain), e.plainAfterDearmor);
    assert.equal(plain[27] & 0x1f, Number(e.verb));
    const payload = plain.subarray(28);
    if (Number(e.verb) === 4) {
      assert.deepEqual(unwrap(decodeWhois(payload)), [root.address], 'the node WHOISes its root');
    } else {
      const inRe = unwrap(decodeInRe(payload));
      if (inRe.inReVerb === 4) {
        const got = unwrap(decodeOkWhoisBody(inRe.body));
        assert.ok(got.some((x) => x.equals(node)) || got.some((x) => x.equals(root)));
      } else if (inRe.inReVerb === 1) {
        const ok = unwrap(decodeOkHelloBody(inRe.body));
        assert.equal(ok.protocolVersion, 12);
        assert.equal(inetAddressToString(ok.physicalAddress!), '10.99.0.1/9999');
      } else {
        assert.equal(inRe.inReVerb, 8);
      }
    }
  });
}

for (const [i, e] of cap.events.entries()) {
  if (e.dir !== 'out') continue;
  test(`live capture event ${i} (${e.tMs} ms, ${e.what}): our armor reproduces the bytes sent`, () => {
    const wire = hexToBytes(e.bytes);
    const suite = ((wire[18] >> 3) & 7) as 0 | 1 | 3;
    if (e.plainBeforeCryptField) {
      const pkt = hexToBytes(e.plainBeforeCryptField);
      const h = unwrap(decodeHello(pkt, () => {}));
      assert.ok(h.identity.equals(root));
      const tailStart = pkt.length - 2; // a moon count of zero
      cryptField(key, pkt, tailStart, 2);
      armor(pkt, key, 0);
      assert.equal(bytesToHex(pkt), e.bytes);
      return;
    }
    if (!e.plain) {
      const pkt = wire.slice();
      assert.equal(dearmor(pkt, key), undefined);
      return;
    }
    const source = e.compressedBeforeArmor ? hexToBytes(e.compressedBeforeArmor) : hexToBytes(e.plain);
    if (e.compressedBeforeArmor) {
      assert.equal(bytesToHex(unwrap(decompressPacket(source))), e.plain);
    }
    const pkt = source.slice();
    armor(pkt, key, suite);
    if (e.datagrams) {
      assert.deepEqual(fragmentPacket(pkt, 1432).map(bytesToHex), e.datagrams);
      assert.equal(bytesToHex(pkt).slice(0, e.bytes.length), e.bytes);
    } else {
      assert.equal(bytesToHex(pkt), e.bytes);
    }
    if (e.packetIdOnWire) assert.equal(bytesToHex(pkt.subarray(0, 8)), e.packetIdOnWire);
  });
}

const nodeNp = unwrap(Identity.fromString(newpeer.nodeSecret));
for (const [i, e] of newpeer.events.entries()) {
  if (e.dir === 'note') continue;
  test(`live newpeer event ${i} (${e.tMs} ms, ${e.what}): authenticates with the agreed key`, () => {
    const pkt = hexToBytes(e.bytes);
    if (e.dir === 'out') {
      const sender = unwrap(Identity.fromString(e.senderSecret));
      const k = new PeerKey(sender.agree(nodeNp));
      assert.equal(dearmor(pkt, k), undefined);
      const h = unwrap(decodeHello(pkt, (s, l) => cryptField(k, pkt, s, l)));
      assert.ok(h.identity.equals(sender));
      return;
    }
    const k = new PeerKey(hexToBytes(e.key48));
    assert.equal((pkt[18] >> 3) & 7, Number(e.cipherSuite), 'first OK(HELLO) to a new peer is suite 1, later suite 3');
    assert.equal(dearmor(pkt, k), undefined);
    assert.equal(bytesToHex(pkt), e.plainAfterDearmor);
  });
}
