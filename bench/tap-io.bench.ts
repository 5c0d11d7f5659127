/**
 * TAP frame I/O: the native reader (uv_poll on the event loop, batches of frames, one call into
 * JavaScript per batch) against fs.read on a blocking descriptor with a reused buffer (one libuv
 * thread-pool round trip per frame), and the native writev against fs.writeSync.
 *
 * Measured inside a throwaway network namespace (root only; skipped otherwise):
 *  - latency: an ICMP echo request written to the TAP, the kernel's reply read back (write +
 *    kernel + read), median and 99th percentile over sequential round trips;
 *  - read rate: a python3 process floods UDP through the TAP for 2 s; frames read per second;
 *  - write rate: 1,442-byte UDP frames written to the kernel per second.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { read, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, median, opsPerSecond } from './timing.js';
import { nativeTap, type NativeTapAddon } from '../src/service/tap/native-tap.js';

const SELF = fileURLToPath(import.meta.url);
const INNER = 'TZ_TAP_BENCH_INNER';

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

const TAP_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 1);
const PEER_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 2);

interface Tap {
  name: string;
  fd: number;
  local: number[];
  peer: number[];
}

function makeTap(addon: NativeTapAddon, name: string, net: number, blocking: boolean): Tap {
  const fd = addon.openTap(name, !blocking);
  if (fd < 0) throw new Error(`openTap ${name}: ${fd}`);
  addon.setMac(name, TAP_MAC);
  addon.setMtu(name, 2800);
  sh('sysctl', ['-qw', `net.ipv6.conf.${name}.disable_ipv6=1`]);
  addon.setUp(name, true);
  sh('ip', ['addr', 'add', `10.${net}.0.1/24`, 'dev', name]);
  sh('ip', ['neigh', 'add', `10.${net}.0.2`, 'lladdr', '02:00:00:00:00:02', 'dev', name, 'nud', 'permanent']);
  return { name, fd, local: [10, net, 0, 1], peer: [10, net, 0, 2] };
}

function checksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (b[off + i]! << 8) | (b[off + i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet header (14) + IPv4 (20) + `body`; returns [header, payload] as the writer wants them. */
function ipv4Frame(tap: Tap, proto: number, body: Uint8Array): { header: Uint8Array; payload: Uint8Array; whole: Uint8Array } {
  const whole = new Uint8Array(14 + 20 + body.length);
  whole.set(TAP_MAC, 0);
  whole.set(PEER_MAC, 6);
  whole[12] = 0x08;
  const ip = whole.subarray(14);
  ip[0] = 0x45;
  ip[2] = (20 + body.length) >> 8;
  ip[3] = (20 + body.length) & 0xff;
  ip[8] = 64;
  ip[9] = proto;
  ip.set(tap.peer, 12);
  ip.set(tap.local, 16);
  const c = checksum(ip, 0, 20);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  ip.set(body, 20);
  return { header: whole.subarray(0, 14), payload: whole.subarray(14), whole };
}

function echoRequest(tap: Tap, seq: number): ReturnType<typeof ipv4Frame> {
  const icmp = new Uint8Array(64);
  icmp[0] = 8;
  icmp[4] = 0x12;
  icmp[5] = 0x34;
  icmp[6] = seq >> 8;
  icmp[7] = seq & 0xff;
  const c = checksum(icmp, 0, icmp.length);
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  return ipv4Frame(tap, 1, icmp);
}

const isEchoReply = (f: Uint8Array, off: number, len: number) => len >= 42 && f[off + 12] === 0x08 && f[off + 23] === 1 && f[off + 34] === 0;
const isUdp = (f: Uint8Array, off: number, len: number) => len >= 42 && f[off + 12] === 0x08 && f[off + 23] === 17;

/** Reads through the native batched reader; `onFrame` sees each frame in place. */
function nativeReader(addon: NativeTapAddon, tap: Tap, onFrame: (f: Uint8Array, off: number, len: number) => void) {
  const SLOT = 10240;
  const BATCH = 32;
  const frames = new Uint8Array(SLOT * BATCH);
  const lengths = new Uint32Array(BATCH);
  let batches = 0;
  const handle = addon.startReader(tap.fd, frames, lengths, SLOT, (n) => {
    batches++;
    for (let i = 0; i < n; i++) onFrame(frames, i * SLOT, lengths[i]!);
  });
  if (typeof handle === 'number') throw new Error(`startReader: ${handle}`);
  return { stop: () => addon.stopReader(handle), batches: () => batches };
}

/** Reads with fs.read on a blocking fd, one frame per thread-pool round trip. */
function fsReader(tap: Tap, onFrame: (f: Uint8Array, off: number, len: number) => void) {
  const buf = new Uint8Array(10240);
  let stopped = false;
  const next = (): void => {
    read(tap.fd, buf, 0, buf.length, null, (err, n) => {
      if (stopped) return;
      if (!err) onFrame(buf, 0, n);
      next();
    });
  };
  next();
  // A blocked read cannot be cancelled; the process exits at the end of the benchmark.
  return { stop: () => void (stopped = true) };
}

