/**
 * VL2 on real kernels: a root, a controller and two members as real `tierzero` processes in
 * network namespaces on one bridge, with real TAP devices:
 *
 *   [root 10.79.1.1]  [ctl 10.79.2.1]  [m1 10.79.3.1]  [m2 10.79.4.1]   (one /16, bridge in the hub)
 *
 * (Each node in its own /24 because a root validates at most one new identity per source /24
 * every 2 s, as ZeroTier's does; on one /24 the nodes would come online 10 s later.)
 *
 * Checked, in order: a private network made through the controller's HTTP API; the members join
 * with `tierzero join`; unauthorized, a member gets no config (ACCESS_DENIED, no addresses);
 * once authorized both get their IPv4 and RFC4193 addresses on their TAPs; ping both ways over
 * IPv4 and IPv6; ARP resolved through the network (ip neigh); a TCP transfer both ways; a frame
 * of a non-IP ethertype crosses (raw AF_PACKET); a restarted member keeps its membership and
 * its addresses; a deauthorized member's traffic stops within seconds. SIGTERM stops everything
 * with exit code 0 and the TAPs are gone.
 *
 * Runs only as root with iproute2, iptables, ping and python3; otherwise skipped with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type NetworkJson,
  TIERZERO_MAIN,
  bridgedNamespaces,
  localApi,
  makeNodes,
  netnsSkipReason,
  runIn,
  sleep,
  startProcess,
  startRoot,
  status,
  stopAll,
  stopwatch,
  waitFor,
  withLab,
} from './helpers.js';

const skip = netnsSkipReason(['ping', 'python3']);

const IP = { root: '10.79.1.1', ctl: '10.79.2.1', m1: '10.79.3.1', m2: '10.79.4.1' };
const POOL = { start: '10.147.17.10', end: '10.147.17.250', net: '10.147.17.0/24' };
const ETHERTYPE = 0x88b5; // IEEE local experimental

/** TCP: `server <ip> <port>` reads everything, answers "<bytes> <sha256>"; `client <ip> <port> <bytes>` checks the answer. */
const TCP_SCRIPT = `
import { createServer, connect } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
const [mode, host, port, size] = process.argv.slice(2);
if (mode === 'server') {
  const srv = createServer((sock) => {
    const h = createHash('sha256'); let n = 0;
    sock.on('data', (d) => { h.update(d); n += d.length; });
    sock.on('end', () => { sock.end(n + ' ' + h.digest('hex')); srv.close(); });
  });
  srv.listen(Number(port), host, () => process.stdout.write('listening\\n'));
  setTimeout(() => process.exit(3), 30000).unref();
} else {
  const data = randomBytes(Number(size));
  const want = data.length + ' ' + createHash('sha256').update(data).digest('hex');
  let t0 = 0;
  const sock = connect(Number(port), host, () => { t0 = performance.now(); sock.end(data); });
  let got = '';
  sock.on('data', (d) => (got += d));
  sock.on('close', () => { process.stdout.write(got === want ? 'ok ' + (performance.now() - t0).toFixed(0) : 'mismatch: ' + got); process.exit(got === want ? 0 : 1); });
  sock.on('error', (e) => { process.stdout.write('error: ' + e.message); process.exit(2); });
  setTimeout(() => { process.stdout.write('timeout'); process.exit(4); }, 20000).unref();
}
`;

/** Raw frames: `recv <dev> <ethertype>` prints the source MAC of the first marked frame; `send <dev> <dst> <ethertype>`. */
const RAW_SCRIPT = `
import socket, sys
mode, dev, et = sys.argv[1], sys.argv[2], int(sys.argv[3], 16)
MARK = b'tierzero-ethertype-test'
if mode == 'recv':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(et))
    s.bind((dev, 0))
    s.settimeout(15)
    print('ready', flush=True)
    while True:
        f = s.recv(4096)
        if MARK in f:
            print('got ' + f[6:12].hex(), flush=True)
            break
else:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    src = s.getsockname()[4]
    dst = bytes.fromhex(sys.argv[4].replace(':', ''))
    s.send(dst + src + et.to_bytes(2, 'big') + MARK + bytes(40))
`;

