/**
 * The composition root of the node service: the one place that builds the clock, randomness,
 * logger, state store, UDP sockets and the core Node, wires them together and owns their
 * lifetime. Everything below it receives what it needs; nothing reaches back up.
 *
 * Start-up order (fail fast, before anything is bound): home directory, local.conf, identity,
 * planet and moons, root check (root mode), ports, core, sockets. Every failure a user can fix
 * is a FatalError with a message and an exit code.
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
import { loadNativeCrypto } from '../native/load.js';
import { BackgroundTimer, type Timers, realTimers } from './background-timer.js';
import { type LocalInterfaceAddress, flattenInterfaces, selectBindAddresses, wildcardAddresses } from './bind-plan.js';
import type { CoreNode, CoreNodeOptions, CreateNode } from './core-node.js';
import { FatalError, describeError } from './fatal-error.js';
import { ensureHomeDir } from './home-dir.js';
import { loadOrCreateIdentity } from './identity-files.js';
import { type LocalConf, defaultLocalConf, parseLocalConf } from './local-conf.js';
import { type ServiceLogger, createLogger } from './logger.js';
import { type PortProbe, chooseRandomPort, choosePrimaryPort, probeUdpPort } from './ports.js';
import { ServiceHost, pathPolicyOf } from './service-host.js';
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
}

/** The production dependencies (the core is loaded here, not at module load, for test fakes). */
export async function productionDeps(verbose: boolean): Promise<ServiceDeps> {
  const { Node } = await import('../core/node.js');
  return {
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
  ) {
    this.ports = { ...ports };
    this.lastOnlineAt = deps.clock();
    this.timer = new BackgroundTimer((now) => node.processBackgroundTasks(now), deps.clock, deps.timers);
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
    for (const note of next.conf.notes) this.log.warn(note);
    this.conf = next.conf;
    this.host.policy = pathPolicyOf(next.conf);
    this.log.info('local.conf reloaded (port and trusted path changes need a restart)');
    void this.refreshInterfaces();
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
  service = new RunningService(options, deps, identity, node, host, udp, store, conf, ports);

  const bound = await udp.sync(planBindAddresses(deps.interfaces(), conf), portList(ports));
  if (!bound.some((b) => b.address.port === primary)) {
    await udp.close();
    throw new FatalError(`cannot bind UDP port ${primary} on any local address`);
  }
  store.writeAtomic(PORT_FILE, String(primary));
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

type ReadConf = { ok: true; conf: LocalConf } | { ok: false; message: string };

function readLocalConf(path: string): ReadConf {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, conf: defaultLocalConf() };
    return { ok: false, message: `cannot read ${path}: ${describeError(e)}` };
  }
  const parsed = parseLocalConf(text);
  return parsed.ok ? { ok: true, conf: parsed.value } : { ok: false, message: `${parsed.error.message} (in ${path})` };
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
