import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Reassembler,
  buildFragment,
  decodeFragment,
  fragmentHops,
  fragmentPacket,
  markFragmented,
  maxPacketLengthForMtu,
  needsFragmentation,
  setFragmentHops,
} from '../../src/core/vl1/fragment.js';
import { buildPacket, classifyDatagram, isFragmented } from '../../src/core/vl1/packet.js';
import { bytesToHex, hexToBytes, writeU32 } from '../../src/core/vl1/bytes.js';
import { TZ_REASSEMBLY_MAX_ENTRIES, TZ_REASSEMBLY_TIMEOUT, ZT_DEFAULT_PHYSMTU } from '../../src/core/vl1/constants.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_fragmentation.json');

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** Feeds datagrams as a receiver would: heads by class 'packet', the rest as fragments. */
function feed(r: Reassembler, now: number, datagrams: Uint8Array[], sourceKey = ''): Uint8Array[] {
  const done: Uint8Array[] = [];
  for (const d of datagrams) {
    const kind = classifyDatagram(d);
    const out = kind === 'fragment' ? r.addFragment(now, d, sourceKey) : r.addHead(now, d, sourceKey);
    if (out) done.push(out);
  }
  return done;
}

/** A fragmented, "armored" (any bytes will do) packet of `size` bytes with a distinct ID. */
function fakePacket(size: number, id: number, mtu = ZT_DEFAULT_PHYSMTU): Uint8Array {
  const idBytes = new Uint8Array(8);
  writeU32(idBytes, 4, id);
  const body = new Uint8Array(size - 28);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7 + id) & 0xff;
  const p = buildPacket(idBytes, 0x0102030405, 0x0a0b0c0d0e, 8, body);
  if (needsFragmentation(p.length, mtu)) markFragmented(p);
  return p;
}

// ---- Vectors -----------------------------------------------------------------------------

for (const [i, c] of v.cases.entries()) {
  const name = `fragmentation vector ${i} (suite ${c.cipherSuite}, mtu ${c.mtu})`;

  test(`${name}: the fragmented flag is set before armor`, () => {
    const plain = hexToBytes(c.plainBeforeArmor);
    const whole = hexToBytes(c.armoredWhole);
    assert.equal(needsFragmentation(whole.length, c.mtu), true);
    assert.equal(isFragmented(plain), true);
    assert.equal(isFragmented(whole), true);
    const unflagged = plain.slice();
    unflagged[18] &= ~0x40;
    markFragmented(unflagged);
    assert.deepEqual(unflagged, plain);
  });

  test(`${name}: fragmentPacket(armoredWhole) equals the datagrams exactly`, () => {
    const datagrams = fragmentPacket(hexToBytes(c.armoredWhole), c.mtu);
    assert.equal(datagrams.length, c.totalFragments);
    assert.deepEqual(datagrams.map(bytesToHex), c.datagrams);
  });

  test(`${name}: decodeFragment reads each fragment`, () => {
    const whole = hexToBytes(c.armoredWhole);
    const ds = (c.datagrams as string[]).map(hexToBytes);
    for (let n = 1; n < ds.length; n++) {
      const r = decodeFragment(ds[n]);
      assert.ok(r.ok);
      assert.equal(bytesToHex(r.value.packetIdBytes), c.armoredWhole.slice(0, 16));
      assert.equal(r.value.destination, 0x08f159bda0);
      assert.equal(r.value.total, c.totalFragments);
      assert.equal(r.value.number, n);
      assert.equal(r.value.hops, 0);
      const at = c.mtu + (n - 1) * (c.mtu - 16);
      assert.deepEqual(r.value.data, whole.subarray(at, at + r.value.data.length));
    }
  });

  for (const order of permutations([0, 1, 2])) {
    test(`${name}: reassembly in order ${order.join(',')} gives armoredWhole`, () => {
      const ds = (c.datagrams as string[]).map(hexToBytes);
      const r = new Reassembler();
      const done = feed(r, 1000, order.map((k) => ds[k]), '192.0.2.1/9993');
      assert.equal(done.length, 1);
      assert.equal(bytesToHex(done[0]), c.armoredWhole);
      assert.equal(r.size, 0);
      assert.equal(Object.values(r.drops).reduce((a, b) => a + b, 0), 0);
    });
  }
}

// ---- Sending ------------------------------------------------------------------------------

