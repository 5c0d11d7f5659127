/**
 * Loads the native TAP addon (native/tap.c, built with the crypto addon by `npm install`).
 * There is no JavaScript fallback for opening a TAP (the ioctls have no binding): without the
 * addon the service runs, joins networks and serves the API, but reports PORT_ERROR for them
 * and says why. Loading never throws.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Reader handle of the addon (an opaque external). */
export type NativeTapReader = { readonly __tapReader: unique symbol };

/** The addon's interface; every number result is >= 0 on success or -errno. */
export interface NativeTapAddon {
  openTap(name: string, nonBlocking: boolean): number;
  setMac(name: string, mac: Uint8Array): number;
  setMtu(name: string, mtu: number): number;
  setUp(name: string, up: boolean): number;
  /** writev of the first 14 bytes of header and payload[0..length). */
  writeFrame(fd: number, header: Uint8Array, payload: Uint8Array, length: number): number;
  /** Frames land in slots of `frames` (slotSize each), lengths in `lengths`; callback(count | -errno). */
  startReader(fd: number, frames: Uint8Array, lengths: Uint32Array, slotSize: number, callback: (countOrError: number) => void): NativeTapReader | number;
  stopReader(reader: NativeTapReader): number;
}

const ADDON_FILE = join('native', 'build', 'Release', 'tierzero_tap.node');

let loaded: { addon?: NativeTapAddon; reason?: string } | undefined;

function addonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return join(dir, ADDON_FILE);
    const up = dirname(dir);
    if (up === dir) return ADDON_FILE;
    dir = up;
  }
}

/** The addon, or why it is not available (once per process). */
export function nativeTap(): { addon?: NativeTapAddon; reason?: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { reason: 'TAP devices are implemented for Linux only' });
  const path = addonPath();
  if (!existsSync(path)) return (loaded = { reason: `the native TAP addon is not built (${path}); run npm install` });
  try {
    loaded = { addon: createRequire(import.meta.url)(path) as NativeTapAddon };
  } catch (e) {
    loaded = { reason: `the native TAP addon failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  return loaded;
}
