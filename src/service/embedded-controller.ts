/**
 * The node's embedded network controller, opened only when it is needed: its store
 * (`controller.sqlite`) is not created in every node's home, only on the first controller API
 * call, or at start when it already exists (then networks of ours may have members asking).
 *
 * Toward Vl2 this is the LocalNetworkController at all times: while no store is open no network
 * of ours can exist, so a config request is answered OBJ_NOT_FOUND without creating anything;
 * once open, requests go to the ControllerConfigService, timed for the metrics. Toward the API
 * it hands out a store that opens the real one on first use.
 */
import { performance } from 'node:perf_hooks';
import type { Identity } from '../core/vl1/identity.js';
import type { Dictionary } from '../core/vl2/dictionary.js';
import { ControllerConfigService } from '../controller/config-service.js';
import { ControllerError } from '../controller/errors.js';
import type { ControllerStore, StoreTransaction, ChangeListener } from '../controller/store/store.js';
import type { ConfigErrorCode, ConfigReply, LocalNetworkController } from '../controller/vl2-link.js';
import type { CoreVl2 } from './core-vl2.js';
import { describeError } from './fatal-error.js';
import type { ServiceLogger } from './logger.js';
import type { ControllerCounts, ControllerRequestResult } from './metrics.js';

export interface EmbeddedControllerOptions {
  home: string;
  identity: Identity;
  vl2: CoreVl2;
  log: ServiceLogger;
  openStore: (home: string) => ControllerStore;
  /** Store changes queued pushes: run the background tasks soon. */
  poke: () => void;
  /** Request accounting for /metrics. */
  onRequest?: () => void;
  onAnswer?: (result: ControllerRequestResult, seconds: number) => void;
}

interface Open {
  store: ControllerStore;
  service: ControllerConfigService;
}

const RESULT_OF: Record<ConfigErrorCode, ControllerRequestResult> = {
  OBJ_NOT_FOUND: 'not_found',
  ACCESS_DENIED: 'access_denied',
  AUTHENTICATION_REQUIRED: 'authentication_required',
  UNSUPPORTED_OPERATION: 'unsupported',
};

export class EmbeddedController implements LocalNetworkController {
  private opened: Open | undefined;
  private closed = false;
  /** The store the controller API plugin uses: opens the real one on first use. */
  readonly apiStore: ControllerStore;

  constructor(private readonly o: EmbeddedControllerOptions) {
    this.apiStore = new OnDemandStore(() => this.open()?.store);
    o.vl2.setController(this);
  }

  get isOpen(): boolean {
    return this.opened !== undefined;
  }

  /** Opens the store and the config service if not yet open; undefined if that fails (logged). */
  open(): Open | undefined {
    if (this.opened || this.closed) return this.opened;
    let store: ControllerStore;
    try {
      store = this.o.openStore(this.o.home);
    } catch (e) {
      this.o.log.error(`the embedded controller cannot open its store in ${this.o.home}: ${describeError(e)}`);
      return undefined;
    }
    const log = this.o.log;
    const service = new ControllerConfigService(store, this.o.identity, {
      sink: this.o.vl2,
      logger: { debug: (f, m) => log.debug(f, m), warn: (f, m) => log.warn(f, m) },
      onWorkQueued: this.o.poke,
    });
    this.opened = { store, service };
    log.info(`embedded controller store opened in ${this.o.home}`);
    return this.opened;
  }

  onConfigRequest(now: number, requester: Identity, nwid: bigint, metadata: Dictionary, reply: ConfigReply): void {
    this.o.onRequest?.();
    const t0 = performance.now();
    const done = (result: ControllerRequestResult) => this.o.onAnswer?.(result, (performance.now() - t0) / 1000);
    const timed: ConfigReply = {
      config: (c) => {
        done('config');
        reply.config(c);
      },
      error: (code, auth) => {
        done(RESULT_OF[code] ?? 'not_found');
        reply.error(code, auth);
      },
    };
    if (!this.opened) return timed.error('OBJ_NOT_FOUND');
    this.opened.service.onConfigRequest(now, requester, nwid, metadata, timed);
  }

  processBackgroundTasks(now: number): number {
    return this.opened ? this.opened.service.processBackgroundTasks(now) : Infinity;
  }

  async counts(): Promise<ControllerCounts | undefined> {
    const store = this.opened?.store;
    if (!store || !store.isReady()) return undefined;
    const ids = await store.listNetworkIds();
    let members = 0;
    for (const id of ids) members += (await store.countMembers(id)).total;
    return { networks: ids.length, members };
  }

  /** Lets in-flight answers finish, then closes the store. */
  async close(): Promise<void> {
    this.closed = true;
    const o = this.opened;
    if (!o) return;
    o.service.close();
    await o.service.idle();
    await o.store.close();
  }
}

/** A ControllerStore that opens the real one when first used (503 if it cannot be opened). */
class OnDemandStore implements ControllerStore {
  constructor(private readonly get: () => ControllerStore | undefined) {}

  private s(): ControllerStore {
    const s = this.get();
    if (!s) throw new ControllerError('store_not_ready', 'the controller store could not be opened (see the service log)');
    return s;
  }

  isReady(): boolean {
    return this.get()?.isReady() ?? false;
  }
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.s().transaction(work);
  }
  onChange(listener: ChangeListener): () => void {
    return this.s().onChange(listener);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  getNetwork(nwid: string) {
    return this.s().getNetwork(nwid);
  }
  listNetworkIds() {
    return this.s().listNetworkIds();
  }
  listNetworks() {
    return this.s().listNetworks();
  }
  getMember(nwid: string, memberId: string) {
    return this.s().getMember(nwid, memberId);
  }
  listMembers(nwid: string) {
    return this.s().listMembers(nwid);
  }
  listMemberRevisions(nwid: string) {
    return this.s().listMemberRevisions(nwid);
  }
  countMembers(nwid: string) {
    return this.s().countMembers(nwid);
  }
  listActiveBridges(nwid: string) {
    return this.s().listActiveBridges(nwid);
  }
  isIpAllocated(nwid: string, ip: string) {
    return this.s().isIpAllocated(nwid, ip);
  }
}