test('fragmentPacket: sizes at the MTU boundary and beyond', () => {
  const fits = fakePacket(1432, 1);
  assert.deepEqual(fragmentPacket(fits, 1432), [fits]);
  assert.equal(isFragmented(fits), false);
  const one = fakePacket(1433, 2);
  const ds = fragmentPacket(one, 1432);
  assert.deepEqual(ds.map((d) => d.length), [1432, 17]);
  assert.equal(ds[1][14], 0x21);
  const big = fakePacket(maxPacketLengthForMtu(1432), 3);
  assert.equal(big.length, 9928);
  const bigDs = fragmentPacket(big, 1432);
  assert.equal(bigDs.length, 7);
  assert.ok(bigDs.every((d) => d.length <= 1432));
  assert.throws(() => fragmentPacket(fakePacket(9929, 4), 1432), RangeError);
  assert.throws(() => fragmentPacket(buildPacket(new Uint8Array(8), 1, 2, 8, new Uint8Array(2000)), 1432), /flag/);
  assert.throws(() => fragmentPacket(fits, 20), RangeError);
  assert.equal(maxPacketLengthForMtu(10324), 10024);
});

test('fragment hops: read and rewrite for relaying', () => {
  const f = buildFragment(new Uint8Array(8).fill(9), 0x0102030405, 3, 1, 2, new Uint8Array([1, 2, 3]));
  assert.equal(bytesToHex(f), '0909090909090909' + '0102030405' + 'ff' + '31' + '02' + '010203');
  assert.equal(fragmentHops(f), 2);
  setFragmentHops(f, fragmentHops(f) + 1);
  assert.equal(fragmentHops(f), 3);
  setFragmentHops(f, 8);
  assert.equal(fragmentHops(f), 0);
});

// ---- Decoding -----------------------------------------------------------------------------

test('decodeFragment: truncated, oversized, missing indicator', () => {
  const short = decodeFragment(new Uint8Array(16).fill(0xff));
  assert.ok(!short.ok && short.error.reason === 'truncated');
  const huge = new Uint8Array(10025);
  huge[13] = 0xff;
  const big = decodeFragment(huge);
  assert.ok(!big.ok && big.error.reason === 'oversized');
  const noInd = decodeFragment(new Uint8Array(40));
  assert.ok(!noInd.ok && noInd.error.reason === 'bad_fragment');
  const f = buildFragment(new Uint8Array(8), 1, 0xf, 0xf, 7, new Uint8Array(1));
  const r = decodeFragment(f);
  assert.ok(r.ok && r.value.total === 15 && r.value.number === 15 && r.value.hops === 7, 'structural only');
});

// ---- Reassembly limits ---------------------------------------------------------------------

function pieces(size: number, id: number): Uint8Array[] {
  return fragmentPacket(fakePacket(size, id), ZT_DEFAULT_PHYSMTU);
}

test('reassembler: number and total out of range are dropped as bad_fragment / too_many_fragments', () => {
  const r = new Reassembler();
  const id = new Uint8Array(8).fill(1);
  const frag = (total: number, number: number) => buildFragment(id, 1, total, number, 0, new Uint8Array(10));
  assert.equal(r.addFragment(0, frag(3, 0)), undefined); // number 0 is the head's
  assert.equal(r.addFragment(0, frag(8, 7)), undefined); // total 8 > 7
  assert.equal(r.addFragment(0, frag(15, 3)), undefined);
  assert.equal(r.addFragment(0, frag(1, 1)), undefined); // total 1 cannot have fragments
  assert.equal(r.addFragment(0, frag(0, 1)), undefined);
  assert.equal(r.addFragment(0, frag(3, 3)), undefined); // number must be < total
  assert.equal(r.addFragment(0, frag(7, 7)), undefined);
  assert.equal(r.drops.bad_fragment, 5);
  assert.equal(r.drops.too_many_fragments, 2);
  assert.equal(r.size, 0, 'rejected fragments create no entry');
  // The highest legal combination is accepted.
  assert.equal(r.addFragment(0, frag(7, 6)), undefined);
  assert.equal(r.size, 1);
});

