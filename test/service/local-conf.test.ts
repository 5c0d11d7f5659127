import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LocalConfError, parseLocalConf } from '../../src/service/local-conf.js';
import { cidrToText } from '../../src/service/ip-text.js';
import { inetAddressToString } from '../../src/core/vl1/inet-address.js';

function good(text: string) {
  const r = parseLocalConf(text);
  if (!r.ok) assert.fail(`expected success, got: ${r.error.message}`);
  return r.value;
}

function bad(text: string): LocalConfError {
  const r = parseLocalConf(text);
  if (r.ok) assert.fail('expected an error');
  return r.error;
}

test('local.conf: empty file and {} give the defaults', () => {
  for (const text of ['', '  \n', '{}']) {
    const c = good(text);
    assert.deepEqual(c.physical, []);
    assert.deepEqual(c.virtual, []);
    assert.equal(c.settings.primaryPort, undefined);
    assert.equal(c.settings.allowSecondaryPort, true);
    assert.equal(c.settings.secondaryPort, 0);
    assert.equal(c.settings.bind, undefined);
    assert.deepEqual(c.settings.interfacePrefixBlacklist, []);
    assert.deepEqual(c.notes, []);
  }
});

test('local.conf: a full, valid file', () => {
  const c = good(
    JSON.stringify({
      physical: {
        '10.0.0.0/8': { blacklist: true },
        '192.168.7.0/24': { trustedPathId: 42, mtu: 2800 },
        'fd00::/8': { trustedPathId: '18446744073709551615' },
      },
      virtual: {
        '89e92ceee5': { try: ['203.0.113.5/9993', '[2001:db8::1]:9993'], blacklist: ['198.51.100.0/24'] },
      },
      settings: {
        primaryPort: 19993,
        allowSecondaryPort: false,
        secondaryPort: '20001',
        portMappingEnabled: false,
        allowTcpFallbackRelay: 0,
        bind: ['10.1.2.3', 'fd00::2'],
        interfacePrefixBlacklist: ['docker', 'veth'],
        softwareUpdate: 'disable',
      },
    }),
  );
  assert.equal(c.physical.length, 3);
  assert.equal(cidrToText(c.physical[0]!.network), '10.0.0.0/8');
  assert.equal(c.physical[0]!.blacklist, true);
  assert.equal(c.physical[1]!.trustedPathId, 42n);
  assert.equal(c.physical[1]!.mtu, 2800);
  assert.equal(c.physical[2]!.trustedPathId, 0xffffffffffffffffn);
  assert.equal(c.virtual[0]!.address, 0x89e92ceee5);
  assert.deepEqual(c.virtual[0]!.tryAddresses.map(inetAddressToString), ['203.0.113.5/9993', '2001:db8::1/9993']);
  assert.equal(cidrToText(c.virtual[0]!.blacklist[0]!), '198.51.100.0/24');
  assert.equal(c.settings.primaryPort, 19993);
  assert.equal(c.settings.allowSecondaryPort, false);
  assert.equal(c.settings.secondaryPort, 20001);
  assert.equal(c.settings.portMappingEnabled, false);
  assert.equal(c.settings.allowTcpFallbackRelay, false);
  assert.deepEqual(c.settings.bind!.map((b) => b.family), [4, 6]);
  assert.deepEqual(c.settings.interfacePrefixBlacklist, ['docker', 'veth']);
  assert.ok(c.notes.some((n) => n.includes('manually-specified secondary')));
});

test('local.conf: lenient coercions as ZeroTier does them', () => {
  const c = good('{"settings":{"allowSecondaryPort":"false","portMappingEnabled":"True","primaryPort":"9994","allowTcpFallbackRelay":1}}');
  assert.equal(c.settings.allowSecondaryPort, false);
  assert.equal(c.settings.portMappingEnabled, true);
  assert.equal(c.settings.primaryPort, 9994);
  assert.equal(c.settings.allowTcpFallbackRelay, true);
});

test('local.conf: unsupported features are accepted and noted', () => {
  const c = good('{"settings":{"portMappingEnabled":true,"allowTcpFallbackRelay":true,"forceTcpRelay":true,"frobnicate":1},"extra":{}}');
  const notes = c.notes.join('\n');
  assert.match(notes, /UPnP/);
  assert.match(notes, /TCP fallback relay/);
  assert.match(notes, /forceTcpRelay/);
  assert.match(notes, /settings\.frobnicate ignored/);
  assert.match(notes, /top-level key "extra"/);
});

test('local.conf: out-of-range mtu is clamped with a note', () => {
  const c = good('{"physical":{"10.0.0.0/8":{"mtu":20000}}}');
  assert.equal(c.physical[0]!.mtu, 10324);
  assert.ok(c.notes.some((n) => n.includes('clamped')));
});

