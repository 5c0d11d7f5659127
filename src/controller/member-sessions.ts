/**
 * The members that asked this controller for a config recently (controller.md §8): who they are
 * (identity), what they asked with (metadata), and when — for the per-member rate limit and for
 * re-running their request when their network or member record changes (a push).
 *
 * "Online" = last genuine request less than ONLINE_WINDOW_MS ago. Bounded: at most `maxSessions`
 * entries, the least recently requesting evicted first; sessions older than the window are
 * pruned by `prune`. Denied requests are kept too, so an authorization reaches a waiting member
 * at once.
 */
import type { Address } from '../core/vl1/address.js';
import type { Identity } from '../core/vl1/identity.js';
import type { ConfigRequestMetadata } from './config-request.js';

/** Twice the nodes' 60 s config refresh. */
export const ONLINE_WINDOW_MS = 120_000;
/** Genuine requests of one member for one network closer together than this are dropped. */
export const MIN_REQUEST_INTERVAL_MS = 1_000;
export const DEFAULT_MAX_SESSIONS = 262_144;

export interface MemberSession {
  readonly key: string;
  readonly nwid: bigint;
  /** 16 lower-case hex digits. */
  readonly nwidHex: string;
  readonly address: Address;
  /** 10 lower-case hex digits. */
  readonly memberId: string;
  identity: Identity;
  metadata: ConfigRequestMetadata;
  /** Time of the last genuine request accepted by the rate limit. */
  lastRequest: number;
  /** When SSO authentication expires for this member (0 = no SSO expiry pending). */
  ssoExpiry: number;
}

export class MemberSessions {
  /** Insertion order = least recently requesting first. */
  private readonly sessions = new Map<string, MemberSession>();
  private readonly byNetwork = new Map<string, Set<string>>();
  /** Only the sessions with an SSO expiry pending (few), so expiry checks stay cheap. */
  private readonly ssoExpiries = new Map<string, MemberSession>();

  constructor(readonly maxSessions = DEFAULT_MAX_SESSIONS) {}

  get size(): number {
    return this.sessions.size;
  }

  get(nwidHex: string, memberId: string): MemberSession | undefined {
    return this.sessions.get(`${nwidHex}/${memberId}`);
  }

  byKey(key: string): MemberSession | undefined {
    return this.sessions.get(key);
  }

  /**
   * Records a genuine request unless it comes too soon after the previous accepted one
   * (then returns undefined and changes nothing).
   */
  admit(now: number, nwid: bigint, nwidHex: string, identity: Identity, memberId: string, metadata: ConfigRequestMetadata): MemberSession | undefined {
    const key = `${nwidHex}/${memberId}`;
    const existing = this.sessions.get(key);
    if (existing && now - existing.lastRequest < MIN_REQUEST_INTERVAL_MS && now >= existing.lastRequest) return undefined;
    const session: MemberSession = existing ?? { key, nwid, nwidHex, address: identity.address, memberId, identity, metadata, lastRequest: now, ssoExpiry: 0 };
    session.identity = identity;
    session.metadata = metadata;
    session.lastRequest = now;
    this.sessions.delete(key);
    this.sessions.set(key, session);
    let members = this.byNetwork.get(nwidHex);
    if (!members) this.byNetwork.set(nwidHex, (members = new Set()));
    members.add(key);
    while (this.sessions.size > this.maxSessions) this.remove(this.sessions.keys().next().value as string);
    return session;
  }

  isOnline(s: MemberSession, now: number): boolean {
    return now - s.lastRequest < ONLINE_WINDOW_MS;
  }

  /** Online sessions of a network, ascending by member address. */
  online(nwidHex: string, now: number): MemberSession[] {
    const keys = this.byNetwork.get(nwidHex);
    if (!keys) return [];
    const out: MemberSession[] = [];
    for (const k of keys) {
      const s = this.sessions.get(k);
      if (s && this.isOnline(s, now)) out.push(s);
    }
    return out.sort((a, b) => a.address - b.address);
  }

  /** 0 clears it. */
  setSsoExpiry(s: MemberSession, expiry: number): void {
    s.ssoExpiry = expiry > 0 ? expiry : 0;
    if (s.ssoExpiry > 0 && this.sessions.get(s.key) === s) this.ssoExpiries.set(s.key, s);
    else this.ssoExpiries.delete(s.key);
  }

  /** Sessions whose SSO authentication has expired by `now`. */
  ssoExpired(now: number): MemberSession[] {
    const out: MemberSession[] = [];
    for (const s of this.ssoExpiries.values()) if (s.ssoExpiry <= now) out.push(s);
    return out;
  }

  nextSsoExpiry(): number | undefined {
    let next: number | undefined;
    for (const s of this.ssoExpiries.values()) if (next === undefined || s.ssoExpiry < next) next = s.ssoExpiry;
    return next;
  }

  forgetNetwork(nwidHex: string): void {
    for (const k of this.byNetwork.get(nwidHex) ?? []) {
      this.sessions.delete(k);
      this.ssoExpiries.delete(k);
    }
    this.byNetwork.delete(nwidHex);
  }

  /** Drops sessions that are no longer online, oldest first (keeping those with an SSO expiry pending). */
  prune(now: number): void {
    // Deleting the entry being visited is safe during Map iteration.
    for (const s of this.sessions.values()) {
      if (this.isOnline(s, now)) break;
      if (s.ssoExpiry === 0) this.remove(s.key);
    }
  }

  private remove(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    this.ssoExpiries.delete(key);
    const members = this.byNetwork.get(s.nwidHex);
    members?.delete(key);
    if (members?.size === 0) this.byNetwork.delete(s.nwidHex);
  }
}
