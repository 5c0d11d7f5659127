/** Topology: planets, moons and their update rules, upstreams and roles (spec vl1.md 10). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Peer } from '../../src/core/vl1/peer.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import { Topology } from '../../src/core/vl1/topology.js';
import type { Identity } from '../../src/core/vl1/identity.js';
import { buildWorld } from '../sim/planet.js';
import { ids, NOW, testPlanet } from './engine-harness.js';

const { alice, bob, root, moonseed, signer, otherSigner } = ids();
const otherKey = { publicKey: otherSigner.publicKey, privateKey: otherSigner.privateKey! };
const signerKey = { publicKey: signer.publicKey, privateKey: signer.privateKey! };

function topology(self: Identity = alice): Topology {
  return new Topology(self, (id, key) => new Peer(id, key ?? new PeerKey(self.agree(id))));
}

const moonRoots = [{ identity: moonseed, endpoints: [] as { ip: string; port: number }[] }];
const moon = (ts: bigint, signedBy = signerKey) => buildWorld('moon', BigInt(moonseed.address), ts, moonRoots, signedBy);

test('topology: the first planet is taken as given; updates need same ID, newer timestamp, current key', () => {
  const t = topology();
  assert.equal(t.addWorld(testPlanet(1000n), true), 'accepted');
  assert.deepEqual(t.upstreams, [root.address]);
  assert.ok(t.getPeer(root.address), 'every root gets a peer');
  assert.equal(t.addWorld(testPlanet(1000n), false), 'ignored', 'same timestamp');
  assert.equal(t.addWorld(testPlanet(999n), false), 'ignored', 'older');
  assert.equal(t.addWorld(buildWorld('planet', 0x5157n, 2000n, [{ identity: root, endpoints: [] }], otherKey), false), 'ignored', 'wrong key');
  assert.equal(t.addWorld(buildWorld('planet', 0x1234n, 2000n, [{ identity: root, endpoints: [] }]), false), 'ignored', 'other ID');
  assert.equal(t.addWorld(buildWorld('planet', 0x5157n, 2000n, [{ identity: bob, endpoints: [] }]), false), 'accepted');
  assert.deepEqual(t.upstreams, [bob.address], 'the new root list replaces the old');
  assert.equal(t.role(root.address), 'LEAF');
  assert.equal(t.role(bob.address), 'PLANET');
});

test('topology: a moon must be requested (file or orbit seed) before it is taken', () => {
  const t = topology();
  t.addWorld(testPlanet(), true);
  assert.equal(t.addWorld(moon(100n), false), 'ignored', 'unrequested moon');
  assert.equal(t.offerMoonFromSeed(moon(100n), moonseed.address), 'ignored', 'not orbiting it');
  t.orbit(BigInt(moonseed.address), moonseed.address);
  assert.ok(t.isWantedMoonSeed(moonseed.address));
  assert.equal(t.offerMoonFromSeed(moon(100n), bob.address), 'ignored', 'from someone else than the seed');
  assert.equal(t.offerMoonFromSeed(moon(100n), moonseed.address), 'accepted');
  assert.ok(!t.isWantedMoonSeed(moonseed.address));
  assert.equal(t.role(moonseed.address), 'MOON');
  assert.deepEqual(t.upstreams, [root.address, moonseed.address].sort((a, b) => a - b));
  // Then the ordinary update rule.
  assert.equal(t.addWorld(moon(50n), false), 'ignored');
  assert.equal(t.addWorld(moon(200n, otherKey), false), 'ignored');
  assert.equal(t.addWorld(moon(200n), false), 'accepted');
  assert.ok(t.deorbit(BigInt(moonseed.address)));
  assert.equal(t.role(moonseed.address), 'LEAF');
  // moons.d files are requested by definition.
  assert.equal(topology().addWorld(moon(1n), true), 'accepted');
});

test('topology: a node listed as a root is a root; roots with endpoints are only used at those IPs', () => {
  const asRoot = topology(root);
  asRoot.addWorld(testPlanet(), true);
  assert.ok(asRoot.amRoot);
  assert.deepEqual(asRoot.upstreams, [], 'a root is not its own upstream');
  const t = topology();
  t.addWorld(testPlanet(), true);
  assert.ok(!t.amRoot);
  const at = (a: number, b: number, c: number, d: number, port = 1) => ({ family: 4 as const, ip: Uint8Array.of(a, b, c, d), port });
  assert.ok(!t.isProhibitedEndpoint(root.address, at(44, 0, 0, 1, 4444)), 'port does not matter');
  assert.ok(t.isProhibitedEndpoint(root.address, at(44, 0, 0, 2)));
  assert.ok(!t.isProhibitedEndpoint(bob.address, at(1, 2, 3, 4)), 'leaves have no restriction');
});

test('topology: the best root has the lowest relay quality, alive paths first, ties to the later address', () => {
  const t = topology();
  t.addWorld(buildWorld('planet', 0x5157n, 1n, [{ identity: root, endpoints: [] }, { identity: moonseed, endpoints: [] }]), true);
  const [lo, hi] = [...t.upstreams].map((a) => t.getPeer(a)!);
  const ep = (n: number) => ({ family: 4 as const, ip: Uint8Array.of(44, 0, 0, n), port: 9993 });
  assert.equal(t.bestRoot(NOW), undefined, 'nothing heard, no path: no root to use');
  for (const [p, n] of [[lo, 1], [hi, 2]] as const) {
    const path = p.addPath(NOW, 0, ep(n));
    path.received(NOW);
    path.updateLatency(10);
    p.lastReceive = NOW;
  }
  assert.equal(t.bestRoot(NOW), hi, 'tie: the later address');
  assert.equal(t.bestRoot(NOW, hi.address), lo, 'excluding the destination');
  lo.paths[0].updateLatency(0);
  assert.equal(t.bestRoot(NOW), lo, 'lower latency wins');
  // lo goes silent: its path is no longer alive while hi keeps answering.
  hi.paths[0].received(NOW + 30_000);
  hi.lastReceive = NOW + 30_000;
  assert.equal(t.bestRoot(NOW + 30_000), hi);
});

test('topology: OK(HELLO) world offers: planet only if the HELLO named an older one; moons we both know', () => {
  const t = topology(root);
  t.addWorld(testPlanet(2000n), true);
  t.addWorld(moon(100n), true);
  assert.deepEqual(t.worldsNewerThan(0x5157n, 1000n, []).map((w) => w.timestamp), [2000n]);
  assert.deepEqual(t.worldsNewerThan(0x5157n, 2000n, []), []);
  assert.deepEqual(t.worldsNewerThan(0x9999n, 1n, []), [], 'another planet');
  assert.deepEqual(t.worldsNewerThan(undefined, undefined, [{ id: BigInt(moonseed.address), timestamp: 0n }]).map((w) => w.type), [127]);
});
