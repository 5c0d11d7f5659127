import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadVectors } from '../helpers/vectors.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import {
  decodeRules,
  encodeRule,
  encodeRules,
  isActionRule,
  normalizeRuleJson,
  readRules,
  ruleFromJson,
  ruleToJson,
  ruleTypeByte,
  type Rule,
} from '../../src/core/vl2/rules-codec.js';
import { ruleFromVector, ruleToVector } from './rule-vectors.js';
import { jsonRuleArb, ruleArb } from './rule-arbitrary.js';

const v = loadVectors('vl2-rules.json');

function mustDecode(bytes: Uint8Array, max?: number): Rule[] {
  const r = decodeRules(bytes, max);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

for (const [i, c] of v.rules.entries()) {
  const label = `vl2-rules #${i} ${c.rule.type}${c.rule.not ? ' NOT' : ''}${c.rule.or ? ' OR' : ''}`;
  test(`${label}: encodes to ${c.encoded}`, () => {
    const rule = ruleFromVector(c.rule);
    assert.equal(ruleTypeByte(rule), c.rule.t);
    assert.equal(bytesToHex(encodeRule(rule)), c.encoded);
  });
  test(`${label}: decodes to the reference's round trip`, () => {
    const rules = mustDecode(hexToBytes(c.encoded));
    assert.equal(rules.length, 1);
    assert.deepEqual(ruleToVector(rules[0]), c.roundTrip);
    assert.equal(bytesToHex(encodeRule(rules[0])), c.encoded);
  });
  test(`${label}: controller JSON render/parse`, () => {
    const rule = ruleFromVector(c.rule);
    const json = ruleToJson(rule);
    const back = ruleFromJson(JSON.parse(JSON.stringify(json)));
    assert.ok(back.ok);
    if (rule.type === 'ACTION_PRIORITY' || rule.type === 'MATCH_INTEGER_RANGE') {
      // The controller cannot carry these: PRIORITY renders as {}, INTEGER_RANGE is dropped.
      assert.equal(back.value, undefined);
      return;
    }
    assert.deepEqual(back.value, rule);
    if (isActionRule(rule)) assert.ok(!('not' in json) && !('or' in json));
    else assert.ok(typeof json.not === 'boolean' && typeof json.or === 'boolean');
  });
}

test('vl2-rules allRulesConcatenated: the list encodes and decodes as a whole', () => {
  const rules = v.rules.map((c: { rule: object }) => ruleFromVector(c.rule));
  assert.equal(bytesToHex(encodeRules(rules)), v.allRulesConcatenated);
  const decoded = mustDecode(hexToBytes(v.allRulesConcatenated));
  assert.deepEqual(decoded.map(ruleToVector), v.rules.map((c: { roundTrip: object }) => c.roundTrip));
});

test('vl2-rules unknownTypeDecode: an unknown type is skipped by its length byte', () => {
  const u = v.unknownTypeDecode;
  const decoded = mustDecode(hexToBytes(u.input));
  assert.equal(decoded.length, u.decodedCount);
  assert.deepEqual(decoded.map(ruleToVector), u.decoded);
  // Re-encoding an unknown rule keeps its type and drops its field.
  assert.equal(bytesToHex(encodeRules(decoded)), '3c000100');
});

// ---- Controller JSON normalization (controller.md §5) ------------------------------------

function norm(json: unknown): unknown {
  const r = normalizeRuleJson(json);
  assert.ok(r.ok);
  return r.value;
}

test('controller JSON: documented normalizations', () => {
  assert.deepEqual(norm({ type: 'ACTION_ACCEPT', not: true }), { type: 'ACTION_ACCEPT' });
  assert.deepEqual(norm({ type: 'MATCH_IP_PROTOCOL', ipProtocol: 6 }), { ipProtocol: 6, not: false, or: false, type: 'MATCH_IP_PROTOCOL' });
  assert.deepEqual(norm({ type: 'MATCH_IP_PROTOCOL', ipProtocol: 300 }), { ipProtocol: 44, not: false, or: false, type: 'MATCH_IP_PROTOCOL' });
  assert.deepEqual(norm({ type: 'ACTION_TEE', address: 'DEADBEEF22', length: -1 }), { address: 'deadbeef22', flags: 0, length: 65535, type: 'ACTION_TEE' });
  assert.deepEqual(norm({ type: 'ACTION_REDIRECT', address: '1122334455', length: 9 }), { address: '1122334455', flags: 0, type: 'ACTION_REDIRECT' });
  assert.deepEqual(norm({ type: 'ACTION_TEE', address: 'ff1122334455' }), { address: '1122334455', flags: 0, length: 0, type: 'ACTION_TEE' });
  assert.deepEqual(norm({ type: 'MATCH_IP_DEST_PORT_RANGE', start: 22 }), { end: 22, not: false, or: false, start: 22, type: 'MATCH_IP_DEST_PORT_RANGE' });
  assert.deepEqual(norm({ type: 'MATCH_ICMP', icmpType: 8 }), { icmpCode: null, icmpType: 8, not: false, or: false, type: 'MATCH_ICMP' });
  assert.deepEqual(norm({ type: 'MATCH_ICMP', icmpType: 3, icmpCode: '4' }), { icmpCode: 4, icmpType: 3, not: false, or: false, type: 'MATCH_ICMP' });
  assert.deepEqual(norm({ type: 'MATCH_CHARACTERISTICS', mask: '8000000000000002' }), { mask: '8000000000000002', not: false, or: false, type: 'MATCH_CHARACTERISTICS' });
  assert.deepEqual(norm({ type: 'MATCH_CHARACTERISTICS', mask: 5 }), { mask: '0000000000000005', not: false, or: false, type: 'MATCH_CHARACTERISTICS' });
  assert.deepEqual(norm({ type: 'MATCH_CHARACTERISTICS' }), { mask: '0000000000000000', not: false, or: false, type: 'MATCH_CHARACTERISTICS' });
  assert.deepEqual(norm({ type: 'MATCH_MAC_SOURCE', mac: 'AA-BB-CC-DD-EE-FF' }), { mac: 'aa:bb:cc:dd:ee:ff', not: false, or: false, type: 'MATCH_MAC_SOURCE' });
  assert.deepEqual(norm({ type: 'MATCH_ETHERTYPE', etherType: 2048, not: 'true', or: 1 }), { etherType: 2048, not: true, or: true, type: 'MATCH_ETHERTYPE' });
  assert.deepEqual(norm({ type: 'MATCH_SOURCE_ZEROTIER_ADDRESS', zt: 'DEADBEEF22' }), { not: false, or: false, type: 'MATCH_SOURCE_ZEROTIER_ADDRESS', zt: 'deadbeef22' });
  assert.deepEqual(norm({ type: 'MATCH_RANDOM', probability: 2147483647 }), { not: false, or: false, probability: 2147483647, type: 'MATCH_RANDOM' });
  assert.deepEqual(norm({ type: 'MATCH_TAGS_EQUAL', id: '7', value: 2.9 }), { id: 7, not: false, or: false, type: 'MATCH_TAGS_EQUAL', value: 2 });
});

test('controller JSON: IP rules follow InetAddress text parsing', () => {
  const ip = (type: string, text: unknown): unknown => (norm({ type, ip: text }) as { ip: string }).ip;
  assert.equal(ip('MATCH_IPV4_SOURCE', '10.147.17.0/24'), '10.147.17.0/24');
  assert.equal(ip('MATCH_IPV4_SOURCE', '10.1.2.3/24'), '10.1.2.3/24');
  assert.equal(ip('MATCH_IPV4_SOURCE', '10.0.0.0/40'), '10.0.0.0/32');
  assert.equal(ip('MATCH_IPV4_SOURCE', '999.1.1.1/8'), '0.0.0.0/8');
  assert.equal(ip('MATCH_IPV4_SOURCE', 'fd00::/8'), '0.0.0.0/8');
  assert.equal(ip('MATCH_IPV4_SOURCE', 'bogus/8'), '0.0.0.0/0');
  assert.equal(ip('MATCH_IPV4_SOURCE', '10.0.0.1'), '10.0.0.1/0');
  assert.equal(ip('MATCH_IPV4_SOURCE', undefined), '0.0.0.0/0');
  assert.equal(ip('MATCH_IPV6_DEST', 'FD00:1234::/32'), 'fd00:1234::/32');
  assert.equal(ip('MATCH_IPV6_DEST', 'zzz::1/64'), '::/64');
  assert.equal(ip('MATCH_IPV6_DEST', '10.0.0.0/8'), '::/8');
  assert.equal(ip('MATCH_IPV6_DEST', '::1/300'), '::1/44');
  assert.equal(ip('MATCH_IPV6_DEST', '::1/-1'), '::1/128');
  assert.equal(ip('MATCH_IPV6_DEST', '::ffff:10.1.2.3/128'), '::ffff:10.1.2.3/128');
});

test('controller JSON: dropped and failing inputs', () => {
  for (const dropped of [null, 1, 'x', [], {}, { type: 'ACTION_PRIORITY' }, { type: 'INTEGER_RANGE', start: '0', end: '1' }, { type: 'BOGUS' }, { type: 7 }]) {
    const r = ruleFromJson(dropped);
    assert.ok(r.ok);
    assert.equal(r.value, undefined, JSON.stringify(dropped));
  }
  for (const bad of [null, true, {}, []]) {
    const r = ruleFromJson({ type: 'MATCH_CHARACTERISTICS', mask: bad });
    assert.equal(r.ok, false);
  }
  // PRIORITY and unknown types render as {} (the controller never stores them).
  assert.deepEqual(ruleToJson({ type: 'ACTION_PRIORITY', not: false, or: false, qosBucket: 2 }), {});
  assert.deepEqual(ruleToJson({ type: 'UNKNOWN', not: false, or: false, typeCode: 60 }), {});
  assert.deepEqual(
    ruleToJson({ type: 'MATCH_INTEGER_RANGE', not: false, or: true, start: 0x1000n, endOffset: 0xfff, idx: 2, format: 0x8f }),
    { bits: 16, end: '0000000000001fff', idx: 2, little: true, not: false, or: true, start: '0000000000001000', type: 'INTEGER_RANGE' },
  );
});

test('controller JSON: every rule the rules compiler emits is accepted', () => {
  const compiled = loadVectors('rules-compiler.json');
  let count = 0;
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (typeof o.type === 'string' && /^(ACTION|MATCH)_/.test(o.type)) {
        const r = ruleFromJson(o);
        assert.ok(r.ok && r.value !== undefined, JSON.stringify(o));
        count++;
      } else Object.values(o).forEach(visit);
    }
  };
  visit(compiled.cases);
  assert.ok(count > 50, `only ${count} compiled rules found`);
});

