/**
 * Fragmentation and reassembly rate: a 2,800-byte armored packet at MTU 1432 (3 datagrams),
 * split and put back together through a Reassembler, in packets per second.
 */
import { randomBytes } from 'node:crypto';
import { Reassembler, fragmentPacket, markFragmented } from '../src/core/vl1/fragment.js';
import { buildPacket, classifyDatagram } from '../src/core/vl1/packet.js';
import { writeU32 } from '../src/core/vl1/bytes.js';
import { fmt, median, opsPerSecond } from './timing.js';

const MTU = 1432;
const packet = buildPacket(new Uint8Array(randomBytes(8)), 0x0102030405, 0x0a0b0c0d0e, 6, new Uint8Array(randomBytes(2800 - 28)));
markFragmented(packet);
const reassembler = new Reassembler();
let counter = 0;
let now = 0;

function splitOnly(): void {
  fragmentPacket(packet, MTU);
}

function roundTrip(): void {
  // A fresh packet ID each time, as on the wire.
  writeU32(packet, 4, ++counter);
  const datagrams = fragmentPacket(packet, MTU);
  let whole: Uint8Array | undefined;
  for (const d of datagrams) {
    whole = classifyDatagram(d) === 'fragment' ? reassembler.addFragment(now, d, '192.0.2.1/9993') : reassembler.addHead(now, d, '192.0.2.1/9993');
  }
  if (whole === undefined || whole.length !== packet.length) throw new Error('reassembly failed');
  now += 0.001;
}

const split: number[] = [];
const both: number[] = [];
for (let r = 0; r < 5; r++) {
  split.push(opsPerSecond(splitOnly, 300));
  both.push(opsPerSecond(roundTrip, 300));
}
const pps = median(both);
console.log(`fragment only       ${fmt(median(split), 0)} packets/s`);
console.log(`fragment+reassemble ${fmt(pps, 0)} packets/s (${fmt((pps * packet.length * 8) / 1e9, 2)} Gbit/s of 2,800-byte packets)`);
