import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ERROR_CODE,
  VERB,
  buildPacket,
  checkPacketLength,
  cipherSuite,
  classifyDatagram,
  compressPacket,
  decompressPacket,
  destination,
  flags,
  hops,
  isCompressed,
  isFragmented,
  packetId,
  packetIdBytes,
  payload,
  setHops,
  source,
  verb,
  verbName,
} from '../../src/core/vl1/packet.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_packets.json');
// The vectors' packets go from alice (c7f7b1cbd9) to bob (08f159bda0).
const ALICE = 0xc7f7b1cbd9;
const BOB = 0x08f159bda0;

test('VERB numbers follow the reference table', () => {
  assert.equal(VERB.NOP, 0);
  assert.equal(VERB.ECHO, 8);
  assert.equal(VERB.NETWORK_CONFIG, 0x0c);
  assert.equal(VERB.PUSH_DIRECT_PATHS, 0x10);
  assert.equal(VERB.ACK, 0x12);
  assert.equal(VERB.USER_MESSAGE, 0x14);
  assert.equal(VERB.PATH_NEGOTIATION_REQUEST, 0x16);
  assert.equal(ERROR_CODE.IDENTITY_COLLISION, 4);
  assert.equal(ERROR_CODE.NETWORK_AUTHENTICATION_REQUIRED, 9);
  assert.equal(verbName(8), 'ECHO');
  assert.equal(verbName(0x0f), 'UNKNOWN_0x0f');
});

// ---- Header accessors against the armored packet vectors ---------------------------------

for (const c of v.cases) {
  test(`packet vector ${c.name}: header accessors on the armored packet`, () => {
    const armored = hexToBytes(c.armored);
    assert.ok(checkPacketLength(armored).ok);
    assert.equal(classifyDatagram(armored), 'packet');
    assert.equal(bytesToHex(packetIdBytes(armored)), c.packetIdOnWire);
    assert.equal(packetId(armored), BigInt('0x' + c.packetIdOnWire));
    assert.equal(destination(armored), BOB);
    assert.equal(source(armored), ALICE);
    assert.equal(cipherSuite(armored), c.cipherSuite);
    assert.equal(hops(armored), 0);
    assert.equal(isFragmented(armored), false);
    // Suite 1 carries the legacy "encrypted" flag 0x80 (spec 5.2).
    assert.equal(flags(armored), c.cipherSuite === 1 ? 0x88 : c.cipherSuite << 3);
  });

  test(`packet vector ${c.name}: setHops(2) gives armoredWithHops2`, () => {
    const armored = hexToBytes(c.armored);
    setHops(armored, 2);
    assert.equal(hops(armored), 2);
    assert.equal(cipherSuite(armored), c.cipherSuite);
    assert.equal(bytesToHex(armored), c.armoredWithHops2);
    setHops(armored, 9); // wraps modulo 8
    assert.equal(hops(armored), 1);
  });

  test(`packet vector ${c.name}: buildPacket reproduces the plaintext packet`, () => {
    const plain = hexToBytes(c.plain);
    assert.equal(flags(plain), 0);
    const rebuilt = buildPacket(plain.subarray(0, 8), destination(plain), source(plain), verb(plain), payload(plain));
    assert.equal(bytesToHex(rebuilt), c.plain);
    assert.equal(isCompressed(plain), false);
  });
}

test('buildPacket: layout, verb masked, rejects a bad packet ID length', () => {
  const p = buildPacket(new Uint8Array(8).fill(0xab), 0x0102030405, 0xfedcba9876, VERB.HELLO, new Uint8Array([9, 8, 7]));
  assert.equal(bytesToHex(p), 'abababababababab' + '0102030405' + 'fedcba9876' + '00' + '0000000000000000' + '01' + '090807');
  assert.equal(destination(p), 0x0102030405);
  assert.equal(source(p), 0xfedcba9876);
  assert.equal(verb(p), VERB.HELLO);
  assert.throws(() => buildPacket(new Uint8Array(7), 1, 2, 0, new Uint8Array(0)), RangeError);
});

