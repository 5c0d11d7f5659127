/** Rule-table precompilation: opcodes, resume points, tag slots, caching. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as compile from '../../src/core/vl2/filter/compile.js';
import { compiledConfig, compileRuleTable, peerTable } from '../../src/core/vl2/filter/compile.js';
import { OwnershipTable } from '../../src/core/vl2/filter/ownership.js';
import { RULE_TYPE, type Rule } from '../../src/core/vl2/rules-codec.js';
import type { FilterFrame, NetworkFilterConfig } from '../../src/core/vl2/filter/types.js';
import { filterOutgoing } from '../../src/core/vl2/filter/filter.js';
import { referenceFilterOutgoing } from '../../src/core/vl2/filter/reference.js';

const m = { not: false, or: false };

function config(rules: Rule[], tags: [number, number][] = []): NetworkFilterConfig {
  return { networkId: 1n, self: 0xaaaaaaaaaa, flags: 0n, rules, capabilities: [], tags: new Map(tags), ownership: new OwnershipTable([]), staticIps: [] };
}

test('compile: opcodes equal the §8.1 type codes (the evaluator switches on literal codes)', () => {
  const pairs: [string, keyof typeof RULE_TYPE][] = [
    ['OP_DROP', 'ACTION_DROP'],
    ['OP_ACCEPT', 'ACTION_ACCEPT'],
    ['OP_TEE', 'ACTION_TEE'],
    ['OP_WATCH', 'ACTION_WATCH'],
    ['OP_REDIRECT', 'ACTION_REDIRECT'],
    ['OP_BREAK', 'ACTION_BREAK'],
    ['OP_PRIORITY', 'ACTION_PRIORITY'],
    ['OP_SOURCE_ZT', 'MATCH_SOURCE_ZEROTIER_ADDRESS'],
    ['OP_DEST_ZT', 'MATCH_DEST_ZEROTIER_ADDRESS'],
    ['OP_MAC_SOURCE', 'MATCH_MAC_SOURCE'],
    ['OP_MAC_DEST', 'MATCH_MAC_DEST'],
    ['OP_IPV4_SOURCE', 'MATCH_IPV4_SOURCE'],
    ['OP_IPV4_DEST', 'MATCH_IPV4_DEST'],
    ['OP_IPV6_SOURCE', 'MATCH_IPV6_SOURCE'],
    ['OP_IPV6_DEST', 'MATCH_IPV6_DEST'],
    ['OP_IP_TOS', 'MATCH_IP_TOS'],
    ['OP_IP_PROTOCOL', 'MATCH_IP_PROTOCOL'],
    ['OP_ETHERTYPE', 'MATCH_ETHERTYPE'],
    ['OP_ICMP', 'MATCH_ICMP'],
    ['OP_SOURCE_PORT', 'MATCH_IP_SOURCE_PORT_RANGE'],
    ['OP_DEST_PORT', 'MATCH_IP_DEST_PORT_RANGE'],
    ['OP_CHARACTERISTICS', 'MATCH_CHARACTERISTICS'],
    ['OP_FRAME_SIZE', 'MATCH_FRAME_SIZE_RANGE'],
    ['OP_RANDOM', 'MATCH_RANDOM'],
    ['OP_TAGS_DIFFERENCE', 'MATCH_TAGS_DIFFERENCE'],
    ['OP_TAGS_AND', 'MATCH_TAGS_BITWISE_AND'],
    ['OP_TAGS_OR', 'MATCH_TAGS_BITWISE_OR'],
    ['OP_TAGS_XOR', 'MATCH_TAGS_BITWISE_XOR'],
    ['OP_TAGS_EQUAL', 'MATCH_TAGS_EQUAL'],
    ['OP_TAG_SENDER', 'MATCH_TAG_SENDER'],
    ['OP_TAG_RECEIVER', 'MATCH_TAG_RECEIVER'],
    ['OP_INTEGER_RANGE', 'MATCH_INTEGER_RANGE'],
  ];
  const ops = compile as unknown as Record<string, number>;
  for (const [op, type] of pairs) assert.equal(ops[op], RULE_TYPE[type], op);
});

test('compile: a false set resumes at the next OR match or action', () => {
  const rules: Rule[] = [
    { type: 'MATCH_ETHERTYPE', ...m, etherType: 1 },
    { type: 'MATCH_ETHERTYPE', ...m, etherType: 2 },
    { type: 'MATCH_ETHERTYPE', not: false, or: true, etherType: 3 },
    { type: 'MATCH_ETHERTYPE', ...m, etherType: 4 },
    { type: 'ACTION_DROP', ...m },
    { type: 'MATCH_ETHERTYPE', ...m, etherType: 5 },
  ];
  const t = compileRuleTable(rules, config(rules));
  assert.deepEqual(
    t.rules.map((r) => r.skip),
    [2, 2, 4, 4, 6, 6],
  );
});

test('compile: unknown types become no-op actions or the configured constant', () => {
  const rules: Rule[] = [
    { type: 'UNKNOWN', ...m, typeCode: 9 },
    { type: 'UNKNOWN', ...m, typeCode: 60 },
  ];
  const plain = compileRuleTable(rules, config(rules));
  assert.deepEqual([plain.rules[0].op, plain.rules[1].op, plain.rules[1].a], [compile.OP_UNKNOWN_ACTION, compile.OP_CONST, 0]);
  const withFlag = compileRuleTable(rules, { ...config(rules), flags: 0x08n });
  assert.equal(withFlag.rules[1].a, 1);
});

test('compile: tag rules carry our value and a slot shared by every table of the config', () => {
  const base: Rule[] = [
    { type: 'MATCH_TAGS_EQUAL', ...m, id: 7, value: 1 },
    { type: 'MATCH_TAG_SENDER', ...m, id: 9, value: 1 },
    { type: 'MATCH_TAGS_BITWISE_AND', ...m, id: 7, value: 1 },
  ];
  const cfg = config(base, [[7, 0xffffffff]]);
  const cc = compiledConfig(cfg);
  assert.deepEqual(
    cc.base.rules.map((r) => [r.c, r.d]),
    [
      [0xffffffff, 0],
      [-1, 1],
      [0xffffffff, 0],
    ],
  );
  const capRules: Rule[] = [
    { type: 'MATCH_TAG_RECEIVER', ...m, id: 11, value: 0 },
    { type: 'MATCH_TAGS_BITWISE_OR', ...m, id: 9, value: 0 },
  ];
  const t = peerTable(cfg, cc, capRules);
  assert.deepEqual(
    t.rules.map((r) => r.d),
    [2, 1],
  );
  assert.equal(peerTable(cfg, cc, capRules), t, 'peer tables are cached per rules array');
  assert.equal(compiledConfig(cfg), cc, 'compiled configs are cached per config object');
});

test('compile: IPv4 prefixes are pre-shifted, IPv6 masks pre-built and impossible rules flagged', () => {
  const rules: Rule[] = [
    { type: 'MATCH_IPV4_SOURCE', ...m, ip: Uint8Array.from([10, 1, 2, 3]), bits: 8 },
    { type: 'MATCH_IPV4_SOURCE', ...m, ip: Uint8Array.from([10, 1, 2, 3]), bits: 0 },
    { type: 'MATCH_IPV6_SOURCE', ...m, ip: Uint8Array.from([0xfd, 0x80, ...new Array(14).fill(0)]), bits: 9 },
    { type: 'MATCH_IPV6_SOURCE', ...m, ip: Uint8Array.from([0xfd, 0x40, ...new Array(14).fill(0)]), bits: 9 },
  ];
  const t = compileRuleTable(rules, config(rules));
  assert.deepEqual([t.rules[0].a, t.rules[0].b, t.rules[0].c], [10, 24, 0]);
  assert.equal(t.rules[1].c, 1);
  assert.deepEqual([...t.rules[2].bytes!.subarray(16, 19)], [0xff, 0x80, 0]);
  assert.equal(t.rules[2].c, 0);
  assert.equal(t.rules[3].c, 1);
});

test('compile: tag slots are bounded; ids past the bound stay correct through direct lookups', () => {
  const rules: Rule[] = Array.from({ length: compile.MAX_TAG_SLOTS + 5 }, (_, i) => ({ type: 'MATCH_TAG_RECEIVER', ...m, id: i, value: 0 }) as Rule);
  const cc = compiledConfig(config(rules));
  assert.equal(cc.tagSlots.size, compile.MAX_TAG_SLOTS);
  assert.equal(cc.base.rules[compile.MAX_TAG_SLOTS + 4].d, compile.TAG_SLOT_UNCACHED);
});

test('filter: a tag rule past the slot bound is evaluated like any other', () => {
  const far = compile.MAX_TAG_SLOTS + 4;
  const rules: Rule[] = [
    ...Array.from({ length: far }, (_, i) => ({ type: 'MATCH_TAG_RECEIVER', not: false, or: true, id: i, value: 999 }) as Rule),
    { type: 'MATCH_TAG_RECEIVER', ...m, id: far, value: 9 },
    { type: 'ACTION_ACCEPT', ...m },
  ];
  const cfg = config(rules);
  const frame: FilterFrame = { ztSource: cfg.self, ztDest: 2, macSource: 1, macDest: 2, etherType: 0x0800, data: new Uint8Array(40), offset: 0, length: 40 };
  for (const [value, verdict] of [
    [9, 'accept'],
    [8, 'drop'],
  ] as const) {
    const ctx = { config: cfg, peer: { tags: new Map([[far, value]]), capabilities: [], ownership: undefined }, random: () => 0 };
    assert.equal(filterOutgoing(ctx, frame).verdict, verdict);
    assert.equal(referenceFilterOutgoing(ctx, frame).verdict, verdict);
  }
});
