/**
 * Tells the config service's own member saves apart from everyone else's in the change feed.
 *
 * Answering a config request saves the member (a new address, default tags, versions); the
 * store reports that like any change, and pushing a config for it would send the member a second
 * config right after the one it just got. The store publishes a transaction's events before the
 * transaction's promise settles, so the writes are noted as they are made (member key and
 * revision written) and forgotten once the transaction has ended either way: an event matching
 * a noted write exactly is ours.
 */
import type { MemberRecord, NetworkRecord } from './records.js';
import type { ControllerStore, StoreTransaction } from './store/store.js';

export class OwnWrites {
  private readonly pending = new Map<string, number>();

  /** Whether this member change is one of our own saves (consumes the note). */
  isOwn(nwid: string, memberId: string, revision: number): boolean {
    const key = `${nwid}/${memberId}`;
    if (this.pending.get(key) !== revision) return false;
    this.pending.delete(key);
    return true;
  }

  /** `store` with its transactions noting every member they save. */
  wrap(store: ControllerStore): ControllerStore {
    return {
      getNetwork: (nwid) => store.getNetwork(nwid),
      listNetworkIds: () => store.listNetworkIds(),
      listNetworks: () => store.listNetworks(),
      getMember: (nwid, memberId) => store.getMember(nwid, memberId),
      listMembers: (nwid) => store.listMembers(nwid),
      listMemberRevisions: (nwid) => store.listMemberRevisions(nwid),
      countMembers: (nwid) => store.countMembers(nwid),
      listActiveBridges: (nwid) => store.listActiveBridges(nwid),
      isIpAllocated: (nwid, ip) => store.isIpAllocated(nwid, ip),
      onChange: (listener) => store.onChange(listener),
      isReady: () => store.isReady(),
      close: () => store.close(),
      transaction: async <T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> => {
        const noted: string[] = [];
        try {
          return await store.transaction((tx) => work(this.noting(tx, noted)));
        } finally {
          for (const key of noted) this.pending.delete(key);
        }
      },
    };
  }

  private noting(tx: StoreTransaction, noted: string[]): StoreTransaction {
    return {
      getNetwork: (nwid) => tx.getNetwork(nwid),
      listNetworkIds: () => tx.listNetworkIds(),
      listNetworks: () => tx.listNetworks(),
      getMember: (nwid, memberId) => tx.getMember(nwid, memberId),
      listMembers: (nwid) => tx.listMembers(nwid),
      listMemberRevisions: (nwid) => tx.listMemberRevisions(nwid),
      countMembers: (nwid) => tx.countMembers(nwid),
      listActiveBridges: (nwid) => tx.listActiveBridges(nwid),
      isIpAllocated: (nwid, ip) => tx.isIpAllocated(nwid, ip),
      putNetwork: (network: NetworkRecord) => tx.putNetwork(network),
      deleteNetwork: (nwid) => tx.deleteNetwork(nwid),
      deleteMember: (nwid, memberId) => tx.deleteMember(nwid, memberId),
      putMember: async (member: MemberRecord) => {
        const key = `${member.nwid}/${member.id}`;
        this.pending.set(key, member.revision);
        noted.push(key);
        await tx.putMember(member);
      },
    };
  }
}