async function latency(addon: NativeTapAddon, tap: Tap, mode: 'native' | 'fs.read', rounds: number): Promise<number[]> {
  let resolveReply: (() => void) | undefined;
  const onFrame = (f: Uint8Array, off: number, len: number) => {
    if (isEchoReply(f, off, len)) resolveReply?.();
  };
  const reader = mode === 'native' ? nativeReader(addon, tap, onFrame) : fsReader(tap, onFrame);
  const rtts: number[] = [];
  for (let seq = 0; seq < rounds; seq++) {
    const frame = echoRequest(tap, seq);
    const got = new Promise<void>((r) => (resolveReply = r));
    const t0 = process.hrtime.bigint();
    addon.writeFrame(tap.fd, frame.header, frame.payload, frame.payload.length);
    await got;
    rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  reader.stop();
  return rtts.slice(Math.floor(rounds / 10));
}

async function readRate(addon: NativeTapAddon, tap: Tap, mode: 'native' | 'fs.read'): Promise<{ read: number; sent: number; perBatch?: number }> {
  let frames = 0;
  const onFrame = (f: Uint8Array, off: number, len: number) => {
    if (isUdp(f, off, len)) frames++;
  };
  const reader = mode === 'native' ? nativeReader(addon, tap, onFrame) : fsReader(tap, onFrame);
  const flood = `import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
d=b'x'*1400; a=('${tap.peer.join('.')}',9); n=0; end=time.time()+2
while time.time()<end:
  for i in range(100): s.sendto(d,a)
  n+=100
print(n)`;
  const t0 = process.hrtime.bigint();
  const sent = await new Promise<number>((resolve) => {
    const p = spawn('python3', ['-c', flood], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.on('exit', () => resolve(Number(out.trim())));
  });
  await new Promise((r) => setTimeout(r, 100));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  reader.stop();
  const perBatch = 'batches' in reader ? frames / Math.max(1, (reader as ReturnType<typeof nativeReader>).batches()) : undefined;
  return { read: frames / seconds, sent: sent / 2, perBatch };
}

function report(label: string, rtts: number[]): void {
  const s = [...rtts].sort((a, b) => a - b);
  console.log(`${label}: median ${fmt(median(s))} µs, p99 ${fmt(s[Math.floor(s.length * 0.99)]!)} µs (${s.length} round trips)`);
}

async function inner(addon: NativeTapAddon): Promise<void> {
  sh('ip', ['link', 'set', 'lo', 'up']);
  const polled = makeTap(addon, 'tzb0', 91, false);
  const blocking = makeTap(addon, 'tzb1', 92, true);
  console.log('latency, echo request written to the TAP -> kernel reply read back:');
  report('  native reader (uv_poll, batched) ', await latency(addon, polled, 'native', 5000));
  report('  fs.read (thread pool, blocking fd)', await latency(addon, blocking, 'fs.read', 5000));

  console.log('read rate, a python3 UDP flood (1,400-byte payloads) through the TAP for 2 s:');
  const n = await readRate(addon, polled, 'native');
  console.log(`  native reader: ${fmt(n.read, 0)} frames/s read (sender ${fmt(n.sent, 0)}/s), ${fmt(n.perBatch ?? 0)} frames per wake-up`);
  const f = await readRate(addon, blocking, 'fs.read');
  console.log(`  fs.read:       ${fmt(f.read, 0)} frames/s read (sender ${fmt(f.sent, 0)}/s)`);

  console.log('write rate, 1,442-byte UDP frames to the kernel:');
  const udp = new Uint8Array(8 + 1400);
  udp[0] = 0x30;
  udp[2] = 0x00;
  udp[3] = 9;
  udp[4] = (8 + 1400) >> 8;
  udp[5] = (8 + 1400) & 0xff;
  const frame = ipv4Frame(polled, 17, udp);
  const w1 = opsPerSecond(() => addon.writeFrame(polled.fd, frame.header, frame.payload, frame.payload.length), 1500);
  const w2 = opsPerSecond(() => writeSync(polled.fd, frame.whole), 1500);
  console.log(`  native writev: ${fmt(w1, 0)} frames/s`);
  console.log(`  fs.writeSync:  ${fmt(w2, 0)} frames/s (needs the frame assembled in one buffer)`);
}

async function main(): Promise<void> {
  if (process.env[INNER]) {
    await inner(nativeTap().addon!);
    process.exit(0);
  }
  const why =
    process.platform !== 'linux' ? 'Linux only' : process.getuid?.() !== 0 ? 'needs root (TAP devices in a namespace)' : nativeTap().reason;
  if (why) {
    console.log(`skipped: ${why}`);
    process.exit(0);
  }
  const ns = `tzbench${process.pid}x${randomBytes(2).toString('hex')}`;
  sh('ip', ['netns', 'add', ns]);
  try {
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, SELF], { stdio: 'inherit', env: { ...process.env, [INNER]: '1' } });
    process.exitCode = r.status ?? 1;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}


await main();
