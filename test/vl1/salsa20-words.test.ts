/** Salsa20.xorBlockIntoWords (used by the identity proof of work) must equal the byte-wise path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Salsa20 } from '../../src/core/vl1/salsa20.js';

test('salsa20 xorBlockIntoWords equals cryptBlockInPlace, block after block, at any word offset', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.constantFrom(12 as const, 20 as const),
      fc.uint8Array({ minLength: 192, maxLength: 192 }),
      fc.integer({ min: 0, max: 32 }),
      (key, iv, rounds, data, wordOffset) => {
        const bytewise = new Salsa20(key, iv, rounds);
        const wordwise = new Salsa20(key, iv, rounds);
        const expected = data.slice();
        const words = new Uint32Array(48 + 16);
        const view = new Uint8Array(words.buffer);
        view.set(data.subarray(0, 128), wordOffset * 4);
        for (let b = 0; b < 2; b++) {
          bytewise.cryptBlockInPlace(expected, b * 64);
          wordwise.xorBlockIntoWords(words, wordOffset + b * 16);
        }
        assert.deepEqual(view.subarray(wordOffset * 4, wordOffset * 4 + 128), expected.subarray(0, 128));
      },
    ),
    { numRuns: 100 },
  );
});
