/**
 * Hostile requests never crash the local API: random bodies (strings, JSON of any shape, huge
 * numbers, wrong types) on every endpoint that takes one, and random methods, paths and headers,
 * give a 2xx or 4xx (never 5xx), a 4xx from our validation names the field, and the API still
 * answers /status afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { apiRig, auth } from './api-rig.js';

const bodies = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.json({ maxDepth: 3 }),
  fc.record(
    {
      allowManaged: fc.anything({ maxDepth: 1 }),
      allowGlobal: fc.anything({ maxDepth: 1 }),
      allowDNS: fc.boolean(),
      seed: fc.oneof(fc.stringMatching(/^[0-9a-f]{0,20}$/), fc.anything({ maxDepth: 1 })),
      primaryPort: fc.oneof(fc.integer(), fc.string({ maxLength: 8 })),
      allowManagementFrom: fc.oneof(fc.array(fc.oneof(fc.ipV4(), fc.string({ maxLength: 12 })), { maxLength: 3 }), fc.anything({ maxDepth: 1 })),
      name: fc.anything({ maxDepth: 1 }),
      authorized: fc.anything({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ).map((o) => JSON.stringify(o)),
);

const endpoints = fc.constantFrom(
  'POST /network/877b4c7399000001',
  'PUT /network/877b4c7399000001',
  'POST /moon/5544332211',
  'POST /config/settings',
  'POST /bond/rotate/877b4c7399',
  'POST /controller/network/0c234e38b7______',
  'POST /controller/network',
);

test('api fuzz: random bodies on every endpoint that takes one never give a 5xx', async () => {
  const r = await apiRig({ withController: true });
  try {
    await fc.assert(
      fc.asyncProperty(endpoints, bodies, async (endpoint, payload) => {
        const [method, url] = endpoint.split(' ') as ['POST' | 'PUT', string];
        const res = await r.app.inject({ method, url, headers: auth, payload });
        assert.ok(res.statusCode < 500, `${endpoint} ${payload}: ${res.statusCode} ${res.body}`);
        if (res.statusCode === 400 && !url.startsWith('/bond') && res.body !== '') {
          const parsed = JSON.parse(res.body);
          assert.equal(typeof (parsed.field ?? parsed.message), 'string', res.body);
        }
      }),
      { numRuns: 300 },
    );
    assert.equal((await r.app.inject({ method: 'GET', url: '/status', headers: auth })).statusCode, 200);
  } finally {
    await r.close();
  }
});

test('api fuzz: random methods, paths, queries and headers never give a 5xx', async () => {
  const r = await apiRig({ withController: true });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'),
        fc.oneof(
          fc.webPath(),
          fc.constantFrom('/network/', '/moon/', '/peer/', '/bond/show/', '/bond/setmtu/1/a/', '/controller/network/').chain((p) => fc.string({ maxLength: 24 }).map((s) => p + encodeURIComponent(s))),
        ),
        fc.webQueryParameters(),
        fc.dictionary(fc.constantFrom('x-zt1-auth', 'authorization', 'content-type', 'x-other'), fc.string({ maxLength: 30 }), { maxKeys: 3 }),
        fc.boolean(),
        async (method, path, query, headers, withToken) => {
          const url = `${path.startsWith('/') ? path : `/${path}`}${query ? `?${query}` : ''}`;
          const res = await r.app.inject({ method: method as 'GET', url, headers: withToken ? { ...headers, ...auth } : headers });
          assert.ok(res.statusCode < 500, `${method} ${url}: ${res.statusCode} ${res.body}`);
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    await r.close();
  }
});
