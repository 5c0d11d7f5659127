/**
 * The controller as the core sees it: answers NETWORK_CONFIG_REQUESTs for this node's networks
 * and pushes fresh configs and revocations when the store changes (controller.md §6, §8;
 * vl2.md §14).
 *
 * A request: network ours (nwid >> 24 = our address) else OBJ_NOT_FOUND; rate limit (one genuine
 * request per member per network per second, extras dropped without an answer); then the store
 * decides (resolveConfigRequest: identity pinning, authorization, addresses, default
 * tags/capabilities) and an authorized member gets its signed config (config-contents.ts,
 * config-issuer.ts); otherwise OBJ_NOT_FOUND, ACCESS_DENIED or AUTHENTICATION_REQUIRED.
 *
 * Change feed: store events are queued and acted on by processBackgroundTasks(now), which the
 * host calls on its timer and, for prompt pushes, as soon as `onWorkQueued` fires:
 * - network changed → the request of every online member of it is re-run as a push;
 * - member changed (not by our own config answer) → the same for that member;
 * - member deauthorized (flag cleared, member deleted) → a signed Revocation of its COM to the
 *   network's online members (vl2.md §14.7), and its request re-run: the refusal is pushed to
 *   it as an unsolicited ERROR when the sink can (the reference lets it find out at its next
 *   request, up to 60 s later; 1.14 nodes accept the ERROR since they check no packet ID);
 * - network deleted → revocations as above; its members learn OBJ_NOT_FOUND at their next
 *   request.
 * Other errors are never pushed, as in the reference. A member whose SSO authentication expires
 * is revoked the same way.
 *
 * Deterministic given the `now` values and the random source; never reads a clock. Bad store
 * content never throws out: the member gets OBJ_NOT_FOUND and the reason is logged. A store that
 * is busy or closed gets no answer at all (the node asks again within seconds).
 */
import type { Address } from '../core/vl1/address.js';
import type { Identity } from '../core/vl1/identity.js';
import { ZT_REVOCATION_FLAG_FAST_PROPAGATE } from '../core/vl2/constants.js';
import { controllerOf, CREDENTIAL_TYPE } from '../core/vl2/credentials/credential.js';
import { createRevocation, signRevocation } from '../core/vl2/credentials/revocation.js';
import { encodeAuthenticationInfo } from '../core/vl2/config-request.js';
import type { Dictionary } from '../core/vl2/dictionary.js';
import { networkConfigToDictionary, type NetworkConfig } from '../core/vl2/netconf.js';
import { issueNetworkConfig } from './config-issuer.js';
import { buildConfigContents, DEFAULT_SSO_INFO, type SsoInfoSource } from './config-contents.js';
import { resolveConfigRequest } from './config-request.js';
import { ControllerError } from './errors.js';
import { secureRandom64, type Random64 } from './ip-assignment.js';
import { MemberSessions, type MemberSession } from './member-sessions.js';
import { OwnWrites } from './own-writes.js';
import { readRequestMetadata } from './request-metadata.js';
import type { ControllerEvent, ControllerStore } from './store/store.js';
import type { ConfigErrorCode, ConfigPushSink, ConfigReply, LocalNetworkController } from './vl2-link.js';

/** pino-compatible: `logger.warn({ ...fields }, 'message')`. */
export interface ConfigServiceLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

const SILENT: ConfigServiceLogger = { debug: () => {}, warn: () => {} };

/** How often processBackgroundTasks wants to run when nothing is queued (session pruning). */
export const CONFIG_SERVICE_HOUSEKEEPING_MS = 10_000;

export interface ControllerConfigServiceOptions {
  /** Where pushes and revocations go (usually the node's Vl2); see also attach(). */
  sink?: ConfigPushSink;
  /** 64 random bits: IPv6 pool addresses and revocation ids. */
  random64?: Random64;
  logger?: ConfigServiceLogger;
  ssoInfo?: SsoInfoSource;
  /** Bound on remembered members (default 262 144). */
  maxSessions?: number;
  /** Store changes queued work: call processBackgroundTasks soon (at once for prompt pushes). */
  onWorkQueued?: () => void;
}

