/**
 * VL1 crypto throughput: the primitives (Salsa20/12, Poly1305, AES-GMAC-SIV) in MiB/s, and
 * armor+dearmor of whole packets per cipher suite at the default MTU (1,432 bytes) and at the
 * 2,800-byte MTU TierZero prefers, in packets/s and MB/s (MB = 10^6 bytes of packet, counted
 * once per armor+dearmor pair). Reference figures are ZeroTier One's own on this machine.
 */
import { randomBytes } from 'node:crypto';
import { Salsa20 } from '../src/core/vl1/salsa20.js';
import { poly1305Into } from '../src/core/vl1/poly1305.js';
import { AesGmacSiv } from '../src/core/vl1/aes-gmac-siv.js';
import { PeerKey } from '../src/core/vl1/peer-key.js';
import { armor, dearmor } from '../src/core/vl1/armor.js';
import type { ArmorCipherSuite } from '../src/core/vl1/armor.js';
import { fmt, median, opsPerSecond } from './timing.js';

const MIB = 1024 * 1024;
const RUNS = 3;
const MS = 300;

function rate(fn: () => void): number {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(opsPerSecond(fn, MS));
  return median(runs);
}

function mibps(bytes: number, fn: () => void): string {
  return `${fmt((rate(fn) * bytes) / MIB, 0)} MiB/s`;
}

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

// ---- primitives --------------------------------------------------------------------------------

const BIG = 65536;
const big = bytes(BIG);
const bigWords = new Uint32Array(big.buffer.slice(0));
const payload = bytes(1405); // the payload region of a 1,432-byte packet
const salsa = new Salsa20(bytes(32), bytes(8), 12);
const tag = new Uint8Array(16);
const polyKey = bytes(32);
const siv = new AesGmacSiv(bytes(32), bytes(32));
const iv8 = bytes(8);
const aad = bytes(11);
const bigCipher = new Uint8Array(BIG);
const smallCipher = new Uint8Array(payload.length);

console.log('primitive                              TierZero     (ZeroTier One 1.14.1 here)');
console.log(`Salsa20/12 crypt(), 64 KiB              ${mibps(BIG, () => salsa.crypt(big))}`);
console.log(`Salsa20/12 word XOR (armor path), 64 KiB ${mibps(BIG, () => {
  for (let w = 0; w < BIG / 4; w += 16) salsa.xorBlockIntoWords(bigWords, w);
})}   (1855 MiB/s)`);
console.log(`Poly1305, 64 KiB                       ${mibps(BIG, () => poly1305Into(polyKey, 0, big, 0, BIG, tag, 0))}   (2560 MiB/s)`);
console.log(`Poly1305, 1,405 bytes                  ${mibps(payload.length, () => poly1305Into(polyKey, 0, payload, 0, payload.length, tag, 0))}`);
console.log(`AES-GMAC-SIV encrypt, 64 KiB           ${mibps(BIG, () => siv.encryptInto(iv8, 0, aad, 0, big, 0, BIG, bigCipher, 0, tag, 0))}   (3745 MiB/s)`);
console.log(`AES-GMAC-SIV encrypt, 1,405 bytes      ${mibps(payload.length, () => siv.encryptInto(iv8, 0, aad, 0, payload, 0, payload.length, smallCipher, 0, tag, 0))}`);

// ---- armor + dearmor ----------------------------------------------------------------------------

const key = new PeerKey(bytes(48));
console.log('\narmor+dearmor             packets/s      MB/s   (armor alone MB/s, dearmor alone MB/s)');
for (const size of [1432, 2800]) {
  for (const suite of [0, 1, 3] as ArmorCipherSuite[]) {
    const packet = bytes(size);
    packet[18] = 0;
    const both = rate(() => {
      armor(packet, key, suite);
      if (dearmor(packet, key) !== undefined) throw new Error('dearmor failed');
    });
    const armorOnly = rate(() => armor(packet, key, suite));
    // Dearmor alone: restore the same armored bytes each time (the copy is a memcpy).
    const armored = packet.slice();
    armor(armored, key, suite);
    const dearmorOnly = rate(() => {
      packet.set(armored);
      if (dearmor(packet, key) !== undefined) throw new Error('dearmor failed');
    });
    const mb = (pps: number): string => fmt((pps * size) / 1e6, 0);
    console.log(
      `suite ${suite}, ${size} bytes      ${fmt(both, 0).padStart(9)}  ${mb(both).padStart(8)}   (${mb(armorOnly)}, ${mb(dearmorOnly)})`,
    );
  }
}
