/**
 * `tierzero join|leave|listnetworks`: zerotier-cli's output lines and exit codes, finding the
 * port and token from the home directory, hints on stderr; and the real command against a real
 * local API server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateService, type ApiResponse, type ApiTarget } from '../../src/cli/api-client.js';
import { type CliIo, listnetworksLine, prettyJson, runJoin, runLeave, runListnetworks } from '../../src/cli/commands/networks.js';
import type { ApiContext } from '../../src/service/api/api-context.js';
import { LocalApiServer, buildLocalApi } from '../../src/service/api/local-api.js';
import type { CoreNode } from '../../src/service/core-node.js';
import { silentLogger } from '../../src/service/logger.js';
import { NetworkPorts } from '../../src/service/networks/network-ports.js';
import { NetworksDir } from '../../src/service/networks/networks-dir.js';
import { StateStore } from '../../src/service/state-store.js';
import { FakeTapFactory } from '../../src/service/tap/fake-tap.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const TOKEN = 'sometokensometokensometo';

function home(port?: string, token?: string): string {
  const h = mkdtempSync(join(tmpdir(), 'tz-cli-net-'));
  if (port !== undefined) writeFileSync(join(h, 'zerotier-one.port'), port);
  if (token !== undefined) writeFileSync(join(h, 'authtoken.secret'), token);
  return h;
}

class FakeIo implements CliIo {
  out = '';
  err = '';
  requests: string[] = [];
  constructor(private readonly answer: (method: string, path: string) => ApiResponse) {}
  stdout(t: string) {
    this.out += t;
  }
  stderr(t: string) {
    this.err += t;
  }
  async request(t: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: string) {
    this.requests.push(`${method} ${t.host}:${t.port} ${path} ${body ?? ''} ${t.token}`);
    return this.answer(method, path);
  }
}

const NET = {
  allowManaged: true,
  assignedAddresses: ['fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88', '172.31.250.17/24'],
  id: '877b4c739939ef9f',
  mac: '9e:e3:1a:d7:4b:fb',
  name: 'harness-net',
  nwid: '877b4c739939ef9f',
  portDeviceName: 'zt6trhlhag',
  status: 'OK',
  type: 'PRIVATE',
};

test('cli join/leave: 200 OK lines, -j raw body, the port and token from the home', async () => {
  const h = home('19993\n', `${TOKEN}\n`);
  try {
    const io = new FakeIo((m) => ({ status: 200, body: m === 'POST' ? '{"id":"877b4c739939ef9f"}' : '{"result":true}' }));
    assert.equal(await runJoin('877b4c739939ef9f', { home: h }, io), 0);
    assert.equal(await runLeave('877b4c739939ef9f', { home: h }, io), 0);
    assert.equal(await runLeave('877b4c739939ef9f', { home: h, json: true }, io), 0);
    assert.equal(io.out, '200 join OK\n200 leave OK\n{"result":true}');
    assert.deepEqual(io.requests, [
      `POST 127.0.0.1:19993 /network/877b4c739939ef9f {} ${TOKEN}`,
      `DELETE 127.0.0.1:19993 /network/877b4c739939ef9f  ${TOKEN}`,
      `DELETE 127.0.0.1:19993 /network/877b4c739939ef9f  ${TOKEN}`,
    ]);
    const flagged = new FakeIo(() => ({ status: 200, body: '{}' }));
    await runJoin('877b4c739939ef9f', { home: h, port: 4444, token: 'other', host: '::1' }, flagged);
    assert.equal(flagged.requests[0], 'POST ::1:4444 /network/877b4c739939ef9f {} other');
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});

test('cli join/leave: invalid id (exit 2), HTTP errors (exit 1) with hints, connection failure', async () => {
  const h = home('19993', TOKEN);
  try {
    const bad = new FakeIo(() => assert.fail('no request for a bad id'));
    assert.equal(await runJoin('877b4c7399', { home: h }, bad), 2);
    assert.equal(bad.out, 'invalid network id\n');
    const refused = new FakeIo(() => ({ status: 401, body: '{}' }));
    assert.equal(await runLeave('877b4c739939ef9f', { home: h }, refused), 1);
    assert.equal(refused.out, '401 leave {}\n');
    assert.match(refused.err, /refused the auth token from .*authtoken\.secret; use -D<home> .* or -T<token>/);
    assert.doesNotMatch(refused.err, new RegExp(TOKEN), 'the token is never printed');
    const down = new FakeIo(() => ({ status: 0, body: 'connection failed' }));
    assert.equal(await runJoin('877b4c739939ef9f', { home: h }, down), 1);
    assert.equal(down.out, '0 join connection failed\n');
    assert.match(down.err, /nothing answers on 127\.0\.0\.1:19993 \(port from .*zerotier-one\.port\); is `tierzero service .*` running\?/);
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});

test('cli: no port file or no token in the home: the reference messages, exit 2, and a hint', async () => {
  const noPort = home(undefined, TOKEN);
  const noToken = home('9993');
  const emptyToken = home('9993', '');
  try {
    const io = new FakeIo(() => assert.fail('no request'));
    assert.equal(await runListnetworks({ home: noPort }, io), 2);
    assert.match(io.err, new RegExp(`^tierzero: missing port and zerotier-one\\.port not found in ${noPort}\\ntierzero: hint: is the service running`));
    const io2 = new FakeIo(() => assert.fail('no request'));
    assert.equal(await runJoin('877b4c739939ef9f', { home: noToken }, io2), 2);
    assert.match(io2.err, new RegExp(`^tierzero: authtoken\\.secret not found or readable in ${noToken} \\(try again as root\\)\\n.*is missing; .*-T<token>`));
    const located = locateService({ home: emptyToken });
    assert.ok(!located.ok && /is empty/.test(located.hint));
    assert.ok(locateService({ home: noPort, port: 1, token: 'x' }).ok, 'flags need no files');
  } finally {
    for (const h of [noPort, noToken, emptyToken]) rmSync(h, { recursive: true, force: true });
  }
});

test('cli listnetworks: header and one line per network, -j pretty JSON, errors', async () => {
  const h = home('19993', TOKEN);
  try {
    const io = new FakeIo(() => ({ status: 200, body: JSON.stringify([NET, { ...NET, nwid: '877b4c7399000001', name: '', status: 'REQUESTING_CONFIGURATION', assignedAddresses: [] }]) }));
    assert.equal(await runListnetworks({ home: h }, io), 0);
    assert.equal(
      io.out,
      '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n' +
        '200 listnetworks 877b4c739939ef9f harness-net 9e:e3:1a:d7:4b:fb OK PRIVATE zt6trhlhag fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88,172.31.250.17/24\n' +
        '200 listnetworks 877b4c7399000001  9e:e3:1a:d7:4b:fb REQUESTING_CONFIGURATION PRIVATE zt6trhlhag -\n',
    );
    const j = new FakeIo(() => ({ status: 200, body: JSON.stringify([{ b: 1, a: [2] }]) }));
    assert.equal(await runListnetworks({ home: h, json: true }, j), 0);
    assert.equal(j.out, '[\n {\n  "a": [\n   2\n  ],\n  "b": 1\n }\n]\n');
    assert.equal(prettyJson({}), '{}\n');
    const down = new FakeIo(() => ({ status: 0, body: 'connection failed' }));
    assert.equal(await runListnetworks({ home: h }, down), 1);
    assert.equal(down.out, 'Error connecting to the ZeroTier service: connection failed\n\nPlease check that the service is running and that TCP port 9993 can be contacted via 127.0.0.1.\n');
    const garbage = new FakeIo(() => ({ status: 200, body: '[{' }));
    assert.equal(await runListnetworks({ home: h }, garbage), 1);
    assert.match(garbage.out, /^200 listnetworks invalid JSON response \(.+\)\n$/);
    const denied = new FakeIo(() => ({ status: 401, body: '{}' }));
    assert.equal(await runListnetworks({ home: h }, denied), 1);
    assert.equal(denied.out, '401 listnetworks {}\n');
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});

test('cli listnetworks: SSO lines', () => {
  assert.equal(
    listnetworksLine({ ...NET, status: 'AUTHENTICATION_REQUIRED', ssoEnabled: true, authenticationURL: '' }),
    `${listnetworksLine({ ...NET, status: 'AUTHENTICATION_REQUIRED' })}    AUTH EXPIRED, URL: (null)\n`,
  );
  assert.match(listnetworksLine({ ...NET, ssoEnabled: true, authenticationExpiryTime: Date.now() + 61_000 }), /\n {4}AUTH OK, expires in: 6\d seconds\n$/);
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('cli: the real commands against a real local API (glued -D/-p/-T switches)', async () => {
  const h = home();
  const ports = new NetworkPorts({
    taps: new FakeTapFactory(),
    ip: { run: async () => ({ ok: true, error: '' }) },
    dir: new NetworksDir(new StateStore(h)),
    log: silentLogger(),
    clock: Date.now,
    address: 0x0c234e38b7,
    defer: (fn) => setImmediate(fn),
    poke: () => {},
  });
  const ctx: ApiContext = { clock: Date.now, node: {} as CoreNode, networks: ports, log: silentLogger(), statusConfig: () => ({}), localPortOf: () => 0 };
  const server = new LocalApiServer(buildLocalApi({ context: ctx, token: () => TOKEN }));
  try {
    await server.listen(0);
    const port = server.port;
    writeFileSync(join(h, 'zerotier-one.port'), String(port));
    writeFileSync(join(h, 'authtoken.secret'), TOKEN);
    const join1 = await runCli(['join', '877b4c7399000001', `-D${h}`]);
    assert.deepEqual(join1, { code: 0, stdout: '200 join OK\n', stderr: '' });
    const list = await runCli(['listnetworks', `-D${h}`]);
    assert.equal(list.code, 0);
    assert.equal(list.stdout.split('\n')[1], '200 listnetworks 877b4c7399000001  02:0c:23:d7:4b:fb REQUESTING_CONFIGURATION PRIVATE zt6trey44y -');
    const listJ = await runCli(['listnetworks', '-j', `-p${port}`, `-T${TOKEN}`, `-D${join(h, 'nowhere')}`]);
    assert.equal(JSON.parse(listJ.stdout)[0].portDeviceName, 'zt6trey44y');
    const wrong = await runCli(['listnetworks', `-D${h}`, '-Twrongtoken']);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout, '401 listnetworks {}\n');
    assert.match(wrong.stderr, /hint: the service refused the auth token from -T/);
    const leave = await runCli(['leave', '877b4c7399000001', `-D${h}`, '-j']);
    assert.deepEqual(leave, { code: 0, stdout: '{"result":true}', stderr: '' });
    await server.close();
    const down = await runCli(['listnetworks', `-D${h}`]);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /^Error connecting to the ZeroTier service: connection failed\n/);
    assert.match(down.stderr, /is `tierzero service .*` running\?/);
    const badId = await runCli(['join', '1234', `-D${h}`]);
    assert.deepEqual([badId.code, badId.stdout], [2, 'invalid network id\n']);
  } finally {
    await server.close();
    ports.close();
    rmSync(h, { recursive: true, force: true });
  }
});
