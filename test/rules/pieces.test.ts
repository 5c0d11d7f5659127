/**
 * Behaviour of the rules compiler beyond the reference vectors: positions, the address checks,
 * case handling, unsigned tag values, names that are Object.prototype members, and limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRules, toCompilerDocument, type CompileResult, type RuleError } from '../../src/rules/index.js';
import { tokenize } from '../../src/rules/tokenizer.js';
import { isIPv4, isIPv6, isPrefixLength } from '../../src/rules/ip-address.js';
import { parseNum, parseRange } from '../../src/rules/numbers.js';
import { isValidName } from '../../src/rules/words.js';

function errorOf(r: CompileResult): RuleError {
  assert.ok(!r.ok, 'expected an error');
  return r.errors[0];
}

function rulesOf(source: string) {
  const r = compileRules(source);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r;
}

test('tokenizer: column 0 on line 1, column 1 at the start of later lines', () => {
  const items = tokenize('a b\n c\n\td\r\ne\rf');
  assert.deepEqual(
    items.map((i) => [i.text, i.line, i.column]),
    [['a', 1, 0], ['b', 1, 2], ['c', 2, 2], ['d', 3, 2], ['e', 4, 1], ['f', 5, 1]],
  );
});

test('tokenizer: every trailing ";" closes one block, extra ones at top level are ignored', () => {
  const [macro] = tokenize('macro m accept dport $p;;;; x');
  assert.equal(macro.body?.length, 2);
  assert.equal(macro.body?.[1].body?.length, 2);
  assert.deepEqual(
    tokenize('accept; drop;').map((i) => [i.text, i.body?.length]),
    [['accept', 0], ['drop', 0]],
  );
});

test('tokenizer: "#" starts a comment only at the start of a token', () => {
  assert.deepEqual(tokenize('a#b # c d\ne').map((i) => i.text), ['a#b', 'e']);
});

test('lone CR is a line break (the reference does not count it outside comments)', () => {
  assert.deepEqual(errorOf(compileRules('accept;\rbogus;')), { line: 2, column: 1, message: 'Unrecognized action or directive in rule set.' });
  assert.deepEqual(errorOf(compileRules('# c\rbogus;')), { line: 2, column: 1, message: 'Unrecognized action or directive in rule set.' });
});

test('IPv4 and IPv6 checks are anchored and complete', () => {
  for (const ok of ['0.0.0.0', '10.1.2.3', '255.255.255.255']) assert.ok(isIPv4(ok), ok);
  for (const bad of ['999.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '1.2.3.4 ', '']) assert.ok(!isIPv4(bad), bad);
  for (const ok of ['::', '::1', 'fd00::', '2001:db8::1', '1:2:3:4:5:6:7:8', '::ffff:10.0.0.1', '1:2:3:4:5:6:1.2.3.4', 'FE80::AbCd']) {
    assert.ok(isIPv6(ok), ok);
  }
  for (const bad of ['zzz::1', ':::', '1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', '1.2.3.4::', '::1.2.3', 'fe80::1%eth0', ':1::', '']) {
    assert.ok(!isIPv6(bad), bad);
  }
  assert.ok(isPrefixLength('0', 32) && isPrefixLength('32', 32) && isPrefixLength('128', 128));
  assert.ok(!isPrefixLength('33', 32) && !isPrefixLength('', 32) && !isPrefixLength('8x', 32) && !isPrefixLength('0129', 128));
});

test('ipsrc/ipdest: the prefix length is checked too, the token is kept verbatim', () => {
  assert.deepEqual(rulesOf('accept ipdest FD00::1/64;').rules[0], { type: 'MATCH_IPV6_DEST', not: false, or: false, ip: 'FD00::1/64' });
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', 'fd00::/129', '10.0.0.0/8/8']) {
    assert.deepEqual(errorOf(compileRules(`drop ipsrc ${bad};`)), {
      line: 1,
      column: 11,
      message: 'Invalid /bits netmask length in IP (0-32 for IPv4, 0-128 for IPv6).',
    });
  }
});

test('numbers follow parseInt leniency, as users of the reference rely on', () => {
  assert.equal(parseNum('12abc'), 12);
  assert.equal(parseNum('0x1F'), 31);
  assert.equal(parseNum('0x'), 0);
  assert.equal(parseNum('x'), -1);
  assert.ok(Object.is(parseNum('-0'), 0));
  assert.deepEqual(parseRange('10-20', 0, 0xffff), { start: 10, end: 20 });
  assert.equal(parseRange('1-2-3', 0, 0xffff), undefined);
  assert.equal(parseRange('-5', 0, 0xffff), undefined);
});

test('names: letters of any script, ASCII digits, underscore; no leading digit', () => {
  for (const ok of ['a', '_x', 'département', 'отдел', 'a1_2']) assert.ok(isValidName(ok), ok);
  for (const bad of ['', '1a', 'a-b', 'a.b', 'a$', '😀']) assert.ok(!isValidName(bad), bad);
});

test('macro parameters and includes are case-insensitive; arguments keep their case', () => {
  const r = rulesOf('macro Allow($Port,$Mac)\n  accept dport $PORT macsrc $mac;\n;\ninclude ALLOW(22,AA:BB:CC:DD:EE:FF)');
  assert.deepEqual(r.rules, [
    { type: 'MATCH_IP_DEST_PORT_RANGE', not: false, or: false, start: 22, end: 22 },
    { type: 'MATCH_MAC_SOURCE', not: false, or: false, mac: 'aa:bb:cc:dd:ee:ff' },
    { type: 'ACTION_ACCEPT' },
  ]);
});

test('a macro argument may be a reserved word such as icmp, as in the reference', () => {
  assert.deepEqual(rulesOf('macro p($x) drop ipprotocol $x;;\ninclude p(icmp)').rules[0], {
    type: 'MATCH_IP_PROTOCOL',
    not: false,
    or: false,
    ipProtocol: 1,
  });
});

test('tag values stay unsigned: flag 31, defaults of 2^31 and more', () => {
  const r = rulesOf('tag t id 1 flag 31 top flag top,0 both default both;\ntag u id 2 default 0x80000000;\ntag v id 3 default 4294967301;');
  assert.deepEqual(r.tags.t, { id: 1, default: 0x80000001, enums: {}, flags: { top: 0x80000000, both: 0x80000001 } });
  assert.equal(r.tags.u.default, 0x80000000);
  assert.equal(r.tags.v.default, 5);
  assert.deepEqual(toCompilerDocument(r).config.tags, [
    { id: 1, default: 0x80000001 },
    { id: 2, default: 0x80000000 },
    { id: 3, default: 5 },
  ]);
});

test('tag enum, flag and default names are case-insensitive', () => {
  const r = rulesOf('tag Role id 9 enum 1 Admin flag 2 Audit default ADMIN;\naccept teq ROLE admin; accept tand role AUDIT;');
  assert.equal(r.tags.role.default, 1);
  assert.deepEqual(
    r.rules.filter((x) => x.type !== 'ACTION_ACCEPT'),
    [
      { type: 'MATCH_TAGS_EQUAL', not: false, or: false, id: 9, value: 1 },
      { type: 'MATCH_TAGS_BITWISE_AND', not: false, or: false, id: 9, value: 4 },
    ],
  );
});

test('Object.prototype names are ordinary names, safe as object keys', () => {
  const r = rulesOf('tag __proto__ id 1 enum 2 constructor flag 0 toString;\ncap constructor id 5 accept;;\nmacro hasownproperty accept;;\ninclude hasOwnProperty\ndrop teq __proto__ constructor;');
  assert.ok(Object.hasOwn(r.tags, '__proto__'));
  assert.equal(Object.getPrototypeOf(r.tags), Object.prototype);
  assert.deepEqual(r.tags.__proto__, { id: 1, default: null, enums: { constructor: 2 }, flags: { tostring: 1 } });
  const doc = JSON.parse(JSON.stringify(toCompilerDocument(r)));
  assert.deepEqual(doc.capabilitiesByName, { constructor: 5 });
  assert.deepEqual(r.rules, [
    { type: 'ACTION_ACCEPT' },
    { type: 'MATCH_TAGS_EQUAL', not: false, or: false, id: 1, value: 2 },
    { type: 'ACTION_DROP' },
  ]);
  assert.equal(errorOf(compileRules('drop constructor 1;')).message, 'Unrecognized match type "constructor".');
  assert.equal(errorOf(compileRules('include toString')).message, 'Macro name not found.');
});

test('addresses of tee, watch and redirect must be 10 hex digits', () => {
  assert.deepEqual(rulesOf('redirect DEADBEEF11;').rules, [{ type: 'ACTION_REDIRECT', address: 'DEADBEEF11' }]);
  assert.deepEqual(errorOf(compileRules('redirect zzzzzzzzzz;')), {
    line: 1,
    column: 9,
    message: 'Missing or invalid ZeroTier address target for redirect.',
  });
  assert.deepEqual(errorOf(compileRules('watch 0 $target;')), {
    line: 1,
    column: 8,
    message: 'Missing or invalid ZeroTier address target for tee/watch.',
  });
});

test('a block keyword as a tag default or name is refused, not silently swallowed', () => {
  assert.equal(errorOf(compileRules('tag t id 1 default drop x;')).message, 'Tag default must be a number, enum name or flag name.');
  assert.equal(errorOf(compileRules('tag t id 1 enum 1 accept;;')).message, 'Invalid or reserved tag enum name.');
  assert.equal(errorOf(compileRules('tag t id 1 flag 1 tee;;')).message, 'Invalid or reserved flag name.');
});

test('a capability ended by a bare "accept;" needs its own ";" (as documented by ZeroTier)', () => {
  const r = rulesOf('cap admin\n  id 1\n  accept;\n;\ndrop;');
  assert.deepEqual(r.capabilities.admin.rules, [{ type: 'ACTION_ACCEPT' }]);
  assert.deepEqual(r.rules, [{ type: 'ACTION_DROP' }]);
});

test('blocks left open at the end of the input are kept', () => {
  const r = rulesOf('cap c id 1 accept');
  assert.deepEqual(r.capabilities.c, { id: 1, default: false, rules: [{ type: 'ACTION_ACCEPT' }] });
});

test('limits: the work budget is configurable', () => {
  const src = 'accept;\n'.repeat(20);
  assert.equal(errorOf(compileRules(src, { maxExpandedItems: 10 })).message, 'Rule set too large: more than 10 rules and macro expansions.');
  assert.ok(compileRules(src, { maxExpandedItems: 20 }).ok);
  assert.ok(compileRules(src, { maxExpandedItems: Number.NaN }).ok);
});

test('property: tokenizing is total and keeps every non-comment character', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary-ascii', maxLength: 300 }), (s) => {
      const items = tokenize(s);
      const flat: string[] = [];
      const walk = (list: typeof items): void => {
        for (const i of list) {
          assert.ok(i.text.length > 0 && !/[ \t\r\n]/.test(i.text) && !i.text.endsWith(';'));
          flat.push(i.text);
          if (i.body) walk(i.body);
        }
      };
      walk(items);
      if (!s.includes('#')) assert.equal(flat.join(''), s.replace(/[ \t\r\n]|;+(?=[ \t\r\n]|$)/g, ''));
    }),
    { numRuns: 300 },
  );
});