test('vl2 netns: private network via the controller API, authorization, ping v4/v6, ARP, TCP, raw ethertype, restart, deauthorization', { skip, timeout: 240_000 }, async (t) => {
  const mark = stopwatch(t);
  await withLab('tz-vl2-netns-', async ({ lab, work, procs }) => {
    const tcpScript = join(work, 'tcp.mjs');
    const rawScript = join(work, 'raw.py');
    writeFileSync(tcpScript, TCP_SCRIPT);
    writeFileSync(rawScript, RAW_SCRIPT);

    // --- the network
    bridgedNamespaces(lab, IP);

    // --- identities, planet, homes, processes
    const { addr, homes } = makeNodes(work, ['ctl', 'm1', 'm2'], IP.root);
    const statusFile = (role: string) => join(work, `${role}.json`);
    await startRoot(lab, homes.root, statusFile('root'), procs);
    const ctl = startProcess(lab, 'ctl', ['service', homes.ctl], statusFile('ctl'));
    let m1 = startProcess(lab, 'm1', ['service', homes.m1], statusFile('m1'));
    const m2 = startProcess(lab, 'm2', ['service', homes.m2], statusFile('m2'));
    procs.push(ctl, m1, m2);

    const { api, network } = localApi(lab, work, homes);
    const cli = (role: 'm1' | 'm2', args: string[]) => runIn(lab, role, process.execPath, [TIERZERO_MAIN, ...args, `-D${homes[role]}`]);
    const run = (role: string, cmd: string, args: string[], timeout = 20_000) => runIn(lab, role, cmd, args, timeout);
    const ping = (role: string, target: string, count = 3) => run(role, 'ping', ['-n', '-c', String(count), '-i', '0.2', '-W', '2', target]).status === 0;

    await waitFor('the API of every node to answer', 20_000, () => (['ctl', 'm1', 'm2'] as const).every((r) => api(r, 'GET', '/status').status === 200), procs);
    await waitFor('every node to come online', 30_000, () => [ctl, m1, m2].every((p) => status(p)?.online === true), procs);
    mark('root, controller and members online');

    // --- a private network through the controller API
    const created = api('ctl', 'POST', `/controller/network/${addr.ctl}______`, {
      name: 'netns-vl2',
      private: true,
      v4AssignMode: { zt: true },
      v6AssignMode: { rfc4193: true, zt: false, '6plane': false },
      ipAssignmentPools: [{ ipRangeStart: POOL.start, ipRangeEnd: POOL.end }],
      routes: [{ target: POOL.net, via: null }],
    });
    assert.equal(created.status, 200, created.body);
    const nwid = (JSON.parse(created.body) as { id: string }).id;
    mark(`network ${nwid} created`);

    // --- members join with the CLI; unauthorized they get no config
    for (const role of ['m1', 'm2'] as const) {
      const r = cli(role, ['join', nwid]);
      assert.equal(r.stdout, '200 join OK\n', r.stderr);
      assert.equal(r.status, 0);
    }
    await waitFor('m1 to be refused (ACCESS_DENIED)', 20_000, () => network('m1', nwid)?.status === 'ACCESS_DENIED', procs, () => JSON.stringify(network('m1', nwid)));
    assert.deepEqual(network('m1', nwid)!.assignedAddresses, [], 'an unauthorized member gets no addresses');
    const members = JSON.parse(api('ctl', 'GET', `/controller/network/${nwid}/member`).body) as Record<string, number>;
    assert.ok(addr.m1 in members && addr.m2 in members, 'the controller recorded both members');
    mark('unauthorized members refused');

    // --- authorize: both get IPv4 and RFC4193 addresses on their TAPs
    for (const role of ['m1', 'm2'] as const) assert.equal(api('ctl', 'POST', `/controller/network/${nwid}/member/${addr[role]}`, { authorized: true }).status, 200);
    const configured = (role: 'm1' | 'm2') => {
      const n = network(role, nwid);
      return n?.status === 'OK' && n.assignedAddresses.some((a) => a.includes('.')) && n.assignedAddresses.some((a) => a.startsWith('fd')) ? n : undefined;
    };
    await waitFor('both members to be configured', 20_000, () => configured('m1') !== undefined && configured('m2') !== undefined, procs, () => JSON.stringify([network('m1', nwid), network('m2', nwid)]));
    const n1 = configured('m1')!;
    const n2 = configured('m2')!;
    const ip4 = (n: NetworkJson) => n.assignedAddresses.find((a) => a.includes('.'))!.split('/')[0]!;
    const ip6 = (n: NetworkJson) => n.assignedAddresses.find((a) => a.startsWith('fd'))!.split('/')[0]!;
    const onTap = (role: 'm1' | 'm2', n: NetworkJson) => {
      const out = run(role, 'ip', ['-br', 'addr', 'show', 'dev', n.portDeviceName]).stdout;
      return n.assignedAddresses.every((a) => out.includes(a));
    };
    await waitFor('the addresses to be on the TAPs', 10_000, () => onTap('m1', n1) && onTap('m2', n2), procs);
    const listed = cli('m1', ['listnetworks']);
    assert.match(listed.stdout, new RegExp(`^200 listnetworks ${nwid} netns-vl2 ${n1.mac} OK PRIVATE ${n1.portDeviceName} \\S*${ip4(n1).replace(/\./g, '\\.')}/24`, 'm'));
    mark(`configured: m1 ${n1.assignedAddresses.join(',')} on ${n1.portDeviceName}, m2 ${n2.assignedAddresses.join(',')}`);

    // --- ping both ways, IPv4 and IPv6; ARP resolved through the network
    await waitFor('m1 to ping m2 over IPv4', 20_000, () => ping('m1', ip4(n2), 1), procs);
    assert.ok(ping('m1', ip4(n2)), 'ping m1 -> m2 (IPv4)');
    assert.ok(ping('m2', ip4(n1)), 'ping m2 -> m1 (IPv4)');
    const neigh = run('m1', 'ip', ['neigh', 'show', ip4(n2), 'dev', n1.portDeviceName]).stdout;
    assert.match(neigh, new RegExp(`lladdr ${n2.mac}`), `m1 resolved m2's MAC by ARP: ${neigh}`);
    await waitFor('m1 to ping m2 over IPv6', 20_000, () => ping('m1', ip6(n2), 1), procs);
    assert.ok(ping('m1', ip6(n2)), 'ping m1 -> m2 (IPv6)');
    assert.ok(ping('m2', ip6(n1)), 'ping m2 -> m1 (IPv6)');
    mark('ping v4 and v6 both ways; ARP resolved');

    // --- TCP both ways
    const tcp = async (server: 'm1' | 'm2', client: 'm1' | 'm2', host: string, bytes: number) => {
      const srv = spawn('ip', ['netns', 'exec', lab.ns(server), process.execPath, tcpScript, 'server', host, '7001'], { stdio: ['ignore', 'pipe', 'pipe'] });
      await new Promise<void>((resolve, reject) => {
        srv.stdout.once('data', () => resolve());
        srv.once('exit', (code) => reject(new Error(`tcp server exited ${code}`)));
      });
      const r = run(client, process.execPath, [tcpScript, 'client', host, '7001', String(bytes)], 30_000);
      srv.kill();
      return r.stdout;
    };
    const MIB = 16;
    const rate = (out: string) => `${((MIB * 8 * 1.048576) / (Number(out.split(' ')[1]) / 1000)).toFixed(0)} Mbit/s`;
    const there = await tcp('m2', 'm1', ip4(n2), MIB * 1024 * 1024);
    assert.match(there, /^ok \d+$/, `TCP m1 -> m2, ${MIB} MiB`);
    const back = await tcp('m1', 'm2', ip4(n1), MIB * 1024 * 1024);
    assert.match(back, /^ok \d+$/, `TCP m2 -> m1, ${MIB} MiB`);
    mark(`TCP both ways, ${MIB} MiB each: ${rate(there)} m1 -> m2, ${rate(back)} m2 -> m1`);

    // --- a non-IP ethertype frame crosses
    const et = ETHERTYPE.toString(16);
    const recv = spawn('ip', ['netns', 'exec', lab.ns('m2'), 'python3', rawScript, 'recv', n2.portDeviceName, et], { stdio: ['ignore', 'pipe', 'pipe'] });
    let recvOut = '';
    recv.stdout.on('data', (d) => (recvOut += d));
    await waitFor('the raw receiver', 10_000, () => recvOut.includes('ready'), procs);
    for (let i = 0; i < 20 && !recvOut.includes('got'); i++) {
      run('m1', 'python3', [rawScript, 'send', n1.portDeviceName, et, n2.mac]);
      await sleep(200);
    }
    recv.kill();
    assert.match(recvOut, new RegExp(`got ${n1.mac.replace(/:/g, '')}`), `m2 received the ethertype 0x${et} frame from m1's MAC`);
    mark(`ethertype 0x${et} frame crossed`);

    // --- a restarted member keeps its membership
    m1.child.kill('SIGTERM');
    assert.equal(await m1.exit, 0, 'm1 stops cleanly');
    assert.ok(existsSync(join(homes.m1, 'networks.d', `${nwid}.conf`)), 'membership stays in networks.d');
    assert.doesNotMatch(run('m1', 'ip', ['-br', 'link']).stdout, new RegExp(n1.portDeviceName), 'the TAP is gone with the process');
    procs.splice(procs.indexOf(m1), 1);
    m1 = startProcess(lab, 'm1', ['service', homes.m1], statusFile('m1-again'), 'm1 (restarted)');
    procs.push(m1);
    await waitFor('m1 to be configured again after its restart', 30_000, () => configured('m1') !== undefined, procs, () => JSON.stringify(network('m1', nwid)));
    const n1again = configured('m1')!;
    assert.deepEqual(n1again.assignedAddresses, n1.assignedAddresses, 'same addresses after the restart');
    assert.equal(n1again.portDeviceName, n1.portDeviceName, 'same device name');
    await waitFor('m1 (restarted) to ping m2', 20_000, () => ping('m1', ip4(n2), 1), procs);
    mark('m1 restarted, membership and addresses kept');

    // --- deauthorize m2: its traffic stops within seconds
    assert.equal(api('ctl', 'POST', `/controller/network/${nwid}/member/${addr.m2}`, { authorized: false }).status, 200);
    const deauthAt = Date.now();
    await waitFor('m2 traffic to stop after deauthorization', 15_000, () => !ping('m1', ip4(n2), 1), procs);
    mark(`m2's traffic stopped ${((Date.now() - deauthAt) / 1000).toFixed(1)} s after deauthorization`);
    assert.ok(!ping('m1', ip4(n2), 3), 'm1 -> m2 stays blocked');
    assert.ok(!ping('m2', ip4(n1), 3), 'm2 -> m1 stays blocked');

    // --- clean stop
    const codes = await stopAll(procs);
    assert.deepEqual(codes, procs.map(() => 0), 'SIGTERM stops every process with exit code 0');
    assert.doesNotMatch(run('m2', 'ip', ['-br', 'link']).stdout, new RegExp(n2.portDeviceName), "m2's TAP removed at exit");
    assert.ok(readFileSync(join(homes.m2, 'networks.d', `${nwid}.local.conf`), 'utf8').startsWith('allowManaged=1\n'));
  });
});
