/**
 * Real TAP devices through the native addon (root only, inside a throwaway network namespace,
 * driven by a child process): name, MAC, MTU, up; a frame written to the kernel and its reply
 * read back; the MTU limit on writes; OS multicast memberships; a second device for the same
 * network gets the next name; close removes the device. Argument checks of the addon run
 * everywhere it is built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { nativeCryptoAddon } from '../../src/native/load.js';
import { nativeTap } from '../../src/service/tap/native-tap.js';
import { tapDeviceName } from '../../src/service/tap/tap-name.js';

const addon = nativeTap();
const rootSkip =
  addon.reason ?? (process.getuid?.() !== 0 ? 'needs root (creates TAP devices in a network namespace)' : spawnSync('ip', ['-V']).status !== 0 ? '`ip` is not installed' : undefined);

test('native tap addon: wrong arguments throw TypeError, errors are -errno, stopReader is safe', { skip: addon.reason }, () => {
  const a = addon.addon!;
  assert.throws(() => a.openTap('' as string, true), TypeError);
  assert.throws(() => a.openTap('a-name-that-is-far-too-long', true), TypeError);
  assert.throws(() => (a.openTap as (...x: unknown[]) => number)('zt0', 'yes'), TypeError);
  assert.throws(() => a.setMac('zt0', new Uint8Array(5)), TypeError);
  assert.throws(() => a.writeFrame(-1, new Uint8Array(3), new Uint8Array(1), 1), TypeError);
  assert.ok(a.writeFrame(-1, new Uint8Array(14), new Uint8Array(1), 1) < 0, 'a bad fd is -EBADF');
  assert.equal(a.writeFrame(-1, new Uint8Array(14), new Uint8Array(1), 5), -22, 'a length past the payload is -EINVAL');
  assert.ok(a.setMtu('tznonexist0', 1500) < 0, 'no such device is -ENODEV');
  assert.throws(() => a.startReader(0, new Uint8Array(10), new Uint32Array(1), 64, () => {}), TypeError, 'no slot fits');
  assert.throws(() => a.stopReader({} as never), TypeError);
  const key = nativeCryptoAddon()?.createKey(new Uint8Array(32), new Uint8Array(32));
  if (key) assert.throws(() => a.stopReader(key as never), TypeError, 'a foreign external is refused');
});

const PROBE = `
import { execSync } from 'node:child_process';
const { LinuxTapFactory } = await import(process.argv[1]);
const out = {};
const nwid = 0x877b4c739939ef9fn;
const tapMac = 0x9ee31ad74bfb, peerMac = 0x02aabbccddee;
const frames = [];
const f = new LinuxTapFactory();
const tap = f.open({ nwid, mac: tapMac, mtu: 2800, onFrame: (src, dst, et, vlan, p) => frames.push({ src, dst, et, vlan, len: p.length, icmpType: et === 0x800 ? p[20] : -1 }) });
out.name = tap.name;
out.link = execSync('ip -d link show ' + tap.name).toString();
execSync('ip addr add 10.93.0.1/24 dev ' + tap.name + ' && ip neigh add 10.93.0.2 lladdr 02:aa:bb:cc:dd:ee dev ' + tap.name + ' nud permanent');
const ip = new Uint8Array(20 + 16);
ip.set([0x45, 0, 0, 36, 0, 0, 0, 0, 64, 1, 0, 0, 10, 93, 0, 2, 10, 93, 0, 1]);
let sum = 0; for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1]; while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16); sum = ~sum & 0xffff; ip[10] = sum >> 8; ip[11] = sum & 0xff;
const icmp = ip.subarray(20); icmp.set([8, 0, 0, 0, 0x12, 0x34, 0, 1]);
sum = 0; for (let i = 0; i < 16; i += 2) sum += (icmp[i] << 8) | icmp[i + 1]; while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16); sum = ~sum & 0xffff; icmp[2] = sum >> 8; icmp[3] = sum & 0xff;
out.wrote = tap.write(peerMac, tapMac, 0x0800, 0, ip);
await new Promise((r) => setTimeout(r, 300));
out.reply = frames.find((x) => x.et === 0x800 && x.icmpType === 0 && x.dst === peerMac && x.src === tapMac) ?? null;
out.mcast = tap.multicastMacs().map((m) => m.toString(16));
out.ips = tap.ipAddresses().map((a) => [...a].join('.'));
tap.setMtu(1400);
out.mtu1400 = execSync('ip link show ' + tap.name).toString().includes('mtu 1400');
out.tooLong = tap.write(peerMac, tapMac, 0x0800, 0, new Uint8Array(1401));
out.counters = { ...tap.counters };
const second = f.open({ nwid, mac: tapMac, mtu: 2800, onFrame: () => {} });
out.second = second.name;
second.close();
tap.close();
tap.close();
out.after = execSync('ip -br link').toString();
out.writeAfterClose = tap.write(peerMac, tapMac, 0x0800, 0, ip);
console.log(JSON.stringify(out));
`;

test('linux tap: a real device in a namespace: frames both ways, MAC, MTU, multicast, names, close', { skip: rootSkip }, () => {
  const ns = `tztap${process.pid}x${randomBytes(2).toString('hex')}`;
  assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0);
  try {
    const module = pathToFileURL(new URL('../../src/service/tap/linux-tap.js', import.meta.url).pathname).href;
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', PROBE, module], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.name, tapDeviceName(0x877b4c739939ef9fn));
    assert.match(out.link, /tun type tap/);
    assert.match(out.link, /<BROADCAST,MULTICAST,UP,LOWER_UP>/);
    assert.match(out.link, /mtu 2800/);
    assert.match(out.link, /link\/ether 9e:e3:1a:d7:4b:fb/);
    assert.equal(out.wrote, true);
    assert.ok(out.reply, 'the kernel answered the echo request through the TAP');
    assert.equal(out.reply.vlan, 0);
    assert.ok(out.mcast.includes('333300000001'), `IPv6 all-nodes among ${out.mcast}`);
    assert.ok(out.ips.includes('10.93.0.1'), `the device's addresses: ${out.ips}`);
    assert.equal(out.mtu1400, true);
    assert.equal(out.tooLong, false, 'a payload over the MTU is dropped');
    assert.equal(out.counters.dropsOut, 1);
    assert.ok(out.counters.framesIn >= 1 && out.counters.framesOut === 1);
    assert.equal(out.second, tapDeviceName(0x877b4c739939ef9fn, 1), 'a taken name moves to the next trial');
    assert.doesNotMatch(out.after, /zt6trhlhag|zt/, 'both devices are gone after close');
    assert.equal(out.writeAfterClose, false);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
});
