/**
 * The home directory as the core's state store: `planet`, `moons.d/<16 hex>.moon`,
 * `peers.d/<10 hex>.peer`, plus the service's own small files.
 *
 * Every write is atomic (temporary file in the same directory, fsync, rename), so a crash or
 * power cut leaves either the old bytes or the new ones, never a torn file the next start would
 * refuse. Writes of identical bytes are skipped, as ZeroTier does. Object ids are checked
 * against their exact shape so no id can name a path outside its directory.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { StateObjectKind } from '../core/host.js';
import { bytesEqual } from '../core/vl1/bytes.js';

/** Files bigger than this in moons.d/peers.d are not state we wrote; they are skipped. */
const MAX_STATE_FILE_BYTES = 64 * 1024;

const ID_SHAPE: Record<StateObjectKind, RegExp> = {
  planet: /^.*$/s,
  moon: /^[0-9a-f]{16}$/,
  peer: /^[0-9a-f]{10}$/,
};

export interface StoredObject {
  id: string;
  data: Uint8Array;
}

export class StateStore {
  constructor(readonly home: string) {}

  /** Where a state object lives; throws on an id of the wrong shape. */
  pathOf(kind: StateObjectKind, id: string): string {
    if (!ID_SHAPE[kind].test(id)) throw new Error(`invalid ${kind} id ${JSON.stringify(id)}`);
    switch (kind) {
      case 'planet':
        return join(this.home, 'planet');
      case 'moon':
        return join(this.home, 'moons.d', `${id}.moon`);
      case 'peer':
        return join(this.home, 'peers.d', `${id}.peer`);
    }
  }

  /** Store (or with undefined, delete) a state object. Throws on I/O errors. */
  put(kind: StateObjectKind, id: string, data: Uint8Array | undefined): void {
    const path = this.pathOf(kind, id);
    if (data === undefined) {
      removeIfPresent(path);
      return;
    }
    this.writeAtomic(path, data);
  }

  get(kind: StateObjectKind, id: string): Uint8Array | undefined {
    return readIfPresent(this.pathOf(kind, id));
  }

  /** Atomically replace `path` (absolute, or relative to home) unless it already holds `data`. */
  writeAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
    const full = path.startsWith('/') ? path : join(this.home, path);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const existing = readIfPresent(full);
    if (existing && bytesEqual(existing, bytes)) return;
    mkdirSync(dirname(full), { recursive: true });
    const tmp = `${full}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fd = openSync(tmp, 'wx', mode);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      removeIfPresent(tmp);
      throw e;
    }
    closeSync(fd);
    try {
      renameSync(tmp, full);
    } catch (e) {
      removeIfPresent(tmp);
      throw e;
    }
  }

  readPlanet(): Uint8Array | undefined {
    return readIfPresent(join(this.home, 'planet'));
  }

  /** `moons.d/<16 hex>.moon` files (other names are ignored). */
  listMoons(): StoredObject[] {
    return this.listDir('moons.d', /^([0-9a-f]{16})\.moon$/);
  }

  /** `peers.d/<10 hex>.peer` files: the peer cache handed to the core at start. */
  listPeers(): StoredObject[] {
    return this.listDir('peers.d', /^([0-9a-f]{10})\.peer$/);
  }

  /** Delete peer cache files not written for `maxAgeMs` (ZeroTier: 30 days, checked hourly). */
  prunePeers(nowMs: number, maxAgeMs: number): number {
    let removed = 0;
    const dir = join(this.home, 'peers.d');
    for (const name of safeReaddir(dir)) {
      if (!/^[0-9a-f]{10}\.peer$/.test(name)) continue;
      const path = join(dir, name);
      try {
        if (nowMs - statSync(path).mtimeMs > maxAgeMs) {
          unlinkSync(path);
          removed++;
        }
      } catch {
        // Raced with another writer or already gone: nothing to prune.
      }
    }
    return removed;
  }

  /** Leftover temporary files from a crash mid-write (they never replaced anything). */
  removeStaleTemporaries(): void {
    for (const sub of ['', 'moons.d', 'peers.d']) {
      const dir = join(this.home, sub);
      for (const name of safeReaddir(dir)) {
        if (/\.tmp-\d+-[0-9a-f]{8}$/.test(name)) removeIfPresent(join(dir, name));
      }
    }
  }

  private listDir(sub: string, shape: RegExp): StoredObject[] {
    const dir = join(this.home, sub);
    const out: StoredObject[] = [];
    for (const name of safeReaddir(dir).sort()) {
      const m = shape.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      try {
        if (statSync(path).size > MAX_STATE_FILE_BYTES) continue;
        out.push({ id: m[1]!, data: new Uint8Array(readFileSync(path)) });
      } catch {
        // Vanished or unreadable between listing and reading: skip it like a missing file.
      }
    }
    return out;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readIfPresent(path: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
