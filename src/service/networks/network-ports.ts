/**
 * The service's side of VL2: one port (TAP device) per joined network, the Vl2Host the core
 * talks to, and the join/leave/settings operations behind the local API.
 *
 * - deliverFrame writes to the network's TAP; frames read from the TAP go to
 *   vl2.processVirtualFrame.
 * - networkChanged (a sink: the core forbids re-entry) only records the state and schedules the
 *   work: MAC and MTU on the device, managed addresses and routes (per the local settings),
 *   the config saved to networks.d/<nwid>.conf, then multicast subscriptions.
 * - Multicast subscriptions follow the device (OS multicast MACs + the address-resolution
 *   group of every address on it); they are re-scanned every 5 s and after address changes,
 *   and only differences go to the core.
 * - A network whose TAP cannot be created stays joined and reports PORT_ERROR with the reason
 *   logged.
 * - Stopping closes every TAP (the kernel removes their addresses and routes); memberships stay
 *   in networks.d for the next start. Leaving removes the device and both files.
 */
import type { MAC } from '../../core/vl2/mac.js';
import { macToString } from '../../core/vl2/mac.js';
import type { MulticastGroup } from '../../core/vl2/multicast-group.js';
import { ZT_DEFAULT_MTU } from '../../core/vl2/constants.js';
import { macFromAddress } from '../../core/vl2/mac.js';
import { networkIdToString } from '../../core/vl2/network-id.js';
import type { CoreVl2, NetworkState, Vl2Host } from '../core-vl2.js';
import { describeError } from '../fatal-error.js';
import type { ServiceLogger } from '../logger.js';
import { groupChanges, wantedGroups } from '../tap/multicast-subscriptions.js';
import { type TapDevice, type TapFactory } from '../tap/tap-device.js';
import type { IpCommandRunner } from './ip-command.js';
import { ManagedAddressing } from './managed-addressing.js';
import { planManagedAddresses, planManagedRoutes } from './managed-plan.js';
import { type NetworkSettings, type SettingName } from './network-settings.js';
import type { NetworksDir } from './networks-dir.js';

export interface NetworkPortsDeps {
  taps: TapFactory;
  ip: IpCommandRunner;
  dir: NetworksDir;
  log: ServiceLogger;
  clock: () => number;
  /** This node's address (for the MAC before the core reports one). */
  address: number;
  /** Run `fn` soon, outside the current call stack. */
  defer(fn: () => void): void;
  /** The core has new work (frames handed to it, subscriptions changed). */
  poke(): void;
}

/** What the API shows of one network. */
export interface NetworkView {
  nwid: bigint;
  mac: MAC;
  state: NetworkState | undefined;
  settings: NetworkSettings;
  portDeviceName: string;
  /** 0, or non-zero when the port could not be created. */
  portError: number;
}

interface Port {
  nwid: bigint;
  tap: TapDevice | undefined;
  portError: string | undefined;
  settings: NetworkSettings;
  managed: ManagedAddressing | undefined;
  state: NetworkState | undefined;
  subscribed: MulticastGroup[];
  applyQueued: boolean;
  frameErrors: number;
}

export const MULTICAST_SCAN_MS = 5_000;
export const MANAGED_RESYNC_MS = 30_000;

export class NetworkPorts implements Vl2Host {
  private readonly ports = new Map<bigint, Port>();
  private vl2: CoreVl2 | undefined;
  private closed = false;
  /** Frames for networks without a port (left, or PORT_ERROR). */
  framesWithoutPort = 0;

  constructor(private readonly deps: NetworkPortsDeps) {}

  attach(vl2: CoreVl2): void {
    this.vl2 = vl2;
  }

  get log(): ServiceLogger {
    return this.deps.log;
  }

  // ---- Vl2Host ----------------------------------------------------------------------------

  deliverFrame(nwid: bigint, srcMac: MAC, dstMac: MAC, etherType: number, vlanId: number, payload: Uint8Array): void {
    const tap = this.ports.get(nwid)?.tap;
    if (tap) tap.write(srcMac, dstMac, etherType, vlanId, payload);
    else this.framesWithoutPort++;
  }

