/**
 * Loads TierZero's optional native crypto addon (native/, built by `npm install` through
 * node-gyp) and installs it as the core's suite-3 backend. The core never imports this: the
 * composition root calls loadNativeCrypto() once, and tests and benchmarks may too.
 *
 * Loading never throws and never logs: if the addon is missing, fails to load, is disabled
 * (TIERZERO_NATIVE_CRYPTO=0) or disagrees with the JavaScript implementation on a self-test
 * packet, the core keeps its JavaScript path and nativeCryptoStatus() says why.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { armor, dearmor } from '../core/vl1/armor.js';
import { PeerKey } from '../core/vl1/peer-key.js';
import { type Suite3Backend, setSuite3Backend, suite3Backend } from '../core/vl1/suite3-backend.js';

/** A key handle of the addon (an opaque external). */
export type NativeKey = { readonly __nativeKey: unique symbol };

/** The addon's own interface (native/aes_gmac_siv.c). */
export interface NativeCryptoAddon {
  /** Throws TypeError unless both are Uint8Arrays, RangeError unless both are 32 bytes. */
  createKey(k0: Uint8Array, k1: Uint8Array): NativeKey;
  /** Frees the key's contexts now; later calls with it return codes.KEY_DESTROYED. */
  destroyKey(key: NativeKey): void;
  /** Suite-3 armor in place (flags byte included); a code. Throws TypeError on wrong types. */
  armor(key: NativeKey, packet: Uint8Array): number;
  /** Suite-3 dearmor in place, the packet untouched unless codes.OK; a code. */
  dearmor(key: NativeKey, packet: Uint8Array): number;
  /** Bare AES-GMAC-SIV (any 11-byte AAD): encrypts data (0..9,997 bytes) in place, writes tag16. */
  seal(key: NativeKey, iv8: Uint8Array, aad11: Uint8Array, data: Uint8Array, tag16: Uint8Array): number;
  /** The inverse of seal: decrypts data in place only if it authenticates. */
  open(key: NativeKey, tag16: Uint8Array, aad11: Uint8Array, data: Uint8Array): number;
  readonly codes: {
    readonly OK: number;
    readonly BAD_MAC: number;
    readonly BAD_LENGTH: number;
    readonly BAD_SUITE: number;
    readonly KEY_DESTROYED: number;
    readonly CRYPTO_FAILURE: number;
  };
  /** The OpenSSL version the addon runs on (node's own). */
  readonly openssl: string;
}

export interface NativeCryptoStatus {
  /** True when the native addon is installed as the suite-3 backend. */
  active: boolean;
  /** One line for logs and status reports. */
  summary: string;
  /** Where the addon was looked for. */
  path: string;
  openssl?: string;
  /** Why the JavaScript implementation is in use. */
  reason?: string;
}

const ADDON_FILE = join('native', 'build', 'Release', 'tierzero_crypto.node');

let addon: NativeCryptoAddon | undefined;
let backend: Suite3Backend | undefined;
let status: NativeCryptoStatus | undefined;

/** The addon's path: native/build/Release under the package root (found from this file up). */
export function nativeAddonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return join(dir, ADDON_FILE);
    const up = dirname(dir);
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', ADDON_FILE);
    dir = up;
  }
}

/**
 * Loads the addon and checks it against the JavaScript implementation (once per process; later
 * calls return the first result). Does not install it: see loadNativeCrypto.
 */
export function nativeSuite3Backend(): Suite3Backend | undefined {
  if (status === undefined) status = tryLoad();
  return backend;
}

/** The raw addon, for tests and benchmarks of its own interface; undefined if not loadable. */
export function nativeCryptoAddon(): NativeCryptoAddon | undefined {
  nativeSuite3Backend();
  return addon;
}

/**
 * Installs the native suite-3 backend if it loads and passes its self-test, else leaves the
 * JavaScript path in place. Returns the status; never throws.
 */
export function loadNativeCrypto(): NativeCryptoStatus {
  const b = nativeSuite3Backend();
  if (b !== undefined) setSuite3Backend(b);
  return nativeCryptoStatus();
}

/** Whether native crypto is in use and, if not, why. */
export function nativeCryptoStatus(): NativeCryptoStatus {
  if (status === undefined) {
    return { active: false, summary: 'JavaScript AES-GMAC-SIV (native addon not loaded yet)', path: nativeAddonPath(), reason: 'not loaded yet' };
  }
  const active = backend !== undefined && suite3Backend() === backend;
  if (active) return { ...status, active };
  const reason = status.reason ?? 'native backend not installed';
  return { ...status, active, reason, summary: `JavaScript AES-GMAC-SIV (${reason})` };
}

function tryLoad(): NativeCryptoStatus {
  const path = nativeAddonPath();
  const js = (reason: string): NativeCryptoStatus => ({ active: false, summary: `JavaScript AES-GMAC-SIV (${reason})`, path, reason });
  if (process.env.TIERZERO_NATIVE_CRYPTO === '0') return js('disabled by TIERZERO_NATIVE_CRYPTO=0');
  if (!existsSync(path)) return js('native addon not built');
  let loaded: NativeCryptoAddon;
  try {
    loaded = createRequire(import.meta.url)(path) as NativeCryptoAddon;
  } catch (e) {
    return js(`native addon failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
  const candidate = backendOf(loaded);
  try {
    if (!agreesWithJavaScript(candidate)) return js('native addon disagrees with the JavaScript implementation');
  } catch (e) {
    return js(`native addon self-test failed: ${(e as Error).message}`);
  }
  addon = loaded;
  backend = candidate;
  return { active: false, summary: `native AES-GMAC-SIV (${loaded.openssl})`, path, openssl: loaded.openssl };
}

function backendOf(a: NativeCryptoAddon): Suite3Backend {
  const OK = a.codes.OK;
  return {
    name: `native (${a.openssl})`,
    createKey: (k0, k1) => a.createKey(k0, k1),
    armor: (key, packet) => a.armor(key as NativeKey, packet) === OK,
    dearmor: (key, packet) => a.dearmor(key as NativeKey, packet) === OK,
  };
}

/**
 * One packet armored both ways must match byte for byte, dearmor across, and fail when tampered:
 * a guard against an addon built against headers that do not match the running node.
 */
function agreesWithJavaScript(candidate: Suite3Backend): boolean {
  const previous = suite3Backend();
  setSuite3Backend(undefined);
  try {
    const key = new PeerKey(Uint8Array.from({ length: 48 }, (_, i) => (i * 29 + 7) & 0xff));
    const plain = Uint8Array.from({ length: 123 }, (_, i) => (i * 131 + 17) & 0xff);
    plain[18] = 0x40 | 0x02; // fragmented, 2 hops: both must be kept
    const viaJs = plain.slice();
    armor(viaJs, key, 3);
    const viaNative = plain.slice();
    if (!candidate.armor(key.suite3HandleFor(candidate), viaNative)) return false;
    if (!sameBytes(viaJs, viaNative)) return false;
    if (!candidate.dearmor(key.suite3HandleFor(candidate), viaNative)) return false;
    if (dearmor(viaJs, key) !== undefined || !sameBytes(viaJs, viaNative)) return false;
    armor(viaJs, key, 3);
    viaJs[viaJs.length - 1] ^= 1;
    return !candidate.dearmor(key.suite3HandleFor(candidate), viaJs);
  } finally {
    setSuite3Backend(previous);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
