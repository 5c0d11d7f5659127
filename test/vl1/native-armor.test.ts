/**
 * The native suite-3 backend (native/aes_gmac_siv.c through src/native/load.ts): the reference
 * vectors through it, byte equality with the JavaScript path and cross-dearmor, tampering, and
 * hostile calls at the JavaScript boundary. Skipped, with the reason, only if the addon is not
 * built (TIERZERO_REQUIRE_NATIVE_CRYPTO=1 turns that into a failure).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { armor, cipherSuiteOf, dearmor } from '../../src/core/vl1/armor.js';
import type { ArmorCipherSuite } from '../../src/core/vl1/armor.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { type Suite3Backend, setSuite3Backend, suite3Backend } from '../../src/core/vl1/suite3-backend.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import {
  type NativeCryptoAddon,
  type NativeKey,
  loadNativeCrypto,
  nativeAddonPath,
  nativeCryptoAddon,
  nativeCryptoStatus,
  nativeSuite3Backend,
} from '../../src/native/load.js';
import { REPO_ROOT, loadVectors } from '../helpers/vectors.js';

const maybeAddon = nativeCryptoAddon();
const maybeBackend = nativeSuite3Backend();
const skip = maybeAddon === undefined ? `native crypto addon unavailable: ${nativeCryptoStatus().reason}` : false;
// Only dereferenced inside tests that are skipped when the addon is absent.
const addon = maybeAddon as NativeCryptoAddon;
const native = maybeBackend as Suite3Backend;

test('native addon is present unless allowed to be absent (TIERZERO_REQUIRE_NATIVE_CRYPTO=1 requires it)', () => {
  if (process.env.TIERZERO_REQUIRE_NATIVE_CRYPTO === '1') assert.ok(maybeAddon, String(nativeCryptoStatus().reason));
});

const siv = loadVectors('vl1_aes_gmac_siv.json');
const packets = loadVectors('vl1_packets.json');
const verbs = loadVectors('vl1_verbs.json');
const fragmentation = loadVectors('vl1_fragmentation.json');
const hello = loadVectors('vl1_hello.json');
const agreement = loadVectors('vl1_key_agreement.json');

const keys = new Map<string, PeerKey>();
function keyFor(key48hex: string): PeerKey {
  let k = keys.get(key48hex);
  if (!k) keys.set(key48hex, (k = new PeerKey(hexToBytes(key48hex))));
  return k;
}

function key48Between(a: string, b: string): string {
  for (const c of agreement.cases) {
    const x = c.aSecret.slice(0, 10);
    const y = c.bSecret.slice(0, 10);
    if ((x === a && y === b) || (x === b && y === a)) return c.key48;
  }
  throw new Error(`no key agreement vector for ${a} and ${b}`);
}

/** Runs fn with the given backend installed (undefined: the JavaScript path), then restores. */
function using<T>(backend: Suite3Backend | undefined, fn: () => T): T {
  const previous = suite3Backend();
  setSuite3Backend(backend);
  try {
    return fn();
  } finally {
    setSuite3Backend(previous);
  }
}

/** The native backend, counting calls so a test proves the native path really ran. */
function countingNative(): Suite3Backend & { calls: number } {
  const b = {
    name: 'counting native',
    calls: 0,
    createKey: (k0: Uint8Array, k1: Uint8Array) => native.createKey(k0, k1),
    armor: (k: unknown, p: Uint8Array) => (b.calls++, native.armor(k, p)),
    dearmor: (k: unknown, p: Uint8Array) => (b.calls++, native.dearmor(k, p)),
  };
  return b;
}

const hex = (b: Uint8Array, from = 0, to = b.length): string => bytesToHex(b.subarray(from, to));