test('reassembler: duplicates (head and fragments) are ignored and counted', () => {
  const ds = pieces(4000, 7);
  assert.equal(ds.length, 3);
  const r = new Reassembler();
  assert.deepEqual(feed(r, 0, [ds[1], ds[1], ds[0], ds[0]]), []);
  assert.equal(r.drops.duplicate_fragment, 2);
  const done = feed(r, 0, [ds[2]]);
  assert.equal(done.length, 1);
  assert.equal(done[0].length, 4000);
});

test('reassembler: total is taken from the latest fragment', () => {
  const ds = pieces(3000, 8); // 3 pieces
  const r = new Reassembler();
  // A forged/stale fragment 1 claiming 5 pieces arrives first: the genuine fragment 2 (total 3)
  // arrives later and sets the total, completing the packet with the first fragment 1.
  const f1 = decodeFragment(ds[1]);
  assert.ok(f1.ok);
  assert.equal(r.addFragment(0, { ...f1.value, total: 5 }), undefined);
  assert.equal(r.addHead(0, ds[0]), undefined);
  const out = r.addFragment(0, ds[2]);
  assert.ok(out);
  assert.equal(out.length, 3000);
});

test('reassembler: a head without the fragmented flag is already whole', () => {
  const p = fakePacket(500, 9);
  const r = new Reassembler();
  assert.equal(r.addHead(0, p), p);
  assert.equal(r.size, 0);
  assert.equal(r.addHead(0, new Uint8Array(27)), undefined);
  assert.equal(r.drops.truncated, 1);
  assert.equal(r.addHead(0, new Uint8Array(10025)), undefined);
  assert.equal(r.drops.oversized, 1);
});

test('reassembler: pieces adding up to more than 10,024 bytes drop the entry', () => {
  const r = new Reassembler();
  const id = new Uint8Array(8).fill(3);
  const head = buildPacket(id, 1, 2, 8, new Uint8Array(5000));
  markFragmented(head);
  assert.equal(r.addHead(0, head), undefined);
  assert.equal(r.addFragment(0, buildFragment(id, 1, 3, 1, 0, new Uint8Array(4000))), undefined);
  assert.equal(r.addFragment(0, buildFragment(id, 1, 3, 2, 0, new Uint8Array(1000))), undefined);
  assert.equal(r.drops.oversized, 1);
  assert.equal(r.size, 0);
  // Exactly 10,024 is fine.
  const head2 = buildPacket(id, 1, 2, 8, new Uint8Array(5000 - 28));
  markFragmented(head2);
  r.addHead(0, head2);
  r.addFragment(0, buildFragment(id, 1, 3, 1, 0, new Uint8Array(4000)));
  const out = r.addFragment(0, buildFragment(id, 1, 3, 2, 0, new Uint8Array(1024)));
  assert.equal(out?.length, 10024);
});

test('reassembler: a packet never completed expires, lazily and by expire(now)', () => {
  const ds = pieces(3000, 10);
  const r = new Reassembler();
  feed(r, 1000, [ds[0], ds[1]]);
  assert.equal(r.size, 1);
  assert.equal(r.nextDeadline(), 1000 + TZ_REASSEMBLY_TIMEOUT);
  assert.equal(r.expire(1000 + TZ_REASSEMBLY_TIMEOUT - 1), 0);
  assert.equal(r.size, 1);
  assert.equal(r.expire(1000 + TZ_REASSEMBLY_TIMEOUT), 1);
  assert.equal(r.size, 0);
  assert.equal(r.drops.reassembly_expired, 1);
  assert.equal(r.nextDeadline(), undefined);
  // Lazy: the late last piece starts a fresh entry instead of completing a stale one.
  feed(r, 2000, [ds[0], ds[1]]);
  assert.deepEqual(feed(r, 2000 + TZ_REASSEMBLY_TIMEOUT, [ds[2]]), []);
  assert.equal(r.drops.reassembly_expired, 2);
  assert.equal(r.size, 1);
});

test('reassembler: when full the oldest entry is evicted', () => {
  const r = new Reassembler({ maxEntries: 4 });
  const sets = [1, 2, 3, 4, 5].map((k) => pieces(3000, 100 + k));
  for (const [k, ds] of sets.entries()) feed(r, k, [ds[0]]);
  assert.equal(r.size, 4);
  assert.equal(r.drops.reassembly_evicted, 1);
  // The first packet was evicted; the others still complete.
  assert.deepEqual(feed(r, 10, [sets[0][1], sets[0][2]]), []);
  assert.equal(feed(r, 10, [sets[4][1], sets[4][2]]).length, 1);
});

