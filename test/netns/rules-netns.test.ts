/**
 * Flow rules on real kernels: a root, a controller and three members as real `tierzero service`
 * processes in network namespaces on one bridge, with real TAP devices, and rule sets posted to
 * the controller's HTTP API as rule-language text (rulesSource):
 *
 *   [root 10.81.1.1] [ctl 10.81.2.1] [m1 10.81.3.1] [m2 10.81.4.1] [m3 10.81.5.1]   (one /16)
 *
 * One set-up serves every scenario; the rules change between them through the API, and each
 * change is in force on all three members within seconds, nothing restarted:
 *  (a) a whitelist (TCP 22/80/443, ICMP, ARP and the IPv6 basics) lets those through and drops
 *      TCP 8080;
 *  (b) `tdiff department 0`: TCP 5000 only between members whose department tags (set through
 *      the API) are equal; moving m3 to m1's department opens it within seconds;
 *  (c) a capability granted to m1 through the API lets it through a `break` on TCP 6000; the
 *      others stay out;
 *  (d) `tee` delivers copies of m1's TCP SYNs to m3's TAP (seen with a raw AF_PACKET socket);
 *  (e) `redirect` sends TCP 7000 traffic meant for m2 to m3's TAP instead;
 *  (f) back to `accept;`: TCP 8080 opens again, timed from the POST.
 * TCP is checked with small node servers (one per member, listening on every port used) and a
 * client that tries several host:port pairs at once with a short timeout.
 *
 * Runs only as root with iproute2, iptables, ping and python3; otherwise skipped with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NetworkJson, bridgedNamespaces, localApi, makeNodes, netnsSkipReason, runIn, sleep, startProcess, startRoot, status, stopAll, stopwatch, waitFor, withLab } from './helpers.js';

const skip = netnsSkipReason(['ping', 'python3']);

const IP = { root: '10.81.1.1', ctl: '10.81.2.1', m1: '10.81.3.1', m2: '10.81.4.1', m3: '10.81.5.1' };
const POOL = { start: '10.147.19.10', end: '10.147.19.250', net: '10.147.19.0/24' };
const PORTS = [22, 80, 443, 5000, 6000, 7000, 8080];
const MEMBERS = ['m1', 'm2', 'm3'] as const;
type Member = (typeof MEMBERS)[number];
/** How long a client waits for a connection that should fail (a dropped SYN). */
const CONNECT_TIMEOUT = 1_500;

/**
 * `server <port>...`: greets every connection with "hi <port>" and closes it (runs until killed).
 * `client <timeoutMs> <host:port>...`: tries all at once; prints {"host:port": "ok"|"timeout"|"error: ..."}.
 */
const TCP_SCRIPT = `
import { createServer, connect } from 'node:net';
const [mode, ...args] = process.argv.slice(2);
if (mode === 'server') {
  let listening = 0;
  for (const port of args) {
    createServer((sock) => { sock.on('error', () => {}); sock.end('hi ' + port); }).listen(Number(port), '0.0.0.0', () => {
      if (++listening === args.length) process.stdout.write('listening\\n');
    });
  }
} else {
  const [timeout, ...targets] = args;
  const results = {};
  await Promise.all(targets.map((t) => new Promise((resolve) => {
    const [host, port] = t.split(':');
    const sock = connect(Number(port), host);
    let got = '';
    const done = (r) => { if (!(t in results)) results[t] = r; sock.destroy(); resolve(); };
    sock.setTimeout(Number(timeout), () => done('timeout'));
    sock.on('data', (d) => { got += d; if (got === 'hi ' + port) done('ok'); });
    sock.on('error', (e) => done('error: ' + e.code));
    sock.on('close', () => done(got === 'hi ' + port ? 'ok' : 'closed: ' + got));
  })));
  process.stdout.write(JSON.stringify(results));
}
`;

/**
 * Captures IPv4 TCP frames on a device (AF_PACKET) until a line arrives on stdin; prints them as
 * JSON: source and destination MAC, IP, port, TCP flags. Frames the service writes to a TAP are
 * seen whatever their destination MAC (the kernel would not take a foreign one itself).
 */