export interface ConfigServiceStats {
  requests: number;
  rateLimited: number;
  configs: number;
  pushes: number;
  /** Refusals pushed to members that lost their authorization. */
  refusalsPushed: number;
  accessDenied: number;
  notFound: number;
  authenticationRequired: number;
  revocations: number;
  /** Requests left unanswered because the store was busy or closed. */
  storeUnavailable: number;
  /** Requests answered OBJ_NOT_FOUND because of bad stored content or an internal fault. */
  faults: number;
}

/** How the outcome of one (genuine or replayed) request is delivered. */
interface Outcome {
  config(config: NetworkConfig): void;
  /** `authentication`: the AUTHENTICATION_REQUIRED dictionary. */
  error(code: ConfigErrorCode, authentication?: Uint8Array): void;
}

interface ReplayTarget {
  session: MemberSession;
  /** The member just lost its authorization: tell it (pushConfigError) rather than wait for its next request. */
  pushRefusal: boolean;
}

function hex(value: bigint | number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class ControllerConfigService implements LocalNetworkController {
  readonly address: Address;
  readonly stats: ConfigServiceStats = {
    requests: 0,
    rateLimited: 0,
    configs: 0,
    pushes: 0,
    refusalsPushed: 0,
    accessDenied: 0,
    notFound: 0,
    authenticationRequired: 0,
    revocations: 0,
    storeUnavailable: 0,
    faults: 0,
  };
  private readonly controllerHex: string;
  private readonly ownWrites = new OwnWrites();
  private readonly requestStore: ControllerStore;
  private readonly sessions: MemberSessions;
  private readonly random64: Random64;
  private readonly log: ConfigServiceLogger;
  private readonly ssoInfo: SsoInfoSource;
  private readonly onWorkQueued: (() => void) | undefined;
  private sink: ConfigPushSink | undefined;
  private readonly unsubscribe: () => void;
  private readonly inFlight = new Set<Promise<void>>();

  private readonly changedNetworks = new Set<string>();
  private readonly changedMembers = new Set<string>();
  private readonly deletedNetworks = new Set<string>();
  /** key → [nwidHex, memberId] */
  private readonly deauthorized = new Map<string, [string, string]>();

  constructor(
    readonly store: ControllerStore,
    private readonly identity: Identity,
    options: ControllerConfigServiceOptions = {},
  ) {
    if (!identity.hasPrivate()) throw new RangeError('the controller identity needs its private key to sign');
    this.address = identity.address;
    this.controllerHex = hex(identity.address, 10);
    this.requestStore = this.ownWrites.wrap(store);
    this.sessions = new MemberSessions(options.maxSessions);
    this.random64 = options.random64 ?? secureRandom64;
    this.log = options.logger ?? SILENT;
    this.ssoInfo = options.ssoInfo ?? DEFAULT_SSO_INFO;
    this.onWorkQueued = options.onWorkQueued;
    this.sink = options.sink;
    this.unsubscribe = store.onChange((events) => this.onStoreEvents(events));
  }

  /** Sets (or clears) where pushes and revocations go. */
  attach(sink: ConfigPushSink | undefined): void {
    this.sink = sink;
  }

  /** Stops following the store; in-flight answers still complete. */
  close(): void {
    this.unsubscribe();
  }

  /** Resolves once every answer and push started so far has been delivered. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  onConfigRequest(now: number, requester: Identity, nwid: bigint, metadata: Dictionary, reply: ConfigReply): void {
    const once = this.replyOnce(reply, nwid, requester.address);
    try {
      this.stats.requests++;
      if (controllerOf(nwid) !== this.address) {
        this.stats.notFound++;
        this.log.debug({ nwid: hex(nwid, 16), member: hex(requester.address, 10) }, 'config request for a network of another controller');
        once.error('OBJ_NOT_FOUND');
        return;
      }
      const nwidHex = hex(nwid, 16);
      const memberId = hex(requester.address, 10);
      const session = this.sessions.admit(now, nwid, nwidHex, requester, memberId, readRequestMetadata(metadata));
      if (!session) {
        this.stats.rateLimited++;
        return;
      }
      this.track(this.answer(now, session, true, once));
    } catch (e) {
      this.fault(e, nwid, requester.address, once);
    }
  }

  /**
   * Acts on queued store changes (pushes, revocations, forgotten networks), revokes members
   * whose SSO authentication expired, and prunes sessions that went offline. Returns when it
   * next wants to run (pushes themselves complete asynchronously; see idle()).
   */
  processBackgroundTasks(now: number): number {
    try {
      for (const [nwidHex, memberId] of this.deauthorized.values()) this.revoke(now, nwidHex, memberId);
      for (const s of this.sessions.ssoExpired(now)) {
        this.sessions.setSsoExpiry(s, 0);
        this.revoke(now, s.nwidHex, s.memberId);
      }
      for (const nwidHex of this.deletedNetworks) this.sessions.forgetNetwork(nwidHex);
      this.deletedNetworks.clear();

      const targets = new Map<string, ReplayTarget>();
      const add = (s: MemberSession | undefined, pushRefusal: boolean): void => {
        if (!s || !this.sessions.isOnline(s, now)) return;
        const t = targets.get(s.key);
        if (t) t.pushRefusal ||= pushRefusal;
        else targets.set(s.key, { session: s, pushRefusal });
      };
      for (const nwidHex of this.changedNetworks) for (const s of this.sessions.online(nwidHex, now)) add(s, false);
      for (const key of this.changedMembers) add(this.sessions.byKey(key), false);
      for (const key of this.deauthorized.keys()) add(this.sessions.byKey(key), true);
      this.changedNetworks.clear();
      this.changedMembers.clear();
      this.deauthorized.clear();
      if (targets.size > 0) this.track(this.replay(now, [...targets.values()]));
      this.sessions.prune(now);
    } catch (e) {
      this.log.warn({ error: describe(e) }, 'controller background task failed');
    }
    const sso = this.sessions.nextSsoExpiry();
    return Math.min(now + CONFIG_SERVICE_HOUSEKEEPING_MS, sso ?? Infinity);
  }

  // ---- Answering ---------------------------------------------------------------------------

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Re-runs the requests of online members with their last metadata; configs go out as pushes. */
  private async replay(now: number, targets: ReplayTarget[]): Promise<void> {
    for (const { session: s, pushRefusal } of targets) {
      const push: Outcome = {
        config: (config) => {
          if (!this.sink) return;
          this.stats.pushes++;
          try {
            this.sink.pushConfig(now, s.address, s.nwid, config);
          } catch (e) {
            this.log.warn({ nwid: s.nwidHex, member: s.memberId, error: describe(e) }, 'pushConfig threw');
          }
        },
        error: (code) => {
          if (!pushRefusal || code !== 'ACCESS_DENIED' || !this.sink?.pushConfigError) return;
          this.stats.refusalsPushed++;
          try {
            this.sink.pushConfigError(now, s.address, s.nwid, code);
          } catch (e) {
            this.log.warn({ nwid: s.nwidHex, member: s.memberId, error: describe(e) }, 'pushConfigError threw');
          }
        },
      };
      await this.answer(now, s, false, push);
    }
  }

  private async answer(now: number, s: MemberSession, genuine: boolean, out: Outcome): Promise<void> {
    try {
      const decision = await resolveConfigRequest(
        this.requestStore,
        { nwid: s.nwidHex, memberId: s.memberId, identity: s.identity.toString(false), now, genuine, metadata: s.metadata },
        this.random64,
      );
      switch (decision.kind) {
        case 'not_found':
          this.stats.notFound++;
          out.error('OBJ_NOT_FOUND');
          return;
        case 'access_denied':
          this.stats.accessDenied++;
          this.log.debug({ nwid: s.nwidHex, member: s.memberId, reason: decision.reason }, 'config request denied');
          out.error('ACCESS_DENIED');
          return;
        case 'authentication_required': {
          this.stats.authenticationRequired++;
          this.sessions.setSsoExpiry(s, 0);
          const sso = this.ssoInfo(decision.network, decision.member);
          const info = encodeAuthenticationInfo({
            version: sso.version,
            authenticationURL: sso.authenticationURL,
            issuerURL: sso.issuerURL,
            centralAuthURL: sso.centralAuthURL,
            ssoNonce: sso.nonce,
            ssoState: sso.state,
            ssoClientID: sso.clientId,
            // The 1.14 controller never sends a provider.
            ssoProvider: '',
          });
          out.error('AUTHENTICATION_REQUIRED', info);
          return;
        }
        case 'authorized': {
          const { contents, warnings } = buildConfigContents(decision, s.identity, now, this.ssoInfo);
          if (warnings.length > 0) this.log.warn({ nwid: s.nwidHex, member: s.memberId, problems: warnings }, 'stored network or member record has unusable fields');
          const config = issueNetworkConfig(contents, this.identity);
          // A config too large for the receiver's dictionary would be refused there; say so here instead.
          if (networkConfigToDictionary(config) === undefined) throw new Error('network config exceeds the dictionary capacity');
          this.sessions.setSsoExpiry(s, contents.sso?.authenticationExpiryTime ?? 0);
          this.stats.configs++;
          out.config(config);
          return;
        }
      }
    } catch (e) {
      if (e instanceof ControllerError && (e.code === 'store_busy' || e.code === 'store_not_ready')) {
        this.stats.storeUnavailable++;
        this.log.warn({ nwid: s.nwidHex, member: s.memberId, error: e.message }, 'controller store unavailable; config request not answered');
        return;
      }
      this.fault(e, s.nwid, s.address, out);
    }
  }

  private fault(e: unknown, nwid: bigint, member: Address, out: Outcome): void {
    this.stats.faults++;
    this.log.warn({ nwid: hex(nwid, 16), member: hex(member, 10), error: describe(e) }, 'config request failed; answering OBJ_NOT_FOUND');
    out.error('OBJ_NOT_FOUND');
  }

  /** The caller's reply, called at most once, its exceptions logged rather than thrown into us. */
  private replyOnce(reply: ConfigReply, nwid: bigint, member: Address): Outcome {
    let done = false;
    const guard = (what: string, f: () => void): void => {
      if (done) return;
      done = true;
      try {
        f();
      } catch (e) {
        this.log.warn({ nwid: hex(nwid, 16), member: hex(member, 10), error: describe(e) }, `config reply (${what}) threw`);
      }
    };
    return {
      config: (config) => guard('config', () => reply.config(config)),
      error: (code, authentication) => guard(code, () => (authentication ? reply.error(code, authentication) : reply.error(code))),
    };
  }

  // ---- Change feed ---------------------------------------------------------------------------

  private onStoreEvents(events: readonly ControllerEvent[]): void {
    let queued = false;
    for (const e of events) {
      if (!e.nwid.startsWith(this.controllerHex)) continue;
      switch (e.type) {
        case 'networkChanged':
          this.changedNetworks.add(e.nwid);
          this.deletedNetworks.delete(e.nwid);
          queued = true;
          break;
        case 'networkDeleted':
          this.deletedNetworks.add(e.nwid);
          this.changedNetworks.delete(e.nwid);
          queued = true;
          break;
        case 'memberChanged':
          if (this.ownWrites.isOwn(e.nwid, e.memberId, e.member.revision)) break;
          if (this.sessions.get(e.nwid, e.memberId)) {
            this.changedMembers.add(`${e.nwid}/${e.memberId}`);
            queued = true;
          }
          break;
        case 'memberDeauthorized':
          this.deauthorized.set(`${e.nwid}/${e.memberId}`, [e.nwid, e.memberId]);
          queued = true;
          break;
        case 'memberDeleted':
          break;
      }
    }
    if (queued && this.onWorkQueued) {
      try {
        this.onWorkQueued();
      } catch (e) {
        this.log.warn({ error: describe(e) }, 'onWorkQueued threw');
      }
    }
  }

  /** Signs a revocation of the member's COM (threshold now) and hands it out to the network's online members. */
  private revoke(now: number, nwidHex: string, memberId: string): void {
    const nwid = BigInt('0x' + nwidHex);
    const target = Number.parseInt(memberId, 16);
    const revocation = signRevocation(
      createRevocation({
        id: Number(this.random64() & 0xffffffffn),
        networkId: nwid,
        credentialId: 0,
        threshold: BigInt(Math.trunc(now)),
        flags: ZT_REVOCATION_FLAG_FAST_PROPAGATE,
        target,
        type: CREDENTIAL_TYPE.COM,
      }),
      this.identity,
    );
    const recipients = this.sessions.online(nwidHex, now).map((s) => s.address);
    this.stats.revocations++;
    this.log.debug({ nwid: nwidHex, member: memberId, recipients: recipients.length }, 'member deauthorized: revoking its certificate of membership');
    if (!this.sink) return;
    try {
      this.sink.revokeMember(now, nwid, target, revocation, recipients);
    } catch (e) {
      this.log.warn({ nwid: nwidHex, member: memberId, error: describe(e) }, 'revokeMember threw');
    }
  }
}
