/**
 * The seam through which a faster implementation of cipher suite 3 (AES-GMAC-SIV packet armor,
 * spec 7.3) can replace the JavaScript one without the core importing it: whoever composes the
 * system (the service, a test, a benchmark) installs a backend once; armor() and dearmor() use
 * it for suite 3 when one is installed, and the JavaScript path otherwise.
 *
 * A backend must be byte-identical to the JavaScript path. Per-key state is created lazily by
 * PeerKey (see suite3HandleFor) and kept as long as the key, so installing, replacing or removing
 * a backend at any time is safe: handles made by an earlier backend are simply not used again.
 */

/** Opaque per-key state of a backend (K0 and K1 prepared for repeated use). */
export type Suite3KeyHandle = unknown;

export interface Suite3Backend {
  /** Short name for status reports, e.g. 'native (OpenSSL 3.0.19)'. */
  readonly name: string;
  /** Prepares the 32-byte keys K0 (GMAC) and K1 (tag block and CTR) of one peer. */
  createKey(k0: Uint8Array, k1: Uint8Array): Suite3KeyHandle;
  /**
   * Armors a whole packet (28..10,024 bytes, already checked) in place with suite 3: sets the
   * flags byte (cipher 3, 0x80 clear, fragmented flag and hops kept), encrypts the payload and
   * writes the tag to bytes 0..7 and 19..26. Returns false only if the backend itself failed.
   */
  armor(key: Suite3KeyHandle, packet: Uint8Array): boolean;
  /**
   * Authenticates and decrypts a suite-3 packet (28..10,024 bytes, already checked) in place.
   * Returns true if it is authentic; otherwise the packet is left as received.
   */
  dearmor(key: Suite3KeyHandle, packet: Uint8Array): boolean;
}

let current: Suite3Backend | undefined;

/** Installs (or, with undefined, removes) the suite-3 backend for the whole process. */
export function setSuite3Backend(backend: Suite3Backend | undefined): void {
  current = backend;
}

/** The installed backend, if any. */
export function suite3Backend(): Suite3Backend | undefined {
  return current;
}
