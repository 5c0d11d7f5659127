/** networks.d persistence: joined networks, configs, local settings, corrupt files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyNetworkConfig, networkConfigToDictionary } from '../../src/core/vl2/netconf.js';
import { StateStore } from '../../src/service/state-store.js';
import { NetworksDir } from '../../src/service/networks/networks-dir.js';
import { defaultNetworkSettings } from '../../src/service/networks/network-settings.js';

function withDir(fn: (dir: NetworksDir, home: string) => void): void {
  const home = mkdtempSync(join(tmpdir(), 'tz-netd-'));
  try {
    fn(new NetworksDir(new StateStore(home)), home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function sampleConfig(nwid: bigint) {
  const c = emptyNetworkConfig();
  c.networkId = nwid;
  c.timestamp = 1700000000000;
  c.revision = 7;
  c.issuedTo = 0x0c234e38b7;
  c.name = 'sample';
  c.mtu = 2800;
  return c;
}

test('networks.d: join writes a placeholder, a config replaces it, leave removes both files', () =>
  withDir((dir, home) => {
    const nwid = 0x877b4c739939ef9fn;
    assert.deepEqual(dir.listJoined(), { networks: [], problems: [] }, 'no directory yet');
    dir.markJoined(nwid);
    const conf = join(home, 'networks.d', '877b4c739939ef9f.conf');
    assert.equal(readFileSync(conf, 'utf8'), '\n');
    assert.equal(statSync(conf).mode & 0o777, 0o600);
    dir.saveConfig(nwid, sampleConfig(nwid));
    assert.deepEqual([...readFileSync(conf)], [...networkConfigToDictionary(sampleConfig(nwid))!]);
    dir.markJoined(nwid);
    assert.notEqual(readFileSync(conf, 'utf8'), '\n', 'markJoined keeps a stored config');
    dir.writeSettings(nwid, { ...defaultNetworkSettings(), allowDNS: true });
    assert.equal(readFileSync(join(home, 'networks.d', '877b4c739939ef9f.local.conf'), 'utf8'), 'allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=1\n');
    assert.equal(dir.readSettings(nwid).settings.allowDNS, true);
    assert.deepEqual(dir.listJoined(), { networks: [nwid], problems: [] });
    dir.forget(nwid);
    assert.equal(existsSync(conf), false);
    assert.equal(existsSync(join(home, 'networks.d', '877b4c739939ef9f.local.conf')), false);
    dir.forget(nwid);
    assert.deepEqual(dir.listJoined().networks, []);
  }));

test('networks.d: corrupt files are reported by name and skipped; others still listed', () =>
  withDir((dir, home) => {
    const d = join(home, 'networks.d');
    mkdirSync(d);
    writeFileSync(join(d, '0000000000000001.conf'), '\n');
    writeFileSync(join(d, '0000000000000002.conf'), 'garbage\0\x01\x02not a dictionary');
    writeFileSync(join(d, '0000000000000003.conf'), networkConfigToDictionary(sampleConfig(0x99n))!);
    writeFileSync(join(d, '0000000000000004.conf'), Buffer.alloc(600 * 1024, 0x41));
    writeFileSync(join(d, '0000000000000005.conf'), networkConfigToDictionary(sampleConfig(5n))!);
    writeFileSync(join(d, 'README'), 'not a network');
    writeFileSync(join(d, '0000000000000001.local.conf'), '\0\0binary');
    mkdirSync(join(d, '0000000000000006.conf'));
    const { networks, problems } = dir.listJoined();
    assert.deepEqual(networks, [1n, 5n]);
    assert.equal(problems.length, 4);
    assert.match(problems[0]!, /0000000000000002\.conf: not a network config .*; not rejoining it/);
    assert.match(problems[1]!, /0000000000000003\.conf: holds the config of network 0000000000000099/);
    assert.match(problems[2]!, /0000000000000004\.conf: larger than/);
    assert.match(problems[3]!, /0000000000000006\.conf: unreadable/);
    const s = dir.readSettings(1n);
    assert.deepEqual(s.settings, defaultNetworkSettings());
    assert.match(s.problem!, /0000000000000001\.local\.conf: binary content; using the defaults/);
    assert.equal(dir.readSettings(2n).problem, undefined, 'a missing settings file is not a problem');
  }));
