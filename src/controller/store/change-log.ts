/**
 * What a transaction changed, kept per record as (state before the transaction, state now) so
 * several writes to one record report once, and turned into controller events after commit.
 * Shared by every store implementation so they all report the same events.
 */
import { canonicalJson } from '../canonical-json.js';
import type { MemberRecord, NetworkRecord } from '../records.js';
import type { ChangeListener, ControllerEvent } from './store.js';

type Entry =
  | { kind: 'network'; nwid: string; before: NetworkRecord | undefined; after: NetworkRecord | undefined }
  | { kind: 'member'; nwid: string; memberId: string; before: MemberRecord | undefined; after: MemberRecord | undefined };

export class ChangeLog {
  private readonly entries = new Map<string, Entry>();

  network(nwid: string, before: NetworkRecord | undefined, after: NetworkRecord | undefined): void {
    const key = `n/${nwid}`;
    const e = this.entries.get(key);
    if (e) e.after = after as never;
    else this.entries.set(key, { kind: 'network', nwid, before, after });
  }

  member(nwid: string, memberId: string, before: MemberRecord | undefined, after: MemberRecord | undefined): void {
    const key = `m/${nwid}/${memberId}`;
    const e = this.entries.get(key);
    if (e) e.after = after as never;
    else this.entries.set(key, { kind: 'member', nwid, memberId, before, after });
  }

  events(): ControllerEvent[] {
    const out: ControllerEvent[] = [];
    for (const e of this.entries.values()) {
      if (e.before && e.after && canonicalJson(e.before) === canonicalJson(e.after)) continue;
      if (e.kind === 'network') {
        if (e.after) out.push({ type: 'networkChanged', nwid: e.nwid, network: e.after, previous: e.before });
        else if (e.before) out.push({ type: 'networkDeleted', nwid: e.nwid, network: e.before });
        continue;
      }
      const { nwid, memberId } = e;
      if (e.after) out.push({ type: 'memberChanged', nwid, memberId, member: e.after, previous: e.before });
      else if (e.before) out.push({ type: 'memberDeleted', nwid, memberId, member: e.before });
      if (e.before?.authorized && !e.after?.authorized) {
        out.push({ type: 'memberDeauthorized', nwid, memberId, member: e.after ?? e.before });
      }
    }
    return out;
  }
}

/** Listener registry; a throwing listener is reported to `onError` and never stops the others. */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly onError: (e: unknown) => void = () => {}) {}

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(events: readonly ControllerEvent[]): void {
    if (events.length === 0) return;
    for (const l of [...this.listeners]) {
      try {
        l(events);
      } catch (e) {
        this.onError(e);
      }
    }
  }
}
