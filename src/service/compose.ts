/**
 * The composition root of the node service: the one place that builds the clock, randomness,
 * logger, state store, UDP sockets and the core Node, wires them together and owns their
 * lifetime. Everything below it receives what it needs; nothing reaches back up.
 *
 * Start-up order (fail fast, before anything is bound): home directory, local.conf, identity,
 * auth token, planet and moons, root check (root mode), ports, core (+ VL2 and the embedded
 * controller), sockets, the local API on TCP at the primary port (loopback), then the networks
 * of networks.d are rejoined. Every failure a user can fix is a FatalError with a message and
 * an exit code.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { addressToString } from '../core/vl1/address.js';
import { ZT_DEFAULT_PORT } from '../core/vl1/constants.js';
import type { Identity } from '../core/vl1/identity.js';
import { IpScope, inetAddressToString, ipScope } from '../core/vl1/inet-address.js';
import { type World } from '../core/vl1/world.js';
import { controllerApi } from '../controller/api/controller-api.js';
import { LEGACY_CONTROLLER_DB_FILE, controllerStoreExists, migrateLegacyControllerDb } from '../controller/store/open-store.js';
import type { ControllerStore } from '../controller/store/store.js';
import { loadNativeCrypto } from '../native/load.js';
import type { ApiContext } from './api/api-context.js';
import { loadOrCreateAuthToken, loadOrCreateMetricsToken } from './api/auth-token.js';
import { BadRequest } from './api/json-reply.js';
import { LocalApiServer, buildLocalApi } from './api/local-api.js';
import { EmbeddedController } from './embedded-controller.js';
import { ServiceMetrics } from './metrics.js';
import type { CoreVl2, CreateVl2 } from './core-vl2.js';
import { BackgroundTimer, type Timers, realTimers } from './background-timer.js';
import { type LocalInterfaceAddress, flattenInterfaces, selectBindAddresses, wildcardAddresses } from './bind-plan.js';
import type { CoreNode, CoreNodeOptions, CreateNode } from './core-node.js';
import { FatalError, describeError } from './fatal-error.js';
import { ensureHomeDir } from './home-dir.js';
import { loadOrCreateIdentity } from './identity-files.js';
import { type LocalConf, defaultLocalConf, parseLocalConf } from './local-conf.js';
import { type ServiceLogger, createLogger } from './logger.js';
import { type PortProbe, chooseRandomPort, choosePrimaryPort, probeUdpPort } from './ports.js';
import { type IpCommandRunner, iproute2 } from './networks/ip-command.js';
import { MULTICAST_SCAN_MS, NetworkPorts } from './networks/network-ports.js';
import { NetworksDir } from './networks/networks-dir.js';
import { ServiceHost, pathPolicyOf } from './service-host.js';
import { LinuxTapFactory } from './tap/linux-tap.js';
import { parseDeviceMap } from './tap/tap-name.js';
import type { TapFactory } from './tap/tap-device.js';
import { StateStore } from './state-store.js';
import { takeSnapshot } from './status-snapshot.js';
import { type BoundSocket, UdpSockets } from './udp-sockets.js';
import { loadMoons, loadPlanet, worldsListing } from './worlds.js';

export type ServiceMode = 'service' | 'root';

export interface ServiceOptions {
  home: string;
  mode: ServiceMode;
  /** `-p`; local.conf's settings.primaryPort wins over it, as in ZeroTier. */
  port?: number;
  verbose?: boolean;
  /** Write a JSON snapshot of the node here every second (debug/test aid). */
  statusFile?: string;
  /** Send a small USER_MESSAGE to each of these addresses twice a second (diagnostic aid). */
  pingPeers?: number[];
}

