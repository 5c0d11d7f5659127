/** Fixtures for the config service tests: vector identities, a store, request metadata, recorded replies and pushes. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ControllerConfigService, type ControllerConfigServiceOptions } from '../../src/controller/config-service.js';
import { NetworkController } from '../../src/controller/network-controller.js';
import { SqliteControllerStore } from '../../src/controller/store/sqlite-store.js';
import type { ConfigErrorCode, ConfigPushSink, ConfigReply } from '../../src/controller/vl2-link.js';
import type { Address } from '../../src/core/vl1/address.js';
import { Identity } from '../../src/core/vl1/identity.js';
import type { Revocation } from '../../src/core/vl2/credentials/revocation.js';
import { Dictionary } from '../../src/core/vl2/dictionary.js';
import type { NetworkConfig } from '../../src/core/vl2/netconf.js';
import { loadVectors } from '../helpers/vectors.js';
import { tempDir } from './helpers.js';

const netconfVectors = loadVectors('vl2-netconf.json');
const packetVectors = loadVectors('vl2-packets.json');

export function identity(text: string): Identity {
  const r = Identity.fromString(text);
  if (!r.ok) throw r.error;
  return r.value;
}

/** Controller A (8c0dc01ba4, with its secret) and members B (cf9d611776) and C (9dd38c045f) of the VL2 vectors. */
export const CONTROLLER = identity(netconfVectors.identities.A_controller.secret);
export const MEMBER_B = identity(netconfVectors.identities.B_member.public);
export const MEMBER_C = identity(netconfVectors.identities.C_member.public);
export const CONTROLLER_HEX = '8c0dc01ba4';
export const NWID_HEX = '8c0dc01ba4000001';
export const NWID = 0x8c0dc01ba4000001n;
/** The vectors' timestamp (2023-11-14T22:13:20Z). */
export const T0 = 1_700_000_000_000;

/** Members with made-up keys (never validated by the controller): enough for addresses and COM hashes. */
export function fakeIdentity(address: number): Identity {
  const key = new Uint8Array(64);
  for (let i = 0; i < 64; i++) key[i] = (address * 31 + i * 7) & 0xff;
  return new Identity(address, key);
}

/** The metadata a 1.14.1 node sends (captured NETWORK_CONFIG_REQUEST). */
export function nodeMetadata(extra = ''): Dictionary {
  const text: string = packetVectors.networkConfigRequest_noConfig.decoded.metadataText;
  const d = Dictionary.parse(new TextEncoder().encode(text + extra), 1024);
  if (!d.ok) throw d.error;
  return d.value;
}

export function metadataOf(text: string): Dictionary {
  const d = Dictionary.parse(new TextEncoder().encode(text), 1024);
  if (!d.ok) throw d.error;
  return d.value;
}

export type Answer = { kind: 'config'; config: NetworkConfig } | { kind: 'error'; code: ConfigErrorCode; authentication?: Uint8Array };

/** A ConfigReply that records what it was told. */
export function recorder(): { reply: ConfigReply; answers: Answer[] } {
  const answers: Answer[] = [];
  return {
    answers,
    reply: {
      config: (config) => answers.push({ kind: 'config', config }),
      error: (code, authentication) => answers.push(authentication ? { kind: 'error', code, authentication } : { kind: 'error', code }),
    },
  };
}

export interface Push {
  now: number;
  member: Address;
  nwid: bigint;
  config: NetworkConfig;
}

export interface Revoke {
  now: number;
  nwid: bigint;
  member: Address;
  revocation: Revocation;
  recipients: readonly Address[];
}

export interface Refusal {
  now: number;
  member: Address;
  nwid: bigint;
  code: ConfigErrorCode;
}

/** A Vl2-like sink recording pushConfig / pushConfigError / revokeMember calls. */
export class RecordingSink implements ConfigPushSink {
  readonly pushes: Push[] = [];
  readonly refusals: Refusal[] = [];
  readonly revokes: Revoke[] = [];
  pushConfig(now: number, member: Address, nwid: bigint, config: NetworkConfig): void {
    this.pushes.push({ now, member, nwid, config });
  }
  pushConfigError(now: number, member: Address, nwid: bigint, code: ConfigErrorCode): void {
    this.refusals.push({ now, member, nwid, code });
  }
  revokeMember(now: number, nwid: bigint, member: Address, revocation: Revocation, recipients: readonly Address[]): void {
    this.revokes.push({ now, nwid, member, revocation, recipients });
  }
  clear(): void {
    this.pushes.length = 0;
    this.refusals.length = 0;
    this.revokes.length = 0;
  }
}

export interface LogLine {
  level: 'debug' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

export interface ServiceFixture {
  store: SqliteControllerStore;
  api: NetworkController;
  service: ControllerConfigService;
  sink: RecordingSink;
  logs: LogLine[];
  clock: { now: number };
  /** Sends a request and waits for everything it started. */
  ask(requester: Identity, nwid?: bigint, metadata?: Dictionary, now?: number): Promise<Answer[]>;
  /** Runs the queued change work at `clock.now` and waits for its pushes. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh store with the API layer (for realistic records) and a service on it; random64 counts up from 1. */
export function serviceFixture(options: ControllerConfigServiceOptions = {}): ServiceFixture {
  const { dir, cleanup } = tempDir();
  const store = new SqliteControllerStore(join(dir, 'controller.db'));
  const clock = { now: T0 };
  const api = new NetworkController(store, { controllerAddress: CONTROLLER_HEX, now: () => clock.now });
  const sink = new RecordingSink();
  const logs: LogLine[] = [];
  let counter = 0n;
  const service = new ControllerConfigService(store, CONTROLLER, {
    sink,
    random64: () => ++counter,
    logger: {
      debug: (fields, message) => logs.push({ level: 'debug', fields, message }),
      warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
    },
    ...options,
  });
  return {
    store,
    api,
    service,
    sink,
    logs,
    clock,
    async ask(requester, nwid = NWID, metadata = nodeMetadata(), now = clock.now) {
      const r = recorder();
      service.onConfigRequest(now, requester, nwid, metadata, r.reply);
      await service.idle();
      assert.ok(r.answers.length <= 1, 'answered at most once');
      return r.answers;
    },
    async flush() {
      service.processBackgroundTasks(clock.now);
      await service.idle();
    },
    async close() {
      service.close();
      await service.idle();
      await store.close();
      cleanup();
    },
  };
}

export function configOf(answers: Answer[]): NetworkConfig {
  assert.equal(answers.length, 1, 'one answer');
  const a = answers[0];
  assert.equal(a.kind, 'config', a.kind === 'error' ? `expected a config, got ${a.code}` : '');
  return (a as { config: NetworkConfig }).config;
}

export function errorOf(answers: Answer[]): ConfigErrorCode {
  assert.equal(answers.length, 1, 'one answer');
  const a = answers[0];
  assert.equal(a.kind, 'error');
  return (a as { code: ConfigErrorCode }).code;
}
