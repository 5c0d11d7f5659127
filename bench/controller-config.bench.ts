/**
 * Controller config requests answered per second for a network of 1,000 authorized members
 * (SQLite store, IPv4 pool + RFC4193 + 6PLANE, a default tag, a default capability, a few
 * rules): the whole ControllerConfigService path (rate limit, store transaction, contents,
 * COM/tag/capability/COO signing, dictionary size check), first requests (which assign an IPv4
 * and save the member) and repeat requests; then build + sign alone, without the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerConfigService } from '../src/controller/config-service.js';
import { issueNetworkConfig } from '../src/controller/config-issuer.js';
import { buildConfigContents } from '../src/controller/config-contents.js';
import { resolveConfigRequest } from '../src/controller/config-request.js';
import { NetworkController } from '../src/controller/network-controller.js';
import { newMemberRecord } from '../src/controller/records.js';
import { SqliteControllerStore } from '../src/controller/store/sqlite-store.js';
import type { ConfigErrorCode } from '../src/controller/vl2-link.js';
import { Identity } from '../src/core/vl1/identity.js';
import { Dictionary } from '../src/core/vl2/dictionary.js';
import type { NetworkConfig } from '../src/core/vl2/netconf.js';
import { fmt, opsPerSecond } from './timing.js';

const MEMBERS = 1000;
// Made once per run (about half a second of proof of work); its address prefixes the network id.
const controller = Identity.generate();
const CONTROLLER_HEX = controller.address.toString(16).padStart(10, '0');
const NWID_HEX = `${CONTROLLER_HEX}000001`;
const NWID = BigInt('0x' + NWID_HEX);

/** Members are never validated by the controller, so made-up keys do. */
function member(i: number): Identity {
  const key = new Uint8Array(64);
  for (let k = 0; k < 64; k++) key[k] = (i * 131 + k * 17 + (i >> 8)) & 0xff;
  return new Identity(0x1000000000 + i, key);
}

const metadata = Dictionary.parse(
  new TextEncoder().encode('v=7\nvend=1\npv=c\nmajv=1\nminv=e\nrevv=1\nmr=400\nmc=80\nmcr=40\nmt=80\nf=0\nrevr=1\no=linux/x86_64\n'),
  1024,
);
if (!metadata.ok) throw metadata.error;
const meta = metadata.value;

const dir = mkdtempSync(join(tmpdir(), 'tierzero-controller-config-bench-'));
const store = new SqliteControllerStore(join(dir, 'controller.db'));
const members = Array.from({ length: MEMBERS }, (_, i) => member(i));
let counter = 0n;
const service = new ControllerConfigService(store, controller, { random64: () => ++counter });

/** Every member asks once at `now`, `width` requests in flight; returns answers per second. */
async function round(now: number, width: number): Promise<number> {
  let configs = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < MEMBERS) {
        const i = next++;
        await new Promise<void>((resolve, reject) => {
          service.onConfigRequest(now, members[i], NWID, meta, {
            config: (_c: NetworkConfig) => {
              configs++;
              resolve();
            },
            error: (code: ConfigErrorCode) => reject(new Error(code)),
          });
        });
      }
    }),
  );
  const s = (performance.now() - start) / 1000;
  if (configs !== MEMBERS) throw new Error(`only ${configs} configs`);
  return MEMBERS / s;
}

try {
  const api = new NetworkController(store, { controllerAddress: CONTROLLER_HEX, now: () => 1_700_000_000_000 });
  await api.postNetwork(NWID_HEX, {
    name: 'bench',
    v4AssignMode: { zt: true },
    v6AssignMode: { rfc4193: true, '6plane': true, zt: false },
    routes: [{ target: '10.0.0.0/16', via: null }],
    ipAssignmentPools: [{ ipRangeStart: '10.0.0.1', ipRangeEnd: '10.0.255.254' }],
    rulesSource: 'tag dept id 1 default 10;\ncap admin id 7 default accept;;\ndrop not ethertype 0x0800 and not ethertype 0x0806 and not ethertype 0x86dd;\naccept;',
  });
  await store.transaction(async (tx) => {
    for (const m of members) {
      const id = m.address.toString(16).padStart(10, '0');
      await tx.putMember({ ...newMemberRecord(NWID_HEX, id, 1_700_000_000_000), authorized: true, capabilities: [7], revision: 1 });
    }
  });

  const now = 1_700_000_100_000;
  console.log(`config requests, ${MEMBERS}-member network (store + build + sign), first (assigns an IPv4, saves the member): ${fmt(await round(now, 16), 0)} req/s`);
  console.log(`config requests, repeat (no member change), 16 in flight: ${fmt(await round(now + 2_000, 16), 0)} req/s`);
  console.log(`config requests, repeat, one at a time: ${fmt(await round(now + 4_000, 1), 0)} req/s`);

  const id = members[0].address.toString(16).padStart(10, '0');
  const decision = await resolveConfigRequest(store, { nwid: NWID_HEX, memberId: id, identity: members[0].toString(), now, genuine: false, metadata: { rulesEngineRevision: 1 } });
  if (decision.kind !== 'authorized') throw new Error(decision.kind);
  const { contents } = buildConfigContents(decision, members[0], now);
  let nc: NetworkConfig | undefined;
  const rate = opsPerSecond(() => {
    nc = issueNetworkConfig(contents, controller);
  });
  const c = nc!.credentials;
  console.log(`build + sign only (COM + ${c.tags.length} tag + ${c.capabilities.length} capability + ${c.certificatesOfOwnership.length} COO): ${fmt(rate, 0)} configs/s`);
} finally {
  service.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
