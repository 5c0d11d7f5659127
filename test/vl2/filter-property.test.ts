/**
 * The fast filter equals the reference filter: random rule tables (biased toward values the
 * frames carry), random well-formed, truncated and garbage frames, tags on both sides, local and
 * peer capabilities, ownership, config flags, noTee. Verdict, copies, QoS bucket, accepting
 * capability and base-table outputs must all be identical. Hostile frames never throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { filterIncoming, filterOutgoing } from '../../src/core/vl2/filter/filter.js';
import { integerRangeValue, referenceFilterIncoming, referenceFilterOutgoing } from '../../src/core/vl2/filter/reference.js';
import { FilterOutcome, type FilterContext, type FilterFrame } from '../../src/core/vl2/filter/types.js';
import { OwnershipTable } from '../../src/core/vl2/filter/ownership.js';
import {
  contextOf,
  filterCaseArb,
  peerArb,
  filterRuleArb,
  frameArb,
  NWID,
  PEER,
  SELF,
  SWEEP_MACS,
  sweepConfig,
  sweepPeer,
  tagCaseArb,
  wellFormedPayloadArb,
} from './filter-arbitrary.js';
import { FrameFacts, parseFrame } from '../../src/core/vl2/filter/frame.js';
import { seededRandom } from './filter-fixtures.js';
import { loadVectors } from '../helpers/vectors.js';
import { hexToBytes } from '../../src/core/vl1/bytes.js';
import type { Rule } from '../../src/core/vl2/rules-codec.js';

function plain(o: FilterOutcome): Record<string, unknown> {
  return { ...o, copies: o.copies.map((c) => ({ ...c })) };
}

function bothAgree(ctxFor: () => FilterContext, frames: readonly FilterFrame[], inbound: boolean): void {
  // Each evaluator gets its own context with an identically seeded random source.
  const fastCtx = ctxFor();
  const refCtx = ctxFor();
  const reused = new FilterOutcome();
  for (const frame of frames) {
    const fast = inbound ? filterIncoming(fastCtx, frame, reused) : filterOutgoing(fastCtx, frame, reused);
    const ref = inbound ? referenceFilterIncoming(refCtx, frame) : referenceFilterOutgoing(refCtx, frame);
    assert.deepEqual(plain(fast), plain(ref));
  }
}

test('filter property: fast equals reference over random configs, peers and frames', () => {
  fc.assert(
    fc.property(filterCaseArb, (c) => bothAgree(() => contextOf(c), c.frames, c.inbound)),
    { numRuns: 600 },
  );
});

test('filter property: long tables (up to 100 rules) agree', () => {
  const arb = fc.record({
    inbound: fc.boolean(),
    rules: fc.array(filterRuleArb, { minLength: 40, maxLength: 100 }),
    frames: fc.array(frameArb(true), { minLength: 1, maxLength: 3 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  });
  fc.assert(
    fc.property(arb, (x) => {
      const config = {
        networkId: NWID,
        self: SELF,
        flags: 0x04n,
        rules: x.rules,
        capabilities: [],
        tags: new Map([[1, 5], [2, 0x10]]),
        ownership: new OwnershipTable([]),
        staticIps: [],
      };
      const peer = { tags: new Map([[1, 7]]), capabilities: [{ id: 1, rules: x.rules.slice(0, 20) }], ownership: undefined };
      const frames = x.inbound ? x.frames : x.frames.map((f) => ({ ...f, ztSource: SELF, ztDest: PEER }));
      bothAgree(() => ({ config, peer, random: seededRandom(x.seed) }), frames, x.inbound);
    }),
    { numRuns: 150 },
  );
});

test('filter property: the compiled form is cached per config and stays correct across many frames', () => {
  fc.assert(
    fc.property(filterCaseArb, fc.array(frameArb(true), { minLength: 5, maxLength: 12 }), (c, more) => {
      const frames = c.inbound ? more : more.map((f) => ({ ...f, ztSource: SELF, ztDest: f.ztSource }));
      bothAgree(() => contextOf(c), frames, c.inbound);
    }),
    { numRuns: 100 },
  );
});

test('filter property: consecutive frames from different peers under one config agree (no state leaks between frames)', () => {
  fc.assert(
    fc.property(filterCaseArb, fc.array(peerArb, { minLength: 2, maxLength: 3 }), (c, peers) => {
      const fastCtxs = peers.map((peer) => ({ ...contextOf(c), peer }));
      const refCtxs = peers.map((peer) => ({ ...contextOf(c), peer }));
      const reused = new FilterOutcome();
      for (let round = 0; round < 3; round++) {
        for (const [i, frame] of c.frames.entries()) {
          const k = (i + round) % peers.length;
          const fast = c.inbound ? filterIncoming(fastCtxs[k], frame, reused) : filterOutgoing(fastCtxs[k], frame, reused);
          const ref = c.inbound ? referenceFilterIncoming(refCtxs[k], frame) : referenceFilterOutgoing(refCtxs[k], frame);
          assert.deepEqual(plain(fast), plain(ref));
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('filter property: hostile frame descriptors never throw and both evaluators agree', () => {
  const rulesEvery: Rule[] = [];
  const arb = fc.record({
    rules: fc.array(filterRuleArb, { maxLength: 30 }),
    data: fc.uint8Array({ maxLength: 90 }),
    offset: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(-1, 0.5, Number.NaN, 1e9)),
    length: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constantFrom(-5, 2.5, Number.NaN, Infinity, 1e9)),
    etherType: fc.oneof(fc.constantFrom(0x0800, 0x86dd, 0x0806), fc.integer({ min: 0, max: 0xffff })),
    inbound: fc.boolean(),
  });
  fc.assert(
    fc.property(arb, (x) => {
      const config = {
        networkId: NWID,
        self: SELF,
        flags: 0x0cn,
        rules: [...rulesEvery, ...x.rules],
        capabilities: [{ id: 1, rules: x.rules }],
        tags: new Map([[1, 1]]),
        ownership: new OwnershipTable([]),
        staticIps: [],
      };
      const frame: FilterFrame = {
        ztSource: x.inbound ? PEER : SELF,
        ztDest: x.inbound ? SELF : PEER,
        macSource: 1,
        macDest: 2,
        etherType: x.etherType,
        data: x.data,
        offset: x.offset,
        length: x.length,
      };
      bothAgree(() => ({ config, peer: undefined, random: seededRandom(7) }), [frame], x.inbound);
    }),
    { numRuns: 400 },
  );
});

test('filter property: INTEGER_RANGE reads exactly the reference value (exact-match windows around it)', () => {
  const arb = fc.record({
    data: fc.uint8Array({ minLength: 0, maxLength: 40, size: 'max' }),
    idx: fc.integer({ min: 0, max: 44 }),
    format: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 6, 7, 8, 15, 23, 30, 31, 32, 62, 63, 0x80, 0x86, 0x87, 0x9e, 0x9f, 0xa0, 0xbe, 0xbf)),
    below: fc.boolean(),
  });
  fc.assert(
    fc.property(arb, (x) => {
      const v = integerRangeValue(x.data, x.idx, x.format);
      // [v, v] must match; [v+1, v+1] (or [v-1, v-1]) must not.
      for (const [start, expect] of [
        [v, 'accept'],
        [BigInt.asUintN(64, x.below ? v - 1n : v + 1n), 'drop'],
      ] as const) {
        const rules: Rule[] = [
          { type: 'MATCH_INTEGER_RANGE', not: false, or: false, start, endOffset: 0, idx: x.idx, format: x.format },
          { type: 'ACTION_ACCEPT', not: false, or: false },
        ];
        const config = { networkId: NWID, self: SELF, flags: 0n, rules, capabilities: [], tags: new Map(), ownership: new OwnershipTable([]), staticIps: [] };
        const frame: FilterFrame = { ztSource: SELF, ztDest: PEER, macSource: 1, macDest: 2, etherType: 0x0800, data: x.data, offset: 0, length: x.data.length };
        const ctx = { config, peer: undefined, random: seededRandom(1) };
        assert.equal(filterOutgoing(ctx, frame).verdict, expect);
        assert.equal(referenceFilterOutgoing(ctx, frame).verdict, expect);
      }
    }),
    { numRuns: 400 },
  );
});

test('filter property: tag-heavy short tables (superAccept, skipDrop, lenient/strict tags) agree', () => {
  fc.assert(
    fc.property(tagCaseArb, (c) => bothAgree(() => contextOf(c), c.frames, c.inbound)),
    { numRuns: 2000 },
  );
});

/** Rules that the full frame satisfies, built from its own field values. */
function rulesFromFrame(full: Uint8Array, etherType: number): Rule[] {
  const f = parseFrame(new FrameFacts(), { ztSource: 0, ztDest: 0, macSource: 0, macDest: 0, etherType, data: full, offset: 0, length: full.length });
  const m = { not: false, or: false };
  const out: Rule[] = [
    { type: 'MATCH_ETHERTYPE', ...m, etherType },
    { type: 'MATCH_FRAME_SIZE_RANGE', ...m, start: full.length, end: full.length },
    { type: 'MATCH_IP_PROTOCOL', ...m, ipProtocol: f.protocol & 0xff },
    { type: 'MATCH_IP_TOS', ...m, mask: 0xff, start: f.tos & 0xff, end: f.tos & 0xff },
    { type: 'MATCH_IP_SOURCE_PORT_RANGE', ...m, start: Math.max(0, f.sourcePort), end: Math.max(0, f.sourcePort) },
    { type: 'MATCH_IP_DEST_PORT_RANGE', ...m, start: Math.max(0, f.destPort), end: Math.max(0, f.destPort) },
    { type: 'MATCH_IP_SOURCE_PORT_RANGE', ...m, start: 0, end: 0 },
    { type: 'MATCH_IP_DEST_PORT_RANGE', ...m, start: 0, end: 0 },
    { type: 'MATCH_ICMP', ...m, icmpType: f.icmpType & 0xff, icmpCode: 0, icmpFlags: 0 },
    { type: 'MATCH_ICMP', ...m, icmpType: f.icmpType & 0xff, icmpCode: f.icmpCode, icmpFlags: 1 },
    { type: 'MATCH_CHARACTERISTICS', ...m, characteristics: BigInt(f.tcpFlags || 0xfff) },
    { type: 'MATCH_CHARACTERISTICS', ...m, characteristics: 1n << 60n },
    { type: 'MATCH_CHARACTERISTICS', ...m, characteristics: 1n << 59n },
  ];
  const other4 = Uint8Array.from([192, 0, 2, 1]);
  for (const bits of [0, 24, 32, 33, 255]) {
    out.push({ type: 'MATCH_IPV4_SOURCE', ...m, ip: full.slice(12, 16), bits });
    out.push({ type: 'MATCH_IPV4_DEST', ...m, ip: bits === 0 ? other4 : full.slice(16, 20), bits });
  }
  for (const bits of [0, 40, 128, 129, 200]) {
    out.push({ type: 'MATCH_IPV6_SOURCE', ...m, ip: full.slice(8, 24), bits });
    out.push({ type: 'MATCH_IPV6_DEST', ...m, ip: bits === 0 ? new Uint8Array(16) : full.slice(24, 40), bits });
  }
  for (const idx of [0, 1, 8, 20, 33, 40, 48]) {
    for (const format of [7, 11, 15, 30, 31, 32, 62, 63, 0x87, 0x8b, 0x8f, 0x9e, 0x9f, 0xa0, 0xbf]) {
      out.push({ type: 'MATCH_INTEGER_RANGE', ...m, start: integerRangeValue(full, idx, format), endOffset: 0, idx, format });
    }
  }
  return out;
}