/** Everything from the outside world the service uses; tests replace parts of it. */
export interface ServiceDeps {
  createNode: CreateNode;
  logger: ServiceLogger;
  clock: () => number;
  randomU32: () => number;
  interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  probePort: PortProbe;
  timers: Timers;
  generateIdentity?: () => Identity;
  /** SO_RCVBUF/SO_SNDBUF to request per socket. */
  socketBufferBytes?: number;
  /** The VL2 layer; without it the service is VL1 only (networks can be joined but get no config). */
  createVl2?: CreateVl2;
  /** Network ports (default: real Linux TAP devices). */
  taps?: TapFactory;
  /** Runs `ip` for managed addresses and routes (default: iproute2). */
  ip?: IpCommandRunner;
  /**
   * Opens the embedded controller's store (`controller.sqlite`), at start if it exists, else on
   * the first controller API call; undefined = no controller.
   */
  openControllerStore?: (home: string) => ControllerStore;
}

/** The production dependencies (the core is loaded here, not at module load, for test fakes). */
export async function productionDeps(verbose: boolean): Promise<ServiceDeps> {
  const { Node } = await import('../core/node.js');
  const { Vl2 } = await import('../core/vl2/vl2.js');
  const { openControllerStore } = await import('../controller/store/open-store.js');
  return {
    // Vl2's constructor attaches it to the Node as the Node's VL2 handler.
    createVl2: (node, host) => new Vl2(node as unknown as InstanceType<typeof Node>, host),
    openControllerStore: (home) => openControllerStore(home),
    createNode: (host, options, now) => new Node(host, options as never, now) as unknown as CoreNode,
    logger: createLogger(verbose),
    clock: Date.now,
    randomU32: () => randomBytes(4).readUInt32BE(0),
    interfaces: networkInterfaces,
    probePort: probeUdpPort,
    timers: realTimers,
  };
}

/** Periods of the service's own housekeeping (ZeroTier One's main-loop values). */
export const INTERFACE_REFRESH_MS = 30_000;
export const LOCAL_CONF_CHECK_MS = 10_000;
export const PEER_PRUNE_CHECK_MS = 3_600_000;
export const PEER_FILE_MAX_AGE_MS = 30 * 24 * 3_600_000;
export const SECONDARY_PORT_REPICK_OFFLINE_MS = 120_000;
export const STATUS_FILE_PERIOD_MS = 1_000;
export const PING_PEER_PERIOD_MS = 500;
/** USER_MESSAGE type id of --ping-peer messages ("tzping"). */
export const PING_USER_MESSAGE_TYPE = 0x747a70696e67n;
export const PORT_FILE = 'zerotier-one.port';

/** The service's parts beyond VL1 (all optional so VL1-only tests stay small). */
export interface ServiceParts {
  vl2?: CoreVl2;
  networks: NetworkPorts;
  api?: LocalApiServer;
  controller?: EmbeddedController;
  authToken: string;
  metricsToken: string;
  metrics?: ServiceMetrics;
  rawLocalConf: Record<string, unknown>;
}

export class RunningService {
  readonly ports: { primary: number; secondary: number };
  private readonly timer: BackgroundTimer;
  private readonly intervals: unknown[] = [];
  private stopping: Promise<void> | undefined;
  private exitCode = 0;
  private resolveDone!: (code: number) => void;
  /** Resolves with the process exit code once the service has stopped. */
  readonly done = new Promise<number>((r) => (this.resolveDone = r));
  private lastOnlineAt: number;
  private localConfMtime = 0;
  packetsIn = 0;
  coreErrors = 0;

  constructor(
    readonly options: ServiceOptions,
    readonly deps: ServiceDeps,
    readonly identity: Identity,
    readonly node: CoreNode,
    readonly host: ServiceHost,
    readonly udp: UdpSockets,
    readonly store: StateStore,
    private conf: LocalConf,
    ports: { primary: number; secondary: number },
    readonly parts: ServiceParts,
  ) {
    this.ports = { ...ports };
    this.lastOnlineAt = deps.clock();
    this.timer = new BackgroundTimer((now) => this.runBackgroundTasks(now), deps.clock, deps.timers);
  }

