/**
 * Controller benchmark: member create+authorize requests per second over HTTP on loopback
 * (fastify + SQLite, 32 requests in flight), store reads per second, and config-request data
 * resolutions (authorization + IP assignment + save) per second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createControllerServer } from '../src/controller/api/server.js';
import { resolveConfigRequest } from '../src/controller/config-request.js';
import { SqliteControllerStore } from '../src/controller/store/sqlite-store.js';
import { fmt, median } from './timing.js';

const TOKEN = 'bench-token';
const NWID = '877b4c7399000001';
const MEMBERS = 3000;
const IN_FLIGHT = 32;

const dir = mkdtempSync(join(tmpdir(), 'tierzero-controller-bench-'));
const store = new SqliteControllerStore(join(dir, 'controller.db'));
const app = createControllerServer({ store, authToken: TOKEN, controllerAddress: '877b4c7399' });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const headers = { 'x-zt1-auth': TOKEN };

const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

/** A plain node:http client with keep-alive (fetch costs more CPU than the server being measured). */
function send(method: string, path: string, body?: unknown): Promise<string> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function post(path: string, body: unknown): Promise<void> {
  await send('POST', path, body);
}

const memberId = (i: number) => (0x1000000000 + i).toString(16);

/** Runs `count` jobs with `width` in flight; returns per-job latencies in ms. */
async function pipeline(count: number, width: number, job: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await job(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return latencies;
}

try {
  await post(`/controller/network/${NWID}`, {
    v4AssignMode: { zt: true },
    routes: [{ target: '10.0.0.0/16', via: null }],
    ipAssignmentPools: [{ ipRangeStart: '10.0.0.1', ipRangeEnd: '10.0.255.254' }],
  });

  let t = performance.now();
  const lat = await pipeline(MEMBERS, IN_FLIGHT, (i) => post(`/controller/network/${NWID}/member/${memberId(i)}`, { authorized: true, name: `m${i}` }));
  let s = (performance.now() - t) / 1000;
  console.log(`HTTP member create+authorize: ${fmt(MEMBERS / s, 0)} req/s (${MEMBERS} requests, ${IN_FLIGHT} in flight, median ${fmt(median(lat), 2)} ms)`);

  t = performance.now();
  await pipeline(MEMBERS, IN_FLIGHT, async (i) => {
    await send('GET', `/controller/network/${NWID}/member/${memberId(i)}`);
  });
  s = (performance.now() - t) / 1000;
  console.log(`HTTP member GET: ${fmt(MEMBERS / s, 0)} req/s`);

  const READS = 50_000;
  t = performance.now();
  for (let i = 0; i < READS; i++) await store.getMember(NWID, memberId(i % MEMBERS));
  s = (performance.now() - t) / 1000;
  console.log(`store getMember: ${fmt(READS / s, 0)} reads/s`);

  t = performance.now();
  for (let i = 0; i < READS; i++) await store.isIpAllocated(NWID, `10.0.${(i >> 8) & 255}.${i & 255}`);
  s = (performance.now() - t) / 1000;
  console.log(`store isIpAllocated: ${fmt(READS / s, 0)} reads/s`);

  const LISTS = 50;
  t = performance.now();
  for (let i = 0; i < LISTS; i++) await store.listMemberRevisions(NWID);
  s = (performance.now() - t) / 1000;
  console.log(`store listMemberRevisions (${MEMBERS} members): ${fmt(LISTS / s, 1)} lists/s`);

  t = performance.now();
  await pipeline(MEMBERS, IN_FLIGHT, async (i) => {
    const id = memberId(i);
    const d = await resolveConfigRequest(store, { nwid: NWID, memberId: id, identity: `${id}:0:x`, now: Date.now(), genuine: true, metadata: { rulesEngineRevision: 1 } });
    if (d.kind !== 'authorized') throw new Error(d.kind);
  });
  s = (performance.now() - t) / 1000;
  console.log(`config request resolution (first, assigns an IPv4): ${fmt(MEMBERS / s, 0)} req/s`);

  t = performance.now();
  await pipeline(MEMBERS, IN_FLIGHT, async (i) => {
    const id = memberId(i);
    await resolveConfigRequest(store, { nwid: NWID, memberId: id, identity: `${id}:0:x`, now: Date.now(), genuine: true, metadata: { rulesEngineRevision: 1 } });
  });
  s = (performance.now() - t) / 1000;
  console.log(`config request resolution (repeat, no change): ${fmt(MEMBERS / s, 0)} req/s`);
} finally {
  agent.destroy();
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