  networkChanged(nwid: bigint, state: NetworkState): void {
    const port = this.ports.get(nwid);
    if (!port) return;
    const before = port.state;
    port.state = state;
    if (before?.status !== state.status) {
      this.log.info({ network: networkIdToString(nwid), status: state.status, revision: state.config?.revision ?? 0 }, `network ${networkIdToString(nwid)}: ${state.status}`);
    }
    this.queueApply(port);
  }

  // ---- Operations (API, start-up) ---------------------------------------------------------

  isJoined(nwid: bigint): boolean {
    return this.ports.has(nwid);
  }

  /** Joins (idempotent): port, files, core. Returns the view. */
  join(nwid: bigint): NetworkView {
    let port = this.ports.get(nwid);
    if (!port) {
      const { settings, problem } = this.deps.dir.readSettings(nwid);
      if (problem) this.log.error(problem);
      port = {
        nwid,
        tap: undefined,
        portError: undefined,
        settings,
        managed: undefined,
        state: undefined,
        subscribed: [],
        applyQueued: false,
        frameErrors: 0,
      };
      this.ports.set(nwid, port);
      this.openPort(port);
      this.deps.dir.markJoined(nwid);
      this.deps.dir.writeSettings(nwid, settings);
      this.vl2?.join(this.deps.clock(), nwid);
      if (port.portError) this.vl2?.setPortError(nwid, true);
      this.deps.poke();
      this.log.info(`joined network ${networkIdToString(nwid)}${port.tap ? ` on ${port.tap.name}` : ''}`);
      this.queueApply(port);
    }
    return this.view(port);
  }

  /** Leaves if joined; false if it was not. */
  leave(nwid: bigint): boolean {
    const port = this.ports.get(nwid);
    if (!port) return false;
    this.ports.delete(nwid);
    this.vl2?.leave(this.deps.clock(), nwid);
    this.deps.poke();
    this.closePort(port);
    this.deps.dir.forget(nwid);
    this.log.info(`left network ${networkIdToString(nwid)}`);
    return true;
  }

  /** Changes local settings, saves them, re-applies addresses and routes. */
  async updateSettings(nwid: bigint, changes: Partial<Record<SettingName, boolean>>): Promise<void> {
    const port = this.ports.get(nwid);
    if (!port) return;
    for (const [k, v] of Object.entries(changes) as [SettingName, boolean][]) port.settings[k] = v;
    this.deps.dir.writeSettings(nwid, port.settings);
    await this.applyManaged(port);
  }

  /** Rejoin what networks.d lists (service start). */
  restore(): void {
    const { networks, problems } = this.deps.dir.listJoined();
    for (const p of problems) this.log.error(p);
    for (const nwid of networks) {
      try {
        this.join(nwid);
      } catch (e) {
        this.log.error(`cannot rejoin network ${networkIdToString(nwid)}: ${describeError(e)}`);
      }
    }
  }

  view(portOrNwid: Port | bigint): NetworkView {
    const port = typeof portOrNwid === 'bigint' ? this.ports.get(portOrNwid) : portOrNwid;
    if (!port) throw new RangeError('not joined');
    const state = this.vl2?.network(port.nwid) ?? port.state;
    return {
      nwid: port.nwid,
      mac: state?.mac ?? macFromAddress(this.deps.address, port.nwid),
      state,
      settings: port.settings,
      portDeviceName: port.tap?.name ?? '',
      portError: port.portError ? -1 : 0,
    };
  }

  views(): NetworkView[] {
    return [...this.ports.values()].sort((a, b) => (a.nwid < b.nwid ? -1 : a.nwid > b.nwid ? 1 : 0)).map((p) => this.view(p));
  }

  /** The TAP of a network (tests, diagnostics). */
  tapOf(nwid: bigint): TapDevice | undefined {
    return this.ports.get(nwid)?.tap;
  }

  // ---- Periodic work ----------------------------------------------------------------------

  /** Re-scan multicast memberships of every port (every 5 s). */
  scanMulticast(): void {
    for (const port of this.ports.values()) this.syncMulticast(port);
  }

  /** Re-apply managed addresses and routes of every port (every 30 s; repairs manual damage). */
  async resyncManaged(): Promise<void> {
    await Promise.all([...this.ports.values()].map((p) => this.applyManaged(p)));
  }

  /** Closes every port (service stop); memberships stay on disk. */
  close(): void {
    this.closed = true;
    for (const port of this.ports.values()) this.closePort(port);
    this.ports.clear();
  }