  /** The core, VL2 (the Node does not drive it) and the controller's queued work. */
  private runBackgroundTasks(now: number): number {
    let next = this.node.processBackgroundTasks(now);
    if (this.parts.vl2) next = Math.min(next, this.parts.vl2.processBackgroundTasks(now));
    const controller = this.parts.controller;
    if (controller) next = Math.min(next, controller.processBackgroundTasks(now));
    return next;
  }

  /** New work for the core (frames, joins, subscriptions): run its tasks soon. */
  poke(): void {
    this.timer.poke();
  }

  get networks(): NetworkPorts {
    return this.parts.networks;
  }

  /** `config` of GET /status: local.conf as loaded, settings augmented with effective values. */
  statusConfig(): Record<string, unknown> {
    const raw = this.parts.rawLocalConf;
    const rawSettings = raw.settings && typeof raw.settings === 'object' && !Array.isArray(raw.settings) ? (raw.settings as Record<string, unknown>) : {};
    const s = this.conf.settings;
    return {
      ...raw,
      settings: {
        ...rawSettings,
        allowTcpFallbackRelay: s.allowTcpFallbackRelay,
        forceTcpRelay: s.forceTcpRelay,
        homeDir: this.store.home,
        listeningOn: this.udp.list().map((b) => inetAddressToString(b.address)),
        portMappingEnabled: false,
        primaryPort: this.ports.primary & 0xffff,
        secondaryPort: this.ports.secondary & 0xffff,
        tertiaryPort: 0,
        softwareUpdate: typeof rawSettings.softwareUpdate === 'string' ? rawSettings.softwareUpdate : 'disable',
        softwareUpdateChannel: typeof rawSettings.softwareUpdateChannel === 'string' ? rawSettings.softwareUpdateChannel : 'release',
        surfaceAddresses: [],
      },
    };
  }

  get log(): ServiceLogger {
    return this.deps.logger;
  }

  get sockets(): BoundSocket[] {
    return this.udp.list();
  }

  /** A datagram from a bound socket: into the core, then let the timer see new work. */
  onDatagram(localSocket: number, from: Parameters<CoreNode['processWirePacket']>[2], data: Uint8Array): void {
    this.packetsIn++;
    try {
      this.node.processWirePacket(this.deps.clock(), localSocket, from, data);
    } catch (e) {
      // The core must not throw on any input; if it does, keep serving and make it visible.
      this.coreErrors++;
      this.log.error({ err: e, from: inetAddressToString(from) }, 'core threw on a received packet (bug)');
    }
    this.timer.poke();
  }

  async begin(): Promise<void> {
    this.localConfMtime = mtimeOf(join(this.store.home, 'local.conf'));
    this.informCore();
    this.timer.start();
    const every = (ms: number, fn: () => void | Promise<void>) => {
      const h = setInterval(() => {
        Promise.resolve()
          .then(fn)
          .catch((e) => this.log.error({ err: e }, 'housekeeping failed'));
      }, ms);
      h.unref?.();
      this.intervals.push(h);
    };
    every(INTERFACE_REFRESH_MS, () => this.refreshInterfaces());
    every(MULTICAST_SCAN_MS, () => this.networks.scanMulticast());
    every(LOCAL_CONF_CHECK_MS, () => this.reloadLocalConfIfChanged());
    every(PEER_PRUNE_CHECK_MS, () => {
      const n = this.store.prunePeers(this.deps.clock(), PEER_FILE_MAX_AGE_MS);
      if (n) this.log.debug(`pruned ${n} peer cache files older than 30 days`);
    });
    const pingPeers = this.options.pingPeers ?? [];
    if (pingPeers.length > 0) {
      let seq = 0;
      every(PING_PEER_PERIOD_MS, () => {
        const data = new TextEncoder().encode(`ping ${seq++}`);
        for (const peer of pingPeers) this.node.sendUserMessage(this.deps.clock(), peer, PING_USER_MESSAGE_TYPE, data);
        this.timer.poke();
      });
    }
    if (this.options.statusFile) {
      this.writeStatusFile();
      every(STATUS_FILE_PERIOD_MS, () => this.writeStatusFile());
    }
  }

