/** Rate gates, OK gating, the replay filter and self-awareness (spec vl1.md 5.4, 11.8, 13). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExpectedReplies } from '../../src/core/vl1/expected-replies.js';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import { IpScope } from '../../src/core/vl1/inet-address.js';
import { IdentityVerificationGate, IntervalGate, KeyedIntervalGate, PushDirectPathsGate } from '../../src/core/vl1/rate-gates.js';
import { ReplayFilter, pathHash } from '../../src/core/vl1/replay-filter.js';
import { SelfAwareness } from '../../src/core/vl1/self-awareness.js';
import { TrustedPaths } from '../../src/core/vl1/trusted-paths.js';

const v4 = (a: number, b: number, c: number, d: number, port = 9993): InetAddress => ({ family: 4, ip: Uint8Array.of(a, b, c, d), port });

test('expected replies: remembers the upper 32 bits of sent IDs, 32 per bucket, round-robin', () => {
  const e = new ExpectedReplies();
  const id = (upper: number, lower = 0) => Uint8Array.of(upper >>> 24, (upper >>> 16) & 255, (upper >>> 8) & 255, upper & 255, lower, 0, 0, 0);
  assert.ok(!e.isExpected(id(0)), 'empty slots never match, not even an all-zero ID');
  e.expect(id(0x01020304));
  assert.ok(e.isExpected(id(0x01020304, 99)), 'only the upper 32 bits matter');
  assert.ok(!e.isExpected(id(0x01020305)));
  // 32 more IDs in the same bucket (low byte 0x04) push the first one out.
  for (let i = 1; i <= 32; i++) e.expect(id(0x01000004 + (i << 8)));
  assert.ok(!e.isExpected(id(0x01020304)));
  assert.ok(e.isExpected(id(0x01000004 + (32 << 8))));
});

test('replay filter: an ID is accepted once until it leaves the window', () => {
  const f = new ReplayFilter(4);
  const id = (n: number) => Uint8Array.of(0, 0, 0, n, 0, 0, 0, n);
  assert.equal(f.checkAndRecord(id(1), 0), false);
  assert.equal(f.checkAndRecord(id(1), 0), true);
  for (let i = 2; i <= 5; i++) f.checkAndRecord(id(i), 0);
  assert.equal(f.checkAndRecord(id(1), 0), false, 'forgotten after capacity newer IDs');
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { maxLength: 200 }), (ids) => {
      const g = new ReplayFilter(1000);
      const seen = new Set<string>();
      for (const x of ids) {
        const k = Buffer.from(x).toString('hex');
        // Keys fold 64 bits into 53, so the filter may only err towards "seen" on a collision.
        if (!seen.has(k) && g.checkAndRecord(x, 7)) return [...seen].some((s) => s.slice(0, 8) === k.slice(0, 8));
        if (seen.has(k) && !g.checkAndRecord(x, 7)) return false;
        seen.add(k);
      }
      return true;
    }),
    { numRuns: 100 },
  );
});

test('replay filter: the same packet over another path is not a replay (ZeroTier sends HELLO from every socket)', () => {
  const f = new ReplayFilter(16);
  const id = Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2);
  const a = pathHash(0, { family: 4, ip: Uint8Array.of(10, 0, 0, 2), port: 9993 });
  const b = pathHash(0, { family: 4, ip: Uint8Array.of(10, 0, 0, 2), port: 45522 });
  const c = pathHash(1, { family: 4, ip: Uint8Array.of(10, 0, 0, 2), port: 9993 });
  assert.equal(new Set([a, b, c]).size, 3);
  assert.equal(f.checkAndRecord(id, a), false);
  assert.equal(f.checkAndRecord(id, b), false, 'copy from another source port');
  assert.equal(f.checkAndRecord(id, c), false, 'copy on another local socket');
  assert.equal(f.checkAndRecord(id, a), true, 'a replay over the same path is still caught');
});

test('interval gates: one event per interval, per key, with bounded memory', () => {
  const g = new IntervalGate(500);
  assert.ok(g.allow(0) && !g.allow(499) && g.allow(500));
  const k = new KeyedIntervalGate<number>(100, 3);
  assert.ok(k.allow(0, 1) && k.allow(0, 2) && !k.allow(50, 1) && k.allow(100, 1));
  k.allow(60, 3);
  k.allow(61, 4); // full: evicts the least recently allowed key (2)
  assert.equal(k.size, 3);
  assert.ok(k.wouldAllow(62, 2), 'an evicted key is only ever allowed sooner');
  k.clean(200);
  assert.equal(k.size, 0);
});

test('PUSH_DIRECT_PATHS gate: the 9th push within 30 s of the previous is refused, a pause resets it', () => {
  const g = new PushDirectPathsGate();
  const results = Array.from({ length: 10 }, (_, i) => g.allow(i * 1000));
  assert.deepEqual(results, [true, true, true, true, true, true, true, true, false, false]);
  assert.ok(g.allow(100_000), 'a push 30 s after the previous one starts over');
});

test('identity verification gate: one per IPv4 /24 (or IPv6 /48) per 2 s', () => {
  const g = new IdentityVerificationGate();
  assert.ok(g.allow(0, v4(60, 0, 1, 2)));
  assert.ok(!g.allow(1999, v4(60, 0, 1, 99)), 'same /24');
  assert.ok(g.allow(1999, v4(60, 0, 2, 2)), 'another /24');
  assert.ok(g.allow(2000, v4(60, 0, 1, 99)));
  const a6 = (last: number, third = 0x0db8): InetAddress => ({ family: 6, ip: Uint8Array.of(0x20, 0x01, third >> 8, third & 255, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, last), port: 1 });
  assert.ok(g.allow(0, a6(1)));
  assert.ok(!g.allow(10, a6(2)), 'same /48');
  assert.ok(g.allow(10, a6(2, 0x0db9)));
});

test('self-awareness: records reports, ignores scope mismatches, and detects a root seeing a new IP', () => {
  const s = new SelfAwareness();
  const root = v4(44, 0, 0, 1);
  assert.equal(s.iam(0, 1, 0, root, v4(70, 0, 0, 1, 40000), true), undefined);
  assert.equal(s.iam(1, 2, 0, v4(60, 0, 0, 1), v4(70, 0, 0, 1, 40001), false), undefined);
  assert.equal(s.iam(2, 3, 0, root, v4(10, 0, 0, 5), false), undefined, 'private address reported over a global path: ignored');
  assert.equal(s.externalAddresses(3).length, 2);
  // Same root, same IP, new port: not a network change.
  assert.equal(s.iam(10, 1, 0, root, v4(70, 0, 0, 1, 40002), true), undefined);
  // Same root, new IP: our network changed; other reports in that scope are forgotten.
  assert.deepEqual(s.iam(20, 1, 0, root, v4(71, 0, 0, 1, 40000), true), { scope: IpScope.GLOBAL, family: 4 });
  assert.deepEqual(s.externalAddresses(21).map((a) => a.ip[0]), [71]);
  // A non-root saying the same is just recorded.
  assert.equal(s.iam(30, 2, 0, v4(60, 0, 0, 1), v4(72, 0, 0, 1), false), undefined);
  s.clean(30 + 600_000);
  assert.equal(s.size, 0);
});

test('trusted paths: prefix match and ID, MTU clamped', () => {
  const t = new TrustedPaths([{ network: v4(10, 1, 0, 0, 16), id: 5n, mtu: 9000 }, { network: v4(192, 168, 7, 128, 25), id: 6n, mtu: 100 }]);
  assert.equal(t.idFor(v4(10, 1, 200, 3)), 5n);
  assert.equal(t.idFor(v4(10, 2, 0, 3)), 0n);
  assert.equal(t.idFor(v4(192, 168, 7, 200)), 6n);
  assert.equal(t.idFor(v4(192, 168, 7, 100)), 0n);
  assert.ok(t.accepts(v4(10, 1, 0, 1), 5n) && !t.accepts(v4(10, 1, 0, 1), 6n) && !t.accepts(v4(11, 0, 0, 1), 0n));
  assert.equal(t.mtuFor(v4(10, 1, 0, 1)), 9000);
  assert.equal(t.mtuFor(v4(192, 168, 7, 200)), 1400);
});
