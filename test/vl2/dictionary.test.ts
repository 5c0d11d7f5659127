import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadVectors } from '../helpers/vectors.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { Dictionary, DictionaryBuilder } from '../../src/core/vl2/dictionary.js';
import { strtoll, strtoull } from '../../src/core/vl2/c-number.js';
import {
  ZT_NETWORK_MAX_UPDATE_CHUNKS,
  ZT_NETWORKCONFIG_DICT_CAPACITY,
  ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY,
} from '../../src/core/vl2/constants.js';

const v = loadVectors('vl2-dictionary.json');
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

function mustParse(bytes: Uint8Array, capacity?: number): Dictionary {
  const r = Dictionary.parse(bytes, capacity);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

/** Build the vector dictionary with our builder. */
function buildVectorDictionary(): Uint8Array {
  const b = new DictionaryBuilder();
  for (const op of v.built) {
    switch (op.op) {
      case 'add':
        assert.ok(b.add(op.key, op.valueHex !== undefined ? hexToBytes(op.valueHex) : op.value));
        break;
      case 'addBinary':
        assert.ok(b.add(op.key, hexToBytes(op.valueHex)));
        break;
      case 'addUint64':
        assert.ok(b.addU64(op.key, BigInt(op.value)));
        break;
      case 'addInt64':
        assert.ok(b.addI64(op.key, BigInt(op.value)));
        break;
      case 'addBool':
        assert.ok(b.addBool(op.key, op.value));
        break;
      default:
        throw new Error(`unknown op ${op.op}`);
    }
  }
  return b.toBytes();
}

test('vl2-dictionary built: our builder writes the exact bytes', () => {
  assert.equal(bytesToHex(buildVectorDictionary()), v.bytes);
});

/** Checks one `gets`/`parses` expectation against a dictionary. */
function checkGet(d: Dictionary, c: { key: string; getReturn: number; valueHex: string; getUI: string; getI: number; getB_default_false: boolean; contains?: boolean }): void {
  const value = d.getBytes(c.key);
  if (c.getReturn < 0) assert.equal(value, undefined);
  else {
    assert.ok(value);
    assert.equal(value.length, c.getReturn);
    assert.equal(bytesToHex(value), c.valueHex);
  }
  assert.equal(d.getU64(c.key, 0xdeadn).toString(16).padStart(16, '0'), c.getUI);
  assert.equal(d.getI64(c.key, -1n), BigInt(c.getI));
  assert.equal(d.getBool(c.key, false), c.getB_default_false);
  if (c.contains !== undefined) assert.equal(d.has(c.key), c.contains);
}

for (const [i, c] of v.gets.entries()) {
  test(`vl2-dictionary gets #${i}: key "${c.key}"`, () => {
    checkGet(mustParse(hexToBytes(v.bytes)), c);
  });
}

for (const [i, c] of v.parses.entries()) {
  test(`vl2-dictionary parses #${i}: ${JSON.stringify(Buffer.from(c.dictHex, 'hex').toString('latin1'))} key "${c.key}"`, () => {
    checkGet(mustParse(hexToBytes(c.dictHex)), c);
  });
}

test('vl2-dictionary truncation: a value is cut to the destination buffer size - 1', () => {
  const t = v.truncation;
  const d = mustParse(latin1(t.dict));
  const value = d.getBytes('k', t.destBufferSize - 1);
  assert.ok(value);
  assert.equal(value.length, t.getReturn);
  assert.equal(bytesToHex(value), t.valueHex);
});

test('vl2-dictionary overflow: an entry that does not fit is refused and leaves the dictionary unchanged', () => {
  const o = v.overflow;
  const b = new DictionaryBuilder(o.capacity);
  assert.equal(b.add('a', '12345'), o.add_a_12345);
  assert.equal(b.add('b', '1234567890'), o.add_b_1234567890);
  assert.equal(bytesToHex(b.toBytes()), o.resultHex);
});

test('vl2-dictionary constants', () => {
  assert.equal(ZT_NETWORKCONFIG_DICT_CAPACITY, v.constants.ZT_NETWORKCONFIG_DICT_CAPACITY);
  assert.equal(ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY, v.constants.ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY);
  assert.equal(ZT_NETWORK_MAX_UPDATE_CHUNKS, v.constants.ZT_NETWORK_MAX_UPDATE_CHUNKS);
});

test('dictionary: capacity is exact (total must stay strictly below it)', () => {
  const b = new DictionaryBuilder(8);
  assert.ok(b.add('a', '12345')); // 7 bytes: fits a capacity of 8
  assert.equal(b.add('', ''), false);
  const c = new DictionaryBuilder(7);
  assert.equal(c.add('a', '12345'), false);
  assert.equal(c.length, 0);
  // An escape that would straddle the limit is refused whole.
  const e = new DictionaryBuilder(5);
  assert.equal(e.add('a', '\n\n'), false);
  assert.ok(e.add('a', '\n'));
  assert.equal(bytesToHex(e.toBytes()), '613d5c6e');
});

test('dictionary: hostile input is size-capped', () => {
  const big = new Uint8Array(ZT_NETWORKCONFIG_DICT_CAPACITY).fill(0x61);
  const r = Dictionary.parse(big);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.reason, 'oversized');
  assert.ok(Dictionary.parse(big.subarray(1)).ok);
  assert.equal(Dictionary.parse(new Uint8Array(1024), 1024).ok, false);
  assert.ok(Dictionary.parse(new Uint8Array(1023), 1024).ok);
});

