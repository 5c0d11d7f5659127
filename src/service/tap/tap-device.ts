/**
 * The virtual Ethernet port of one joined network, as the service sees it: frames in and out,
 * MAC, MTU, up/down, the multicast MACs the OS wants. Two implementations: LinuxTap (a real
 * TAP device through the native addon) and FakeTap (memory only, for tests).
 *
 * Frame callbacks get a payload view into a buffer that is reused for the next frame: it is
 * valid only during the call (the VL2 core copies what it keeps).
 */
import type { MAC } from '../../core/vl2/mac.js';

/** A frame read from the port: Ethernet header split out, payload after the 14-byte header. */
export type FrameHandler = (srcMac: MAC, dstMac: MAC, etherType: number, vlanId: number, payload: Uint8Array) => void;

export interface TapCounters {
  framesIn: number;
  framesOut: number;
  /** Frames to the port dropped: longer than the MTU, or the kernel refused them. */
  dropsOut: number;
  /** Frames from the port that were shorter than an Ethernet header. */
  runtsIn: number;
  /** Read errors reported by the device (it is closed after one). */
  readErrors: number;
}

export interface TapDevice {
  readonly name: string;
  readonly counters: TapCounters;
  /** Frame to the OS. False if it was dropped (too long, device closed, kernel refused). */
  write(srcMac: MAC, dstMac: MAC, etherType: number, vlanId: number, payload: Uint8Array): boolean;
  setMac(mac: MAC): void;
  setMtu(mtu: number): void;
  setUp(up: boolean): void;
  /** Multicast MACs the OS has joined on this device (IPv6 all-nodes, solicited-node, IGMP...). */
  multicastMacs(): MAC[];
  /** IP addresses (4 or 16 bytes) on the device, managed or added by hand. */
  ipAddresses(): Uint8Array[];
  /** Stops reading and removes the device. Idempotent. */
  close(): void;
}

export interface TapOpenOptions {
  nwid: bigint;
  mac: MAC;
  mtu: number;
  onFrame: FrameHandler;
  /** The device reported an error and was closed. */
  onError?(message: string): void;
}

/** Makes ports; throws TapError when a device cannot be created. */
export interface TapFactory {
  open(options: TapOpenOptions): TapDevice;
  /** Why real devices are unavailable, or undefined. */
  readonly unavailableReason?: string;
}

export class TapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TapError';
  }
}

export const ETHERNET_HEADER_LENGTH = 14;

export function emptyTapCounters(): TapCounters {
  return { framesIn: 0, framesOut: 0, dropsOut: 0, runtsIn: 0, readErrors: 0 };
}