// ---- Hostile input -----------------------------------------------------------------------

test('hostile: every truncation of the full list decodes or fails cleanly', () => {
  const all = hexToBytes(v.allRulesConcatenated);
  for (let n = 0; n <= all.length; n++) {
    const r = decodeRules(all.subarray(0, n));
    if (!r.ok) assert.equal(r.error.reason, 'truncated');
  }
  // A type byte with no length byte is truncated; a field cut short is truncated.
  assert.equal(decodeRules(hexToBytes('01')).ok, false);
  assert.equal(decodeRules(hexToBytes('1805cf9d61')).ok, false);
});

test('hostile: lengths that disagree with the type behave like the reference', () => {
  // Field read at its start whatever the length byte says, then the length is skipped.
  assert.deepEqual(mustDecode(hexToBytes('240006000100')).map(ruleToVector), [
    { t: 36, type: 'MATCH_IP_PROTOCOL', typeCode: 36, not: false, or: false, ipProtocol: 6 },
    { t: 6, type: 'ACTION_PRIORITY', typeCode: 6, not: false, or: false, qosBucket: 0 },
    { t: 1, type: 'ACTION_ACCEPT', typeCode: 1, not: false, or: false },
  ]);
  // A length running past the end just ends the list.
  assert.equal(mustDecode(hexToBytes('01ff')).length, 1);
  // Unknown types of any length are skipped.
  assert.deepEqual(mustDecode(hexToBytes('1003aabbcc3f000100')).map((r) => r.type), ['UNKNOWN', 'UNKNOWN', 'ACTION_ACCEPT']);
});

