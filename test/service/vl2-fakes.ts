/** A recording stand-in for the core's Vl2 and small builders, for the service's VL2 tests. */
import type { Address } from '../../src/core/vl1/address.js';
import type { InetAddress } from '../../src/core/vl1/inet-address.js';
import { parseInetAddress } from '../../src/core/vl1/inet-address.js';
import { macFromAddress, type MAC } from '../../src/core/vl2/mac.js';
import type { MulticastGroup } from '../../src/core/vl2/multicast-group.js';
import { compareMulticastGroups, multicastGroupKey } from '../../src/core/vl2/multicast-group.js';
import { emptyNetworkConfig, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import type { CoreVl2, LocalNetworkController, NetworkState, Vl2Host } from '../../src/service/core-vl2.js';

export function inet(text: string): InetAddress {
  const r = parseInetAddress(text.includes('/') ? text : `${text}/0`);
  if (!r.ok) throw new Error(`bad address ${text}`);
  return r.value;
}

export function sampleConfig(nwid: bigint, over: Partial<NetworkConfig> = {}): NetworkConfig {
  const c = emptyNetworkConfig();
  c.networkId = nwid;
  c.timestamp = 1700000000000;
  c.revision = 3;
  c.issuedTo = 0x0c234e38b7;
  c.name = 'sample';
  c.mtu = 2800;
  c.multicastLimit = 32;
  c.flags = 2n; // broadcast enabled
  return Object.assign(c, over);
}

export class FakeVl2 implements CoreVl2 {
  readonly states = new Map<bigint, NetworkState>();
  readonly calls: string[] = [];
  readonly frames: { nwid: bigint; src: MAC; dst: MAC; etherType: number; payload: number[] }[] = [];
  controller: LocalNetworkController | undefined;
  portErrors = new Map<bigint, boolean>();
  backgroundRuns = 0;

  constructor(
    readonly host: Vl2Host,
    readonly address: Address,
  ) {}

  join(_now: number, nwid: bigint): void {
    this.calls.push(`join ${nwid.toString(16)}`);
    if (this.states.has(nwid)) return;
    const state: NetworkState = {
      nwid,
      mac: macFromAddress(this.address, nwid),
      status: 'REQUESTING_CONFIGURATION',
      config: undefined,
      multicastSubscriptions: [],
      activeBridge: false,
      authentication: undefined,
    };
    this.states.set(nwid, state);
    this.host.networkChanged(nwid, state);
  }

  leave(_now: number, nwid: bigint): void {
    this.calls.push(`leave ${nwid.toString(16)}`);
    this.states.delete(nwid);
  }

  networks(): NetworkState[] {
    return [...this.states.values()];
  }

  network(nwid: bigint): NetworkState | undefined {
    return this.states.get(nwid);
  }

  /** What a controller's answer would do: status OK, the config in force, the host told. */
  configure(nwid: bigint, config: NetworkConfig | undefined, status: NetworkState['status'] = 'OK'): void {
    const s = this.states.get(nwid)!;
    s.status = status;
    s.config = config;
    this.host.networkChanged(nwid, { ...s });
  }

  processVirtualFrame(_now: number, nwid: bigint, src: MAC, dst: MAC, etherType: number, _vlanId: number, payload: Uint8Array): void {
    this.frames.push({ nwid, src, dst, etherType, payload: [...payload] });
  }

  multicastSubscribe(_now: number, nwid: bigint, group: MulticastGroup): void {
    const s = this.states.get(nwid);
    if (!s || s.multicastSubscriptions.some((g) => multicastGroupKey(g) === multicastGroupKey(group))) return;
    s.multicastSubscriptions = [...s.multicastSubscriptions, group].sort(compareMulticastGroups);
  }

  multicastUnsubscribe(_now: number, nwid: bigint, group: MulticastGroup): void {
    const s = this.states.get(nwid);
    if (s) s.multicastSubscriptions = s.multicastSubscriptions.filter((g) => multicastGroupKey(g) !== multicastGroupKey(group));
  }

  setController(controller: LocalNetworkController | undefined): void {
    this.controller = controller;
  }

  setPortError(nwid: bigint, failed: boolean): void {
    this.portErrors.set(nwid, failed);
    const s = this.states.get(nwid);
    if (s && failed) s.status = 'PORT_ERROR';
  }

  processBackgroundTasks(now: number): number {
    this.backgroundRuns++;
    return now + 1000;
  }

  pushConfig(): void {}

  revokeMember(): void {}
}
