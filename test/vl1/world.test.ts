import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeWorld,
  DEFAULT_PLANET,
  readWorld,
  serializeWorld,
  shouldReplaceWorld,
  signWorld,
  verifyWorld,
  type World,
} from '../../src/core/vl1/world.js';
import { Identity } from '../../src/core/vl1/identity.js';
import { BufferReader } from '../../src/core/vl1/buffer-reader.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { c25519Generate } from '../../src/core/vl1/c25519.js';
import { inetAddressToString, parseInetAddress, serializeInetAddress, type InetAddress } from '../../src/core/vl1/inet-address.js';
import { DecodeError } from '../../src/core/errors.js';
import { loadVectors } from '../helpers/vectors.js';

const planetVectors = loadVectors('vl1_world_planet.json');
const moonVectors = loadVectors('vl1_world_moon.json');
const ids = loadVectors('vl1_identities.json');

interface DecodedVector {
  type: number;
  id: number;
  idHex: string;
  timestamp: number;
  updatesMustBeSignedBy: string;
  signature: string;
  roots: { identity: string; address: string; stableEndpoints: { string: string; serialized: string }[] }[];
  signedMessage: string;
  signatureVerifiesWithOwnUpdatesMustBeSignedBy: boolean;
  serialized: string;
}

function decode(hex: string): World {
  const r = decodeWorld(hexToBytes(hex));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.length, hex.length / 2);
  return r.value.world;
}

function checkDecoded(name: string, binary: string, d: DecodedVector): void {
  test(`world ${name}: decoded fields`, () => {
    const w = decode(binary);
    assert.equal(w.type, d.type);
    assert.equal(w.id, BigInt(d.id));
    assert.equal(w.id.toString(16).padStart(16, '0'), d.idHex);
    assert.equal(w.timestamp, BigInt(d.timestamp));
    assert.equal(bytesToHex(w.updatesMustBeSignedBy), d.updatesMustBeSignedBy);
    assert.equal(bytesToHex(w.signature), d.signature);
    assert.equal(w.roots.length, d.roots.length);
    w.roots.forEach((root, i) => {
      assert.equal(root.identity.toString(), d.roots[i].identity);
      assert.equal(root.identity.toString().slice(0, 10), d.roots[i].address);
      assert.deepEqual(root.stableEndpoints.map(inetAddressToString), d.roots[i].stableEndpoints.map((e) => e.string));
      assert.deepEqual(
        root.stableEndpoints.map((e) => bytesToHex(serializeInetAddress(e))),
        d.roots[i].stableEndpoints.map((e) => e.serialized),
      );
    });
  });
  test(`world ${name}: re-serializes byte for byte; signing form`, () => {
    const w = decode(binary);
    assert.equal(bytesToHex(serializeWorld(w)), d.serialized);
    assert.equal(d.serialized, binary);
    assert.equal(bytesToHex(serializeWorld(w, true)), d.signedMessage);
  });
  test(`world ${name}: signature check`, () => {
    const w = decode(binary);
    assert.equal(verifyWorld(w), d.signatureVerifiesWithOwnUpdatesMustBeSignedBy);
    assert.equal(verifyWorld(w, w.updatesMustBeSignedBy), d.signatureVerifiesWithOwnUpdatesMustBeSignedBy);
    const forged = { ...w, signature: w.signature.slice() };
    forged.signature[3] ^= 0x40;
    assert.equal(verifyWorld(forged), false);
    assert.equal(verifyWorld({ ...w, timestamp: w.timestamp + 1n }), false);
  });
}

checkDecoded('planet (1.14.1 default)', planetVectors.binary, planetVectors.decoded);
checkDecoded('moon', moonVectors.binary, moonVectors.decoded);
checkDecoded('moon update', moonVectors.updateBinary, moonVectors.updateDecoded);

test('world planet: DEFAULT_PLANET is the 1.14.1 planet', () => {
  assert.equal(bytesToHex(DEFAULT_PLANET), planetVectors.binary);
  assert.equal(DEFAULT_PLANET.length, 570);
});

test('world moon: update rule (originalShouldBeReplacedByUpdate, updateShouldBeReplacedByOriginal)', () => {
  const original = decode(moonVectors.binary);
  const update = decode(moonVectors.updateBinary);
  assert.equal(shouldReplaceWorld(original, update), moonVectors.originalShouldBeReplacedByUpdate);
  assert.equal(shouldReplaceWorld(update, original), moonVectors.updateShouldBeReplacedByOriginal);
  assert.equal(shouldReplaceWorld(undefined, original), true);
  assert.equal(shouldReplaceWorld(original, original), false, 'same timestamp is not newer');
});

// ---- Worlds we build ourselves -------------------------------------------------------------

function identity(name: string): Identity {
  const r = Identity.fromString(ids.identities.find((i: { name: string }) => i.name === name).public);
  assert.ok(r.ok);
  return r.value;
}

function ep(text: string): InetAddress {
  const r = parseInetAddress(text);
  assert.ok(r.ok);
  return r.value;
}

const key1 = c25519Generate();
const key2 = c25519Generate();

function planet(timestamp: bigint, nextKey = key1.publicKey, signer = key1.privateKey, id = 77n): World {
  return signWorld(
    {
      type: 1,
      id,
      timestamp,
      updatesMustBeSignedBy: nextKey,
      roots: [
        { identity: identity('root1'), stableEndpoints: [ep('10.0.0.1/9993'), ep('fd00::1/9993')] },
        { identity: identity('alice'), stableEndpoints: [] },
      ],
    },
    signer,
  );
}