test('checkPacketLength: 27 truncated, 28 ok, 10024 ok, 10025 oversized', () => {
  const r27 = checkPacketLength(new Uint8Array(27));
  assert.ok(!r27.ok && r27.error.reason === 'truncated');
  assert.ok(checkPacketLength(new Uint8Array(28)).ok);
  assert.ok(checkPacketLength(new Uint8Array(10024)).ok);
  const big = checkPacketLength(new Uint8Array(10025));
  assert.ok(!big.ok && big.error.reason === 'oversized');
});

// ---- Datagram classification (spec 4) ----------------------------------------------------

test('classifyDatagram: each class and the boundaries', () => {
  const withIndicator = (n: number) => {
    const b = new Uint8Array(n);
    if (n > 13) b[13] = 0xff;
    return b;
  };
  assert.equal(classifyDatagram(new Uint8Array(13)), 'beacon');
  assert.equal(classifyDatagram(withIndicator(13)), 'beacon');
  assert.equal(classifyDatagram(new Uint8Array(0)), 'ignored');
  assert.equal(classifyDatagram(new Uint8Array(12)), 'ignored');
  assert.equal(classifyDatagram(new Uint8Array(14)), 'ignored');
  assert.equal(classifyDatagram(withIndicator(16)), 'ignored'); // header only: <= 16 comes first
  assert.equal(classifyDatagram(withIndicator(17)), 'fragment');
  assert.equal(classifyDatagram(withIndicator(1432)), 'fragment');
  assert.equal(classifyDatagram(new Uint8Array(17)), 'ignored'); // no indicator, < 28
  assert.equal(classifyDatagram(new Uint8Array(27)), 'ignored');
  assert.equal(classifyDatagram(new Uint8Array(28)), 'packet');
  assert.equal(classifyDatagram(new Uint8Array(10024)), 'packet');
  assert.equal(classifyDatagram(new Uint8Array(10025)), 'ignored');
  assert.equal(classifyDatagram(withIndicator(10025)), 'ignored');
});

test('classifyDatagram: fragmentation vector datagrams', () => {
  const f = loadVectors('vl1_fragmentation.json');
  for (const c of f.cases) {
    const [head, ...rest] = (c.datagrams as string[]).map(hexToBytes);
    assert.equal(classifyDatagram(head), 'packet');
    assert.equal(isFragmented(head), true);
    for (const d of rest) assert.equal(classifyDatagram(d), 'fragment');
  }
});

// ---- Compression vectors (spec 5.6) ------------------------------------------------------

for (const [i, c] of v.compression.entries()) {
  if (c.compressedFlagSet) {
    test(`compression vector ${i}: decompressPacket(compressed) gives uncompressed`, () => {
      const compressed = hexToBytes(c.compressed);
      assert.equal(isCompressed(compressed), true);
      assert.equal(bytesToHex(compressed.subarray(28)), c.lz4Block);
      const r = decompressPacket(compressed);
      assert.ok(r.ok);
      assert.equal(bytesToHex(r.value), c.uncompressed);
      assert.equal(isCompressed(r.value), false);
      assert.equal(c.uncompressOk, true);
    });
    test(`compression vector ${i}: compressPacket(uncompressed) shrinks, sets the flag and round-trips`, () => {
      const plain = hexToBytes(c.uncompressed);
      const packed = compressPacket(plain);
      assert.ok(packed.length < plain.length);
      assert.equal(isCompressed(packed), true);
      assert.equal(verb(packed), verb(plain));
      assert.equal(bytesToHex(packed.subarray(0, 27)), bytesToHex(plain.subarray(0, 27)));
      // Not required by the protocol, but our greedy encoder happens to match LZ4 1.7.5 here.
      assert.equal(bytesToHex(packed), c.compressed);
      const back = decompressPacket(packed);
      assert.ok(back.ok);
      assert.equal(bytesToHex(back.value), c.uncompressed);
      assert.equal(bytesToHex(plain), c.uncompressed, 'input left untouched');
    });
  } else {
    test(`compression vector ${i}: packet of ${c.packet.length / 2} bytes is left as is`, () => {
      const p = hexToBytes(c.packet);
      assert.equal(c.compressed, false);
      const out = compressPacket(p);
      assert.equal(out, p);
      assert.equal(isCompressed(out), false);
      const r = decompressPacket(p);
      assert.ok(r.ok && r.value === p);
    });
  }
}

