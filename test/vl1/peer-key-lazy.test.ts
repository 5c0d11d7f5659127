/** PeerKey makes its suite-3 state on first use only, and the same state every way it is made. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armor, dearmor } from '../../src/core/vl1/armor.js';
import { buildPacket, VERB } from '../../src/core/vl1/packet.js';
import { PeerKey } from '../../src/core/vl1/peer-key.js';
import type { Suite3Backend } from '../../src/core/vl1/suite3-backend.js';
import { hexToBytes } from '../../src/core/vl1/bytes.js';
import { loadVectors } from '../helpers/vectors.js';

const v = loadVectors('vl1_key_agreement.json');

test('PeerKey: no suite-3 state until a suite-3 packet needs it; suite 1 never makes it', () => {
  const key48 = hexToBytes(v.cases[0].key48);
  const pk = new PeerKey(key48);
  assert.equal(pk.hasSuite3State, false);
  const p = buildPacket(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 0x0102030405, 0x0a0b0c0d0e, VERB.ECHO, Uint8Array.of(9, 9, 9));
  armor(p, pk, 1);
  assert.equal(dearmor(p, pk), undefined);
  assert.equal(pk.hasSuite3State, false, 'suite 1 uses only the Salsa20/Poly1305 key');
  const q = buildPacket(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), 0x0102030405, 0x0a0b0c0d0e, VERB.ECHO, Uint8Array.of(9, 9, 9));
  armor(q, pk, 3);
  assert.equal(pk.hasSuite3State, true);
  // A second PeerKey of the same key, made lazily, opens what the first sealed.
  assert.equal(dearmor(q, new PeerKey(key48)), undefined);
});

test('PeerKey: a backend gets K0/K1 from the vector on first use, once per backend', () => {
  for (const c of v.cases) {
    const made: [string, string][] = [];
    const backend: Suite3Backend = {
      name: 'recording',
      createKey: (k0, k1) => {
        made.push([Buffer.from(k0).toString('hex'), Buffer.from(k1).toString('hex')]);
        return made.length;
      },
      armor: () => false,
      dearmor: () => false,
    };
    const pk = new PeerKey(hexToBytes(c.key48));
    assert.equal(made.length, 0);
    assert.equal(pk.suite3HandleFor(backend), 1);
    assert.equal(pk.suite3HandleFor(backend), 1);
    assert.deepEqual(made, [[c.aesGmacSivK0, c.aesGmacSivK1]], `case ${c.a} <-> ${c.b}`);
  }
});