/** Armor of plain through the native path must equal `armored`; dearmor must give plain back. */
function checkArmoredVector(key: PeerKey, plainHex: string, armoredHex: string): void {
  const counting = countingNative();
  using(counting, () => {
    const p = hexToBytes(plainHex);
    armor(p, key, 3);
    assert.equal(bytesToHex(p), armoredHex);
    const back = hexToBytes(armoredHex);
    assert.equal(dearmor(back, key), undefined);
    const plain = hexToBytes(plainHex);
    assert.equal(hex(back, 8, 18), hex(plain, 8, 18), 'addresses');
    assert.equal(hex(back, 27), hex(plain, 27), 'payload');
  });
  assert.equal(counting.calls, 2, 'both calls went to the native backend');
}

// ---- vl1_aes_gmac_siv.json: the bare primitive (seal/open) --------------------------------------

for (const [i, c] of siv.cases.entries()) {
  const plaintext = hexToBytes(c.plaintext);
  test(`native aes-gmac-siv vector ${i} (${plaintext.length}-byte plaintext): seal and open`, { skip }, () => {
    const key = addon.createKey(hexToBytes(c.k0), hexToBytes(c.k1));
    const data = plaintext.slice();
    const tag = new Uint8Array(16);
    assert.equal(addon.seal(key, hexToBytes(c.iv8), hexToBytes(c.aad11), data, tag), addon.codes.OK);
    assert.equal(bytesToHex(tag), c.tag16);
    assert.equal(bytesToHex(data), c.ciphertext);
    assert.equal(addon.open(key, tag, hexToBytes(c.aad11), data), c.decryptsAndVerifies ? addon.codes.OK : addon.codes.BAD_MAC);
    assert.equal(bytesToHex(data), c.plaintext);
    const ciphertext = hexToBytes(c.ciphertext);
    const badAad = hexToBytes(c.aad11);
    badAad[10] ^= 1;
    assert.equal(addon.open(key, hexToBytes(c.tag16), badAad, ciphertext), addon.codes.BAD_MAC);
    assert.equal(bytesToHex(ciphertext), c.ciphertext, 'left as it was');
  });
}

// ---- every suite-3 packet of the vector files through the native backend ---------------------

for (const c of packets.cases.filter((x: { cipherSuite: number }) => x.cipherSuite === 3)) {
  const key = keyFor(c.key48);
  test(`native packets ${c.name}: armor, dearmor, hops 2, tampering`, { skip }, () => {
    checkArmoredVector(key, c.plain, c.armored);
    using(native, () => {
      const p = hexToBytes(c.armored);
      assert.equal(dearmor(p, key) === undefined, c.dearmorOk);
      assert.equal(bytesToHex(p), c.dearmored);
      const hops2 = hexToBytes(c.armoredWithHops2);
      assert.equal(dearmor(hops2, key) === undefined, c.dearmorOkWithHops2);
      assert.equal(hex(hops2, 27), hex(hexToBytes(c.plain), 27));
      const tampered = hexToBytes(c.armored);
      tampered[tampered.length - 1] ^= 1;
      const before = bytesToHex(tampered);
      assert.equal(dearmor(tampered, key) === undefined, c.dearmorOkAfterTamperingLastByte);
      assert.equal(bytesToHex(tampered), before);
    });
  });
}

for (const [i, c] of packets.compression.entries()) {
  if (c.armoredSuite3 === undefined) continue;
  test(`native packets compression ${i}: armor of the compressed packet gives armoredSuite3`, { skip }, () => {
    checkArmoredVector(keyFor(c.key48), c.compressed, c.armoredSuite3);
  });
}

for (const c of verbs.cases) {
  test(`native verbs ${c.name}: armoredSuite3`, { skip }, () => {
    checkArmoredVector(keyFor(key48Between(c.from, c.to)), c.plain, c.armoredSuite3);
  });
}

for (const [i, c] of fragmentation.cases.entries()) {
  if (Number(c.cipherSuite) !== 3) continue;
  test(`native fragmentation ${i} (suite 3, ${c.plainBeforeArmor.length / 2} bytes): armoredWhole`, { skip }, () => {
    checkArmoredVector(keyFor(c.key48), c.plainBeforeArmor, c.armoredWhole);
  });
}