const corrupt: [string, string, RegExp][] = [
  ['truncated JSON', '{"settings": {"primaryPort": 99', /invalid JSON/],
  ['not JSON at all', 'primaryPort=9993', /invalid JSON/],
  ['root is an array', '[1,2]', /root element is not a JSON object/],
  ['root is a string', '"hello"', /root element is not a JSON object/],
  ['binary garbage', '\u0000\u0001\u00ff{', /invalid JSON/],
];
for (const [name, text, message] of corrupt) {
  test(`local.conf corrupt: ${name}`, () => {
    const e = bad(text);
    assert.match(e.message, /^local\.conf: /);
    assert.match(e.message, message);
  });
}

const badFields: [string, unknown, string][] = [
  ['port not a number', { settings: { primaryPort: 'abc' } }, 'settings.primaryPort'],
  ['port too big', { settings: { primaryPort: 70000 } }, 'settings.primaryPort'],
  ['port negative', { settings: { secondaryPort: -1 } }, 'settings.secondaryPort'],
  ['port fractional', { settings: { tertiaryPort: 1.5 } }, 'settings.tertiaryPort'],
  ['bool nonsense', { settings: { allowSecondaryPort: 'maybe' } }, 'settings.allowSecondaryPort'],
  ['bool object', { settings: { portMappingEnabled: {} } }, 'settings.portMappingEnabled'],
  ['settings not an object', { settings: [1] }, 'settings'],
  ['bind not a list', { settings: { bind: '10.0.0.1' } }, 'settings.bind'],
  ['bind bad ip', { settings: { bind: ['10.0.0.300'] } }, 'settings.bind[0]'],
  ['bind item not a string', { settings: { bind: [10] } }, 'settings.bind[0]'],
  ['blacklist prefixes not strings', { settings: { interfacePrefixBlacklist: [null] } }, 'settings.interfacePrefixBlacklist[0]'],
  ['relay not ip/port', { settings: { tcpFallbackRelay: 'relay.example' } }, 'settings.tcpFallbackRelay'],
  ['physical key not a CIDR', { physical: { 'lan': {} } }, 'physical["lan"]'],
  ['physical prefix too long', { physical: { '10.0.0.0/33': {} } }, 'physical["10.0.0.0/33"]'],
  ['physical entry not an object', { physical: { '10.0.0.0/8': true } }, 'physical["10.0.0.0/8"]'],
  ['trustedPathId negative', { physical: { '10.0.0.0/8': { trustedPathId: -3 } } }, 'physical["10.0.0.0/8"].trustedPathId'],
  ['trustedPathId too big', { physical: { '10.0.0.0/8': { trustedPathId: '18446744073709551616' } } }, 'physical["10.0.0.0/8"].trustedPathId'],
  ['trustedPathId unsafe number', { physical: { '10.0.0.0/8': { trustedPathId: 2 ** 60 } } }, 'physical["10.0.0.0/8"].trustedPathId'],
  ['mtu not a number', { physical: { '10.0.0.0/8': { mtu: 'big' } } }, 'physical["10.0.0.0/8"].mtu'],
  ['blacklist of everything', { physical: { '0.0.0.0/0': { blacklist: true } } }, 'physical["0.0.0.0/0"].blacklist'],
  ['virtual key not an address', { virtual: { 'xyz': {} } }, 'virtual["xyz"]'],
  ['virtual key reserved', { virtual: { ff00000001: {} } }, 'virtual["ff00000001"]'],
  ['virtual try not ip/port', { virtual: { '89e92ceee5': { try: ['10.0.0.1'] } } }, 'virtual["89e92ceee5"].try[0]'],
  ['virtual blacklist bad', { virtual: { '89e92ceee5': { blacklist: ['nope'] } } }, 'virtual["89e92ceee5"].blacklist[0]'],
];
for (const [name, json, field] of badFields) {
  test(`local.conf bad field: ${name} names ${field}`, () => {
    const e = bad(JSON.stringify(json));
    assert.equal(e.field, field);
    assert.ok(e.message.startsWith(`local.conf: ${field}: `), e.message);
  });
}

test('local.conf property: any text parses or fails with a LocalConfError, never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const r = parseLocalConf(text);
      if (!r.ok) assert.ok(r.error instanceof LocalConfError);
    }),
    { numRuns: 300 },
  );
});

test('local.conf property: any JSON value under the known keys never throws', () => {
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const conf = fc.record(
    {
      physical: fc.dictionary(fc.oneof(fc.constant('10.0.0.0/8'), fc.string({ maxLength: 12 })), anyJson, { maxKeys: 3 }),
      virtual: fc.dictionary(fc.oneof(fc.constant('89e92ceee5'), fc.string({ maxLength: 12 })), anyJson, { maxKeys: 3 }),
      settings: fc.dictionary(
        fc.constantFrom('primaryPort', 'secondaryPort', 'allowSecondaryPort', 'bind', 'interfacePrefixBlacklist', 'portMappingEnabled', 'x'),
        anyJson,
      ),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(conf, (c) => {
      const r = parseLocalConf(JSON.stringify(c));
      if (!r.ok) assert.ok(r.error instanceof LocalConfError);
    }),
    { numRuns: 300 },
  );
});
