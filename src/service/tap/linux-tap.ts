/**
 * A real TAP device on Linux (service-api.md §8): a non-persistent IFF_TAP|IFF_NO_PI device
 * named as ZeroTier names it, MAC and MTU set, brought up with IFF_UP|IFF_MULTICAST, removed by
 * closing its descriptor (the kernel then drops its addresses and routes too).
 *
 * Frame path: the native reader polls the non-blocking descriptor on the event loop and hands
 * over batches of frames in fixed slots of one buffer (no allocation but the payload view);
 * writes are one writev of a reused 14-byte header and the payload. Frames from the OS longer
 * than MTU+14 are cut to MTU+14, frames to the OS longer than the MTU are dropped, as ZeroTier
 * does. VLAN ids are not used on Linux (0 in, ignored out).
 */
import { closeSync, existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { ZT_MAX_MTU } from '../../core/vl2/constants.js';
import { type MAC, macFromBytes, macToBytes, writeMac } from '../../core/vl2/mac.js';
import { parseIp } from '../ip-text.js';
import { parseDevMcast } from './multicast-subscriptions.js';
import { type NativeTapAddon, type NativeTapReader, nativeTap } from './native-tap.js';
import { chooseTapDeviceName } from './tap-name.js';
import {
  ETHERNET_HEADER_LENGTH,
  type FrameHandler,
  type TapCounters,
  type TapDevice,
  type TapFactory,
  type TapOpenOptions,
  TapError,
  emptyTapCounters,
} from './tap-device.js';

/** Room for the largest frame ZeroTier allows (MTU 10000) plus header and a VLAN tag. */
const SLOT_SIZE = 10240;
/** Frames read per event-loop wake-up at most (then UDP and timers get their turn). */
export const DEFAULT_READ_BATCH = 32;

export interface LinuxTapOptions {
  readBatch?: number;
  /** Legacy `devicemap` of the home directory (nwid -> name). */
  deviceMap?: Map<bigint, string>;
  /** Whether an interface name is taken (default: /sys/class/net/<name> exists). */
  nameTaken?: (name: string) => boolean;
}

function errnoText(code: number): string {
  try {
    return getSystemErrorName(code);
  } catch {
    return `errno ${-code}`;
  }
}

function hintFor(code: number): string {
  const name = errnoText(code);
  if (name === 'EPERM' || name === 'EACCES') return ' (creating TAP devices needs root or CAP_NET_ADMIN)';
  if (name === 'ENOENT' || name === 'ENODEV') return ' (/dev/net/tun is missing: load the tun module, or give a container --device /dev/net/tun)';
  if (name === 'EBUSY') return ' (a device of that name is in use by another process)';
  return '';
}

export class LinuxTapFactory implements TapFactory {
  readonly unavailableReason: string | undefined;
  private readonly addon: NativeTapAddon | undefined;

  constructor(private readonly options: LinuxTapOptions = {}) {
    const n = nativeTap();
    this.addon = n.addon;
    this.unavailableReason = n.reason;
  }

  open(o: TapOpenOptions): LinuxTap {
    const addon = this.addon;
    if (!addon) throw new TapError(this.unavailableReason ?? 'TAP devices are unavailable');
    const taken = this.options.nameTaken ?? ((name: string) => existsSync(`/sys/class/net/${name}`));
    const name = chooseTapDeviceName(o.nwid, taken, this.options.deviceMap);
    if (!name) throw new TapError(`no free TAP device name for network ${o.nwid.toString(16).padStart(16, '0')}`);
    const fd = addon.openTap(name, true);
    if (fd < 0) throw new TapError(`cannot create TAP device ${name}: ${errnoText(fd)}${hintFor(fd)}`);
    try {
      return new LinuxTap(addon, name, fd, o, this.options.readBatch ?? DEFAULT_READ_BATCH);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }
}

export class LinuxTap implements TapDevice {
  readonly counters: TapCounters = emptyTapCounters();
  private readonly header = new Uint8Array(ETHERNET_HEADER_LENGTH);
  private readonly frames: Uint8Array;
  private readonly lengths: Uint32Array;
  private readonly reader: NativeTapReader;
  private readonly onFrame: FrameHandler;
  private mtu: number;
  private closed = false;

  constructor(
    private readonly addon: NativeTapAddon,
    readonly name: string,
    private readonly fd: number,
    options: TapOpenOptions,
    batch: number,
  ) {
    this.onFrame = options.onFrame;
    this.mtu = options.mtu;
    this.check(addon.setMac(name, macToBytes(options.mac)), 'set the MAC address of');
    this.check(addon.setMtu(name, options.mtu), 'set the MTU of');
    this.check(addon.setUp(name, true), 'bring up');
    this.frames = new Uint8Array(SLOT_SIZE * batch);
    this.lengths = new Uint32Array(batch);
    const reader = addon.startReader(fd, this.frames, this.lengths, SLOT_SIZE, (n) => this.onBatch(n, options));
    if (typeof reader === 'number') throw new TapError(`cannot poll TAP device ${name}: ${errnoText(reader)}`);
    this.reader = reader;
  }

  private check(result: number, what: string): void {
    if (result < 0) throw new TapError(`cannot ${what} TAP device ${this.name}: ${errnoText(result)}${hintFor(result)}`);
  }

  private onBatch(count: number, options: TapOpenOptions): void {
    if (count < 0) {
      this.counters.readErrors++;
      const message = `TAP device ${this.name}: read failed: ${errnoText(count)}`;
      this.close();
      options.onError?.(message);
      return;
    }
    const frames = this.frames;
    const limit = this.mtu + ETHERNET_HEADER_LENGTH;
    for (let i = 0; i < count && !this.closed; i++) {
      const off = i * SLOT_SIZE;
      const len = Math.min(this.lengths[i]!, limit);
      if (len < ETHERNET_HEADER_LENGTH) {
        this.counters.runtsIn++;
        continue;
      }
      this.counters.framesIn++;
      const dst = macFromBytes(frames, off);
      const src = macFromBytes(frames, off + 6);
      const etherType = (frames[off + 12]! << 8) | frames[off + 13]!;
      this.onFrame(src, dst, etherType, 0, frames.subarray(off + ETHERNET_HEADER_LENGTH, off + len));
    }
  }

  write(srcMac: MAC, dstMac: MAC, etherType: number, _vlanId: number, payload: Uint8Array): boolean {
    if (this.closed || payload.length > this.mtu) {
      this.counters.dropsOut++;
      return false;
    }
    const h = this.header;
    writeMac(h, 0, dstMac);
    writeMac(h, 6, srcMac);
    h[12] = etherType >>> 8;
    h[13] = etherType & 0xff;
    const r = this.addon.writeFrame(this.fd, h, payload, payload.length);
    if (r < 0) {
      this.counters.dropsOut++;
      return false;
    }
    this.counters.framesOut++;
    return true;
  }

  setMac(mac: MAC): void {
    if (!this.closed) this.check(this.addon.setMac(this.name, macToBytes(mac)), 'set the MAC address of');
  }

  setMtu(mtu: number): void {
    if (this.closed || mtu === this.mtu) return;
    this.check(this.addon.setMtu(this.name, Math.min(mtu, ZT_MAX_MTU)), 'set the MTU of');
    this.mtu = mtu;
  }

  setUp(up: boolean): void {
    if (!this.closed) this.check(this.addon.setUp(this.name, up), up ? 'bring up' : 'bring down');
  }

  multicastMacs(): MAC[] {
    if (this.closed) return [];
    try {
      return parseDevMcast(readFileSync('/proc/net/dev_mcast', 'utf8'), this.name);
    } catch {
      return [];
    }
  }

  ipAddresses(): Uint8Array[] {
    if (this.closed) return [];
    const out: Uint8Array[] = [];
    for (const a of networkInterfaces()[this.name] ?? []) {
      const ip = parseIp(a.address);
      if (ip) out.push(ip.ip);
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.stopReader(this.reader);
    try {
      closeSync(this.fd);
    } catch {
      // Already gone: nothing left to release.
    }
  }
}