for (const [i, c] of hello.cases.entries()) {
  if (c.cipherSuite !== 3) continue;
  test(`native hello ${i} (suite 3): armored`, { skip }, () => {
    checkArmoredVector(keyFor(hello.key48), c.afterCryptField ?? c.plain, c.armored);
  });
}

// ---- native == JavaScript ---------------------------------------------------------------------

const keyArb = fc.uint8Array({ minLength: 48, maxLength: 48 }).map((k) => new PeerKey(k));
const packetArb = fc
  .tuple(
    fc.uint8Array({ minLength: 27, maxLength: 27 }),
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 80 }),
      fc.uint8Array({ minLength: 1, maxLength: 3000, size: 'max' }),
      fc.uint8Array({ minLength: 9990, maxLength: 9997 }),
    ),
  )
  .map(([header, payload]) => {
    const p = new Uint8Array(27 + payload.length);
    p.set(header);
    p.set(payload, 27);
    return p;
  });

test('native property: armor equals the JavaScript armor byte for byte; each dearmors the other', { skip }, () => {
  fc.assert(
    fc.property(keyArb, packetArb, fc.integer({ min: 0, max: 7 }), (key, plain, hops) => {
      const viaJs = plain.slice();
      using(undefined, () => armor(viaJs, key, 3));
      const viaNative = plain.slice();
      using(native, () => armor(viaNative, key, 3));
      assert.equal(bytesToHex(viaNative), bytesToHex(viaJs));
      // Relays may have changed the hops; both must still authenticate.
      viaJs[18] = (viaJs[18] & 0xf8) | hops;
      viaNative[18] = (viaNative[18] & 0xf8) | hops;
      assert.equal(using(native, () => dearmor(viaJs, key)), undefined, 'native dearmors JS');
      assert.equal(using(undefined, () => dearmor(viaNative, key)), undefined, 'JS dearmors native');
      assert.equal(hex(viaJs, 27), hex(plain, 27));
      assert.equal(hex(viaNative, 27), hex(plain, 27));
    }),
    { numRuns: 150 },
  );
});

test('native: one key serves packets of changing lengths in any order (no state leaks between packets)', { skip }, () => {
  const key = new PeerKey(new Uint8Array(48).fill(0x5a));
  const lengths = [28, 29, 43, 44, 45, 1432, 28, 2800, 31, 10024, 59, 28];
  for (const n of lengths) {
    const plain = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff);
    const viaJs = plain.slice();
    using(undefined, () => armor(viaJs, key, 3));
    const viaNative = plain.slice();
    using(native, () => armor(viaNative, key, 3));
    assert.equal(bytesToHex(viaNative), bytesToHex(viaJs), `${n} bytes`);
    assert.equal(using(native, () => dearmor(viaNative, key)), undefined);
    assert.equal(hex(viaNative, 27), hex(plain, 27));
  }
});

test('native: armor and dearmor work on a subarray at an odd offset and on a Buffer', { skip }, () => {
  const key = new PeerKey(new Uint8Array(48).fill(3));
  const plain = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const expected = plain.slice();
  using(undefined, () => armor(expected, key, 3));
  const big = new Uint8Array(1000).fill(0xee);
  big.set(plain, 7);
  const view = big.subarray(7, 307);
  using(native, () => armor(view, key, 3));
  assert.equal(bytesToHex(view), bytesToHex(expected));
  assert.ok(big.subarray(0, 7).every((b) => b === 0xee) && big.subarray(307).every((b) => b === 0xee), 'nothing outside the view');
  const buf = Buffer.from(expected);
  assert.equal(using(native, () => dearmor(buf, key)), undefined);
  assert.equal(hex(buf, 27), hex(plain, 27));
});

// ---- tampering --------------------------------------------------------------------------------

