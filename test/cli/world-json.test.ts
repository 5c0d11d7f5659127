import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex } from '../../src/core/vl1/bytes.js';
import { c25519Generate } from '../../src/core/vl1/c25519.js';
import { Identity } from '../../src/core/vl1/identity.js';
import { inetAddressToString } from '../../src/core/vl1/inet-address.js';
import { decodeWorld, serializeWorld, verifyWorld } from '../../src/core/vl1/world.js';
import { formatWorldJson, moonFileName, parseWorldId, worldFromJson, worldTemplate, type WorldJson } from '../../src/tools/world-json.js';
import { loadVectors } from '../helpers/vectors.js';

const moon = loadVectors('vl1_world_moon.json');
const ids = loadVectors('vl1_identities.json');

function pub(name: string): string {
  return ids.identities.find((i: { name: string }) => i.name === name).public;
}

for (const [name, json, binary, decoded] of [
  ['initmoonJson', moon.initmoonJson, moon.binary, moon.decoded],
  ['updateJson', moon.updateJson, moon.updateBinary, moon.updateDecoded],
] as const) {
  test(`genmoon from ${name} reproduces the reference binary at its timestamp`, () => {
    const r = worldFromJson(json, { timestamp: BigInt(decoded.timestamp) });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(bytesToHex(serializeWorld(r.value.world)), binary);
    assert.equal(moonFileName(r.value.world), `${decoded.idHex}.moon`);
  });
}

function planetJson(overrides: Partial<Record<keyof WorldJson, unknown>> = {}): Record<string, unknown> {
  const key = c25519Generate();
  return {
    id: '149604619',
    objtype: 'world',
    roots: [
      { identity: pub('root1'), stableEndpoints: ['2001:db8::9/9993', '10.0.0.9/9993', '10.0.0.8/9993'] },
      { identity: pub('alice'), stableEndpoints: ['192.0.2.1/443'] },
      { identity: pub('bob') },
    ],
    signingKey: bytesToHex(key.publicKey),
    signingKey_SECRET: bytesToHex(key.privateKey),
    updatesMustBeSignedBy: bytesToHex(key.publicKey),
    worldType: 'planet',
    ...overrides,
  };
}

test('world json: planets sort roots by address and endpoints like the reference, and verify', () => {
  const r = worldFromJson(planetJson(), { timestamp: 1234n, idFormat: 'auto', requireType: 1 });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const w = r.value.world;
  assert.equal(w.type, 1);
  assert.equal(w.id, 149604619n);
  assert.deepEqual(
    w.roots.map((x) => x.identity.toString().slice(0, 10)),
    [pub('bob'), pub('root1'), pub('alice')].map((s) => s.slice(0, 10)).sort(),
  );
  const root1 = w.roots.find((x) => x.identity.toString() === pub('root1'))!;
  assert.deepEqual(root1.stableEndpoints.map(inetAddressToString), ['10.0.0.8/9993', '10.0.0.9/9993', '2001:db8::9/9993']);
  const d = decodeWorld(serializeWorld(w));
  assert.ok(d.ok && verifyWorld(d.value.world));
});

test('world json: ids in decimal, hex or 0x form', () => {
  assert.equal(parseWorldId('149604618', 'auto'), 149604618n);
  assert.equal(parseWorldId(149604618, 'auto'), 149604618n);
  assert.equal(parseWorldId('0x8eac90a', 'auto'), 149604618n);
  assert.equal(parseWorldId('8eac90a', 'auto'), 149604618n);
  assert.equal(parseWorldId('80f9c1d0b5', 'hex'), 0x80f9c1d0b5n);
  assert.equal(parseWorldId('18446744073709551615', 'auto'), (1n << 64n) - 1n);
  for (const bad of ['0', '', 'xyz', '18446744073709551616', '0x', '12345678901234567', null, 12.5, -1]) {
    assert.throws(() => parseWorldId(bad, bad === '12345678901234567' ? 'hex' : 'auto'), /id: /, String(bad));
  }
});

