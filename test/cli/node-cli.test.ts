/**
 * zerotier-cli's commands (cli.md §1): the output lines of the live captures reproduced from the
 * captured JSON, exit codes and error texts of every command, the tierzero-cli personality's
 * argument rules (glued switches anywhere, last extra word wins, help and version), the
 * `tierzero` argv rearrangement, and the real `tierzero-cli` and `tierzero` binaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiResponse, ApiTarget } from '../../src/cli/api-client.js';
import { type CliIo, CONNECT_ERROR, type NodeCliFlags, runNodeCommand } from '../../src/cli/commands/node-commands.js';
import { getProperty, listpeersLine, peersTable } from '../../src/cli/formats.js';
import { parseZerotierCliArgs, runZerotierCli, zerotierCliHelp } from '../../src/cli/zerotier-cli.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const TZ_CLI = fileURLToPath(new URL('../../src/cli/tierzero-cli.js', import.meta.url));
const NOW = 1795296518000;

const PEERS = [
  { address: '62f865ae71', isBonded: false, latency: -1, paths: [], role: 'PLANET', tunneled: false, version: '-1.-1.-1', versionMajor: -1, versionMinor: -1, versionRev: -1 },
  {
    address: '877b4c7399',
    latency: 38,
    paths: [{ active: true, address: '192.0.2.2/19990', expired: false, lastReceive: NOW - 4437, lastSend: NOW - 4438, preferred: true }],
    role: 'MOON',
    tunneled: false,
    version: '1.14.1',
    versionMajor: 1,
  },
  {
    address: '0c234e38b7',
    latency: 1,
    paths: [{ address: '192.0.2.2/19991', lastReceive: NOW - 6866, lastSend: NOW - 6868, preferred: true }],
    role: 'LEAF',
    tunneled: false,
    version: '1.14.1',
    versionMajor: 1,
  },
];

const NETWORK = {
  allowManaged: true,
  assignedAddresses: ['fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88', 'fc1e:42a3:ec0c:234e:38b7::1/40', '172.31.250.17/24'],
  id: '877b4c739939ef9f',
  mac: '9e:e3:1a:d7:4b:fb',
  mtu: 2800,
  name: 'harness-net',
  nwid: '877b4c739939ef9f',
  portDeviceName: 'zt6trhlhag',
  routes: [],
  dns: { domain: '', servers: [] },
  status: 'OK',
  type: 'PRIVATE',
};

class FakeIo implements CliIo {
  out = '';
  err = '';
  requests: string[] = [];
  files = new Map<string, string>();
  constructor(private readonly answer: (method: string, path: string, body?: string) => ApiResponse) {}
  stdout(t: string) {
    this.out += t;
  }
  stderr(t: string) {
    this.err += t;
  }
  async request(_t: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: string) {
    this.requests.push(`${method} ${path}${body === undefined ? '' : ` ${body}`}`);
    return this.answer(method, path, body);
  }
  now() {
    return NOW;
  }
  cwd() {
    return '/work/dir';
  }
  writeFile(path: string, text: string) {
    this.files.set(path, text);
  }
}

const FLAGS: NodeCliFlags = { port: 9993, token: 'tok', home: '/nonexistent-home' };

function service(method: string, path: string, body?: string): ApiResponse {
  if (method === 'GET' && path === '/status') return { status: 200, body: JSON.stringify({ address: '0c234e38b7', version: '1.14.1', online: true, tcpFallbackActive: false }) };
  if (method === 'GET' && path === '/peer') return { status: 200, body: JSON.stringify(PEERS) };
  if (method === 'GET' && path === '/network') return { status: 200, body: JSON.stringify([NETWORK]) };
  if (method === 'GET' && path === '/moon') return { status: 200, body: '[]' };
  if (method === 'POST' && path.startsWith('/network/')) return { status: 200, body: JSON.stringify({ ...NETWORK, ...JSON.parse(body ?? '{}') }) };
  if (method === 'DELETE' && path.startsWith('/network/')) return { status: 200, body: '{"result":true}' };
  if (path.startsWith('/moon/')) return /^\/moon\/[0-9a-f]{10}$/.test(path) ? { status: 200, body: method === 'DELETE' ? '{"result":true}' : '{"waiting":true}' } : { status: 404, body: '' };
  if (path === '/bond/show/877b4c7399') return { status: 400, body: '{}' };
  return { status: 404, body: '' };
}

async function run(command: string, a1?: string, a2?: string, flags: NodeCliFlags = FLAGS, answer = service) {
  const io = new FakeIo(answer);
  const code = await runNodeCommand({ flags, io, program: 'zerotier-cli', help: () => 'HELP\n' }, command, a1, a2)!;
  return { code, out: io.out, err: io.err, io };
}

test('cli formats: listpeers and peers lines reproduce the live captures', () => {
  assert.equal(listpeersLine(PEERS[0]!, NOW), '200 listpeers 62f865ae71 - -1 - PLANET\n');
  assert.equal(listpeersLine(PEERS[1]!, NOW), '200 listpeers 877b4c7399 192.0.2.2/19990;4438;4437 38 1.14.1 MOON\n');
  assert.equal(
    peersTable(PEERS, NOW),
    '200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n' +
      '62f865ae71 -      PLANET    -1 RELAY\n' +
      '877b4c7399 1.14.1 MOON      38 DIRECT   4438     4437     192.0.2.2/19990\n' +
      '0c234e38b7 1.14.1 LEAF       1 DIRECT   6868     6866     192.0.2.2/19991\n',
  );
  const tunneled = peersTable([{ ...PEERS[1], tunneled: true }], NOW);
  assert.match(tunneled, /MOON      38 RELAY 4438     4437     192\.0\.2\.2\/19990\n/);
  assert.ok(tunneled.endsWith('NOTE: Currently tunneling through a TCP relay. Ensure that UDP is not blocked.\n'));
  assert.equal(listpeersLine({ address: 'a', latency: 1, versionMajor: 1, version: '1.14.1', role: 'LEAF', paths: [{ preferred: true, address: 'x/1', lastSend: 0, lastReceive: 0 }] }, NOW), '200 listpeers a x/1;-1;-1 1 1.14.1 LEAF\n');
});

test('cli formats: get properties and address shortcuts', () => {
  assert.equal(getProperty(NETWORK, 'ip'), 'fd87:7b4c:7399:39ef:9f99:930c:234e:38b7\nfc1e:42a3:ec0c:234e:38b7::1\n172.31.250.17\n');
  assert.equal(getProperty(NETWORK, 'ip4'), '172.31.250.17\n');
  assert.equal(getProperty(NETWORK, 'ip6'), 'fd87:7b4c:7399:39ef:9f99:930c:234e:38b7\nfc1e:42a3:ec0c:234e:38b7::1\n');
  assert.equal(getProperty(NETWORK, 'ip6plane'), 'fc1e:42a3:ec0c:234e:38b7::1\n');
  assert.equal(getProperty(NETWORK, 'ip6prefix'), 'fc1e:42a3:ec0c:234e:38b7\n');
  assert.equal(getProperty(NETWORK, 'allowManaged'), '1\n');
  assert.equal(getProperty(NETWORK, 'portDeviceName'), 'zt6trhlhag\n');
  assert.equal(getProperty(NETWORK, 'mtu'), '2800\n');
  for (const p of ['routes', 'dns', 'nope']) assert.equal(getProperty(NETWORK, p), 'error, unknown property name\n');
});

test('cli commands: info, listpeers, peers, listnetworks, listmoons in human and -j form', async () => {
  assert.deepEqual(await run('info').then((r) => [r.code, r.out]), [0, '200 info 0c234e38b7 1.14.1 ONLINE\n']);
  assert.deepEqual(await run('status').then((r) => [r.code, r.out]), [0, '200 info 0c234e38b7 1.14.1 ONLINE\n']);
  const j = await run('info', undefined, undefined, { ...FLAGS, json: true });
  assert.equal(j.out, '{\n "address": "0c234e38b7",\n "online": true,\n "tcpFallbackActive": false,\n "version": "1.14.1"\n}\n');
  const lp = await run('listpeers');
  assert.equal(lp.out.split('\n')[0], '200 listpeers <ztaddr> <path> <latency> <version> <role>');
  assert.equal(lp.out.split('\n').length, 5);
  assert.equal((await run('peers')).out, peersTable(PEERS, NOW));
  assert.ok((await run('peers', undefined, undefined, { ...FLAGS, table: true })).out.startsWith('ADDRESS     ROLE'));
  const ln = await run('listnetworks');
  assert.equal(
    ln.out,
    '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n200 listnetworks 877b4c739939ef9f harness-net 9e:e3:1a:d7:4b:fb OK PRIVATE zt6trhlhag fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88,fc1e:42a3:ec0c:234e:38b7::1/40,172.31.250.17/24\n',
  );
  assert.equal(JSON.parse((await run('listnetworks', undefined, undefined, { ...FLAGS, json: true })).out)[0].nwid, NETWORK.nwid);
  assert.equal((await run('listmoons')).out, '[]\n', 'always JSON');
  const lb = await run('listbonds');
  assert.equal(lb.out, '    <peer>                        <bondtype>     <links>\n      NONE\t\t\t\tNONE\t    NONE       NONE\n');
});

test('cli commands: join, leave, set, get with the reference exit codes and messages', async () => {
  assert.deepEqual(await run('join', '877b4c739939ef9f').then((r) => [r.code, r.out, r.io.requests]), [0, '200 join OK\n', ['POST /network/877b4c739939ef9f {}']]);
  assert.deepEqual(await run('leave', '877b4c739939ef9f', undefined, { ...FLAGS, json: true }).then((r) => [r.code, r.out]), [0, '{"result":true}']);
  assert.deepEqual(await run('join', '123').then((r) => [r.code, r.out]), [2, 'invalid network id\n']);

  const set = await run('set', '877b4c739939ef9f', 'allowDNS=1');
  assert.equal(set.code, 0);
  assert.deepEqual(set.io.requests, ['POST /network/877b4c739939ef9f {"allowDNS":true}']);
  assert.equal(JSON.parse(set.out).allowDNS, true);
  assert.ok(!set.out.endsWith('\n'), 'raw body, no newline');
  assert.deepEqual((await run('set', '877b4c739939ef9f', 'allowGlobal=false')).io.requests, ['POST /network/877b4c739939ef9f {"allowGlobal":false}']);
  assert.deepEqual(await run('set', '877b4c739939ef9f', 'allowDefault=t').then((r) => r.io.requests), ['POST /network/877b4c739939ef9f {"allowDefault":true}']);
  const other = await run('set', '877b4c739939ef9f', 'name=x');
  assert.deepEqual([other.code, other.out, other.io.requests], [0, '', []]);
  assert.match(other.err, /hint: set changes only/);
  assert.deepEqual(await run('set', '1234', 'allowDNS=1').then((r) => [r.code, r.err]), [2, 'invalid format: must be a 16-digit (network) ID\n']);
  assert.deepEqual(await run('set', '877b4c739939ef9f').then((r) => [r.code, r.err]), [2, 'invalid format: include a property name to set\n']);
  assert.deepEqual(await run('set', '877b4c739939ef9f', 'allowDNS').then((r) => [r.code, r.err]), [2, 'HELP\n']);

  assert.deepEqual(await run('get', '877b4c739939ef9f', 'ip4').then((r) => [r.code, r.out]), [0, '172.31.250.17\n']);
  assert.deepEqual(await run('get', '877B4C739939EF9F', 'status').then((r) => [r.code, r.out]), [0, 'OK\n']);
  assert.deepEqual(await run('get', '1111111111111111', 'status').then((r) => [r.code, r.out, r.err]), [0, '', 'unknown network ID, check that you are a member of the network\n']);
  assert.deepEqual(await run('get', '877b4c739939ef9f', 'routes').then((r) => [r.code, r.out]), [0, 'error, unknown property name\n']);
  assert.deepEqual(await run('get', '877b4c739939ef9f').then((r) => [r.code, r.err]), [2, 'invalid format: include a property name to get\n']);
});

test('cli commands: orbit, deorbit, dump, raw paths, bond, and failures', async () => {
  assert.deepEqual(await run('orbit', '877b4c7399', '877b4c7399').then((r) => [r.code, r.out, r.io.requests]), [0, '200 orbit OK\n', ['POST /moon/877b4c7399 {"seed":"877b4c7399"}']]);
  assert.deepEqual(await run('orbit', '000000877b4c7399', '877b4c7399').then((r) => [r.code, r.out]), [1, '404 orbit \n'], 'the reference route needs 10 digits');
  assert.deepEqual(await run('orbit', '877b4c7399').then((r) => [r.code, r.out, r.io.requests]), [0, '', []], 'missing seed: nothing');
  assert.deepEqual(await run('deorbit', '877b4c7399').then((r) => [r.code, r.out]), [0, '200 deorbit OK\n']);
  assert.deepEqual(await run('deorbit', '877b4c7399', undefined, { ...FLAGS, json: true }).then((r) => r.out), '{"result":true}');

  const dump = await run('dump');
  assert.deepEqual([dump.code, dump.out], [0, 'Writing dump to: /work/dir/zerotier_dump.txt\n']);
  const text = dump.io.files.get('/work/dir/zerotier_dump.txt')!;
  assert.ok(text.startsWith('platform: Linux\nzerotier version: 1.14.1\n\nstatus\n------\n{"address"'));
  assert.match(text, /\nlocal\.conf\n----------\nNone Present\n\nNetwork Interfaces\n------------------\n/);

  const io = new FakeIo(service);
  const ctx = { flags: FLAGS, io, program: 'zerotier-cli', help: () => '' };
  const { runRawPath, runBond } = await import('../../src/cli/commands/node-commands.js');
  assert.equal(await runRawPath(ctx, '/status'), 0);
  assert.ok(io.out.startsWith('{"address"') && !io.out.endsWith('\n'));
  io.out = '';
  assert.equal(await runRawPath(ctx, '/nonexistent'), 1);
  assert.equal(io.out, '404 /nonexistent \n');
  io.out = '';
  assert.equal(await runBond(ctx, ['877b4c7399', 'show']), 1);
  assert.equal(io.out, '400 bond {}\n');
  io.out = '';
  assert.equal(await runBond(ctx, []), 2);
  assert.equal(io.out, '(bond) command is missing required arguments\n');

  const down = () => ({ status: 0, body: 'connection failed' });
  assert.deepEqual(await run('info', undefined, undefined, FLAGS, down).then((r) => [r.code, r.out]), [1, CONNECT_ERROR]);
  assert.deepEqual(await run('join', '877b4c739939ef9f', undefined, FLAGS, down).then((r) => [r.code, r.out]), [1, '0 join connection failed\n']);
  const refused = await run('listpeers', undefined, undefined, FLAGS, () => ({ status: 401, body: '{}' }));
  assert.deepEqual([refused.code, refused.out], [1, '401 listpeers {}\n']);
  assert.match(refused.err, /hint: the service refused the auth token/);
  const junk = await run('info', undefined, undefined, FLAGS, () => ({ status: 200, body: '<html>' }));
  assert.equal(junk.code, 1);
  assert.match(junk.out, /^200 info invalid JSON response \(/);
});

test('tierzero-cli personality: zerotier-cli argument rules', async () => {
  const p = (words: string[]) => parseZerotierCliArgs(words, 'tierzero-cli');
  assert.deepEqual(p(['-p9993', 'listnetworks', '-j', '-T', 'x']), { kind: 'exit', code: 1, stdout: zerotierCliHelp('tierzero-cli') }, 'an empty -T');
  assert.deepEqual(p(['-j', '-p9993', '-Dhome', '-Ttok', '-H::1', 'get', 'n', 'a', 'b', 'c']), {
    kind: 'run',
    flags: { json: true, port: 9993, home: 'home', token: 'tok', host: '::1' },
    command: 'get',
    arg1: 'n',
    arg2: 'c',
  });
  assert.deepEqual(p(['info', '-q']), { kind: 'run', flags: {}, command: 'info', arg1: undefined, arg2: undefined });
  for (const [words, code] of [
    [['-p0', 'info'], 1],
    [['-p70000', 'info'], 1],
    [['-pabc', 'info'], 1],
    [['-jx', 'info'], 1],
    [['-vx'], 1],
    [['-D', 'info'], 1],
    [['-h'], 0],
    [['-?'], 0],
    [['--table', 'info'], 0],
    [[], 0],
  ] as const) {
    const r = p([...words]);
    assert.equal(r.kind, 'exit', words.join(' '));
    assert.equal((r as { code: number }).code, code, words.join(' '));
  }
  assert.deepEqual(p(['info', '-v']), { kind: 'exit', code: 0, stdout: '1.14.1\n' });
  const io = new FakeIo(service);
  assert.equal(await runZerotierCli(['frobnicate', '-p1', '-Tt'], 'tierzero-cli', io), 0);
  assert.equal(io.err, zerotierCliHelp('tierzero-cli'), 'unknown command: help on stderr, exit 0');
  const help = zerotierCliHelp('zerotier-cli');
  assert.ok(help.includes('Usage: zerotier-cli [-switches] <command/path> [<args>]\n'));
  assert.ok(help.includes('  Settings to use with [get/set] may include property names from \n'), 'trailing space kept');
});

function spawnCli(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('cli binaries: tierzero-cli and tierzero with zerotier-cli habits (no service: exit codes and hints)', async () => {
  const home = mkdtempSync(join(tmpdir(), 'tz-cli-bin-'));
  try {
    assert.deepEqual(await spawnCli(TZ_CLI, ['-v']), { code: 0, stdout: '1.14.1\n', stderr: '' });
    const noPort = await spawnCli(TZ_CLI, [`-D${home}`, 'info']);
    assert.deepEqual([noPort.code, noPort.stderr.split('\n')[0]], [2, `tierzero-cli: missing port and zerotier-one.port not found in ${home}`]);
    writeFileSync(join(home, 'zerotier-one.port'), '1');
    const noToken = await spawnCli(TZ_CLI, [`-D${home}`, 'listpeers'], { HOME: home });
    assert.deepEqual([noToken.code, noToken.stderr.split('\n')[0]], [2, `tierzero-cli: authtoken.secret not found or readable in ${home} (try again as root)`]);
    writeFileSync(join(home, '.zeroTierOneAuthToken'), 'fromhome\n');
    const down = await spawnCli(TZ_CLI, [`-D${home}`, 'listpeers'], { HOME: home });
    assert.deepEqual([down.code, down.stdout], [1, CONNECT_ERROR], '~/.zeroTierOneAuthToken used, then the connection fails');
    const lead = await spawnCli(MAIN, ['-j', `-D${home}`, '-Ttok', 'listnetworks']);
    assert.deepEqual([lead.code, lead.stdout], [1, CONNECT_ERROR], 'tierzero accepts switches before the command');
    const raw = await spawnCli(MAIN, [`-D${home}`, '-Ttok', '/status']);
    assert.deepEqual([raw.code, raw.stdout], [1, '0 /status connection failed\n']);
    assert.match(raw.stderr, /hint: nothing answers on 127\.0\.0\.1:1/);
    const bad = await spawnCli(MAIN, ['set', '1234', 'allowDNS=1', `-D${home}`]);
    assert.deepEqual([bad.code, bad.stderr], [2, 'invalid format: must be a 16-digit (network) ID\n']);
    assert.ok(readFileSync(join(home, 'zerotier-one.port'), 'utf8') === '1');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
