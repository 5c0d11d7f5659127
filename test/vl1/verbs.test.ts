import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { Identity } from '../../src/core/vl1/identity.js';
import { inetAddressToString, parseInetAddress } from '../../src/core/vl1/inet-address.js';
import { serializeWorld } from '../../src/core/vl1/world.js';
import {
  decodeError,
  decodeHello,
  decodeInRe,
  decodeOkHelloBody,
  decodeOkWhoisBody,
  decodePushDirectPaths,
  decodeRendezvous,
  decodeUserMessage,
  decodeWhois,
  decodeWorldUpdates,
  encodeError,
  encodeHello,
  encodeInRe,
  encodeOkHelloBody,
  encodeOkWhoisBody,
  encodePushDirectPaths,
  encodeRendezvous,
  encodeUserMessage,
  encodeWhois,
} from '../../src/core/vl1/verbs.js';
import { loadVectors } from '../helpers/vectors.js';

const verbs = loadVectors('vl1_verbs.json');
const ids = loadVectors('vl1_identities.json');

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

const VERB_OF = (plainHex: string) => parseInt(plainHex.slice(54, 56), 16) & 0x1f;

for (const c of verbs.cases) {
  test(`verbs vector ${c.name}: decode and re-encode the payload byte-exact`, () => {
    const payload = hexToBytes(c.payloadAfterVerb);
    const verb = VERB_OF(c.plain);
    assert.equal(c.plain.slice(56), c.payloadAfterVerb);
    let again: Uint8Array;
    switch (verb) {
      case 0x00: // NOP
      case 0x08: // ECHO: opaque payload
        again = payload;
        break;
      case 0x04: {
        const addrs = unwrap(decodeWhois(payload));
        assert.ok(addrs.length >= 1);
        again = encodeWhois(addrs);
        break;
      }
      case 0x03: {
        const ok = unwrap(decodeInRe(payload));
        if (ok.inReVerb === 0x04) {
          const idsOut = unwrap(decodeOkWhoisBody(ok.body));
          assert.equal(idsOut.length, 2);
          again = encodeInRe(ok.inReVerb, ok.inRePacketId, encodeOkWhoisBody(idsOut));
        } else {
          assert.equal(ok.inReVerb, 0x08);
          assert.equal(bytesToHex(ok.body), '616263');
          again = encodeInRe(ok.inReVerb, ok.inRePacketId, ok.body);
        }
        break;
      }
      case 0x02: {
        const e = unwrap(decodeError(payload));
        again = encodeError(e.inReVerb, e.inRePacketId, e.errorCode, e.data);
        break;
      }
      case 0x05: {
        const rv = unwrap(decodeRendezvous(payload));
        const expected = c.name === 'rendezvous-v4' ? '203.0.113.7/9993' : '2001:db8::7/21000';
        assert.equal(inetAddressToString(rv.endpoint), expected);
        again = encodeRendezvous(rv);
        break;
      }
      case 0x10: {
        const recs = unwrap(decodePushDirectPaths(payload));
        assert.deepEqual(recs.map((r) => r.address && inetAddressToString(r.address)), ['198.51.100.9/9993', '2001:db8:1::9/45000']);
        again = encodePushDirectPaths(recs);
        break;
      }
      case 0x14: {
        const m = unwrap(decodeUserMessage(payload));
        assert.equal(m.typeId, 0x12345678n);
        assert.equal(Buffer.from(m.data).toString(), 'hi bob');
        again = encodeUserMessage(m);
        break;
      }
      default:
        assert.fail(`unexpected verb ${verb}`);
    }
    assert.equal(bytesToHex(again), c.payloadAfterVerb);
  });
}

const hello = loadVectors('vl1_hello.json');
const alice = unwrap(Identity.fromString(ids.identities.find((i: { name: string }) => i.name === 'alice').secret));