test('reassembler: memory stays bounded under 100k fragments with distinct IDs', () => {
  const r = new Reassembler();
  const id = new Uint8Array(8);
  const data = new Uint8Array(100);
  let maxSize = 0;
  for (let k = 0; k < 100_000; k++) {
    writeU32(id, 0, k);
    writeU32(id, 4, k * 2654435761);
    r.addFragment(k >> 4, buildFragment(id, 1, 3, 1 + (k % 2), 0, data));
    if (r.size > maxSize) maxSize = r.size;
  }
  assert.ok(maxSize <= TZ_REASSEMBLY_MAX_ENTRIES);
  assert.equal(r.drops.reassembly_evicted + r.drops.reassembly_expired + r.size, 100_000);
  r.expire(1e9);
  assert.equal(r.size, 0);
});

test('reassembler: same packet ID from different sources does not mix', () => {
  const ds = pieces(3000, 11);
  const forged = ds[1].slice();
  forged.fill(0xee, 16);
  const r = new Reassembler();
  // Attacker's fragment 1 arrives first from another address; it does not spoil the packet.
  assert.equal(r.addFragment(0, forged, '198.51.100.66/4444'), undefined);
  const done = feed(r, 0, ds, '192.0.2.1/9993');
  assert.equal(done.length, 1);
  assert.deepEqual(done[0], fakePacket(3000, 11));
  // With the reference's keying (empty source key) the forged fragment wins: documented risk.
  const ref = new Reassembler();
  ref.addFragment(0, forged);
  const spoiled = feed(ref, 0, ds);
  assert.equal(spoiled.length, 1);
  assert.notDeepEqual(spoiled[0], fakePacket(3000, 11));
  assert.equal(ref.drops.duplicate_fragment, 1);
});

test('reassembler: owns copies of what it keeps', () => {
  const ds = pieces(3000, 12).map((d) => d.slice());
  const r = new Reassembler();
  feed(r, 0, [ds[0], ds[1]]);
  ds[0].fill(0);
  ds[1].fill(0);
  const done = feed(r, 0, [ds[2]]);
  assert.deepEqual(done[0], fakePacket(3000, 12));
});

// ---- Properties ----------------------------------------------------------------------------

test('fragment then reassemble in a random order gives the packet back (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 28, max: 9928 }),
      fc.integer({ min: 1400, max: 2800 }),
      fc.nat(),
      fc.nat(),
      (size, mtu, id, seed) => {
        if (size > maxPacketLengthForMtu(mtu)) size = maxPacketLengthForMtu(mtu);
        const p = fakePacket(size, id, mtu);
        const ds = fragmentPacket(p, mtu);
        // Deterministic shuffle from the seed.
        const order = ds.map((d, k) => ({ d, key: (k * 2654435761 + seed) % 1000003 }));
        order.sort((a, b) => a.key - b.key);
        const r = new Reassembler();
        const done = feed(r, 0, order.map((o) => o.d));
        assert.equal(done.length, 1);
        assert.deepEqual(done[0], p);
      },
    ),
    { numRuns: 200 },
  );
});

test('random datagrams never throw from decodeFragment or the reassembler, and stay bounded (property)', () => {
  const r = new Reassembler({ maxEntries: 8 });
  let now = 0;
  // Short IDs so that random datagrams often share an entry.
  const datagram = fc
      .tuple(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 1500, size: 'max' })), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.nat(255))
    .map(([bytes, idByte, asFragment, b14]) => {
      const d = bytes.length >= 16 ? bytes.slice() : new Uint8Array(16 + (bytes.length % 3)).fill(bytes[0] ?? 0);
      d.fill(0, 0, 8);
      d[7] = idByte;
      if (asFragment) {
        d[13] = 0xff;
        d[14] = b14;
      } else if (d.length > 18) d[18] |= 0x40;
      return d;
    });
  fc.assert(
    fc.property(datagram, fc.nat(3000), (d, dt) => {
      now += dt;
      decodeFragment(d);
      const kind = classifyDatagram(d);
      const out = kind === 'fragment' ? r.addFragment(now, d) : r.addHead(now, d);
      if (out) assert.ok(out.length <= 10024);
      assert.ok(r.size <= 8);
    }),
    { numRuns: 3000 },
  );
});