  // ---- Internals --------------------------------------------------------------------------

  private openPort(port: Port): void {
    const nwid = port.nwid;
    const mac = this.vl2?.network(nwid)?.mac ?? macFromAddress(this.deps.address, nwid);
    try {
      const tap = this.deps.taps.open({
        nwid,
        mac,
        mtu: ZT_DEFAULT_MTU,
        onFrame: (src, dst, etherType, vlanId, payload) => this.onFrame(port, src, dst, etherType, vlanId, payload),
        onError: (message) => {
          port.tap = undefined;
          port.portError = message;
          port.managed?.forget();
          this.vl2?.setPortError(nwid, true);
          this.log.error(`network ${networkIdToString(nwid)}: ${message}`);
        },
      });
      port.tap = tap;
      port.managed = new ManagedAddressing(tap.name, this.deps.ip, (m) => this.log.warn(`network ${networkIdToString(nwid)}: ${m}`));
    } catch (e) {
      port.portError = describeError(e);
      this.log.error(`network ${networkIdToString(nwid)}: no port (PORT_ERROR): ${port.portError}`);
    }
  }

  private closePort(port: Port): void {
    port.tap?.close();
    port.tap = undefined;
    port.managed?.forget();
  }

  private onFrame(port: Port, src: MAC, dst: MAC, etherType: number, vlanId: number, payload: Uint8Array): void {
    const vl2 = this.vl2;
    if (!vl2) return;
    try {
      vl2.processVirtualFrame(this.deps.clock(), port.nwid, src, dst, etherType, vlanId, payload);
    } catch (e) {
      // The core must not throw on a frame; keep the port alive and make it visible once in a while.
      if (port.frameErrors++ % 1000 === 0) this.log.error({ err: e }, `core threw on a frame from ${port.tap?.name} (bug)`);
    }
    this.deps.poke();
  }

  private queueApply(port: Port): void {
    if (port.applyQueued || this.closed) return;
    port.applyQueued = true;
    this.deps.defer(() => {
      port.applyQueued = false;
      if (this.ports.get(port.nwid) !== port) return;
      this.applyState(port).catch((e) => this.log.error({ err: e }, `network ${networkIdToString(port.nwid)}: applying its config failed`));
    });
  }

  private async applyState(port: Port): Promise<void> {
    const state = port.state;
    const tap = port.tap;
    if (tap && state) {
      try {
        tap.setMac(state.mac);
        tap.setMtu(state.config?.mtu || ZT_DEFAULT_MTU);
      } catch (e) {
        this.log.warn(`network ${networkIdToString(port.nwid)}: ${describeError(e)}`);
      }
    }
    if (state?.config && state.status === 'OK') {
      try {
        this.deps.dir.saveConfig(port.nwid, state.config);
      } catch (e) {
        this.log.error(`network ${networkIdToString(port.nwid)}: cannot save its config: ${describeError(e)}`);
      }
    }
    await this.applyManaged(port);
  }

  private async applyManaged(port: Port): Promise<void> {
    const managed = port.managed;
    if (!managed) return;
    const config = port.state?.config;
    const addresses = planManagedAddresses(port.settings, config);
    const routes = planManagedRoutes(port.settings, config, addresses);
    await managed.sync({ addresses, routes });
    if (this.ports.get(port.nwid) === port) this.syncMulticast(port);
  }

  private syncMulticast(port: Port): void {
    const vl2 = this.vl2;
    const tap = port.tap;
    if (!vl2 || !tap) return;
    // The managed addresses we know of, plus whatever else is on the device (added by hand).
    const ips = [...(port.managed?.appliedAddresses().map((a) => a.ip) ?? []), ...tap.ipAddresses()];
    const wanted = wantedGroups(tap.multicastMacs(), ips);
    const { subscribe, unsubscribe } = groupChanges(port.subscribed, wanted);
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    const now = this.deps.clock();
    for (const g of unsubscribe) vl2.multicastUnsubscribe(now, port.nwid, g);
    for (const g of subscribe) vl2.multicastSubscribe(now, port.nwid, g);
    port.subscribed = wanted;
    this.log.debug({ network: networkIdToString(port.nwid), groups: wanted.map((g) => `${macToString(g.mac)}/${g.adi}`) }, 'multicast subscriptions');
    this.deps.poke();
  }
}
