/**
 * Concurrency: many simultaneous HTTP requests on loopback and config requests against one small
 * pool. No address may be assigned twice and no update may be lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfigRequest } from '../../src/controller/config-request.js';
import { AUTH, call, CONTROLLER, fixture, NWID } from './helpers.js';

const NET = `/controller/network/${NWID}`;
const MEMBERS = 200;
const ids = Array.from({ length: MEMBERS }, (_, i) => (0x1000000000 + i * 7919).toString(16).padStart(10, '0'));

async function http(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(base + path, { method, headers: AUTH, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

test(`${MEMBERS} parallel authorizations over HTTP and ${MEMBERS} parallel config requests on a /28 pool`, async () => {
  const f = fixture();
  try {
    const base = await f.app.listen({ host: '127.0.0.1', port: 0 });
    await call(f.app, 'POST', `/controller/network/${CONTROLLER}______`, {});
    await call(f.app, 'POST', NET, {
      v4AssignMode: { zt: true },
      routes: [{ target: '10.20.30.0/28', via: null }],
      ipAssignmentPools: [{ ipRangeStart: '10.20.30.1', ipRangeEnd: '10.20.30.14' }],
    });
    // Every member asks first (creating its record), then authorizations and further requests race.
    await Promise.all(ids.map((id) => resolveConfigRequest(f.store, { nwid: NWID, memberId: id, identity: `${id}:0:x`, now: 1, genuine: true, metadata: {} })));
    const results = await Promise.all([
      ...ids.map((id, i) => http(base, 'POST', `${NET}/member/${id}`, { authorized: true, name: `m${i}` })),
      ...ids.map((id) =>
        resolveConfigRequest(f.store, { nwid: NWID, memberId: id, identity: `${id}:0:x`, now: 2, genuine: true, metadata: { rulesEngineRevision: 1 } }),
      ),
      ...ids.map((id) => http(base, 'POST', `${NET}/member/${id}`, { tags: [[1, 2]] })),
    ]);
    for (const r of results.slice(0, MEMBERS)) assert.equal((r as { status: number }).status, 200);

    // A second round: every request now sees its authorization.
    await Promise.all(ids.map((id) => resolveConfigRequest(f.store, { nwid: NWID, memberId: id, identity: `${id}:0:x`, now: 3, genuine: true, metadata: {} })));

    const list = await http(base, 'GET', `/unstable/controller/network/${NWID}/member`);
    assert.deepEqual(list.json.meta, { authorizedCount: MEMBERS, totalCount: MEMBERS });
    const assigned = list.json.data.flatMap((m: any) => m.ipAssignments);
    assert.equal(new Set(assigned).size, assigned.length, `duplicates in ${assigned}`);
    // 10.20.30.1 .. .13 (the pool end is never produced).
    assert.equal(assigned.length, 13);
    for (const m of list.json.data) {
      const i = ids.indexOf(m.id);
      assert.equal(m.name, `m${i}`, 'the name update was kept');
      assert.deepEqual(m.tags, [[1, 2]], 'the tags update was kept');
      assert.equal(m.authorized, true);
    }
  } finally {
    await f.close();
  }
});

test('parallel upserts of one member from many requests: every distinct change bumps the revision exactly once', async () => {
  const f = fixture();
  try {
    const base = await f.app.listen({ host: '127.0.0.1', port: 0 });
    await call(f.app, 'POST', `/controller/network/${CONTROLLER}______`, {});
    const N = 100;
    await Promise.all(Array.from({ length: N }, (_, i) => http(base, 'POST', `${NET}/member/aabbccddee`, { remoteTraceLevel: i + 1 })));
    const m = await http(base, 'GET', `${NET}/member/aabbccddee`);
    // Created at the first request (revision 1), then N − 1 changes.
    assert.equal(m.json.revision, N);
  } finally {
    await f.close();
  }
});

test('parallel random network creation never reuses an id', async () => {
  const f = fixture({ suffixes: Array.from({ length: 300 }, (_, i) => i % 40) });
  try {
    const created = await Promise.all(Array.from({ length: 40 }, () => call(f.app, 'POST', '/controller/network', {})));
    const idsCreated = created.map((r) => r.json.id);
    assert.equal(new Set(idsCreated).size, 40);
  } finally {
    await f.close();
  }
});