test('hostile: the rule count is capped', () => {
  const many = new Uint8Array(2 * 5000).fill(0).map((_, i) => (i % 2 ? 0 : 1));
  assert.equal(mustDecode(many).length, 1024);
  assert.equal(mustDecode(many, 64).length, 64);
  const within = readRules(many, 10, 20, 100);
  assert.equal(within.rules.length, 5);
  assert.equal(within.offset, 20);
});

test('rules: random bytes never throw (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const r = decodeRules(bytes);
      if (r.ok) {
        // What decodes re-encodes canonically and decodes to the same rules again.
        const again = decodeRules(encodeRules(r.value));
        assert.ok(again.ok);
        assert.deepEqual(again.value, r.value);
      } else {
        assert.equal(r.error.reason, 'truncated');
      }
    }),
    { numRuns: 2000 },
  );
});

test('rules: encode -> decode is the identity for valid rules (property)', () => {
  fc.assert(
    fc.property(fc.array(ruleArb, { maxLength: 40 }), (rules) => {
      assert.deepEqual(mustDecode(encodeRules(rules)), rules);
    }),
    { numRuns: 500 },
  );
});

test('rules: JSON render -> parse is the identity for rules the controller carries (property)', () => {
  fc.assert(
    fc.property(jsonRuleArb, (rule) => {
      const back = ruleFromJson(JSON.parse(JSON.stringify(ruleToJson(rule))));
      assert.ok(back.ok);
      assert.deepEqual(back.value, rule);
    }),
    { numRuns: 1000 },
  );
});

test('rules: JSON parse never throws on arbitrary JSON (property)', () => {
  const types = fc.constantFrom('ACTION_TEE', 'MATCH_IPV4_SOURCE', 'MATCH_IPV6_DEST', 'MATCH_MAC_DEST', 'MATCH_CHARACTERISTICS', 'MATCH_ICMP', 'MATCH_IP_SOURCE_PORT_RANGE', 'MATCH_TAGS_EQUAL');
  fc.assert(
    fc.property(types, fc.dictionary(fc.constantFrom('ip', 'mac', 'mask', 'address', 'start', 'end', 'icmpCode', 'id', 'not', 'or'), fc.jsonValue()), (type, fields) => {
      const r = ruleFromJson({ ...fields, type });
      if (r.ok && r.value) assert.deepEqual(mustDecode(encodeRule(r.value)), [r.value]);
    }),
    { numRuns: 1000 },
  );
});
