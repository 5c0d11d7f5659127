/**
 * LinuxTap's frame path against a stand-in addon (no kernel needed): batches split into frames,
 * runts counted, frames cut to MTU+14, the Ethernet header written from the arguments, writes
 * over the MTU dropped, a read error closes the port and reports it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync } from 'node:fs';
import fc from 'fast-check';
import type { NativeTapAddon, NativeTapReader } from '../../src/service/tap/native-tap.js';
import { LinuxTap } from '../../src/service/tap/linux-tap.js';

class StandInAddon implements NativeTapAddon {
  frames!: Uint8Array;
  lengths!: Uint32Array;
  slotSize = 0;
  callback!: (n: number) => void;
  writes: number[][] = [];
  stopped = 0;
  setCalls: string[] = [];
  openTap = () => 3;
  setMac = (_n: string, mac: Uint8Array) => (this.setCalls.push(`mac ${[...mac].join(':')}`), 0);
  setMtu = (_n: string, mtu: number) => (this.setCalls.push(`mtu ${mtu}`), 0);
  setUp = (_n: string, up: boolean) => (this.setCalls.push(`up ${up}`), 0);
  writeFrame = (_fd: number, header: Uint8Array, payload: Uint8Array, length: number) => {
    this.writes.push([...header.subarray(0, 14), ...payload.subarray(0, length)]);
    return 14 + length;
  };
  startReader = (_fd: number, frames: Uint8Array, lengths: Uint32Array, slotSize: number, callback: (n: number) => void) => {
    Object.assign(this, { frames, lengths, slotSize, callback });
    return {} as NativeTapReader;
  };
  stopReader = () => (this.stopped++, 0);

  /** The kernel "reads" these frames in one batch. */
  deliver(batch: Uint8Array[]): void {
    batch.forEach((f, i) => {
      this.frames.set(f.subarray(0, this.slotSize), i * this.slotSize);
      this.lengths[i] = f.length;
    });
    this.callback(batch.length);
  }
}

function frame(dst: number[], src: number[], etherType: number, payload: number[]): Uint8Array {
  return Uint8Array.from([...dst, ...src, etherType >> 8, etherType & 0xff, ...payload]);
}

function open(mtu = 1500) {
  const addon = new StandInAddon();
  const got: { src: number; dst: number; etherType: number; vlanId: number; payload: number[] }[] = [];
  const errors: string[] = [];
  const fd = openSync('/dev/null', 'r');
  const tap = new LinuxTap(
    addon,
    'zttest0',
    fd,
    {
      nwid: 1n,
      mac: 0x9ee31ad74bfb,
      mtu,
      onFrame: (src, dst, etherType, vlanId, payload) => got.push({ src, dst, etherType, vlanId, payload: [...payload] }),
      onError: (m) => errors.push(m),
    },
    4,
  );
  return { addon, tap, got, errors };
}

test('linux tap frames: MAC, MTU, up at open; batches split; runts counted; long frames cut to MTU+14', () => {
  const { addon, tap, got } = open(20);
  assert.deepEqual(addon.setCalls, ['mac 158:227:26:215:75:251', 'mtu 20', 'up true']);
  addon.deliver([
    frame([1, 2, 3, 4, 5, 6], [0x9e, 0xe3, 0x1a, 0xd7, 0x4b, 0xfb], 0x0806, [1, 2, 3]),
    Uint8Array.of(1, 2, 3),
    frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [2, 0, 0, 0, 0, 1], 0x88b5, Array.from({ length: 30 }, (_, i) => i)),
  ]);
  assert.deepEqual(got[0], { src: 0x9ee31ad74bfb, dst: 0x010203040506, etherType: 0x0806, vlanId: 0, payload: [1, 2, 3] });
  assert.equal(got[1]!.dst, 0xffffffffffff);
  assert.deepEqual(got[1]!.payload, Array.from({ length: 20 }, (_, i) => i), 'cut to the MTU');
  assert.equal(got.length, 2);
  assert.equal(tap.counters.runtsIn, 1);
  assert.equal(tap.counters.framesIn, 2);
});

test('linux tap frames: writes build the header; over the MTU is dropped', () => {
  const { addon, tap } = open(4);
  assert.equal(tap.write(0x020000000001, 0xffffffffffff, 0x0800, 7, Uint8Array.of(9, 8, 7, 6)), true);
  assert.deepEqual(addon.writes[0], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 9, 8, 7, 6]);
  assert.equal(tap.write(1, 2, 0x0800, 0, new Uint8Array(5)), false);
  assert.equal(tap.counters.dropsOut, 1);
  tap.setMtu(8);
  assert.equal(tap.write(1, 2, 0x0800, 0, new Uint8Array(5)), true);
  tap.close();
  tap.close();
  assert.equal(addon.stopped, 1);
  assert.equal(tap.write(1, 2, 0x0800, 0, new Uint8Array(1)), false, 'closed');
});

test('linux tap frames: a read error closes the port and reports it once', () => {
  const { addon, tap, errors } = open();
  addon.callback(-5);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^TAP device zttest0: read failed: EIO$/);
  assert.equal(addon.stopped, 1);
  assert.equal(tap.counters.readErrors, 1);
});

test('linux tap frames: any bytes from the device are handled without throwing (property)', () => {
  const { addon, tap, got } = open(64);
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 120 }), { minLength: 1, maxLength: 4 }), (batch) => {
      const before = got.length + tap.counters.runtsIn;
      addon.deliver(batch);
      assert.equal(got.length + tap.counters.runtsIn - before, batch.length);
      for (const g of got.slice(-batch.length)) assert.ok(g.payload.length <= 64);
    }),
    { numRuns: 300 },
  );
});
