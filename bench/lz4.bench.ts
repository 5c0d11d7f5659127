/**
 * LZ4 block codec throughput (MB/s of uncompressed data) on a 1,400-byte text-like payload
 * (what network configs and multicast payloads look like) and on incompressible random bytes.
 */
import { randomBytes } from 'node:crypto';
import { lz4CompressBlock, lz4DecompressBlock } from '../src/core/vl1/lz4.js';
import { fmt, median, opsPerSecond } from './timing.js';

function textLike(n: number): Uint8Array {
  const words = ['network', 'member', 'authorized', 'true', 'ipAssignment', '10.147.17.', 'route', 'via', 'null', 'rules', 'ACTION_ACCEPT', '"', ':', ',', '{', '}'];
  let s = '';
  for (let i = 0; s.length < n; i++) s += words[(i * 7 + (i >> 3)) % words.length] + (i % 5 === 0 ? String(i % 254) : '') + ' ';
  return new TextEncoder().encode(s.slice(0, n));
}

const inputs: [string, Uint8Array][] = [
  ['text 1400 B', textLike(1400)],
  ['random 1400 B', new Uint8Array(randomBytes(1400))],
];

for (const [name, data] of inputs) {
  const block = lz4CompressBlock(data);
  const check = lz4DecompressBlock(block, data.length);
  if (!check.ok || check.value.length !== data.length) throw new Error('round trip failed');
  const runs = 5;
  const comp: number[] = [];
  const decomp: number[] = [];
  for (let r = 0; r < runs; r++) {
    comp.push((opsPerSecond(() => lz4CompressBlock(data), 300) * data.length) / 1e6);
    decomp.push((opsPerSecond(() => lz4DecompressBlock(block, 10000), 300) * data.length) / 1e6);
  }
  console.log(
    `${name.padEnd(14)} ratio ${fmt(block.length / data.length, 3)}  compress ${fmt(median(comp))} MB/s  decompress ${fmt(median(decomp))} MB/s`,
  );
}
