/**
 * The CLI against real services: a root, a controller and a member as `tierzero` processes in
 * network namespaces. The member joins a network of the controller with `tierzero join`, is
 * authorized, and reaches the controller directly; then every zerotier-cli command runs against
 * the member's service, as `tierzero` and as `tierzero-cli`, in human and -j form. Outputs are
 * compared with snapshot files (test/netns/snapshots/cli-*.txt) after volatile values are
 * normalised: addresses, network id, MAC, device, IPs, ports, times, ages and latencies.
 * `TIERZERO_UPDATE_SNAPSHOTS=1` rewrites the snapshots.
 *
 * Runs only as root with iproute2 and iptables; otherwise skipped with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Identity } from '../../src/core/vl1/identity.js';
import { TIERZERO_MAIN, bridgedNamespaces, localApi, makeNodes, netnsSkipReason, startProcess, startRoot, status, stopAll, waitFor, withLab } from './helpers.js';

const skip = netnsSkipReason();
const TIERZERO_CLI = fileURLToPath(new URL('../../src/cli/tierzero-cli.js', import.meta.url));
/** The snapshots live beside this file's source (tests run from dist/). */
const SNAPSHOTS = fileURLToPath(new URL('../../../test/netns/snapshots/', import.meta.url));
const IP = { root: '10.81.1.1', ctl: '10.81.2.1', m1: '10.81.3.1' };

/** Values that differ per run → stable placeholders (longest first so no partial overlaps). */
function normaliser(subs: [string, string][]): (text: string) => string {
  const sorted = [...subs].sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let t = text;
    for (const [from, to] of sorted) t = t.split(from).join(to);
    return t
      .replace(/"(clock|lastSend|lastReceive|latency|localSocket|localPort|planetWorldTimestamp|secondaryPort|timestamp|creationTime)": -?\d+/g, '"$1": <n>')
      .replace(/"(clock|lastSend|lastReceive|latency|localSocket|localPort|planetWorldTimestamp|secondaryPort|timestamp)":-?\d+/g, '"$1":<n>')
      .replace(/\/\d{4,5}\b/g, '/<port>')
      .replace(/;-?\d+;-?\d+ -?\d+ /g, ';<ms>;<ms> <lat> ')
      .replace(/(PLANET|LEAF|MOON)( +)-?\d+ (DIRECT|RELAY)/g, '$1 <lat> $3')
      .replace(/(DIRECT   |RELAY )-?\d+ +-?\d+ +/g, '$1<tx> <rx> ')
      .replace(/"(signature|updatesMustBeSignedBy)": "[0-9a-f]+"/g, '"$1": "<hex>"')
      .replace(/"planetWorldId": ?\d+/g, '"planetWorldId": <n>')
      .replace(/33:33:ff(:[0-9a-f]{2}){3}/g, '33:33:ff:<nd>');
  };
}

/**
 * Peers come in address order, which changes with the random identities: lines and JSON items
 * are sorted after normalising. A peer may be heard on one or both local ports, so JSON peers
 * keep their preferred path only.
 */
function snapshotText(raw: string, norm: (t: string) => string): string {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    let items: Record<string, unknown>[] | undefined;
    try {
      items = JSON.parse(trimmed) as Record<string, unknown>[];
    } catch {
      items = undefined;
    }
    if (items) {
      const texts = items
        .map((x) => (Array.isArray(x.paths) ? { ...x, paths: (x.paths as { preferred?: boolean }[]).filter((p) => p.preferred) } : x))
        .map((x) => norm(JSON.stringify(x, null, 1)).replace(/^/gm, ' '))
        .sort();
      return texts.length === 0 ? '[]\n' : `[\n${texts.join(',\n')}\n]\n`;
    }
  }
  const lines = norm(raw).split('\n');
  const isPeerLine = (l: string) => /^(200 listpeers <(root|ctl|m1)>|<(root|ctl|m1)> )/.test(l);
  return [...lines.filter((l) => !isPeerLine(l) && l !== ''), ...lines.filter(isPeerLine).sort()].join('\n') + (raw.endsWith('\n') ? '\n' : '');
}