test('native property: a flipped bit anywhere but the hop bits is rejected and the packet left as is', { skip }, () => {
  fc.assert(
    fc.property(keyArb, packetArb, fc.nat(), (key, plain, n) => {
      const p = plain.slice();
      using(native, () => armor(p, key, 3));
      const bits = p.length * 8 - 3;
      let bit = n % bits;
      if (bit >= 18 * 8) bit += 3;
      p[bit >> 3] ^= 1 << (bit & 7);
      const tampered = bytesToHex(p);
      assert.notEqual(using(native, () => dearmor(p, key)), undefined);
      assert.equal(bytesToHex(p), tampered);
    }),
    { numRuns: 300 },
  );
});

test('native property: a packet under another key never authenticates', { skip }, () => {
  fc.assert(
    fc.property(keyArb, keyArb, packetArb, (k1, k2, plain) => {
      fc.pre(bytesToHex(k1.key48) !== bytesToHex(k2.key48));
      const p = plain.slice();
      using(native, () => armor(p, k1, 3));
      assert.equal(using(native, () => dearmor(p, k2)), 'bad_mac');
    }),
    { numRuns: 100 },
  );
});

// ---- hostile input at the JavaScript boundary ----------------------------------------------------

function rawKey(): NativeKey {
  return addon.createKey(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
}

test('native hostile: lengths outside 28..10,024 are BAD_LENGTH, other suites BAD_SUITE', { skip }, () => {
  const key = rawKey();
  const { BAD_LENGTH, BAD_SUITE } = addon.codes;
  for (const n of [0, 1, 8, 26, 27, 10025, 20000]) {
    const p = new Uint8Array(n).fill(0x18);
    assert.equal(addon.armor(key, p), BAD_LENGTH, `armor ${n}`);
    assert.equal(addon.dearmor(key, p), BAD_LENGTH, `dearmor ${n}`);
    assert.ok(p.every((b) => b === 0x18), 'untouched');
  }
  for (const suite of [0, 1, 2, 4, 5, 6, 7]) {
    const p = new Uint8Array(60);
    p[18] = suite << 3;
    assert.equal(addon.dearmor(key, p), BAD_SUITE);
  }
  assert.equal(addon.seal(key, new Uint8Array(8), new Uint8Array(11), new Uint8Array(9998), new Uint8Array(16)), BAD_LENGTH);
  assert.equal(addon.open(key, new Uint8Array(16), new Uint8Array(11), new Uint8Array(9998)), BAD_LENGTH);
});

test('native hostile: core dearmor through the backend still reports truncated, oversized, bad suite', { skip }, () => {
  const key = new PeerKey(new Uint8Array(48).fill(9));
  using(native, () => {
    assert.equal(dearmor(new Uint8Array(27), key), 'truncated');
    assert.equal(dearmor(new Uint8Array(10025), key), 'oversized');
    const p = new Uint8Array(40);
    p[18] = 2 << 3;
    assert.equal(dearmor(p, key), 'bad_cipher_suite');
    p[18] = 3 << 3;
    assert.equal(dearmor(p, key), 'bad_mac');
    assert.throws(() => armor(new Uint8Array(10025), key, 3 as ArmorCipherSuite), RangeError);
  });
});

test('native hostile: detached and resized buffers read as empty, never as their old memory', { skip }, () => {
  const key = rawKey();
  const ab = new ArrayBuffer(200);
  const p = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  assert.equal(p.length, 0);
  assert.equal(addon.armor(key, p), addon.codes.BAD_LENGTH);
  assert.equal(addon.dearmor(key, p), addon.codes.BAD_LENGTH);
  const detachedTag = new Uint8Array(new ArrayBuffer(16));
  structuredClone(detachedTag.buffer, { transfer: [detachedTag.buffer] });
  assert.throws(() => addon.open(key, detachedTag, new Uint8Array(11), new Uint8Array(4)), RangeError);
  const ResizableArrayBuffer = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & {
    resize(n: number): void;
  };
  const rab = new ResizableArrayBuffer(100, { maxByteLength: 20000 });
  const tracking = new Uint8Array(rab);
  assert.equal(addon.armor(key, tracking), addon.codes.OK);
  rab.resize(10);
  assert.equal(addon.dearmor(key, tracking), addon.codes.BAD_LENGTH);
  rab.resize(12000);
  assert.equal(addon.armor(key, tracking), addon.codes.BAD_LENGTH);
});

test('native hostile: a destroyed key returns KEY_DESTROYED and can be destroyed again', { skip }, () => {
  const key = rawKey();
  const p = new Uint8Array(100);
  assert.equal(addon.armor(key, p), addon.codes.OK);
  addon.destroyKey(key);
  addon.destroyKey(key);
  const before = bytesToHex(p);
  assert.equal(addon.armor(key, p), addon.codes.KEY_DESTROYED);
  assert.equal(addon.dearmor(key, p), addon.codes.KEY_DESTROYED);
  assert.equal(addon.seal(key, new Uint8Array(8), new Uint8Array(11), new Uint8Array(4), new Uint8Array(16)), addon.codes.KEY_DESTROYED);
  assert.equal(addon.open(key, new Uint8Array(16), new Uint8Array(11), new Uint8Array(4)), addon.codes.KEY_DESTROYED);
  assert.equal(bytesToHex(p), before);
});

test('native hostile: wrong argument types throw TypeError, wrong sizes RangeError', { skip }, () => {
  const key = rawKey();
  const p = new Uint8Array(60);
  const a = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
  const notKeys = [undefined, null, 0, 1n, 'key', {}, [], () => {}, Symbol('k'), p, new ArrayBuffer(8)];
  for (const bad of notKeys) {
    for (const fn of ['armor', 'dearmor']) assert.throws(() => a[fn](bad, p), TypeError, `${fn} key ${String(bad)}`);
    assert.throws(() => a.destroyKey(bad), TypeError);
  }
  const notBytes = [undefined, null, 60, 'x'.repeat(60), {}, [1, 2, 3], new ArrayBuffer(60), new DataView(new ArrayBuffer(60)), new Uint16Array(30), new Int8Array(60), new Uint8ClampedArray(60), new Float64Array(8)];
  for (const bad of notBytes) {
    for (const fn of ['armor', 'dearmor']) assert.throws(() => a[fn](key, bad), TypeError, `${fn} packet ${String(bad)}`);
    assert.throws(() => a.createKey(bad, new Uint8Array(32)), TypeError);
    assert.throws(() => a.seal(key, bad, new Uint8Array(11), p, new Uint8Array(16)), TypeError);
    assert.throws(() => a.open(key, new Uint8Array(16), new Uint8Array(11), bad), TypeError);
  }
  assert.throws(() => a.armor(), TypeError);
  assert.throws(() => a.armor(key), TypeError);
  assert.throws(() => a.createKey(new Uint8Array(31), new Uint8Array(32)), RangeError);
  assert.throws(() => a.createKey(new Uint8Array(32), new Uint8Array(33)), RangeError);
  assert.throws(() => a.seal(key, new Uint8Array(7), new Uint8Array(11), p, new Uint8Array(16)), RangeError);
  assert.throws(() => a.seal(key, new Uint8Array(8), new Uint8Array(12), p, new Uint8Array(16)), RangeError);
  assert.throws(() => a.seal(key, new Uint8Array(8), new Uint8Array(11), p, new Uint8Array(15)), RangeError);
  assert.throws(() => a.open(key, new Uint8Array(17), new Uint8Array(11), p), RangeError);
  // Extra arguments are ignored; a SharedArrayBuffer-backed packet is a packet like any other.
  const shared = new Uint8Array(new SharedArrayBuffer(60));
  assert.equal(a.armor(key, shared, 'extra'), addon.codes.OK);
  assert.equal(a.dearmor(key, shared), addon.codes.OK);
});

test('native hostile property: arbitrary values as arguments throw or return a code, never crash', { skip }, () => {
  const key = rawKey();
  const codes = new Set(Object.values(addon.codes));
  const a = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
  const arg = fc.oneof(fc.anything(), fc.uint8Array({ maxLength: 64 }), fc.constant(key));
  fc.assert(
    fc.property(fc.constantFrom('armor', 'dearmor', 'seal', 'open', 'createKey'), fc.array(arg, { maxLength: 6 }), (fn, args) => {
      try {
        const r = a[fn](...args);
        if (fn !== 'createKey') assert.ok(codes.has(r as number), `${fn} returned ${String(r)}`);
      } catch (e) {
        assert.ok(e instanceof TypeError || e instanceof RangeError, String(e));
      }
    }),
    { numRuns: 500 },
  );
});

test('native hostile property: random garbage never authenticates and is never changed', { skip }, () => {
  const key = rawKey();
  const { BAD_LENGTH, BAD_SUITE, BAD_MAC } = addon.codes;
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 3000, size: 'max' })), (garbage) => {
      const before = bytesToHex(garbage);
      const r = addon.dearmor(key, garbage);
      assert.ok(r === BAD_LENGTH || r === BAD_SUITE || r === BAD_MAC, String(r));
      assert.equal(bytesToHex(garbage), before);
    }),
    { numRuns: 1000 },
  );
});

