/**
 * The VL2 packet codecs (frames, multicast, config request, config chunks) and the config
 * reassembler: round trips, hostile bytes (truncated, oversized, garbage) and reassembly in any
 * order, with bounded fast-check runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesToHex } from '../../src/core/vl1/bytes.js';
import { ConfigAssembler, chunkIdOf, decodeConfigChunk, encodeConfigChunks, verifyConfigChunk, type ConfigChunk } from '../../src/core/vl2/config-chunks.js';
import {
  decodeConfigErrorBody,
  decodeConfigRequest,
  encodeAuthenticationInfo,
  encodeConfigErrorBody,
  encodeConfigRequest,
  requestMetadataDictionary,
} from '../../src/core/vl2/config-request.js';
import { ZT_NETWORKCONFIG_DICT_CAPACITY } from '../../src/core/vl2/constants.js';
import { decodeExtFrame, decodeFrame, encodeExtFrame, encodeFrame } from '../../src/core/vl2/frames.js';
import {
  decodeGatherReply,
  decodeMulticastFrame,
  decodeMulticastFrameReply,
  decodeMulticastGather,
  decodeMulticastLikes,
  encodeGatherReply,
  encodeMulticastFrame,
  encodeMulticastFrameReply,
  encodeMulticastGather,
  encodeMulticastLikes,
} from '../../src/core/vl2/multicast-packets.js';
import { BridgeRoutes } from '../../src/core/vl2/bridge-routes.js';
import { Multicaster } from '../../src/core/vl2/multicaster.js';
import { icmpv6Checksum } from '../../src/core/vl2/ndp-emulation.js';
import { A, B, NWID, packets, hex } from './vl2-harness.js';

const RUNS = { numRuns: 150 };
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const mac = fc.integer({ min: 0, max: 0xffffffffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const address = fc.integer({ min: 1, max: 0xffffffffff });
const group = fc.tuple(mac, u32).map(([m, adi]) => ({ mac: m, adi }));
const frame = fc.uint8Array({ maxLength: 1600 });
const garbage = fc.uint8Array({ maxLength: 400 });

test('vl2 codecs: FRAME and EXT_FRAME round trip', () => {
  fc.assert(
    fc.property(u64, fc.integer({ min: 0, max: 0xffff }), frame, (nwid, etherType, data) => {
      const f = decodeFrame(encodeFrame(nwid, etherType, data));
      assert.ok(f.ok);
      assert.equal(f.value.networkId, nwid);
      assert.equal(f.value.etherType, etherType);
      assert.deepEqual(f.value.frame, data);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(u64, fc.integer({ min: 0, max: 0xfe }), mac, mac, fc.integer({ min: 0, max: 0xffff }), frame, (nwid, flags, dst, src, etherType, data) => {
      const f = decodeExtFrame(encodeExtFrame(nwid, flags, dst, src, etherType, data));
      assert.ok(f.ok);
      assert.deepEqual([f.value.networkId, f.value.flags, f.value.destMac, f.value.sourceMac, f.value.etherType], [nwid, flags & ~1, dst, src, etherType]);
      assert.deepEqual(f.value.frame, data);
      assert.equal(f.value.com, undefined);
    }),
    RUNS,
  );
});

test('vl2 codecs: MULTICAST_LIKE, GATHER, OK(GATHER), MULTICAST_FRAME, OK(MULTICAST_FRAME) round trip', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(u64, group).map(([networkId, g]) => ({ networkId, group: g })), { maxLength: 200 }), fc.integer({ min: 18, max: 2000 }), (likes, max) => {
      const payloads = encodeMulticastLikes(likes, max);
      assert.ok(payloads.every((p) => p.length <= Math.max(18, max)));
      assert.deepEqual(payloads.flatMap(decodeMulticastLikes), likes);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(u64, group, u32, (nwid, g, limit) => {
      const d = decodeMulticastGather(encodeMulticastGather(nwid, g, limit, undefined));
      assert.ok(d.ok);
      assert.deepEqual([d.value.networkId, d.value.group, d.value.gatherLimit, d.value.flags, d.value.com], [nwid, g, limit, 0, undefined]);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(u64, group, u32, fc.array(address, { maxLength: 100 }), (nwid, g, total, members) => {
      const d = decodeGatherReply(encodeGatherReply(nwid, g, total, members));
      assert.ok(d.ok);
      assert.deepEqual(d.value, { networkId: nwid, group: g, results: { totalKnown: total, members } });
      const m = decodeMulticastFrameReply(encodeMulticastFrameReply(nwid, g, total, members));
      assert.ok(m.ok);
      assert.deepEqual(m.value.results, { totalKnown: total, members });
    }),
    RUNS,
  );
  fc.assert(
    fc.property(u64, fc.option(u32, { nil: undefined }), fc.option(mac, { nil: undefined }), group, fc.integer({ min: 0, max: 0xffff }), frame, fc.boolean(), (nwid, gatherLimit, sourceMac, g, etherType, data, replicate) => {
      const d = decodeMulticastFrame(encodeMulticastFrame({ networkId: nwid, flags: replicate ? 0x08 : 0, gatherLimit, sourceMac, group: g, etherType, frame: data }));
      assert.ok(d.ok);
      assert.equal(d.value.networkId, nwid);
      assert.equal(d.value.gatherLimit, gatherLimit ?? 0);
      assert.equal(d.value.sourceMac, sourceMac);
      assert.deepEqual(d.value.group, g);
      assert.equal(d.value.etherType, etherType);
      assert.equal((d.value.flags & 0x08) !== 0, replicate);
      assert.deepEqual(d.value.frame, data);
    }),
    RUNS,
  );
});

test('vl2 codecs: NETWORK_CONFIG_REQUEST and config ERROR bodies round trip', () => {
  fc.assert(
    fc.property(u64, fc.uint8Array({ maxLength: 2000 }), u64, u64, (nwid, metadata, rev, ts) => {
      const d = decodeConfigRequest(encodeConfigRequest({ networkId: nwid, metadata, haveRevision: rev, haveTimestamp: ts }));
      assert.ok(d.ok);
      assert.deepEqual(d.value.metadata, metadata);
      assert.deepEqual([d.value.networkId, d.value.haveRevision, d.value.haveTimestamp], [nwid, rev, ts]);
      // Metadata beyond 1024 bytes is cut, never refused.
      assert.ok(requestMetadataDictionary(metadata).data.length < 1024);
    }),
    RUNS,
  );
  const info = { version: 1, authenticationURL: '', issuerURL: 'https://issuer', centralAuthURL: 'https://central', ssoNonce: 'n', ssoState: 's', ssoClientID: 'c', ssoProvider: 'keycloak' };
  const body = decodeConfigErrorBody(encodeConfigErrorBody(NWID, encodeAuthenticationInfo(info)));
  assert.ok(body.ok);
  assert.deepEqual(body.value.authentication, info);
  const v0 = decodeConfigErrorBody(encodeConfigErrorBody(NWID, encodeAuthenticationInfo({ ...info, version: 0, authenticationURL: 'https://login' })));
  assert.ok(v0.ok);
  assert.equal(v0.value.authentication?.authenticationURL, 'https://login');
  const plain = decodeConfigErrorBody(encodeConfigErrorBody(NWID));
  assert.ok(plain.ok);
  assert.equal(plain.value.authentication, undefined);
  assert.equal(decodeConfigErrorBody(new Uint8Array(7)).ok, false);
});

test('vl2 codecs: every decoder returns a Result on garbage and on truncations of real packets', () => {
  const decoders: ((b: Uint8Array) => unknown)[] = [
    decodeFrame,
    decodeExtFrame,
    decodeMulticastGather,
    decodeGatherReply,
    decodeMulticastFrame,
    decodeMulticastFrameReply,
    decodeConfigRequest,
    decodeConfigErrorBody,
    (b) => decodeConfigChunk(b),
    decodeMulticastLikes,
  ];
  fc.assert(
    fc.property(garbage, (bytes) => {
      for (const d of decoders) d(bytes);
    }),
    { numRuns: 300 },
  );
  const real = [
    packets.networkConfigRequest_noConfig.payloadHex,
    packets.arpBroadcastAsMulticast.multicastGatherToController[0].payloadHex,
    packets.arpBroadcastAsMulticast.afterLearningMemberC[0].payloadHex,
    packets.multicastFrame_limit.example.payloadHex,
    packets.networkConfig_pushForm_multiChunk.packets[1].payloadHex,
  ].map(hex);
  for (const p of real) {
    for (let n = 0; n < p.length; n += Math.max(1, Math.floor(p.length / 97))) {
      const cut = p.subarray(0, n);
      for (const d of decoders) d(cut);
    }
  }
});

// ---- Config chunks -------------------------------------------------------------------------------

function chunksOf(dict: Uint8Array, updateId: bigint, size: number): ConfigChunk[] {
  return encodeConfigChunks(dict, NWID, updateId, A, size).map((b) => {
    const c = decodeConfigChunk(b);
    assert.ok(c.ok);
    return c.value;
  });
}

const verifyA = (c: ConfigChunk): boolean => verifyConfigChunk(c, A);

test('vl2 config chunks: any order reassembles the dictionary; each chunk counts once', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.integer({ min: 64, max: 1500 }), fc.integer(), (dict, size, seed) => {
      const chunks = chunksOf(dict, 0x42n, size);
      const order = fc.sample(fc.shuffledSubarray(chunks, { minLength: chunks.length, maxLength: chunks.length }), { seed, numRuns: 1 })[0];
      const asm = new ConfigAssembler();
      let done: Uint8Array | undefined;
      for (const [i, c] of order.entries()) {
        const o = asm.offer(c, verifyA);
        if (i < order.length - 1) assert.equal(o.kind, 'incomplete');
        else if (o.kind === 'complete') done = o.dictionary;
        // The same chunk again is a duplicate.
        assert.equal(asm.offer(c, verifyA).kind, 'ignored');
      }
      assert.deepEqual(done, dict);
    }),
    { numRuns: 25 },
  );
});

test('vl2 config chunks: refusals (overlap, foreign signer, inconsistent total, beyond capacity, bad signature field)', () => {
  const dict = new Uint8Array(5000).fill(0x61);
  const chunks = chunksOf(dict, 7n, 2000);
  const asm = new ConfigAssembler();
  assert.equal(asm.offer(chunks[0], verifyA).kind, 'incomplete');
  // An overlapping chunk of the same update (signed by A, different split) is refused.
  const other = chunksOf(dict, 7n, 1500);
  assert.deepEqual(asm.offer(other[1], verifyA), { kind: 'ignored', reason: 'inconsistent' });
  // Signed by someone else: the signature does not verify against the controller.
  const byB = encodeConfigChunks(dict, NWID, 8n, B, 2000).map((b) => decodeConfigChunk(b)).map((r) => (r.ok ? r.value : undefined))[0]!;
  assert.equal(asm.offer(byB, verifyA).kind, 'bad-signature');
  // Same update ID, different total length.
  const wrongTotal = chunksOf(new Uint8Array(4000), 7n, 2000)[1];
  assert.deepEqual(asm.offer(wrongTotal, verifyA), { kind: 'ignored', reason: 'inconsistent' });
  // Header checks.
  const body = encodeConfigChunks(dict, NWID, 9n, A, 2000)[0];
  const beyond = body.slice();
  new DataView(beyond.buffer).setUint32(10 + 2000 + 9, ZT_NETWORKCONFIG_DICT_CAPACITY);
  assert.equal(decodeConfigChunk(beyond).ok, false);
  const shortTotal = body.slice();
  new DataView(shortTotal.buffer).setUint32(10 + 2000 + 9, 100);
  assert.equal(decodeConfigChunk(shortTotal).ok, false);
  const sigType = body.slice();
  sigType[10 + 2000 + 17] = 2;
  assert.equal(decodeConfigChunk(sigType).ok, false);
  // A body that stops right after the data is the legacy form.
  const legacy = decodeConfigChunk(body.subarray(0, 10 + 2000));
  assert.ok(legacy.ok && legacy.value.legacy);
  assert.equal(verifyConfigChunk(legacy.value, A), false);
});

test('vl2 config chunks: at most three updates are assembled; the least recently touched goes', () => {
  const asm = new ConfigAssembler();
  const dict = new Uint8Array(300).fill(1);
  const firsts = [1n, 2n, 3n, 4n].map((id) => chunksOf(dict, id, 200));
  for (const c of firsts) assert.equal(asm.offer(c[0], verifyA).kind, 'incomplete');
  // Update 1 was evicted: its second chunk starts a fresh slot and completes nothing.
  assert.equal(asm.offer(firsts[0][1], verifyA).kind, 'incomplete');
  // Updates 3 and 4 are still there (update 2 went when update 1 came back).
  assert.equal(asm.offer(firsts[3][1], verifyA).kind, 'complete');
  assert.equal(asm.offer(firsts[2][1], verifyA).kind, 'complete');
});

test('vl2 config chunks: the chunk ID folds the signature', () => {
  const sig = new Uint8Array(96);
  for (let i = 0; i < 16; i++) sig[i] = i * 17;
  let expect = 0n;
  for (let i = 0; i < 8; i++) expect = (expect << 8n) | BigInt(sig[i] ^ sig[i + 8]);
  assert.equal(chunkIdOf(sig), expect);
  assert.equal(bytesToHex(new Uint8Array(0)), '');
});

// ---- Small tables ---------------------------------------------------------------------------------

test('vl2 multicaster: members expire after 600 s; tables are bounded', () => {
  const mc = new Multicaster(2, 3);
  const g1 = { mac: 0x01005e000001, adi: 0 };
  const g2 = { mac: 0x01005e000002, adi: 0 };
  const g3 = { mac: 0x01005e000003, adi: 0 };
  assert.equal(mc.add(0, NWID, g1, 1), true);
  assert.equal(mc.add(0, NWID, g1, 1), false);
  assert.equal(mc.add(0, NWID, g1, 2), true);
  assert.equal(mc.add(0, NWID, g2, 3), true);
  assert.equal(mc.add(0, NWID, g2, 4), false, 'member entries are bounded');
  assert.equal(mc.add(0, NWID, g3, 5), false, 'groups are bounded');
  mc.add(500_000, NWID, g1, 1);
  mc.clean(650_000);
  assert.deepEqual(mc.members(NWID, g1), [1]);
  assert.equal(mc.memberEntryCount, 1);
  mc.forgetNetwork(NWID);
  assert.equal(mc.memberEntryCount, 0);
  assert.equal(mc.groupCount, 0);
});

test('vl2 bridge routes: bounded, evicting the bridge that owns the most', () => {
  const br = new BridgeRoutes(4);
  br.learn(1, 100);
  br.learn(2, 100);
  br.learn(3, 100);
  br.learn(4, 200);
  br.learn(5, 200);
  assert.equal(br.lookup(1), undefined);
  assert.equal(br.lookup(4), 200);
  assert.equal(br.size, 2);
  br.learn(4, 300);
  assert.deepEqual(br.bridges().sort(), [200, 300]);
  br.forgetBridge(200);
  assert.equal(br.lookup(5), undefined);
});

test('vl2 NDP emulation: the ICMPv6 checksum of a vector advertisement verifies', () => {
  const na = hex(packets.ndpEmulation.cases[0].framesDeliveredToLocalTap[0].frameHex);
  const zeroed = na.slice();
  zeroed[42] = 0;
  zeroed[43] = 0;
  assert.equal(icmpv6Checksum(zeroed, 8, 24, 40, 32), (na[42] << 8) | na[43]);
});