test('dictionary: text ends at the first NUL; CR separates; empty key; strings', () => {
  const d = mustParse(latin1('a=1\rb=2\0c=3'));
  assert.equal(d.getString('b'), '2');
  assert.equal(d.has('c'), false);
  assert.equal(mustParse(latin1('=x\na=1')).getString(''), 'x');
  const utf = new DictionaryBuilder();
  utf.add('n', 'réseau ☃');
  assert.equal(mustParse(utf.toBytes()).getString('n'), 'réseau ☃');
  assert.equal(mustParse(latin1('n=ab\\0cd')).getString('n'), 'ab');
  assert.equal(mustParse(latin1('a=1')).getAddress('a'), 1);
  assert.equal(mustParse(latin1('id=cf9d611776')).getAddress('id'), 0xcf9d611776);
  assert.throws(() => new DictionaryBuilder().add('a=b', 'x'));
  assert.throws(() => new DictionaryBuilder().add('k\u0100', 'x'));
  assert.equal(mustParse(latin1('?=1')).has('\u0100'), false);
});

test('dictionary: negative signed values lose their sign, as in the reference', () => {
  const b = new DictionaryBuilder();
  b.addI64('x', -5n);
  b.addI64('y', -(1n << 63n));
  b.addAddress('id', 0xcf9d611776);
  assert.equal(Buffer.from(b.toBytes()).toString('latin1'), 'x=0000000000000005\ny=8000000000000000\nid=cf9d611776');
});

test('strtoull / strtoll: C semantics', () => {
  assert.equal(strtoull('  +0x1F', 16), 0x1fn);
  assert.equal(strtoull('0x', 16), 0n);
  assert.equal(strtoull('0xg', 16), 0n);
  assert.equal(strtoull('-1', 16), 0xffffffffffffffffn);
  assert.equal(strtoull('1ffffffffffffffff', 16), 0xffffffffffffffffn);
  assert.equal(strtoull('-1ffffffffffffffff', 16), 0xffffffffffffffffn);
  assert.equal(strtoull('00000000000000000000ff', 16), 0xffn);
  assert.equal(strtoull('12abc', 10), 12n);
  assert.equal(strtoll('8000000000000000', 16), 0x7fffffffffffffffn);
  assert.equal(strtoll('-8000000000000000', 16), -(1n << 63n));
  assert.equal(strtoll('-8000000000000001', 16), -(1n << 63n));
  assert.equal(strtoll('-ff', 16), -255n);
});

// ---- Properties --------------------------------------------------------------------------

const keyArb = fc.stringMatching(/^[a-zA-Z0-9_.]{1,12}$/);
const valueArb = fc.uint8Array({ maxLength: 64 });

test('dictionary: random bytes never throw and lookups stay bounded (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), keyArb, (bytes, key) => {
      const r = Dictionary.parse(bytes);
      assert.ok(r.ok);
      const d = r.value;
      const value = d.getBytes(key);
      if (value) assert.ok(value.length <= bytes.length);
      d.getU64(key);
      d.getI64(key);
      d.getBool(key);
      d.getString(key);
      d.has(key);
    }),
    { numRuns: 1000 },
  );
});

test('dictionary: encode -> decode returns every first value unchanged (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(keyArb, valueArb), { maxLength: 20 }), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), fc.boolean(), (entries, n, flag) => {
      const b = new DictionaryBuilder();
      for (const [k, val] of entries) assert.ok(b.add(k, val));
      assert.ok(b.addU64('num.u64', n));
      assert.ok(b.addBool('num.bool', flag));
      const d = mustParse(b.toBytes());
      const firsts = new Map<string, Uint8Array>();
      for (const [k, val] of entries) if (!firsts.has(k)) firsts.set(k, val);
      for (const [k, val] of firsts) assert.deepEqual(d.getBytes(k), val);
      assert.equal(d.getU64('num.u64'), n);
      assert.equal(d.getBool('num.bool'), flag);
      // Escaping keeps the separators out of values.
      const text = b.toBytes();
      assert.equal(text.indexOf(0), -1);
      assert.equal(text.indexOf(0x0d), -1);
    }),
    { numRuns: 300 },
  );
});
