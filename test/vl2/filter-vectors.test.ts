/**
 * vl2-filter.json: every evaluation case of every scenario, through the fast filter and the
 * reference filter — base-rule result, final verdict and emitted EXT_FRAME copies, exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadVectors } from '../helpers/vectors.js';
import { bytesToHex } from '../../src/core/vl1/bytes.js';
import { addressToString } from '../../src/core/vl1/address.js';
import { macToBytes } from '../../src/core/vl2/mac.js';
import { filterIncoming, filterOutgoing } from '../../src/core/vl2/filter/filter.js';
import { referenceFilterIncoming, referenceFilterOutgoing } from '../../src/core/vl2/filter/reference.js';
import type { FilterContext, FilterFrame, FilterOutcome } from '../../src/core/vl2/filter/types.js';
import { configFromScenario, contextForCase, frameFromCase, seededRandom, type Case, type Scenario } from './filter-fixtures.js';

const v = loadVectors('vl2-filter.json');

const evaluators = {
  fast: { outgoing: filterOutgoing, incoming: filterIncoming },
  reference: { outgoing: referenceFilterOutgoing, incoming: referenceFilterIncoming },
} as const;

/** The EXT_FRAME payload the network layer will build from a copy: nwid, flags, MACs, ethertype, bytes. */
function extFramePayload(s: Scenario, frame: FilterFrame, flags: number, length: number): string {
  const head = new Uint8Array(8 + 1 + 6 + 6 + 2);
  const dv = new DataView(head.buffer);
  dv.setBigUint64(0, BigInt('0x' + s.nwid));
  head[8] = flags;
  head.set(macToBytes(frame.macDest), 9);
  head.set(macToBytes(frame.macSource), 15);
  dv.setUint16(21, frame.etherType);
  return bytesToHex(head) + bytesToHex(frame.data.subarray(frame.offset, frame.offset + length));
}

function check(s: Scenario, c: Case, frame: FilterFrame, out: FilterOutcome): void {
  const expectBase = c.baseRules;
  assert.equal(out.baseResult, expectBase.result, 'base result');
  const tee = out.baseTee !== 0 ? { address: addressToString(out.baseTee), length: out.baseTeeLength, watch: out.baseTeeWatch } : null;
  assert.deepEqual(tee, expectBase.tee, 'base tee');
  assert.equal(out.baseDest !== frame.ztDest ? addressToString(out.baseDest) : null, expectBase.redirectTo, 'base redirect');
  assert.equal(out.baseQosBucket === -1 ? null : out.baseQosBucket, expectBase.qosBucket, 'base qos bucket');

  assert.equal(out.verdict, c.verdict, 'verdict');
  if (c.direction === 'inbound') assert.equal({ drop: 0, accept: 1, 'super-accept': 2 }[out.verdict], c.filterIncomingPacket);
  else assert.equal(out.verdict === 'accept', c.filterOutgoingPacket);

  const copies = out.copies.map((p) => ({
    dest: addressToString(p.dest),
    flags: p.flags,
    subtype: (p.flags >> 1) & 7,
    ackRequested: (p.flags & 0x10) !== 0,
    frameLength: p.length,
    payloadHex: extFramePayload(s, frame, p.flags, p.length),
  }));
  const expected = c.emittedPackets.map((p: Case) => {
    assert.equal(p.verb, 7);
    assert.equal(p.nwid, s.nwid);
    return { dest: p.dest, flags: p.flags, subtype: p.subtype, ackRequested: p.ackRequested, frameLength: p.frameLength, payloadHex: p.payloadHex };
  });
  assert.deepEqual(copies, expected, 'emitted copies');
}

let count = 0;
for (const s of v.scenarios as Scenario[]) {
  const config = configFromScenario(s);
  for (const [i, c] of (s.cases as Case[]).entries()) {
    for (const [name, ev] of Object.entries(evaluators)) {
      count++;
      test(`vl2-filter ${s.scenario} #${i} "${c.case}" (${c.direction}) [${name}]`, () => {
        const frame = frameFromCase(c);
        const ctx: FilterContext = contextForCase(s, config, c, seededRandom(i + 1));
        const out = c.direction === 'inbound' ? ev.incoming(ctx, frame) : ev.outgoing(ctx, frame);
        check(s, c, frame, out);
      });
    }
  }
}

test('vl2-filter: all 180 cases of 60 scenarios are checked on both evaluators', () => {
  assert.equal(v.scenarios.length, 60);
  assert.equal(count, 2 * 180);
});