test('compressPacket: 93-byte repetitive packet is compressed, incompressible one is not', () => {
  const id = new Uint8Array(8).fill(1);
  const rep = buildPacket(id, ALICE, BOB, VERB.USER_MESSAGE, new Uint8Array(65).fill(0x61));
  assert.equal(rep.length, 93);
  assert.equal(isCompressed(compressPacket(rep)), true);
  const noise = new Uint8Array(200);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 73 + ((i * i) >> 3)) & 0xff;
  const rnd = buildPacket(id, ALICE, BOB, VERB.USER_MESSAGE, noise);
  const out = compressPacket(rnd);
  if (out !== rnd) assert.ok(out.length < rnd.length);
  const already = compressPacket(rep);
  assert.equal(compressPacket(already), already, 'already compressed packets are left alone');
});

test('decompressPacket: empty flagged payload, bad block, zero output, oversize, truncated', () => {
  const header = buildPacket(new Uint8Array(8), ALICE, BOB, VERB.ECHO, new Uint8Array(0));
  header[27] |= 0x80;
  const empty = decompressPacket(header);
  assert.ok(empty.ok);
  assert.equal(empty.value.length, 28);
  assert.equal(isCompressed(empty.value), false);
  assert.equal(isCompressed(header), true, 'input untouched');

  const withBlock = (block: number[]) => {
    const p = buildPacket(new Uint8Array(8), ALICE, BOB, VERB.ECHO, new Uint8Array(block));
    p[27] |= 0x80;
    return decompressPacket(p);
  };
  const bad = withBlock([0x1f, 0x61, 0x00, 0x00]);
  assert.ok(!bad.ok && bad.error.reason === 'bad_compression');
  const nothing = withBlock([0x00]);
  assert.ok(!nothing.ok && nothing.error.reason === 'bad_compression');
  // 1 literal then a match of 9995+ bytes: 10,000 bytes of payload > 9,996 allowed.
  const len = 10000 - 1 - 4 - 15;
  const ext: number[] = [];
  let rest = len;
  while (rest >= 255) {
    ext.push(255);
    rest -= 255;
  }
  ext.push(rest);
  const tooBig = withBlock([0x1f, 0x61, 0x01, 0x00, ...ext, 0x00]);
  assert.ok(!tooBig.ok && tooBig.error.reason === 'bad_compression');
  // The same with exactly 9,996 bytes fits.
  const okLen = 9996 - 1 - 4 - 15;
  const ext2: number[] = [];
  rest = okLen;
  while (rest >= 255) {
    ext2.push(255);
    rest -= 255;
  }
  ext2.push(rest);
  const fits = withBlock([0x1f, 0x61, 0x01, 0x00, ...ext2, 0x00]);
  assert.ok(fits.ok);
  assert.equal(fits.value.length, 10024);
  assert.ok(fits.value.subarray(28).every((b) => b === 0x61));

  const short = decompressPacket(new Uint8Array(20));
  assert.ok(!short.ok && short.error.reason === 'truncated');
});

test('compressPacket/decompressPacket round trip (property)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.oneof(
        fc.uint8Array({ maxLength: 3000, size: 'max' }),
        fc.array(fc.constantFrom(...'ZeroTier packet text 0123'.split('')), { maxLength: 3000, size: 'max' }).map((a) => new TextEncoder().encode(a.join(''))),
      ),
      (id, body) => {
        const p = buildPacket(id, ALICE, BOB, VERB.NETWORK_CONFIG, body);
        const c = compressPacket(p);
        assert.ok(c.length <= p.length);
        const r = decompressPacket(c);
        assert.ok(r.ok);
        assert.deepEqual(r.value, p);
      },
    ),
    { numRuns: 200 },
  );
});

test('decoders never throw on random datagrams (property)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 2000, size: 'max' })), (bytes) => {
      const kind = classifyDatagram(bytes);
      assert.ok(['beacon', 'fragment', 'packet', 'ignored'].includes(kind));
      const r = decompressPacket(bytes);
      if (bytes.length < 28) assert.ok(!r.ok);
      const flagged = bytes.slice();
      if (flagged.length > 27) flagged[27] |= 0x80;
      decompressPacket(flagged);
      if (checkPacketLength(bytes).ok) {
        packetId(bytes);
        destination(bytes);
        source(bytes);
        cipherSuite(bytes);
        hops(bytes);
        verb(bytes);
      }
    }),
    { numRuns: 1000 },
  );
});