const CAPTURE_SCRIPT = `
import json, select, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
print('ready', flush=True)
out = []
while True:
    r, _, _ = select.select([s, sys.stdin], [], [], 30)
    if not r or sys.stdin in r:
        break
    f = s.recv(65535)
    ip = f[14:]
    if len(ip) < 40 or ip[9] != 6:
        continue
    tcp = ip[(ip[0] & 15) * 4:]
    out.append({'dstMac': f[0:6].hex(':'), 'srcMac': f[6:12].hex(':'), 'src': socket.inet_ntoa(ip[12:16]), 'dst': socket.inet_ntoa(ip[16:20]),
                'sport': int.from_bytes(tcp[0:2], 'big'), 'dport': int.from_bytes(tcp[2:4], 'big'), 'flags': tcp[13]})
print(json.dumps(out), flush=True)
`;

interface Captured {
  dstMac: string;
  srcMac: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  flags: number;
}

const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
const isSyn = (c: Captured) => (c.flags & TCP_SYN) !== 0 && (c.flags & TCP_ACK) === 0;

test('rules netns: whitelist, tdiff with API tags, capability through break, tee, redirect, rule changes in force within seconds', { skip, timeout: 240_000 }, async (t) => {
  const mark = stopwatch(t);
  await withLab('tz-rules-netns-', async ({ lab, work, procs, extras: helpers }) => {
    const tcpScript = join(work, 'tcp.mjs');
    const captureScript = join(work, 'capture.py');
    writeFileSync(tcpScript, TCP_SCRIPT);
    writeFileSync(captureScript, CAPTURE_SCRIPT);

    // --- the network and the processes
    bridgedNamespaces(lab, IP);
    const { addr, homes } = makeNodes(work, ['ctl', ...MEMBERS], IP.root);
    const statusFile = (role: string) => join(work, `${role}.json`);
    await startRoot(lab, homes.root, statusFile('root'), procs);
    const nodes = (['ctl', ...MEMBERS] as const).map((role) => startProcess(lab, role, ['service', homes[role]], statusFile(role)));
    procs.push(...nodes);

    const run = (role: string, cmd: string, args: string[], timeout = 20_000) => runIn(lab, role, cmd, args, timeout);
    const { api, network } = localApi(lab, work, homes);

    await waitFor('the API of every node to answer', 20_000, () => (['ctl', ...MEMBERS] as const).every((r) => api(r, 'GET', '/status').status === 200), procs);
    await waitFor('every node to come online', 30_000, () => nodes.every((p) => status(p)?.online === true), procs);
    mark('root, controller and three members online');

    // --- (a) the network, created with a whitelist as its rules
    const whitelist = `
      # IPv4, ARP and IPv6 only
      drop not ethertype ipv4 and not ethertype arp and not ethertype ipv6;
      accept ethertype arp;
      accept ipprotocol icmp;
      accept ethertype ipv6 and ipprotocol icmp6;   # neighbour discovery and ping6
      macro tcp_service($p)
        accept ipprotocol tcp and dport $p;
        accept ipprotocol tcp and sport $p;         # its replies
      ;
      include tcp_service(22)
      include tcp_service(80)
      include tcp_service(443)
      drop;
    `;
    const bad = api('ctl', 'POST', `/controller/network/${addr.ctl}______`, { rulesSource: 'accept ipprotocol tcp and dport;' });
    assert.equal(bad.status, 400, `a rule source that does not compile is refused: ${bad.body}`);
    assert.match(bad.body, /line|column/i);
    const created = api('ctl', 'POST', `/controller/network/${addr.ctl}______`, {
      name: 'netns-rules',
      private: true,
      v4AssignMode: { zt: true },
      v6AssignMode: { rfc4193: false, zt: false, '6plane': false },
      ipAssignmentPools: [{ ipRangeStart: POOL.start, ipRangeEnd: POOL.end }],
      routes: [{ target: POOL.net, via: null }],
      rulesSource: whitelist,
    });
    assert.equal(created.status, 200, created.body);
    const nwid = (JSON.parse(created.body) as { id: string }).id;
    for (const role of MEMBERS) {
      assert.equal(api(role, 'POST', `/network/${nwid}`, {}).status, 200, `${role} joins`);
      assert.equal(api('ctl', 'POST', `/controller/network/${nwid}/member/${addr[role]}`, { authorized: true }).status, 200);
    }
    const net: Record<Member, NetworkJson> = {} as Record<Member, NetworkJson>;
    const configured = (role: Member) => {
      const n = network(role, nwid);
      if (n?.status !== 'OK' || !n.assignedAddresses.some((a) => a.includes('.'))) return false;
      const onTap = run(role, 'ip', ['-br', 'addr', 'show', 'dev', n.portDeviceName]).stdout;
      if (!n.assignedAddresses.every((a) => onTap.includes(a))) return false;
      net[role] = n;
      return true;
    };
    await waitFor('the members to be configured', 30_000, () => MEMBERS.every(configured), procs, () => JSON.stringify(MEMBERS.map((r) => network(r, nwid))));
    const ip = (role: Member) => net[role].assignedAddresses.find((a) => a.includes('.'))!.split('/')[0]!;
    mark(`network ${nwid}: ${MEMBERS.map((r) => `${r} ${ip(r)}`).join(', ')}`);

    for (const role of MEMBERS) {
      const srv = spawn('ip', ['netns', 'exec', lab.ns(role), process.execPath, tcpScript, 'server', ...PORTS.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
      helpers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.stdout.once('data', () => resolve());
        srv.once('exit', (code) => reject(new Error(`tcp server in ${role} exited ${code}`)));
      });
    }
    /** Connects from `from` to each [member, port] at once; the results in the same order. */
    const connect = (from: Member, targets: [Member, number][], timeout = CONNECT_TIMEOUT): string[] => {
      const list = targets.map(([to, port]) => `${ip(to)}:${port}`);
      const r = run(from, process.execPath, [tcpScript, 'client', String(timeout), ...list], timeout + 10_000);
      const results = JSON.parse(r.stdout || '{}') as Record<string, string>;
      return list.map((k) => results[k] ?? `no result (${r.stderr})`);
    };
    const ping = (from: Member, to: Member) => run(from, 'ping', ['-n', '-c', '2', '-i', '0.2', '-W', '2', ip(to)]).status === 0;
    /** Posts a rule source; resolves with the ms until all three members run the new revision. */
    const setRules = async (what: string, source: string): Promise<number> => {
      const before = Object.fromEntries(MEMBERS.map((r) => [r, network(r, nwid)!.netconfRevision]));
      const posted = Date.now();
      const r = api('ctl', 'POST', `/controller/network/${nwid}`, { rulesSource: source });
      assert.equal(r.status, 200, r.body);
      await waitFor(`the ${what} rules on every member`, 10_000, () => MEMBERS.every((m) => (network(m, nwid)?.netconfRevision ?? 0) > before[m]), procs);
      return Date.now() - posted;
    };
    /** Waits (up to 10 s) until `check` holds, polling; returns the ms it took from `since`. */
    const until = async (what: string, since: number, check: () => boolean): Promise<number> => {
      await waitFor(what, 10_000, check, procs);
      return Date.now() - since;
    };

    // ARP goes through the whitelist; the first TCP may wait for it.
    await waitFor('m1 to reach m2 on TCP 22', 20_000, () => connect('m1', [['m2', 22]])[0] === 'ok', procs);
    assert.deepEqual(
      connect('m1', [['m2', 22], ['m2', 80], ['m2', 443], ['m2', 8080], ['m3', 443], ['m3', 8080]]),
      ['ok', 'ok', 'ok', 'timeout', 'ok', 'timeout'],
      'whitelist: TCP 22/80/443 pass, 8080 is dropped (m1 → m2, m3)',
    );
    assert.deepEqual(connect('m3', [['m1', 22], ['m1', 8080]]), ['ok', 'timeout'], 'whitelist: m3 → m1');
    assert.ok(ping('m1', 'm2') && ping('m3', 'm1'), 'whitelist: ICMP passes');
    assert.match(run('m1', 'ip', ['neigh', 'show', ip('m2'), 'dev', net.m1.portDeviceName]).stdout, new RegExp(`lladdr ${net.m2.mac}`), 'ARP passes');
    mark('(a) whitelist: TCP 22/80/443, ICMP and ARP pass; TCP 8080 dropped');

    // --- (b) tdiff: TCP 5000 only inside a department; tags through the API
    const tdiffIn = await setRules(
      'tdiff',
      `
      tag department
        id 1000
        enum 1 red
        enum 2 blue
      ;
      drop not ethertype ipv4 and not ethertype arp and not ethertype ipv6;
      accept ipprotocol tcp and dport 5000 and tdiff department 0;
      accept ipprotocol tcp and sport 5000 and tdiff department 0;
      drop ipprotocol tcp and dport 5000;
      drop ipprotocol tcp and sport 5000;
      accept;
    `,
    );
    const tagsSet = Date.now();
    for (const [role, department] of [['m1', 1], ['m2', 1], ['m3', 2]] as const) {
      const r = api('ctl', 'POST', `/controller/network/${nwid}/member/${addr[role]}`, { tags: [[1000, department]] });
      assert.equal(r.status, 200, r.body);
      assert.deepEqual((JSON.parse(r.body) as { tags: number[][] }).tags, [[1000, department]]);
    }
    const tagsTook = await until('m1 → m2:5000 within the red department', tagsSet, () => connect('m1', [['m2', 5000]])[0] === 'ok');
    assert.deepEqual(connect('m1', [['m2', 5000], ['m3', 5000], ['m3', 22]]), ['ok', 'timeout', 'ok'], 'm1 (red) reaches m2 (red) on 5000, not m3 (blue); other ports open');
    assert.deepEqual(connect('m3', [['m1', 5000], ['m2', 5000], ['m2', 8080]]), ['timeout', 'timeout', 'ok'], 'm3 (blue) reaches no red member on 5000');
    assert.deepEqual(connect('m2', [['m1', 5000]]), ['ok'], 'm2 → m1 (both red)');
    // m3 moves to red: its new tag reaches m1 and m2 (which hold its old one) without a restart.
    const moved = Date.now();
    assert.equal(api('ctl', 'POST', `/controller/network/${nwid}/member/${addr.m3}`, { tags: [[1000, 1]] }).status, 200);
    const moveTook = await until('m1 → m3:5000 once m3 is red', moved, () => connect('m1', [['m3', 5000]])[0] === 'ok');
    assert.deepEqual(connect('m3', [['m1', 5000], ['m2', 5000]]), ['ok', 'ok'], 'm3 (now red) reaches m1 and m2 on 5000');
    mark(`(b) tdiff department 0: rules in force in ${tdiffIn} ms, tags in ${tagsTook} ms; m3 moved to red, open to it in ${moveTook} ms`);

    // --- (c) a capability lets m1 (only) through a break
    const capIn = await setRules(
      'capability',
      `
      drop not ethertype ipv4 and not ethertype arp and not ethertype ipv6;
      break ipprotocol tcp and dport 6000;     # only with a capability
      accept;
      cap port6000
        id 100
        accept ipprotocol tcp and dport 6000;
      ;
    `,
    );
    assert.deepEqual(connect('m1', [['m2', 6000], ['m2', 22]]), ['timeout', 'ok'], 'without the capability, m1 → m2:6000 is dropped');
    const granted = Date.now();
    const grant = api('ctl', 'POST', `/controller/network/${nwid}/member/${addr.m1}`, { capabilities: [100] });
    assert.equal(grant.status, 200, grant.body);
    assert.deepEqual((JSON.parse(grant.body) as { capabilities: number[] }).capabilities, [100]);
    const grantTook = await until('m1 → m2:6000 with the capability', granted, () => connect('m1', [['m2', 6000]])[0] === 'ok');
    assert.deepEqual(connect('m1', [['m2', 6000], ['m3', 6000]]), ['ok', 'ok'], 'm1 holds the capability: 6000 open to it');
    assert.deepEqual(connect('m2', [['m1', 6000], ['m3', 6000]]), ['timeout', 'timeout'], 'm2 holds none');
    assert.deepEqual(connect('m3', [['m2', 6000]]), ['timeout'], 'm3 holds none');
    mark(`(c) capability: rules in force in ${capIn} ms, m1 through the break ${grantTook} ms after the grant`);

    // --- (d) tee: copies of m1's TCP SYNs to m3
    const teeIn = await setRules(
      'tee',
      `
      tee -1 ${addr.m3} ztsrc ${addr.m1} and ipprotocol tcp and chr tcp_syn and not chr tcp_ack;
      accept;
    `,
    );
    const capture = async (role: Member, during: () => void | Promise<void>): Promise<Captured[]> => {
      const p = spawn('ip', ['netns', 'exec', lab.ns(role), 'python3', captureScript, net[role].portDeviceName], { stdio: ['pipe', 'pipe', 'pipe'] });
      helpers.push(p);
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      await waitFor(`the capture on ${role}`, 10_000, () => out.includes('ready') || p.exitCode !== null, procs);
      assert.equal(p.exitCode, null, `capture on ${role}: ${err}`);
      await during();
      await sleep(300);
      p.stdin.end('stop\n');
      await new Promise((r) => p.once('exit', r));
      return JSON.parse(out.slice(out.indexOf('\n') + 1)) as Captured[];
    };
    const teed = await capture('m3', () => {
      assert.deepEqual(connect('m1', [['m2', 443]]), ['ok'], 'm1 → m2:443 still works');
      assert.deepEqual(connect('m2', [['m1', 80]]), ['ok'], 'm2 → m1:80 (not teed)');
    });
    const copies = teed.filter((c) => c.dst !== ip('m3') && c.src !== ip('m3'));
    const synCopies = copies.filter((c) => isSyn(c) && c.src === ip('m1') && c.dst === ip('m2') && c.dport === 443);
    assert.ok(synCopies.length >= 1, `m3's TAP sees m1's SYN to m2:443: ${JSON.stringify(teed)}`);
    assert.ok(synCopies.every((c) => c.dstMac === net.m2.mac && c.srcMac === net.m1.mac), 'the copy is the original frame (m1 → m2 MACs)');
    assert.deepEqual(copies.filter((c) => !synCopies.includes(c)), [], "nothing else is copied (no SYN-ACK, no m2's SYN, no data)");
    mark(`(d) tee: rules in force in ${teeIn} ms; m3 got ${synCopies.length} copies of m1's SYN (one from each end's rules)`);

    // --- (e) redirect: TCP 7000 goes to m3 instead of its destination
    const redirectIn = await setRules(
      'redirect',
      `
      redirect ${addr.m3} ipprotocol tcp and dport 7000;
      accept;
    `,
    );
    let atM2: Captured[] = [];
    const atM3 = await capture('m3', async () => {
      atM2 = await capture('m2', () => {
        assert.deepEqual(connect('m1', [['m2', 7000], ['m2', 6000]]), ['timeout', 'ok'], 'm1 → m2:7000 never reaches m2; m2:6000 does');
      });
    });
    const toM2on7000 = (list: Captured[]) => list.filter((c) => c.src === ip('m1') && c.dst === ip('m2') && c.dport === 7000);
    assert.ok(toM2on7000(atM3).filter(isSyn).length >= 1, `m3's TAP gets m1's SYNs for m2:7000: ${JSON.stringify(atM3)}`);
    assert.ok(toM2on7000(atM3).every((c) => c.dstMac === net.m2.mac), 'as sent (m2 MAC)');
    assert.deepEqual(toM2on7000(atM2), [], "m2's TAP sees none of them");
    assert.ok(atM2.some((c) => c.dport === 6000), 'm2 saw the traffic to its port 6000');
    mark(`(e) redirect: rules in force in ${redirectIn} ms; ${toM2on7000(atM3).length} frames for m2:7000 went to m3, none to m2`);

    // --- (f) back to accept-all: TCP 8080 opens again, timed from the POST
    const openedAt = Date.now();
    assert.equal(api('ctl', 'POST', `/controller/network/${nwid}`, { rulesSource: 'accept;' }).status, 200);
    const openTook = await until('m1 → m2:8080 after the rules open', openedAt, () => connect('m1', [['m2', 8080]], 500)[0] === 'ok');
    assert.ok(openTook < 5_000, `open ${openTook} ms after the POST`);
    assert.deepEqual(connect('m3', [['m1', 8080], ['m2', 7000]]), ['ok', 'ok']);
    mark(`(f) accept-all: TCP 8080 open ${openTook} ms after the POST`);

    const codes = await stopAll(procs);
    assert.deepEqual(codes, procs.map(() => 0), 'SIGTERM stops every process with exit code 0');
  });
});
