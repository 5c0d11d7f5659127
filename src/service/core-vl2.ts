/**
 * The part of the core's Vl2 that the service drives, as a structural type (like core-node.ts
 * for the Node): the composition root builds the real Vl2 through a CreateVl2 factory, tests
 * hand in a fake.
 */
import type { MAC } from '../core/vl2/mac.js';
import type { MulticastGroup } from '../core/vl2/multicast-group.js';
import type { LocalNetworkController, NetworkState, Vl2Host } from '../core/vl2/vl2-host.js';
import type { ConfigPushSink } from '../controller/vl2-link.js';
import type { CoreNode } from './core-node.js';

export type { NetworkState, Vl2Host, LocalNetworkController } from '../core/vl2/vl2-host.js';

/** Also the controller's push target: configs and revocations go out through Vl2. */
export interface CoreVl2 extends ConfigPushSink {
  join(now: number, nwid: bigint): void;
  leave(now: number, nwid: bigint): void;
  networks(): NetworkState[];
  network(nwid: bigint): NetworkState | undefined;
  processVirtualFrame(now: number, nwid: bigint, srcMac: MAC, dstMac: MAC, etherType: number, vlanId: number, payload: Uint8Array): void;
  multicastSubscribe(now: number, nwid: bigint, group: MulticastGroup): void;
  multicastUnsubscribe(now: number, nwid: bigint, group: MulticastGroup): void;
  setController(controller: LocalNetworkController | undefined): void;
  /** The network's port failed (or recovered): its status becomes PORT_ERROR. */
  setPortError(nwid: bigint, failed: boolean): void;
  /** Timers; the host calls it beside node.processBackgroundTasks. Returns the next deadline. */
  processBackgroundTasks(now: number): number;
}

export type CreateVl2 = (node: CoreNode, host: Vl2Host) => CoreVl2;
