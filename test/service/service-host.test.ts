import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeEvent } from '../../src/core/host.js';
import { parseLocalConf } from '../../src/service/local-conf.js';
import { silentLogger } from '../../src/service/logger.js';
import { ServiceHost, pathPolicyOf } from '../../src/service/service-host.js';
import { StateStore } from '../../src/service/state-store.js';
import { UdpSockets } from '../../src/service/udp-sockets.js';

function hostWith(localConf: string, onFatal: (m: string, e: NodeEvent) => void = () => {}) {
  const conf = parseLocalConf(localConf);
  assert.ok(conf.ok);
  const home = mkdtempSync(join(tmpdir(), 'tz-host-'));
  const host = new ServiceHost({
    udp: new UdpSockets({ onDatagram: () => {}, log: { debug: () => {}, warn: () => {} } }),
    store: new StateStore(home),
    log: silentLogger(),
    policy: pathPolicyOf(conf.value),
    onFatal,
  });
  return { host, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

const ip4 = (a: number, b: number, c: number, d: number, port = 9993) => ({ family: 4 as const, ip: Uint8Array.of(a, b, c, d), port });

test('host: physical blacklists veto paths for every peer, virtual blacklists for one peer', () => {
  const { host, cleanup } = hostWith(
    JSON.stringify({
      physical: { '10.1.0.0/16': { blacklist: true }, '10.2.0.0/16': { trustedPathId: 5 } },
      virtual: { '89e92ceee5': { blacklist: ['192.168.0.0/16'] } },
    }),
  );
  try {
    assert.equal(host.shouldUsePath(0x1111111111, 1, ip4(10, 1, 2, 3)), false);
    assert.equal(host.shouldUsePath(0x1111111111, 1, ip4(10, 2, 2, 3)), true, 'a trusted network is not a blacklist');
    assert.equal(host.shouldUsePath(0x89e92ceee5, 1, ip4(192, 168, 1, 1)), false);
    assert.equal(host.shouldUsePath(0x1111111111, 1, ip4(192, 168, 1, 1)), true, 'other peers may use it');
    assert.equal(host.shouldUsePath(0x89e92ceee5, 1, { family: 6, ip: new Uint8Array(16).fill(1), port: 1 }), true);
  } finally {
    cleanup();
  }
});

test('host: an identity collision asks the service to stop (after the core call returns)', async () => {
  const fatal: string[] = [];
  const { host, cleanup } = hostWith('{}', (m) => fatal.push(m));
  try {
    host.event({ type: 'fatal-identity-collision', root: 0x89e92ceee5 });
    assert.deepEqual(fatal, [], 'not re-entrant: deferred');
    await Promise.resolve();
    assert.equal(fatal.length, 1);
    assert.match(fatal[0]!, /identity collision.*89e92ceee5/);
  } finally {
    cleanup();
  }
});

test('host: user messages are counted per sender, bounded', () => {
  const { host, cleanup } = hostWith('{}');
  try {
    for (let i = 0; i < 3; i++) host.event({ type: 'user-message', from: 0x89e92ceee5, typeId: 1n, data: new Uint8Array(0) });
    for (let i = 0; i < 2000; i++) host.event({ type: 'user-message', from: 0x1000000000 + i, typeId: 1n, data: new Uint8Array(0) });
    assert.equal(host.userMessagesFrom.get('89e92ceee5'), 3);
    assert.equal(host.userMessagesFrom.size, 1024);
  } finally {
    cleanup();
  }
});

test('host: randomBytes gives fresh bytes of the asked length', () => {
  const { host, cleanup } = hostWith('{}');
  try {
    const a = host.randomBytes(32);
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, host.randomBytes(32));
  } finally {
    cleanup();
  }
});
