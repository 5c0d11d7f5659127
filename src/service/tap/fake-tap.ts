/**
 * An in-memory TapDevice/TapFactory for tests: frames written by the service are recorded,
 * frames "from the OS" are injected with `inject`, settings are kept as plain fields, and names
 * follow ZeroTier's scheme so tests see what a real host would.
 */
import type { MAC } from '../../core/vl2/mac.js';
import { chooseTapDeviceName } from './tap-name.js';
import {
  type FrameHandler,
  type TapCounters,
  type TapDevice,
  type TapFactory,
  type TapOpenOptions,
  TapError,
  emptyTapCounters,
} from './tap-device.js';

export interface WrittenFrame {
  srcMac: MAC;
  dstMac: MAC;
  etherType: number;
  vlanId: number;
  payload: Uint8Array;
}

export class FakeTap implements TapDevice {
  readonly counters: TapCounters = emptyTapCounters();
  readonly written: WrittenFrame[] = [];
  mac: MAC;
  mtu: number;
  up = false;
  closed = false;
  osMulticastMacs: MAC[] = [];
  /** Addresses "on the device" besides the managed ones the service tracks itself. */
  osIps: Uint8Array[] = [];
  private readonly onFrame: FrameHandler;

  constructor(
    readonly name: string,
    readonly nwid: bigint,
    options: TapOpenOptions,
    private readonly onClose: (tap: FakeTap) => void,
  ) {
    this.mac = options.mac;
    this.mtu = options.mtu;
    this.onFrame = options.onFrame;
    this.up = true;
  }

  write(srcMac: MAC, dstMac: MAC, etherType: number, vlanId: number, payload: Uint8Array): boolean {
    if (this.closed || payload.length > this.mtu) {
      this.counters.dropsOut++;
      return false;
    }
    this.counters.framesOut++;
    this.written.push({ srcMac, dstMac, etherType, vlanId, payload: payload.slice() });
    return true;
  }

  /** A frame from the OS (through the same handler a real device would call). */
  inject(srcMac: MAC, dstMac: MAC, etherType: number, payload: Uint8Array): void {
    if (this.closed) return;
    this.counters.framesIn++;
    this.onFrame(srcMac, dstMac, etherType, 0, payload.subarray(0, Math.min(payload.length, this.mtu)));
  }

  setMac(mac: MAC): void {
    this.mac = mac;
  }

  setMtu(mtu: number): void {
    this.mtu = mtu;
  }

  setUp(up: boolean): void {
    this.up = up;
  }

  multicastMacs(): MAC[] {
    return this.closed ? [] : [...this.osMulticastMacs];
  }

  ipAddresses(): Uint8Array[] {
    return this.closed ? [] : [...this.osIps];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.up = false;
    this.onClose(this);
  }
}

export class FakeTapFactory implements TapFactory {
  readonly open_: FakeTap[] = [];
  /** Everything ever opened, closed ones included. */
  readonly history: FakeTap[] = [];
  /** When set, open() fails with this message (to test PORT_ERROR handling). */
  failWith: string | undefined;

  open(options: TapOpenOptions): FakeTap {
    if (this.failWith !== undefined) throw new TapError(this.failWith);
    const name = chooseTapDeviceName(options.nwid, (n) => this.open_.some((t) => t.name === n));
    if (!name) throw new TapError('no free name');
    const tap = new FakeTap(name, options.nwid, options, (t) => this.open_.splice(this.open_.indexOf(t), 1));
    this.open_.push(tap);
    this.history.push(tap);
    return tap;
  }

  byNetwork(nwid: bigint): FakeTap | undefined {
    return this.open_.find((t) => t.nwid === nwid);
  }
}