  /** Re-enumerate interfaces, rebind, tell the core. Also re-picks a stale secondary port. */
  async refreshInterfaces(): Promise<void> {
    if (this.stopping) return;
    const now = this.deps.clock();
    if (this.node.status(now).online) this.lastOnlineAt = now;
    const s = this.conf.settings;
    if (s.allowSecondaryPort && s.secondaryPort === 0 && now - this.lastOnlineAt > SECONDARY_PORT_REPICK_OFFLINE_MS) {
      const port = await chooseRandomPort(this.deps.probePort, this.deps.randomU32, [this.ports.primary, this.ports.secondary]);
      if (port) {
        this.log.info(`offline for over ${SECONDARY_PORT_REPICK_OFFLINE_MS / 1000} s: new secondary port ${port}`);
        this.ports.secondary = port;
        this.lastOnlineAt = now;
      }
    }
    await this.udp.sync(planBindAddresses(this.deps.interfaces(), this.conf), portList(this.ports));
    this.informCore();
    await this.networks.resyncManaged();
  }

  private informCore(): void {
    const addrs = this.udp
      .list()
      .filter((b) => ipScope(b.address) !== IpScope.NONE)
      .map((b) => ({ localSocket: b.id, address: b.address }));
    this.node.setLocalAddresses(addrs);
  }

  private reloadLocalConfIfChanged(): void {
    const path = join(this.store.home, 'local.conf');
    const mtime = mtimeOf(path);
    if (mtime === this.localConfMtime) return;
    this.localConfMtime = mtime;
    const next = readLocalConf(path);
    if (!next.ok) {
      this.log.error(`${next.message}; keeping the previous settings`);
      return;
    }
    this.applyLocalConf(next.conf, next.raw);
    this.log.info('local.conf reloaded (port and trusted path changes need a restart)');
  }

  private applyLocalConf(conf: LocalConf, raw: Record<string, unknown>): void {
    for (const note of conf.notes) this.log.warn(note);
    this.conf = conf;
    this.parts.rawLocalConf = raw;
    this.host.policy = pathPolicyOf(conf);
    this.parts.api?.setWildcard(conf.settings.allowManagementFrom.length > 0).catch((e) => this.log.error(`local API listeners: ${describeError(e)}`));
    void this.refreshInterfaces();
  }

  /** The settings that decide who may use the local API (read on every request). */
  get managementAccess(): { allowFrom: LocalConf['settings']['allowManagementFrom']; tokenInQuery: boolean } {
    return { allowFrom: this.conf.settings.allowManagementFrom, tokenInQuery: this.conf.settings.allowAuthTokenInQueryString };
  }

  /**
   * POST /config/settings: each key of `patch` replaces `settings.<key>`; the result must be a
   * valid local.conf (else BadRequest naming the field, nothing written). Written with 4-space
   * indentation and sorted keys as ZeroTier writes it, then applied at once.
   */
  async updateSettings(patch: Record<string, unknown>): Promise<void> {
    const raw = this.parts.rawLocalConf;
    const settings = raw.settings && typeof raw.settings === 'object' && !Array.isArray(raw.settings) ? (raw.settings as Record<string, unknown>) : {};
    const next = { ...raw, settings: { ...settings, ...patch } };
    const text = JSON.stringify(sortKeysDeep(next), null, 4);
    const parsed = parseLocalConf(text);
    if (!parsed.ok) throw new BadRequest(parsed.error.field || 'body', parsed.error.message);
    this.store.writeAtomic('local.conf', text);
    this.localConfMtime = mtimeOf(join(this.store.home, 'local.conf'));
    this.applyLocalConf(parsed.value, next);
  }