test('native: keys dropped by JavaScript are freed by the garbage collector', { skip }, () => {
  // Node runs N-API finalizers from the event loop after a collection, hence the turns.
  const script = `
    const a = require(${JSON.stringify(nativeAddonPath())});
    const k0 = new Uint8Array(32), k1 = new Uint8Array(32);
    const turn = () => new Promise((r) => setImmediate(r));
    (async () => {
      for (let i = 0; i < 5000; i++) a.createKey(k0, k1);
      globalThis.gc(); await turn();
      const base = process.memoryUsage().rss;
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 5000; i++) a.createKey(k0, k1);
        globalThis.gc(); await turn();
      }
      console.log(Math.round((process.memoryUsage().rss - base) / 1024));
    })();
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // 50,000 keys of a few KiB each would be well over 100 MiB if they leaked.
  assert.ok(Number(r.stdout) < 32 * 1024, `RSS grew by ${r.stdout.trim()} KiB`);
});

// ---- loader -------------------------------------------------------------------------------------

test('native loader: loadNativeCrypto installs the backend and reports it; removing it is reported', { skip }, () => {
  const previous = suite3Backend();
  try {
    const s = loadNativeCrypto();
    assert.equal(s.active, true);
    assert.equal(suite3Backend(), native);
    assert.match(s.summary, /^native AES-GMAC-SIV \(OpenSSL /);
    assert.equal(s.openssl, addon.openssl);
    setSuite3Backend(undefined);
    const off = nativeCryptoStatus();
    assert.equal(off.active, false);
    assert.match(off.summary, /^JavaScript/);
    // A packet armored while the backend was installed dearmors without it, and the reverse.
    const key = new PeerKey(new Uint8Array(48).fill(4));
    const p = new Uint8Array(64).fill(1);
    using(native, () => armor(p, key, 3));
    assert.equal(cipherSuiteOf(p), 3);
    assert.equal(dearmor(p, key), undefined);
  } finally {
    setSuite3Backend(previous);
  }
});

test('native loader: TIERZERO_NATIVE_CRYPTO=0 keeps the JavaScript path and says why', () => {
  const loader = new URL('../../src/native/load.js', import.meta.url).href;
  const script = `import(${JSON.stringify(loader)}).then((m) => console.log(JSON.stringify(m.loadNativeCrypto())));`;
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    env: { ...process.env, TIERZERO_NATIVE_CRYPTO: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.active, false);
  assert.equal(s.reason, 'disabled by TIERZERO_NATIVE_CRYPTO=0');
  assert.equal(r.stderr, '', 'nothing logged');
});