test('cli netns: every zerotier-cli command against a real service with a joined network and a peer', { skip, timeout: 120_000 }, async (t) => {
  await withLab('tz-cli-netns-', async ({ lab, work, procs }) => {
    bridgedNamespaces(lab, IP);
    const { ids, addr, homes } = makeNodes(work, ['ctl', 'm1'], IP.root);
    await startRoot(lab, homes.root, join(work, 'root.json'), procs, 'the root');
    const ctl = startProcess(lab, 'ctl', ['service', homes.ctl], join(work, 'ctl.json'));
    const m1 = startProcess(lab, 'm1', ['service', homes.m1], join(work, 'm1.json'));
    procs.push(ctl, m1);

    const exec = (role: 'ctl' | 'm1', file: string, args: string[]) => {
      const r = spawnSync('ip', ['netns', 'exec', lab.ns(role), process.execPath, file, ...args], { encoding: 'utf8', timeout: 20_000, cwd: work });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const tz = (role: 'ctl' | 'm1', args: string[]) => exec(role, TIERZERO_MAIN, [...args, `-D${homes[role]}`]);
    const raw = (role: 'ctl' | 'm1', path: string) => tz(role, [path]).stdout;

    await waitFor('both nodes online', 30_000, () => [ctl, m1].every((p) => status(p)?.online === true), procs);
    assert.equal(tz('ctl', ['info']).stdout, `200 info ${addr.ctl} 1.14.1 ONLINE\n`);
    assert.ok(!existsSync(join(homes.m1, 'controller.sqlite')), 'no controller store in a member that never used the controller API');

    // The network, made through the controller API (the CLI's raw paths are GETs only).
    const { api } = localApi(lab, work, homes);
    const ctlApi = (method: string, path: string, body?: unknown) => api('ctl', method, path, body).body;
    const nwid = (JSON.parse(ctlApi('POST', `/controller/network/${addr.ctl}______`, { name: 'cli-net', v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: '10.147.30.10', ipRangeEnd: '10.147.30.10' }], routes: [{ target: '10.147.30.0/24' }] })) as { id: string }).id;
    assert.equal(tz('m1', ['join', nwid]).stdout, '200 join OK\n');
    await waitFor('the member to be recorded', 20_000, () => ctlApi('GET', `/controller/network/${nwid}/member`).includes(addr.m1), procs);
    ctlApi('POST', `/controller/network/${nwid}/member/${addr.m1}`, { authorized: true });
    await waitFor('the member to be configured', 20_000, () => tz('m1', ['get', nwid, 'status']).stdout === 'OK\n', procs);
    await waitFor('a direct path from the member to the controller', 30_000, () => {
      const peers = JSON.parse(raw('m1', '/peer') || '[]') as { address: string; latency: number; paths: { preferred: boolean }[] }[];
      return peers.some((p) => p.address === addr.ctl && p.latency >= 0 && p.paths.some((x) => x.preferred));
    }, procs);
    t.diagnostic(`network ${nwid}, member ${addr.m1} configured and direct to the controller`);

    const n1 = JSON.parse(raw('m1', `/network/${nwid}`)) as { mac: string; portDeviceName: string; assignedAddresses: string[] };
    const pub = (id: Identity) => id.toString(false).split(':')[2]!;
    const norm = normaliser([
      [addr.root, '<root>'],
      [addr.ctl, '<ctl>'],
      [addr.m1, '<m1>'],
      [nwid, '<nwid>'],
      [n1.mac, '<mac>'],
      [n1.portDeviceName, '<dev>'],
      ...n1.assignedAddresses.map((a, i) => [a.split('/')[0]!, `<ip${i}>`] as [string, string]),
      [pub(ids.m1), '<key>'],
      [pub(ids.root), '<key>'],
      [homes.m1, '<home>'],
      [work, '<work>'],
      [IP.root, '<root-ip>'],
      [IP.ctl, '<ctl-ip>'],
      [IP.m1, '<m1-ip>'],
    ]);

    const runs: [string, string[], 'tierzero' | 'tierzero-cli'][] = [
      ['info', ['info'], 'tierzero'],
      ['info-j', ['-j', 'info'], 'tierzero'],
      ['status', ['status'], 'tierzero-cli'],
      ['listpeers', ['listpeers'], 'tierzero'],
      ['listpeers-j', ['listpeers', '-j'], 'tierzero-cli'],
      ['peers', ['peers'], 'tierzero'],
      ['listnetworks', ['listnetworks'], 'tierzero'],
      ['listnetworks-j', ['-j', 'listnetworks'], 'tierzero-cli'],
      ['get-ip', ['get', nwid, 'ip'], 'tierzero'],
      ['get-allowManaged', ['get', nwid, 'allowManaged'], 'tierzero-cli'],
      ['set-allowDNS', ['set', nwid, 'allowDNS=1'], 'tierzero'],
      ['get-allowDNS', ['get', nwid, 'allowDNS'], 'tierzero-cli'],
      ['listmoons', ['listmoons'], 'tierzero'],
      ['orbit', ['orbit', addr.root, addr.root], 'tierzero-cli'],
      ['deorbit', ['deorbit', addr.root], 'tierzero'],
      ['listbonds', ['listbonds'], 'tierzero-cli'],
      ['raw-health', ['/health'], 'tierzero-cli'],
      ['dump', ['dump'], 'tierzero'],
      ['leave', ['leave', nwid], 'tierzero-cli'],
      ['listnetworks-after-leave', ['listnetworks'], 'tierzero'],
    ];
    mkdirSync(SNAPSHOTS, { recursive: true });
    const update = process.env.TIERZERO_UPDATE_SNAPSHOTS === '1';
    const mismatches: string[] = [];
    for (const [name, args, bin] of runs) {
      const r = bin === 'tierzero' ? tz('m1', args) : exec('m1', TIERZERO_CLI, [...args, `-D${homes.m1}`]);
      const got = `$ ${bin} ${norm(args.join(' '))}\nexit ${r.code}\n${snapshotText(r.stdout, norm)}`;
      const file = join(SNAPSHOTS, `cli-${name}.txt`);
      if (update || !existsSync(file)) writeFileSync(file, got);
      else if (readFileSync(file, 'utf8') !== got) mismatches.push(`${name}:\n--- expected\n${readFileSync(file, 'utf8')}--- got\n${got}`);
    }
    assert.deepEqual(mismatches, [], mismatches.join('\n'));
    const dump = readFileSync(join(work, 'zerotier_dump.txt'), 'utf8');
    assert.match(dump, /^platform: Linux\nzerotier version: 1\.14\.1\n\nstatus\n------\n\{"address":/);
    assert.match(dump, /\nName: eth0\n/);
    assert.deepEqual(await stopAll(procs), procs.map(() => 0));
  });
});
