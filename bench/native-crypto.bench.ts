/**
 * Suite-3 (AES-GMAC-SIV) packet armor, native addon against the JavaScript path, through the
 * core's armor()/dearmor() exactly as the switch calls them: packets/s and MB/s of armor+dearmor
 * pairs (MB = 10^6 bytes of packet, counted once per pair, as in crypto.bench) at the default
 * MTU (1,432) and TierZero's 2,800, plus armor alone and dearmor alone in MiB/s, the unit of
 * ZeroTier One's own figure on this machine (3,745 MiB/s for AES-GMAC-SIV encryption).
 */
import { randomBytes } from 'node:crypto';
import { PeerKey } from '../src/core/vl1/peer-key.js';
import { armor, dearmor } from '../src/core/vl1/armor.js';
import { setSuite3Backend } from '../src/core/vl1/suite3-backend.js';
import { nativeCryptoAddon, nativeCryptoStatus, nativeSuite3Backend } from '../src/native/load.js';
import { fmt, median, opsPerSecond } from './timing.js';

const MIB = 1024 * 1024;
const RUNS = 5;
const MS = 300;

function rate(fn: () => void): number {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(opsPerSecond(fn, MS));
  return median(runs);
}

const native = nativeSuite3Backend();
if (native === undefined) {
  console.log(`native addon unavailable (${nativeCryptoStatus().reason}): only the JavaScript path is measured`);
}
const backends = [
  { label: 'JavaScript', backend: undefined },
  ...(native ? [{ label: 'native', backend: native }] : []),
];

const key = new PeerKey(new Uint8Array(randomBytes(48)));
console.log('suite 3            path           pairs/s   pair MB/s   armor MiB/s   dearmor MiB/s');
for (const size of [1432, 2800]) {
  for (const { label, backend } of backends) {
    setSuite3Backend(backend);
    const packet = new Uint8Array(randomBytes(size));
    packet[18] = 0;
    const pairs = rate(() => {
      armor(packet, key, 3);
      if (dearmor(packet, key) !== undefined) throw new Error('dearmor failed');
    });
    const armorOnly = rate(() => armor(packet, key, 3));
    const armored = packet.slice();
    armor(armored, key, 3);
    // Dearmor alone restores the same armored bytes each time (a memcpy, included).
    const dearmorOnly = rate(() => {
      packet.set(armored);
      if (dearmor(packet, key) !== undefined) throw new Error('dearmor failed');
    });
    const mib = (ops: number): string => fmt((ops * size) / MIB, 0);
    console.log(
      `${String(size).padStart(5)} bytes        ${label.padEnd(11)} ${fmt(pairs, 0).padStart(10)}  ${fmt((pairs * size) / 1e6, 0).padStart(10)}  ${mib(armorOnly).padStart(12)}  ${mib(dearmorOnly).padStart(14)}`,
    );
  }
}
setSuite3Backend(undefined);

const addon = nativeCryptoAddon();
if (addon) {
  // The bare primitive on the largest payload a packet can carry: the closest to a bulk figure.
  const k = addon.createKey(new Uint8Array(randomBytes(32)), new Uint8Array(randomBytes(32)));
  const iv = new Uint8Array(8);
  const aad = new Uint8Array(11);
  const tag = new Uint8Array(16);
  const data = new Uint8Array(randomBytes(9997));
  const seal = rate(() => addon.seal(k, iv, aad, data, tag));
  console.log(`\nnative seal (AES-GMAC-SIV encrypt), 9,997 bytes: ${fmt((seal * data.length) / MIB, 0)} MiB/s   (ZeroTier One: 3,745 MiB/s)`);
}
