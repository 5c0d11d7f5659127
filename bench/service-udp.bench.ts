/**
 * UDP receive path of the service: how many datagrams of a burst survive, by socket receive
 * buffer size, when the receiver spends a little time per packet (as the core does), and the
 * raw receive rate of one dgram socket. A worker thread sends bursts of 1432-byte datagrams
 * (the default physical MTU) over loopback as fast as it can; the main thread receives through
 * the service's own UdpSockets.
 *
 * The kernel caps SO_RCVBUF at net.core.rmem_max (and reports twice the granted size); the
 * figures say what the service's default request (8 MiB) buys on this machine.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { UdpSockets } from '../src/service/udp-sockets.js';
import { fmt } from './timing.js';

const BURST = 20_000;
const SIZE = 1432;

function sysctl(name: string): string {
  try {
    return readFileSync(`/proc/sys/net/core/${name}`, 'utf8').trim();
  } catch {
    return '?';
  }
}

const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
const buf = Buffer.alloc(${SIZE}, 7);
s.bind(0, '127.0.0.1', () => {
  let i = 0;
  const blast = () => {
    // Synchronous-ish bursts: queue many sends per turn, yield so the socket drains.
    for (let k = 0; k < 256 && i < workerData.count; k++, i++) s.send(buf, workerData.port, '127.0.0.1');
    if (i < workerData.count) setImmediate(blast);
    else setTimeout(() => { s.close(); parentPort.postMessage('done'); }, 200);
  };
  blast();
});
`;

async function run(bufferBytes: number, workPerPacketUs: number): Promise<{ got: number; granted: number; seconds: number }> {
  let got = 0;
  let first = 0;
  let last = 0;
  const udp = new UdpSockets({
    onDatagram: () => {
      if (got === 0) first = performance.now();
      got++;
      last = performance.now();
      if (workPerPacketUs > 0) {
        const until = performance.now() + workPerPacketUs / 1000;
        while (performance.now() < until);
      }
    },
    log: { debug: () => {}, warn: (m) => console.error(m) },
    bufferBytes,
  });
  const [bound] = await udp.sync([{ ifname: 'lo', family: 4, ip: Uint8Array.of(127, 0, 0, 1), text: '127.0.0.1' }], [0]);
  const worker = new Worker(SENDER, { eval: true, workerData: { port: bound!.address.port, count: BURST } });
  await new Promise((r) => worker.once('message', r));
  await new Promise((r) => setTimeout(r, 300));
  await worker.terminate();
  await udp.close();
  return { got, granted: bound!.recvBufferBytes, seconds: (last - first) / 1000 };
}

console.log(`net.core.rmem_max=${sysctl('rmem_max')} rmem_default=${sysctl('rmem_default')}; bursts of ${BURST} x ${SIZE} B over loopback`);
for (const work of [0, 20]) {
  for (const bytes of [212_992, 1 << 20, 8 << 20]) {
    const r = await run(bytes, work);
    const rate = r.seconds > 0 ? r.got / r.seconds : 0;
    console.log(
      `  SO_RCVBUF asked ${fmt(bytes / 1024, 0).padStart(6)} KiB, granted ${fmt(r.granted / 1024, 0).padStart(6)} KiB, ` +
        `${String(work).padStart(2)} us/packet: received ${fmt((100 * r.got) / BURST)}% (${fmt(rate / 1000)} k datagrams/s)`,
    );
  }
}