  writeStatusFile(): void {
    if (!this.options.statusFile) return;
    try {
      const snap = takeSnapshot(this.node, this.udp.list(), this.host.userMessagesFrom, this.deps.clock());
      this.store.writeAtomic(this.options.statusFile, JSON.stringify(snap, null, 1) + '\n');
    } catch (e) {
      this.log.warn(`cannot write status file ${this.options.statusFile}: ${describeError(e)}`);
    }
  }

  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  /** Stop cleanly: timers, a last status snapshot, sockets. Idempotent. */
  stop(exitCode = 0): Promise<void> {
    if (!this.stopping) {
      this.exitCode = exitCode;
      this.stopping = (async () => {
        this.timer.stop();
        for (const h of this.intervals) clearInterval(h as NodeJS.Timeout);
        await this.parts.api?.close().catch((e) => this.log.error({ err: e }, 'closing the local API failed'));
        this.networks.close();
        try {
          await this.parts.controller?.close();
        } catch (e) {
          this.log.error({ err: e }, 'closing the controller store failed');
        }
        const shutdown = (this.node as { shutdown?: (now: number) => void }).shutdown;
        if (typeof shutdown === 'function') {
          try {
            shutdown.call(this.node, this.deps.clock());
          } catch (e) {
            this.log.error({ err: e }, 'core shutdown failed');
          }
        }
        this.writeStatusFile();
        await this.udp.close();
        this.log.info('stopped');
        this.resolveDone(this.exitCode);
      })();
    }
    return this.stopping;
  }
}

export async function startService(options: ServiceOptions, deps: ServiceDeps): Promise<RunningService> {
  const log = deps.logger;
  log.debug(`packet crypto: ${loadNativeCrypto().summary}`);
  const home = ensureHomeDir(options.home);
  const store = new StateStore(home);
  store.removeStaleTemporaries();

  const confResult = readLocalConf(join(home, 'local.conf'));
  if (!confResult.ok) throw new FatalError(confResult.message);
  const conf = confResult.conf;
  for (const note of conf.notes) log.warn(note);

  const { identity, created } = loadOrCreateIdentity(store, deps.generateIdentity);
  if (created) log.info(`generated a new identity ${addressToString(identity.address)} in ${home}`);
  const authToken = loadOrCreateAuthToken(store);
  const metricsToken = loadOrCreateMetricsToken(store);

  const { planet, source } = loadPlanet(store);
  const { moons, problems } = loadMoons(store);
  for (const p of problems) log.warn(p);
  log.debug(`planet ${planet.id} (${source}), ${moons.length} moon(s)`);

  const listing = worldsListing(identity, planet, moons);
  if (options.mode === 'root') {
    if (listing.length === 0) throw new FatalError(notARootMessage(identity, home, planet));
    log.info(`root of ${listing.map(describeWorld).join(', ')}`);
  }

  const s = conf.settings;
  const primary = await choosePrimaryPort(s.primaryPort ?? options.port ?? ZT_DEFAULT_PORT, deps.probePort, deps.randomU32);
  let secondary = 0;
  if (s.allowSecondaryPort) {
    secondary =
      s.secondaryPort !== 0 && s.secondaryPort !== primary
        ? s.secondaryPort
        : await chooseRandomPort(deps.probePort, deps.randomU32, [primary]);
  }
  const ports = { primary, secondary };

  // The core is built before the sockets exist; the host's socket table is filled just after.
  let service: RunningService | undefined;
  const udp = new UdpSockets({
    onDatagram: (id, from, data) => service?.onDatagram(id, from, data),
    log: { debug: (m) => log.debug(m), warn: (m) => log.warn(m) },
    bufferBytes: deps.socketBufferBytes,
  });
  const host = new ServiceHost({
    udp,
    store,
    log,
    policy: pathPolicyOf(conf),
    onFatal: () => void service?.stop(1),
  });
  const nodeOptions: CoreNodeOptions = {
    identity,
    planet,
    moons,
    peerCache: store.listPeers().map((p) => p.data),
    trustedPaths: conf.physical
      .filter((p) => p.trustedPathId !== 0n || p.mtu !== 0)
      .map((p) => ({
        network: { family: p.network.family, ip: p.network.ip, port: p.network.bits },
        id: p.trustedPathId,
        ...(p.mtu ? { mtu: p.mtu } : {}),
      })),
  };
  const node = deps.createNode(host, nodeOptions, deps.clock());
  const networks = new NetworkPorts({
    taps: deps.taps ?? new LinuxTapFactory({ deviceMap: readDeviceMap(home) }),
    ip: deps.ip ?? iproute2,
    dir: new NetworksDir(store),
    log,
    clock: deps.clock,
    address: identity.address,
    defer: (fn) => void deps.timers.setImmediate(fn),
    poke: () => service?.poke(),
  });
  const vl2 = deps.createVl2?.(node, networks);
  if (vl2) networks.attach(vl2);
  const metrics = new ServiceMetrics({
    clock: deps.clock,
    node,
    networks: () => networks.views(),
    controllerCounts: () => parts.controller?.counts() ?? Promise.resolve(undefined),
  });
  const controller = vl2 ? embeddedController(deps, home, identity, vl2, log, metrics, () => service?.poke()) : undefined;
  const parts: ServiceParts = { vl2, networks, controller, authToken, metricsToken, metrics, rawLocalConf: confResult.raw };
  service = new RunningService(options, deps, identity, node, host, udp, store, conf, ports, parts);

  const bound = await udp.sync(planBindAddresses(deps.interfaces(), conf), portList(ports));
  if (!bound.some((b) => b.address.port === primary)) {
    await udp.close();
    throw new FatalError(`cannot bind UDP port ${primary} on any local address`);
  }
  store.writeAtomic(PORT_FILE, String(primary));
  try {
    parts.api = await startLocalApi(service, primary);
  } catch (e) {
    await service.stop(1);
    throw e instanceof FatalError ? e : new FatalError(`cannot bind to local control interface port ${primary}: ${describeError(e)}`);
  }
  networks.restore();
  await service.begin();
  log.info(
    { listeningOn: bound.map((b) => inetAddressToString(b.address)), recvBuffer: bound[0]?.recvBufferBytes },
    `${addressToString(identity.address)} listening on UDP ${primary}${secondary ? ` and ${secondary}` : ''}`,
  );
  return service;
}

