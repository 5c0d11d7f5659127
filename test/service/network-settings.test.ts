/** networks.d/<nwid>.local.conf (service-api.md §7.2). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cidrToText } from '../../src/service/ip-text.js';
import { defaultNetworkSettings, formatNetworkSettings, parseNetworkSettings } from '../../src/service/networks/network-settings.js';

function parsed(text: string) {
  const r = parseNetworkSettings(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.settings;
}

test('network settings: defaults (missing file, missing keys) are managed on, the rest off', () => {
  assert.deepEqual(parsed(''), defaultNetworkSettings());
  assert.deepEqual(parsed('allowDNS=1\n'), { ...defaultNetworkSettings(), allowDNS: true });
  assert.equal(parsed('allowGlobal=1').allowManaged, true, 'a missing allowManaged is true');
});

test('network settings: written in the reference order, read back', () => {
  const s = { ...defaultNetworkSettings(), allowGlobal: true, allowDNS: true };
  assert.equal(formatNetworkSettings(s), 'allowManaged=1\nallowGlobal=1\nallowDefault=0\nallowDNS=1\n');
  assert.deepEqual(parsed(formatNetworkSettings(s)), s);
  assert.equal(formatNetworkSettings({ ...s, allowManaged: false }).split('\n')[0], 'allowManaged=0');
});

test('network settings: booleans by first character 1/t/T, anything else false', () => {
  for (const [v, want] of [
    ['1', true],
    ['true', true],
    ['T', true],
    ['tx', true],
    ['0', false],
    ['false', false],
    ['yes', false],
    ['', false],
  ] as const) {
    assert.equal(parsed(`allowDefault=${v}`).allowDefault, want, v);
  }
});

test('network settings: a long allowManaged value is a CIDR whitelist (kept when written back)', () => {
  const s = parsed('allowManaged=10.0.0.0/8,fd00::/8\r\nallowGlobal=0\n');
  assert.equal(s.allowManaged, true);
  assert.deepEqual(s.managedWhitelist.map(cidrToText), ['10.0.0.0/8', 'fd00::/8']);
  assert.equal(formatNetworkSettings(s).split('\n')[0], 'allowManaged=10.0.0.0/8,fd00::/8');
  assert.deepEqual(parsed(formatNetworkSettings(s)).managedWhitelist.map(cidrToText), ['10.0.0.0/8', 'fd00::/8']);
});

test('network settings: corrupt files are reported, defaults used', () => {
  for (const text of ['\0\0\0garbage', 'this is not a settings file', 'allowManaged=10.0.0.0/8,nonsense', 'allowManaged=1.2.3.4.5/99', '=1']) {
    const r = parseNetworkSettings(text);
    assert.equal(r.ok, false, text);
    assert.deepEqual(r.settings, defaultNetworkSettings());
    if (!r.ok) assert.ok(r.error.length > 0);
  }
  assert.equal(parsed('# comment\nunknownKey=1\nallowDNS=1').allowDNS, true, 'comments and unknown keys are ignored');
});

test('network settings: never throws; valid settings round-trip (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      parseNetworkSettings(text);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (allowManaged, allowGlobal, allowDefault, allowDNS) => {
      const s = { managedWhitelist: [], allowManaged, allowGlobal, allowDefault, allowDNS };
      assert.deepEqual(parsed(formatNetworkSettings(s)), s);
    }),
    { numRuns: 50 },
  );
});
