/**
 * The node's worlds at start-up: the `planet` file if present (a custom one is how private root
 * deployments work), else ZeroTier's public planet; and every `moons.d/<16 hex>.moon`.
 *
 * As ZeroTier does, the built-in planet still replaces a loaded one when it is a valid newer
 * revision of the same world. Unlike ZeroTier, a `planet` file that does not decode stops the
 * service instead of silently falling back to the public planet: a node of a private deployment
 * quietly joining the public roots is worse than a clear error.
 */
import { ZT_WORLD_TYPE_MOON, ZT_WORLD_TYPE_PLANET } from '../core/vl1/constants.js';
import { DEFAULT_PLANET } from '../core/vl1/default-planet.js';
import type { Identity } from '../core/vl1/identity.js';
import { type World, decodeWorld, serializeWorld, shouldReplaceWorld } from '../core/vl1/world.js';
import { FatalError } from './fatal-error.js';
import type { StateStore } from './state-store.js';

export interface LoadedPlanet {
  planet: World;
  /** Where it came from, for the log. */
  source: 'file' | 'default';
}

export function decodeDefaultPlanet(): World {
  const d = decodeWorld(DEFAULT_PLANET);
  if (!d.ok) throw new Error(`built-in planet does not decode: ${d.error.message}`);
  return d.value.world;
}

export function loadPlanet(store: StateStore): LoadedPlanet {
  const builtIn = decodeDefaultPlanet();
  const bytes = store.readPlanet();
  if (!bytes) {
    store.put('planet', '', serializeWorld(builtIn));
    return { planet: builtIn, source: 'default' };
  }
  const where = `${store.home}/planet`;
  const decoded = decodeWorld(bytes);
  if (!decoded.ok) {
    throw new FatalError(`${where} is not a valid planet (${decoded.error.message}); replace it, or delete it to use ZeroTier's public planet`);
  }
  const planet = decoded.value.world;
  if (planet.type !== ZT_WORLD_TYPE_PLANET) {
    throw new FatalError(`${where} holds a moon, not a planet; put moons in moons.d/<16 hex id>.moon`);
  }
  if (shouldReplaceWorld(planet, builtIn)) {
    store.put('planet', '', serializeWorld(builtIn));
    return { planet: builtIn, source: 'default' };
  }
  return { planet, source: 'file' };
}

export interface LoadedMoons {
  moons: World[];
  /** Problems with individual files (each skipped), for the log. */
  problems: string[];
}

export function loadMoons(store: StateStore): LoadedMoons {
  const moons: World[] = [];
  const problems: string[] = [];
  for (const { id, data } of store.listMoons()) {
    const decoded = decodeWorld(data);
    if (!decoded.ok) {
      problems.push(`moons.d/${id}.moon skipped: not a valid world (${decoded.error.message})`);
      continue;
    }
    const w = decoded.value.world;
    if (w.type !== ZT_WORLD_TYPE_MOON) {
      problems.push(`moons.d/${id}.moon skipped: it is a planet, not a moon`);
      continue;
    }
    if (w.id.toString(16).padStart(16, '0') !== id) {
      problems.push(`moons.d/${id}.moon: world id ${w.id.toString(16).padStart(16, '0')} differs from the file name (loaded anyway)`);
    }
    moons.push(w);
  }
  return { moons, problems };
}

/** The worlds (planet or moons) that list this identity as one of their roots. */
export function worldsListing(identity: Identity, planet: World, moons: World[]): World[] {
  return [planet, ...moons].filter((w) => w.roots.some((r) => r.identity.equals(identity)));
}