test('world json: every problem names its field', () => {
  const cases: [Record<string, unknown> | unknown, RegExp][] = [
    [[], /^\(document\): /],
    [planetJson({ worldType: 'moon' }), /^worldType: must be "planet"/],
    [planetJson({ worldType: 'sun' }), /^worldType: must be "moon" or "planet"/],
    [planetJson({ id: 'zz' }), /^id: /],
    [planetJson({ signingKey: 'abc' }), /^signingKey: must be 128 hex digits/],
    [planetJson({ signingKey_SECRET: bytesToHex(c25519Generate().privateKey) }), /^signingKey_SECRET: is not the private half of signingKey/],
    [planetJson({ updatesMustBeSignedBy: undefined }), /^updatesMustBeSignedBy: /],
    [planetJson({ roots: {} }), /^roots: must be an array/],
    [planetJson({ roots: [] }), /^roots: a world needs at least one root/],
    [planetJson({ roots: ['a', 'b', 'c', 'd', 'e'] }), /^roots: a world holds at most 4 roots/],
    [planetJson({ roots: ['x'] }), /^roots\[0\]: must be an object/],
    [planetJson({ roots: [{ identity: 5 }] }), /^roots\[0\]\.identity: must be a public identity string/],
    [planetJson({ roots: [{ identity: 'nope' }] }), /^roots\[0\]\.identity: not a valid identity/],
    [planetJson({ roots: [{ identity: ids.invalid[0].public }] }), /^roots\[0\]\.identity: identity c7f7b1cbd9 fails validation/],
    [planetJson({ roots: [{ identity: pub('bob') }, { identity: pub('bob') }] }), /^roots\[1\]\.identity: same address as roots\[0\]/],
    [planetJson({ roots: [{ identity: pub('bob'), stableEndpoints: '1.2.3.4/1' }] }), /^roots\[0\]\.stableEndpoints: must be an array/],
    [planetJson({ roots: [{ identity: pub('bob'), stableEndpoints: ['1.2.3.4/1', 'foo'] }] }), /^roots\[0\]\.stableEndpoints\[1\]: "foo" is not an "ip\/port" address/],
    [planetJson({ roots: [{ identity: pub('bob'), stableEndpoints: ['1.2.3.4'] }] }), /^roots\[0\]\.stableEndpoints\[0\]: "1.2.3.4" has no port/],
    [planetJson({ roots: [{ identity: pub('bob'), stableEndpoints: [7] }] }), /^roots\[0\]\.stableEndpoints\[0\]: must be an "ip\/port" string/],
    [
      planetJson({ roots: [{ identity: pub('bob'), stableEndpoints: Array.from({ length: 33 }, (_, i) => `10.0.0.${i}/1`) }] }),
      /^roots\[0\]\.stableEndpoints: a root holds at most 32 endpoints/,
    ],
  ];
  for (const [json, re] of cases) {
    const r = worldFromJson(json, { timestamp: 1n, idFormat: 'auto', requireType: 1 });
    assert.ok(!r.ok, String(re));
    assert.match(r.error.message, re);
  }
});

test('world json: templates print like initmoon and build once endpoints are filled in', () => {
  const key = c25519Generate();
  const seed = Identity.fromString(moon.seedIdentitySecret);
  assert.ok(seed.ok);
  const t = worldTemplate(127, [seed.value.publicOnly()], key);
  const text = formatWorldJson(t);
  assert.equal(
    text,
    [
      '{',
      ` "id": "${moon.initmoonJson.id}",`,
      ' "objtype": "world",',
      ' "roots": [',
      '  {',
      `   "identity": "${moon.initmoonJson.roots[0].identity}",`,
      '   "stableEndpoints": []',
      '  }',
      ' ],',
      ` "signingKey": "${bytesToHex(key.publicKey)}",`,
      ` "signingKey_SECRET": "${bytesToHex(key.privateKey)}",`,
      ` "updatesMustBeSignedBy": "${bytesToHex(key.publicKey)}",`,
      ' "worldType": "moon"',
      '}',
    ].join('\n'),
  );
  const filled = JSON.parse(text);
  filled.roots[0].stableEndpoints.push('10.1.2.3/9993');
  const r = worldFromJson(filled, { timestamp: 9n });
  assert.ok(r.ok && r.value.world.id === 0x80f9c1d0b5n && verifyWorld(r.value.world));
  const p = worldTemplate(1, [seed.value], key, 42n);
  assert.equal(p.id, '42');
  assert.equal(p.worldType, 'planet');
});
