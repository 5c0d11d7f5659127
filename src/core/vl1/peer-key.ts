/**
 * The symmetric key shared with one peer (spec 3.6) and everything derived from it: the
 * Salsa20/Poly1305 key (a view of the agreed key), and for cipher suite 3 the subkeys K0, K1 (by
 * KBKDF) with either the JavaScript AES-GMAC-SIV contexts or an installed backend's state.
 *
 * Everything for suite 3 is made on first use, not with the key: a root or a busy node holds
 * many peers it only relays for or that speak suite 1, and each set of AES contexts costs
 * native (OpenSSL) memory and two HMAC-SHA384 derivations. With the native backend installed the
 * JavaScript contexts are never made at all.
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
  private k0: Uint8Array | undefined;
  private k1: Uint8Array | undefined;
  private aesContexts: AesGmacSiv | undefined;
  private backend: Suite3Backend | undefined;
  private backendKey: Suite3KeyHandle;

  constructor(key48: Uint8Array) {
    if (key48.length !== ZT_SYMMETRIC_KEY_SIZE) throw new RangeError(`peer key must be ${ZT_SYMMETRIC_KEY_SIZE} bytes`);
    this.key48 = key48.slice();
    this.salsaKey = this.key48.subarray(0, 32);
  }

  /** AES-GMAC-SIV under K0 = KBKDF(key48, '0')[0..31], K1 = KBKDF(key48, '1')[0..31]; made on first use. */
  get aes(): AesGmacSiv {
    if (!this.aesContexts) {
      this.deriveSubkeys();
      this.aesContexts = new AesGmacSiv(this.k0!, this.k1!);
    }
    return this.aesContexts;
  }

  /** True once suite-3 state (JavaScript contexts or a backend's handle) exists for this key. */
  get hasSuite3State(): boolean {
    return this.aesContexts !== undefined || this.backend !== undefined;
  }

  /** This key's state in `backend`, made on first use (and again if the backend changed). */
  suite3HandleFor(backend: Suite3Backend): Suite3KeyHandle {
    if (this.backend !== backend) {
      this.deriveSubkeys();
      this.backendKey = backend.createKey(this.k0!, this.k1!);
      this.backend = backend;
    }
    return this.backendKey;
  }

  private deriveSubkeys(): void {
    if (this.k0) return;
    this.k0 = kbkdfHmacSha384(this.key48, KBKDF_LABEL_AES_GMAC_SIV_K0).subarray(0, 32);
    this.k1 = kbkdfHmacSha384(this.key48, KBKDF_LABEL_AES_GMAC_SIV_K1).subarray(0, 32);
  }
}
