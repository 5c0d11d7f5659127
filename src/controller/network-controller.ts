/**
 * The controller's operations behind the HTTP API (controller.md §2): each validates its input
 * first, then does its reads and writes in one store transaction, saving a record only when it
 * changed (and bumping its revision then). Errors are ControllerErrors; the API maps them to
 * statuses.
 */
import { ControllerError, notFound } from './errors.js';
import { MAX_NETWORK_ID_TRIES, networkIdFor, secureRandomNetworkSuffix } from './ids.js';
import { applyMemberPatch, parseMemberPatch } from './member-patch.js';
import { applyNetworkPatch, parseNetworkPatch } from './network-patch.js';
import { newMemberRecord, newNetworkRecord, nextRevision, type MemberRecord, type NetworkRecord } from './records.js';
import type { ControllerStore, StoreTransaction } from './store/store.js';

export const CONTROLLER_API_VERSION = 4;

export interface NetworkControllerOptions {
  /** This node's address, 10 hex digits: the prefix of the network ids it creates. */
  controllerAddress: string;
  now?: () => number;
  /** 24 random bits for new network ids (tests make it deterministic). */
  randomNetworkSuffix?: () => number;
}

export interface NetworkWithMeta extends NetworkRecord {
  meta: { authorizedMemberCount: number; totalMemberCount: number };
}

export class NetworkController {
  readonly controllerAddress: string;
  private readonly now: () => number;
  private readonly randomSuffix: () => number;

  constructor(
    readonly store: ControllerStore,
    options: NetworkControllerOptions,
  ) {
    if (!/^[0-9a-fA-F]{10}$/.test(options.controllerAddress)) throw new RangeError('controllerAddress must be 10 hex digits');
    this.controllerAddress = options.controllerAddress.toLowerCase();
    this.now = options.now ?? Date.now;
    this.randomSuffix = options.randomNetworkSuffix ?? secureRandomNetworkSuffix;
  }

  clock(): number {
    return this.now();
  }

  databaseReady(): boolean {
    return this.store.isReady();
  }

  listNetworkIds(): Promise<string[]> {
    return this.store.listNetworkIds();
  }

  async getNetwork(nwid: string): Promise<NetworkRecord> {
    return (await this.store.getNetwork(nwid)) ?? throwNotFound('network');
  }

  /** Creates a network with a random unused id under this controller's address, then applies the body. */
  async createNetwork(body: unknown): Promise<NetworkRecord> {
    const patch = parseNetworkPatch(body);
    return this.store.transaction(async (tx) => {
      const nwid = await this.freeNetworkId(tx);
      return this.saveNetwork(tx, applyNetworkPatch(newNetworkRecord(nwid, this.now()), patch), undefined);
    });
  }

  /** `POST /controller/network/<addr>______`: the address must be this controller's, in lower case (as the reference compares it). */
  async createNetworkLegacy(addressPrefix: string, body: unknown): Promise<NetworkRecord> {
    if (addressPrefix !== this.controllerAddress) {
      throw new ControllerError('wrong_controller', 'that address is not this controller');
    }
    return this.createNetwork(body);
  }

  /** Upsert: creates the network if it does not exist. */
  async postNetwork(nwid: string, body: unknown): Promise<NetworkRecord> {
    const patch = parseNetworkPatch(body);
    return this.store.transaction(async (tx) => {
      const stored = await tx.getNetwork(nwid);
      const base = stored ?? newNetworkRecord(nwid, this.now());
      return this.saveNetwork(tx, applyNetworkPatch(base, patch), stored);
    });
  }

  async deleteNetwork(nwid: string): Promise<NetworkRecord> {
    return this.store.transaction(async (tx) => {
      const stored = (await tx.getNetwork(nwid)) ?? throwNotFound('network');
      await tx.deleteNetwork(nwid);
      return stored;
    });
  }

  async listMemberRevisions(nwid: string): Promise<[string, number][]> {
    await this.getNetwork(nwid);
    return this.store.listMemberRevisions(nwid);
  }

  async getMember(nwid: string, memberId: string): Promise<MemberRecord> {
    return (await this.store.getMember(nwid, memberId)) ?? throwNotFound('member');
  }

  /** Upsert a member of an existing network (pre-authorizing a member that never connected is allowed). */
  async postMember(nwid: string, memberId: string, body: unknown): Promise<MemberRecord> {
    const patch = parseMemberPatch(body);
    return this.store.transaction(async (tx) => {
      if (!(await tx.getNetwork(nwid))) throwNotFound('network');
      const stored = await tx.getMember(nwid, memberId);
      const now = this.now();
      const next = applyMemberPatch(stored ?? newMemberRecord(nwid, memberId, now), patch, now);
      next.id = memberId;
      next.address = memberId;
      next.nwid = nwid;
      const saved = nextRevision(stored, next);
      if (saved) await tx.putMember(saved);
      return saved ?? stored ?? next;
    });
  }

  async deleteMember(nwid: string, memberId: string): Promise<MemberRecord> {
    return this.store.transaction(async (tx) => {
      const stored = (await tx.getMember(nwid, memberId)) ?? throwNotFound('member');
      await tx.deleteMember(nwid, memberId);
      return stored;
    });
  }

  /** `/unstable/controller/network`: every network with its member counts. */
  async listNetworksWithMeta(): Promise<NetworkWithMeta[]> {
    const networks = await this.store.listNetworks();
    const out: NetworkWithMeta[] = [];
    for (const n of networks) {
      const c = await this.store.countMembers(n.id);
      out.push({ ...n, meta: { authorizedMemberCount: c.authorized, totalMemberCount: c.total } });
    }
    return out;
  }

  /** `/unstable/controller/network/<nwid>/member`. */
  async listMembersWithMeta(nwid: string): Promise<{ members: MemberRecord[]; authorizedCount: number; totalCount: number }> {
    await this.getNetwork(nwid);
    const members = await this.store.listMembers(nwid);
    return { members, authorizedCount: members.filter((m) => m.authorized).length, totalCount: members.length };
  }

  private async saveNetwork(tx: StoreTransaction, next: NetworkRecord, stored: NetworkRecord | undefined): Promise<NetworkRecord> {
    const saved = nextRevision(stored, next);
    if (saved) await tx.putNetwork(saved);
    return saved ?? stored ?? next;
  }

  private async freeNetworkId(tx: StoreTransaction): Promise<string> {
    for (let i = 0; i < MAX_NETWORK_ID_TRIES; i++) {
      const nwid = networkIdFor(this.controllerAddress, this.randomSuffix());
      if (!(await tx.getNetwork(nwid))) return nwid;
    }
    throw new ControllerError('no_free_network_id', 'no unused network id found');
  }
}

function throwNotFound(what: string): never {
  throw notFound(what);
}