function sweep(full: Uint8Array, etherType: number, inbound: boolean, macSource: number, macDest: number, maxCut = full.length): void {
  const tables: Rule[][] = [];
  for (const r of rulesFromFrame(full, etherType)) {
    tables.push([r, { type: 'ACTION_ACCEPT', not: false, or: false }]);
    tables.push([{ ...r, not: true }, { type: 'ACTION_ACCEPT', not: false, or: false }]);
  }
  const contexts = tables.map((rules) => ({ config: sweepConfig(rules), peer: sweepPeer, random: seededRandom(1) }));
  const cuts = [...Array(Math.min(maxCut, full.length) + 1).keys()];
  if (maxCut < full.length) cuts.push(full.length);
  for (const cut of cuts) {
    const frame: FilterFrame = {
      ztSource: inbound ? PEER : SELF,
      ztDest: inbound ? SELF : PEER,
      macSource,
      macDest,
      etherType,
      data: full,
      offset: 0,
      length: cut,
    };
    for (const ctx of contexts) {
      const fast = inbound ? filterIncoming(ctx, frame) : filterOutgoing(ctx, frame);
      const ref = inbound ? referenceFilterIncoming(ctx, frame) : referenceFilterOutgoing(ctx, frame);
      if (fast.verdict !== ref.verdict) {
        const rule = JSON.stringify(ctx.config.rules[0], (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v));
        assert.fail(`cut ${cut}: ${rule} fast ${fast.verdict} ref ${ref.verdict}`);
      }
    }
  }
}

test('filter property: truncation sweep — rules taken from a frame, evaluated at every cut length, agree', () => {
  const arb = fc.record({
    payload: wellFormedPayloadArb,
    inbound: fc.boolean(),
    macSource: fc.constantFrom(...SWEEP_MACS),
    macDest: fc.constantFrom(...SWEEP_MACS),
  });
  fc.assert(
    fc.property(arb, (x) => sweep(x.payload.bytes, x.payload.etherType, x.inbound, x.macSource, x.macDest)),
    { numRuns: 60 },
  );
});

test('filter sweep: every distinct vl2-filter.json frame, both directions, cut at every length up to 96 bytes', () => {
  const seen = new Set<string>();
  for (const s of loadVectors('vl2-filter.json').scenarios) {
    for (const c of s.cases) {
      const key = `${c.etherType}/${c.frameHex}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const full = hexToBytes(c.frameHex);
      sweep(full, c.etherType, true, SWEEP_MACS[0], SWEEP_MACS[1], 96);
      sweep(full, c.etherType, false, SWEEP_MACS[1], SWEEP_MACS[0], 96);
    }
  }
  assert.ok(seen.size > 30);
});