for (const [i, c] of hello.cases.entries()) {
  if (c.timestamp === undefined) continue;
  test(`hello vector ${i}: HELLO payload built like the reference (${c.physicalDestination})`, () => {
    const plain = hexToBytes(c.plainBeforeCryptField);
    const decoded = unwrap(decodeHello(plain, () => {}));
    assert.equal(decoded.timestamp, BigInt(c.timestamp));
    assert.equal(decoded.protocolVersion, 12);
    assert.ok(decoded.identity.equals(alice));
    assert.equal(inetAddressToString(decoded.physicalDestination!), c.physicalDestination);
    assert.equal(decoded.planetId, BigInt(c.planetId));
    assert.equal(decoded.planetTimestamp, BigInt(c.planetTimestamp));
    const built = encodeHello({ ...decoded, identity: alice.publicOnly() });
    assert.equal(built.cryptFieldStart, c.encryptedPortionStart);
    assert.equal(bytesToHex(built.payload), c.plainBeforeCryptField.slice(56));
    assert.equal(built.cryptFieldStart + built.cryptFieldLength, plain.length);
  });
}

test('hello vector 3: moon list (orbited and wanted) decodes from the plaintext', () => {
  const c = hello.cases[3];
  const decoded = unwrap(decodeHello(hexToBytes(c.plainBeforeCryptField), () => {}));
  assert.deepEqual(decoded.moons, [
    { type: 127, id: 0x80f9c1d0b5n, timestamp: 1700000000000n },
    { type: 127, id: 0x12345678n, timestamp: 0n },
  ]);
});

for (const [i, c] of hello.cases.entries()) {
  if (c.inRePacketId === undefined && !c.about.startsWith('OK(HELLO)')) continue;
  test(`hello vector ${i}: OK(HELLO) body decodes and re-encodes`, () => {
    const payload = hexToBytes(c.plain).subarray(28);
    const inRe = unwrap(decodeInRe(payload));
    assert.equal(inRe.inReVerb, 1);
    const ok = unwrap(decodeOkHelloBody(inRe.body));
    assert.equal(ok.timestamp, 1700000000123n);
    assert.equal(inetAddressToString(ok.physicalAddress!), '192.168.1.10/9993');
    const worlds = unwrap(decodeWorldUpdates(ok.worldUpdates));
    const again = encodeInRe(1, inRe.inRePacketId, encodeOkHelloBody({ ...ok, worlds }));
    assert.equal(bytesToHex(again), bytesToHex(payload));
    if (worlds.length) {
      assert.equal(worlds[0].id, 149604618n);
      assert.equal(bytesToHex(serializeWorld(worlds[0])), loadVectors('vl1_world_planet.json').binary);
    }
  });
}

test('verbs: hostile payloads give errors, never exceptions', () => {
  const decoders = [decodeWhois, decodeInRe, decodeError, decodeRendezvous, decodePushDirectPaths, decodeUserMessage, decodeOkWhoisBody, decodeOkHelloBody, decodeWorldUpdates];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      for (const d of decoders) d(bytes);
      const packet = new Uint8Array(28 + bytes.length);
      packet.set(bytes, 28);
      decodeHello(packet, () => {});
      decodeHello(packet);
    }),
    { numRuns: 400 },
  );
});

test('verbs: truncations of every vector payload are rejected or decoded, never thrown', () => {
  for (const c of verbs.cases) {
    const full = hexToBytes(c.payloadAfterVerb);
    for (let n = 0; n < full.length; n++) {
      const p = full.subarray(0, n);
      decodeWhois(p);
      decodeRendezvous(p);
      decodePushDirectPaths(p);
      decodeError(p);
      decodeInRe(p);
    }
  }
  assert.equal(decodeRendezvous(hexToBytes('0008f159bda0270905cb007107')).ok, false, 'address length 5 is invalid');
  assert.equal(decodeWhois(new Uint8Array(7)).ok, false, 'WHOIS must be whole addresses');
  const ok = decodeOkWhoisBody(new Uint8Array(0));
  assert.equal(ok.ok, false);
});

test('verbs: RENDEZVOUS and PUSH_DIRECT_PATHS round-trip random endpoints', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 1, max: 0xfeffffffff }), (v6, raw, port, peer) => {
      const ip = v6 ? raw : raw.slice(0, 4);
      const endpoint = { family: v6 ? (6 as const) : (4 as const), ip, port };
      const rv = unwrap(decodeRendezvous(encodeRendezvous({ flags: 0, peer, endpoint })));
      assert.equal(rv.peer, peer);
      assert.deepEqual(rv.endpoint, endpoint);
      const recs = unwrap(decodePushDirectPaths(encodePushDirectPaths([{ flags: 0, address: endpoint }])));
      assert.deepEqual(recs[0].address, endpoint);
    }),
    { numRuns: 200 },
  );
  assert.ok(parseInetAddress('10.0.0.1/9993').ok);
});
