/**
 * The symmetric key shared with one peer (spec 3.6) and everything derived from it, computed
 * once per peer: the Salsa20/Poly1305 key and the AES-GMAC-SIV contexts (K0, K1 by KBKDF), plus,
 * when a suite-3 backend is installed, that backend's state for this key (made on first use).
 */
import { AesGmacSiv } from './aes-gmac-siv.js';
import type { Suite3Backend, Suite3KeyHandle } from './suite3-backend.js';
import { KBKDF_LABEL_AES_GMAC_SIV_K0, KBKDF_LABEL_AES_GMAC_SIV_K1, kbkdfHmacSha384 } from './hash.js';
import { ZT_SYMMETRIC_KEY_SIZE } from './constants.js';

export class PeerKey {
  /** The 48-byte agreed key. */
  readonly key48: Uint8Array;
  /** key48[0..31]: Salsa20/12 + Poly1305 suites and HELLO field encryption. */
  readonly salsaKey: Uint8Array;
  /** AES-GMAC-SIV under K0 = KBKDF(key48, '0')[0..31], K1 = KBKDF(key48, '1')[0..31]. */
  readonly aes: AesGmacSiv;
  private readonly k0: Uint8Array;
  private readonly k1: Uint8Array;
  private backend: Suite3Backend | undefined;
  private backendKey: Suite3KeyHandle;

  constructor(key48: Uint8Array) {
    if (key48.length !== ZT_SYMMETRIC_KEY_SIZE) throw new RangeError(`peer key must be ${ZT_SYMMETRIC_KEY_SIZE} bytes`);
    this.key48 = key48.slice();
    this.salsaKey = this.key48.subarray(0, 32);
    this.k0 = kbkdfHmacSha384(this.key48, KBKDF_LABEL_AES_GMAC_SIV_K0).subarray(0, 32);
    this.k1 = kbkdfHmacSha384(this.key48, KBKDF_LABEL_AES_GMAC_SIV_K1).subarray(0, 32);
    this.aes = new AesGmacSiv(this.k0, this.k1);
  }

  /** This key's state in `backend`, made on first use (and again if the backend changed). */
  suite3HandleFor(backend: Suite3Backend): Suite3KeyHandle {
    if (this.backend !== backend) {
      this.backendKey = backend.createKey(this.k0, this.k1);
      this.backend = backend;
    }
    return this.backendKey;
  }
}
