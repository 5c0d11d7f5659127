/**
 * A local API on fakes for the api-*.test.ts files: a fake core node (status, peers, moons,
 * orbit/deorbit recorded), real NetworkPorts on fake TAPs and a FakeVl2, a local.conf held in
 * memory and validated like the service's, real metrics, and optionally the embedded
 * controller on a temporary home.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerApi } from '../../src/controller/api/controller-api.js';
import { openControllerStore } from '../../src/controller/store/open-store.js';
import { Identity } from '../../src/core/vl1/identity.js';
import type { World } from '../../src/core/vl1/world.js';
import type { ManagementAccess } from '../../src/service/api/access.js';
import type { ApiContext } from '../../src/service/api/api-context.js';
import { BadRequest } from '../../src/service/api/json-reply.js';
import { buildLocalApi } from '../../src/service/api/local-api.js';
import type { CoreNode } from '../../src/service/core-node.js';
import { parseLocalConf } from '../../src/service/local-conf.js';
import { silentLogger } from '../../src/service/logger.js';
import { ServiceMetrics } from '../../src/service/metrics.js';
import { NetworkPorts } from '../../src/service/networks/network-ports.js';
import { NetworksDir } from '../../src/service/networks/networks-dir.js';
import { StateStore } from '../../src/service/state-store.js';
import { FakeTapFactory } from '../../src/service/tap/fake-tap.js';
import { FakeVl2, inet } from './vl2-fakes.js';

export const TOKEN = 'abcdefghijklmnopqrstuvwx';
export const METRICS_TOKEN = 'metricsmetricsmetricsmet';
export const NOW = 1795296518581;
export const ADDRESS = 0x0c234e38b7;
export const auth = { 'x-zt1-auth': TOKEN };

/** A moon root (generated once: identities take a moment). */
export const MOON_ROOT = Identity.generate();

export function moonWorld(root: Identity): World {
  return {
    type: 127 as World['type'],
    id: BigInt(root.address),
    timestamp: 1795296121790n,
    updatesMustBeSignedBy: new Uint8Array(64).fill(0x6b),
    signature: new Uint8Array(96).fill(0x05),
    roots: [{ identity: root, stableEndpoints: [inet('192.0.2.2/19990')] }],
  };
}

export interface RigNode extends CoreNode {
  moonList: World[];
  orbits: string[];
  counters: unknown;
}

export function fakeNode(): RigNode {
  const node: RigNode = {
    moonList: [],
    orbits: [],
    counters: {
      datagramsIn: 10,
      bytesIn: 1500,
      datagramsOut: 12,
      bytesOut: 1700,
      relayed: 2,
      verbsIn: { HELLO: 3, OK: 4 },
      verbsOut: { HELLO: 5, NETWORK_CONFIG_REQUEST: 3 },
      verbBytesIn: { HELLO: 300, OK: 400 },
      verbBytesOut: { HELLO: 500, NETWORK_CONFIG_REQUEST: 330 },
      drops: { bad_mac: 7 },
    },
    processWirePacket: () => {},
    processBackgroundTasks: () => 0,
    setLocalAddresses: () => {},
    sendUserMessage: () => true,
    status: () => ({
      address: '0c234e38b7',
      publicIdentity: '0c234e38b7:0:0861bd45d932b4d8988335e08834d2f1364c24185d9135ac1d631d793a73b10decdcfa0f34ba2a539f9dd3d1c8af52ef804876c604c8835ca43d8716c9d90906',
      online: true,
      isRoot: false,
      planetWorldId: 149604618n,
      planetWorldTimestamp: 1644592324813n,
      version: '1.14.1',
    }),
    peers: () => [
      {
        address: '877b4c7399',
        role: 'MOON' as const,
        latency: 0,
        protocolVersion: 12,
        versionMajor: 1,
        versionMinor: 14,
        versionRevision: 1,
        paths: [
          { address: inet('192.0.2.2/19990'), localSocket: 94190943354672, lastSend: 1795296504110, lastReceive: 1795296504110, active: true, expired: false, preferred: false, dead: false, trustedPathId: 0n },
          { address: inet('192.0.2.2/19990'), localSocket: 94190943347520, lastSend: 1795296513918, lastReceive: 1795296513918, active: true, expired: false, preferred: true, dead: false, trustedPathId: 0n },
        ],
      },
      { address: 'cafe04eba9', role: 'PLANET' as const, latency: -1, protocolVersion: -1, versionMajor: -1, versionMinor: -1, versionRevision: -1, paths: [] },
    ],
    moons: () => node.moonList,
    orbit: (_now, id, seed) => void node.orbits.push(`orbit ${id.toString(16)} ${seed.toString(16)}`),
    deorbit: (_now, id) => {
      node.orbits.push(`deorbit ${id.toString(16)}`);
      node.moonList = node.moonList.filter((m) => m.id !== id);
    },
  };
  return node;
}

export interface ApiRig {
  home: string;
  node: RigNode;
  ports: NetworkPorts;
  vl2: FakeVl2;
  app: ReturnType<typeof buildLocalApi>;
  access: ManagementAccess;
  rawConf: Record<string, unknown>;
  close(): Promise<void>;
}

export interface RigOptions {
  withController?: boolean;
  access?: Partial<ManagementAccess>;
}

export async function apiRig(o: RigOptions = {}): Promise<ApiRig> {
  const home = mkdtempSync(join(tmpdir(), 'tz-api-'));
  const ports = new NetworkPorts({
    taps: new FakeTapFactory(),
    ip: { run: async () => ({ ok: true, error: '' }) },
    dir: new NetworksDir(new StateStore(home)),
    log: silentLogger(),
    clock: () => NOW,
    address: ADDRESS,
    defer: (fn) => setImmediate(fn),
    poke: () => {},
  });
  const vl2 = new FakeVl2(ports, ADDRESS);
  ports.attach(vl2);
  const node = fakeNode();
  const rig = { access: { allowFrom: [], tokenInQuery: false, ...o.access }, rawConf: { settings: { primaryPort: 9993 } } as Record<string, unknown> };
  const metrics = new ServiceMetrics({ clock: () => NOW, node, networks: () => ports.views() });
  const ctx: ApiContext = {
    clock: () => NOW,
    node,
    networks: ports,
    log: silentLogger(),
    statusConfig: () => ({ settings: { primaryPort: 9993 } }),
    localPortOf: () => 0,
    localConf: {
      raw: () => rig.rawConf,
      updateSettings: async (patch) => {
        const settings = (rig.rawConf.settings ?? {}) as Record<string, unknown>;
        const next = { ...rig.rawConf, settings: { ...settings, ...patch } };
        const parsed = parseLocalConf(JSON.stringify(next));
        if (!parsed.ok) throw new BadRequest(parsed.error.field || 'body', parsed.error.message);
        rig.rawConf = next;
      },
    },
    metrics,
  };
  const store = o.withController ? openControllerStore(home) : undefined;
  const plugins = store ? [controllerApi(store, { controllerAddress: '0c234e38b7' })] : [];
  const app = buildLocalApi({ context: ctx, token: () => TOKEN, metricsToken: () => METRICS_TOKEN, access: () => rig.access, plugins });
  await app.ready();
  return Object.assign(rig, {
    home,
    node,
    ports,
    vl2,
    app,
    async close() {
      await app.close();
      ports.close();
      await store?.close();
      rmSync(home, { recursive: true, force: true });
    },
  });
}