test('world update rules: id, type, timestamp and signer must all fit', () => {
  const current = planet(100n);
  assert.ok(verifyWorld(current));
  assert.equal(shouldReplaceWorld(current, planet(101n)), true);
  assert.equal(shouldReplaceWorld(current, planet(100n)), false, 'not newer');
  assert.equal(shouldReplaceWorld(current, planet(99n)), false, 'older');
  assert.equal(shouldReplaceWorld(current, planet(101n, key1.publicKey, key1.privateKey, 78n)), false, 'other id');
  assert.equal(shouldReplaceWorld(current, planet(101n, key2.publicKey, key2.privateKey)), false, 'signed by a key the current world did not name');
  const asMoon = signWorld({ ...planet(101n), type: 127 }, key1.privateKey);
  assert.equal(shouldReplaceWorld(current, asMoon), false, 'other type');
});

test('world update rules: key rotation', () => {
  const current = planet(100n);
  // revision 2 is signed by key1 (named by revision 1) and names key2 for what follows
  const rotated = planet(200n, key2.publicKey, key1.privateKey);
  assert.equal(shouldReplaceWorld(current, rotated), true);
  assert.equal(verifyWorld(rotated), false, 'not signed by its own updatesMustBeSignedBy');
  assert.equal(shouldReplaceWorld(rotated, planet(300n, key2.publicKey, key1.privateKey)), false);
  assert.equal(shouldReplaceWorld(rotated, planet(300n, key2.publicKey, key2.privateKey)), true);
});

test('world codec: built worlds round-trip, moons carry an empty dictionary', () => {
  const p = planet(5n);
  const bytes = serializeWorld(p);
  const d = decodeWorld(bytes);
  assert.ok(d.ok);
  assert.equal(bytesToHex(serializeWorld(d.value.world)), bytesToHex(bytes));
  const moon = signWorld({ ...p, type: 127 }, key1.privateKey);
  const mb = serializeWorld(moon);
  assert.equal(bytesToHex(mb.subarray(mb.length - 2)), '0000');
  // a received dictionary is skipped; the signing form always says length 0, so it is not covered
  const withDict = new Uint8Array([...mb.subarray(0, mb.length - 2), 0, 3, 1, 2, 3]);
  const dd = decodeWorld(withDict);
  assert.ok(dd.ok && dd.value.length === withDict.length);
  assert.ok(verifyWorld(dd.value.world));
});

test('world codec: too many roots or endpoints, unknown type, truncation', () => {
  const bytes = serializeWorld(planet(5n));
  const rootCountAt = 1 + 8 + 8 + 64 + 96;
  const tooManyRoots = bytes.slice();
  tooManyRoots[rootCountAt] = 5;
  let r = decodeWorld(tooManyRoots);
  assert.ok(!r.ok && r.error.reason === 'too_many_roots');
  const endpointCountAt = rootCountAt + 1 + 71;
  const tooManyEndpoints = bytes.slice();
  tooManyEndpoints[endpointCountAt] = 33;
  r = decodeWorld(tooManyEndpoints);
  assert.ok(!r.ok && r.error.reason === 'too_many_endpoints');
  for (const t of [0, 2, 126, 128, 255]) {
    const b = bytes.slice();
    b[0] = t;
    r = decodeWorld(b);
    assert.ok(!r.ok && r.error.reason === 'bad_type', `type ${t}`);
  }
  for (let n = 0; n < bytes.length; n++) {
    r = decodeWorld(bytes.subarray(0, n));
    assert.ok(!r.ok && r.error.reason === 'truncated', `length ${n}`);
  }
  assert.throws(() => readWorld(new BufferReader(bytes.subarray(0, 100))), DecodeError);
  // our own serializer refuses what no decoder would accept
  const five = planet(5n);
  assert.throws(() => serializeWorld({ ...five, roots: [...five.roots, ...five.roots, ...five.roots] }), RangeError);
});

test('world codec: nil and reserved endpoint entries are dropped', () => {
  const w = planet(5n);
  const root = w.roots[1];
  const bytes = serializeWorld({ ...w, roots: [w.roots[0], { ...root, stableEndpoints: [ep('10.9.9.9/1')] }] });
  // replace the last root's one IPv4 endpoint (7 bytes) by a nil entry plus a type-3 entry
  const endAt = bytes.length - 7;
  const patched = new Uint8Array([...bytes.subarray(0, endAt - 1), 2, 0, 3, 0, 1, 0xaa]);
  const d = decodeWorld(patched);
  assert.ok(d.ok, d.ok ? '' : d.error.message);
  assert.equal(d.value.world.roots[1].stableEndpoints.length, 0);
  assert.equal(d.value.length, patched.length);
});

test('world properties: decoding garbage or mutated worlds never throws out', () => {
  const good = [hexToBytes(planetVectors.binary), hexToBytes(moonVectors.binary)];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), (b) => {
      decodeWorld(b);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (which, flips, cut) => {
      const b = good[which].slice(0, Math.max(1, good[which].length - (cut % 40)));
      for (const [i, x] of flips) b[i % b.length] ^= x;
      const r = decodeWorld(b);
      if (r.ok) {
        assert.ok(r.value.length <= b.length);
        verifyWorld(r.value.world);
      }
    }),
    { numRuns: 300 },
  );
});
