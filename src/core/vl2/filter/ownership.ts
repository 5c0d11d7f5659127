/**
 * A plain AddressOwnership over the "things" of certificates of ownership (spec §6.4): a thing
 * owns an address when its first 4 (IPv4), 16 (IPv6) or 6 (MAC) value bytes equal it. Lookups
 * are linear: a config holds at most 4 COOs of 16 things each.
 */
import { macFromBytes, type MAC } from '../mac.js';
import type { AddressOwnership } from './types.js';

export const COO_THING_MAC = 1;
export const COO_THING_IPV4 = 2;
export const COO_THING_IPV6 = 3;

export interface OwnershipThing {
  readonly type: number;
  /** The thing's value bytes (MAC: 6, IPv4: 4, IPv6: 16; longer is fine, extra bytes ignored). */
  readonly value: Uint8Array;
}

export class OwnershipTable implements AddressOwnership {
  private readonly ipv4: number[] = [];
  /** IPv6 things, 16 bytes each, back to back. */
  private readonly ipv6: Uint8Array;
  private readonly ipv6Count: number;
  private readonly macs: MAC[] = [];

  constructor(things: readonly OwnershipThing[]) {
    const v6: Uint8Array[] = [];
    for (const t of things) {
      const v = padded(t.value);
      if (t.type === COO_THING_IPV4) this.ipv4.push(((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0);
      else if (t.type === COO_THING_IPV6) v6.push(v);
      else if (t.type === COO_THING_MAC) this.macs.push(macFromBytes(v));
    }
    this.ipv6Count = v6.length;
    this.ipv6 = new Uint8Array(16 * v6.length);
    v6.forEach((v, i) => this.ipv6.set(v.subarray(0, 16), 16 * i));
  }

  ownsIp(bytes: Uint8Array, offset: number, length: 4 | 16): boolean {
    if (length === 4) {
      const ip = ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
      for (let i = 0; i < this.ipv4.length; i++) if (this.ipv4[i] === ip) return true;
      return false;
    }
    const table = this.ipv6;
    next: for (let i = 0; i < this.ipv6Count; i++) {
      const base = 16 * i;
      for (let j = 0; j < 16; j++) if (table[base + j] !== bytes[offset + j]) continue next;
      return true;
    }
    return false;
  }

  ownsMac(mac: MAC): boolean {
    for (let i = 0; i < this.macs.length; i++) if (this.macs[i] === mac) return true;
    return false;
  }
}

/** An ownership set that owns nothing. */
export const NO_OWNERSHIP: AddressOwnership = {
  ownsIp: () => false,
  ownsMac: () => false,
};

function padded(v: Uint8Array): Uint8Array {
  if (v.length >= 16) return v;
  const out = new Uint8Array(16);
  out.set(v);
  return out;
}