function portList(p: { primary: number; secondary: number }): number[] {
  return p.secondary ? [p.primary, p.secondary] : [p.primary];
}

/** The addresses to bind now: interfaces filtered by local.conf, or the wildcards if none. */
export function planBindAddresses(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]>, conf: LocalConf): LocalInterfaceAddress[] {
  const chosen = selectBindAddresses(flattenInterfaces(ifaces), {
    bind: conf.settings.bind,
    interfacePrefixBlacklist: conf.settings.interfacePrefixBlacklist,
    blacklistedNetworks: conf.physical.filter((p) => p.blacklist).map((p) => p.network),
  });
  return chosen.length > 0 ? chosen : wildcardAddresses();
}

type ReadConf = { ok: true; conf: LocalConf; raw: Record<string, unknown> } | { ok: false; message: string };

function readLocalConf(path: string): ReadConf {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, conf: defaultLocalConf(), raw: {} };
    return { ok: false, message: `cannot read ${path}: ${describeError(e)}` };
  }
  const parsed = parseLocalConf(text);
  if (!parsed.ok) return { ok: false, message: `${parsed.error.message} (in ${path})` };
  // Valid per parseLocalConf, so this parses to an object (or the text is blank).
  const raw = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { ok: true, conf: parsed.value, raw };
}

/**
 * The embedded controller, plugged into Vl2. Its store is opened now only if it exists (after a
 * one-time rename of an earlier TierZero's controller.db), else on the first controller API call.
 */
