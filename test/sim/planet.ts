/**
 * Worlds and identities for simulations. Identities come from files made once (their proof of
 * work costs about half a second each): the 8 reference identities of the spec vectors and the
 * generated fixture test/sim/fixtures/identities.json. Planets are signed with a fixed key, so
 * a scenario is the same on every run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZT_WORLD_TYPE_MOON, ZT_WORLD_TYPE_PLANET } from '../../src/core/vl1/constants.js';
import { Identity } from '../../src/core/vl1/identity.js';
import { signWorld, type World } from '../../src/core/vl1/world.js';
import { loadVectors, REPO_ROOT } from '../helpers/vectors.js';
import type { SimAddress } from './fabric.js';
import { toInet } from './sim-node.js';

let vectorIds: Identity[] | undefined;
let fixtureIds: Identity[] | undefined;

function parse(text: string): Identity {
  const r = Identity.fromString(text);
  if (!r.ok) throw new Error(`bad fixture identity: ${r.error.message}`);
  return r.value;
}

/** The 8 identities with secrets from vl1_identities.json (alice, bob, carol, root1, ...). */
export function vectorIdentities(): Identity[] {
  vectorIds ??= loadVectors('vl1_identities.json').identities.map((i: { secret: string }) => parse(i.secret));
  return vectorIds!;
}

/** 240 generated identities with secrets. */
export function fixtureIdentities(): Identity[] {
  fixtureIds ??= JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'sim', 'fixtures', 'identities.json'), 'utf8')).identities.map(parse);
  return fixtureIds!;
}

/** The key that signs simulated worlds (a vector identity's key pair; only its Ed25519 half matters). */
export function worldSigningKey(): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const id = vectorIdentities()[7];
  return { publicKey: id.publicKey, privateKey: id.privateKey! };
}

export interface RootSpec {
  identity: Identity;
  endpoints: SimAddress[];
}

export function buildWorld(type: 'planet' | 'moon', id: bigint, timestamp: bigint, roots: RootSpec[], signer = worldSigningKey(), nextSigner = signer.publicKey): World {
  return signWorld(
    {
      type: type === 'planet' ? ZT_WORLD_TYPE_PLANET : ZT_WORLD_TYPE_MOON,
      id,
      timestamp,
      updatesMustBeSignedBy: nextSigner,
      roots: roots.map((r) => ({ identity: r.identity.publicOnly(), stableEndpoints: r.endpoints.map(toInet) })),
    },
    signer.privateKey,
  );
}

/** A test planet (ID 0x5157, timestamp 1000 unless given) listing these roots. */
export function buildPlanet(roots: RootSpec[], timestamp = 1000n): World {
  return buildWorld('planet', 0x5157n, timestamp, roots);
}
