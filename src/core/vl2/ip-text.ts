/**
 * IP address text as the reference's C library reads and writes it (inet_pton / inet_ntop as
 * in glibc), for rule JSON and managed-address display. Parsers return undefined on anything
 * inet_pton would refuse; formatters never fail.
 */

/** Dotted quad. Like inet_pton: four decimal parts 0..255, no leading zeros, nothing else. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

/** RFC 4291 text: hex groups, at most one `::`, an optional trailing dotted quad. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return undefined;
  const head = dbl === -1 ? text : text.slice(0, dbl);
  const tail = dbl === -1 ? '' : text.slice(dbl + 2);
  const headWords = head === '' ? [] : head.split(':');
  const tailWords = tail === '' ? [] : tail.split(':');
  if (dbl === -1 && headWords.length === 0) return undefined;

  const words: number[] = [];
  const tailOut: number[] = [];
  const all = [...headWords.map((w) => ({ w, out: words })), ...tailWords.map((w) => ({ w, out: tailOut }))];
  for (let i = 0; i < all.length; i++) {
    const { w, out } = all[i];
    // A dotted quad may only end the text (not stand before a trailing `::`).
    const endsText = i === all.length - 1 && (dbl === -1 || tail !== '');
    if (endsText && w.includes('.')) {
      const v4 = parseIpv4(w);
      if (!v4) return undefined;
      out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(w)) {
      out.push(parseInt(w, 16));
    } else {
      return undefined;
    }
  }
  const total = words.length + tailOut.length;
  if (dbl === -1 ? total !== 8 : total > 7) return undefined;
  const full = [...words, ...new Array<number>(8 - total).fill(0), ...tailOut];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = full[i] >> 8;
    out[i * 2 + 1] = full[i] & 0xff;
  }
  return out;
}

export function formatIpv4(b: Uint8Array, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/**
 * glibc inet_ntop: the longest run (≥ 2) of zero groups becomes `::` (the first on a tie),
 * groups without leading zeros, and IPv4-compatible / IPv4-mapped addresses end in a quad.
 */
export function formatIpv6(b: Uint8Array, offset = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[offset + i * 2] << 8) | b[offset + i * 2 + 1]);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;

  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += formatIpv4(b, offset + 12);
      break;
    }
    s += w[i].toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ':';
  return s;
}

/** 4 bytes → dotted quad, 16 → IPv6 text. */
export function formatIp(b: Uint8Array): string {
  return b.length === 4 ? formatIpv4(b) : formatIpv6(b);
}