function embeddedController(
  deps: ServiceDeps,
  home: string,
  identity: Identity,
  vl2: CoreVl2,
  log: ServiceLogger,
  metrics: ServiceMetrics,
  poke: () => void,
): EmbeddedController | undefined {
  if (!deps.openControllerStore) return undefined;
  try {
    const migrated = migrateLegacyControllerDb(home);
    if (migrated === 'renamed') log.info(`renamed the controller store ${LEGACY_CONTROLLER_DB_FILE} to controller.sqlite in ${home}`);
    if (migrated === 'foreign') {
      log.warn(`${join(home, LEGACY_CONTROLLER_DB_FILE)} is not TierZero's controller store and is left alone (ZeroTier One refuses to start while it exists)`);
    }
  } catch (e) {
    log.error(`cannot rename ${LEGACY_CONTROLLER_DB_FILE} in ${home}: ${describeError(e)}`);
  }
  const controller = new EmbeddedController({
    home,
    identity,
    vl2,
    log,
    openStore: deps.openControllerStore,
    poke,
    onRequest: () => metrics.controllerRequestReceived(),
    onAnswer: (result, seconds) => metrics.controllerRequestAnswered(result, seconds),
  });
  if (controllerStoreExists(home)) controller.open();
  return controller;
}

async function startLocalApi(service: RunningService, port: number): Promise<LocalApiServer> {
  const parts = service.parts;
  const ctx: ApiContext = {
    clock: service.deps.clock,
    node: service.node,
    networks: service.networks,
    log: service.log,
    statusConfig: () => service.statusConfig(),
    localPortOf: (id) => service.sockets.find((b) => b.id === id)?.address.port ?? 0,
    poke: () => service.poke(),
    localConf: { raw: () => parts.rawLocalConf, updateSettings: (patch) => service.updateSettings(patch) },
    metrics: parts.metrics,
  };
  const controller = parts.controller;
  const plugins = controller ? [controllerApi(controller.apiStore, { controllerAddress: addressToString(service.identity.address), now: service.deps.clock })] : [];
  const app = buildLocalApi({
    context: ctx,
    token: () => parts.authToken,
    metricsToken: () => parts.metricsToken,
    access: () => service.managementAccess,
    plugins,
    beforeController: controller ? () => void controller.open() : undefined,
  });
  const api = new LocalApiServer(app);
  await api.listen(port, service.managementAccess.allowFrom.length > 0);
  return api;
}

/** Legacy `devicemap` (nwid=ifname lines), if present. */
function readDeviceMap(home: string): Map<bigint, string> | undefined {
  try {
    return parseDeviceMap(readFileSync(join(home, 'devicemap'), 'utf8'));
  } catch {
    return undefined;
  }
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function describeWorld(w: World): string {
  return w.type === 1 ? `planet ${w.id}` : `moon ${w.id.toString(16).padStart(16, '0')}`;
}

export function notARootMessage(identity: Identity, home: string, planet: World): string {
  const addr = addressToString(identity.address);
  return [
    `this node (${addr}) is not a root: no world it knows lists it (planet ${planet.id}, moons in ${join(home, 'moons.d')}).`,
    'To make it one, build a world that lists it and install that world:',
    `  a private planet: tierzero idtool initplanet ${join(home, 'identity.public')} > planet.json`,
    '                    (add "stableEndpoints": ["<ip>/9993"], then) tierzero idtool mkworld planet.json -o planet',
    `                    and copy planet to ${home}/planet and to every node's home`,
    `  a moon:           tierzero idtool initmoon ${join(home, 'identity.public')} > moon.json`,
    '                    (add "stableEndpoints"), tierzero idtool genmoon moon.json',
    `                    and copy the .moon file into ${join(home, 'moons.d')}/ and every node's moons.d/`,
  ].join('\n');
}

/** A JSON value with every object's keys in ascending order (local.conf as ZeroTier writes it). */
function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v as Record<string, unknown>).sort()) out[k] = sortKeysDeep((v as Record<string, unknown>)[k]);
  return out;
}
