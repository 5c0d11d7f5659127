/** The reconciler: `ip` commands for differences, failures retried, concurrent syncs collapsed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, type Cidr } from '../../src/service/ip-text.js';
import type { IpCommandRunner } from '../../src/service/networks/ip-command.js';
import { ManagedAddressing } from '../../src/service/networks/managed-addressing.js';
import type { RouteSpec } from '../../src/service/networks/managed-plan.js';

const cidr = (t: string): Cidr => parseCidr(t)!;

class Recorder implements IpCommandRunner {
  commands: string[] = [];
  failing = new Set<string>();
  delayMs = 0;
  async run(args: readonly string[]) {
    const line = args.join(' ');
    this.commands.push(line);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const fail = [...this.failing].some((f) => line.includes(f));
    return { ok: !fail, error: fail ? 'RTNETLINK answers: File exists' : '' };
  }
}

const route = (target: string, via?: string, src?: string): RouteSpec => ({
  target: cidr(target),
  ...(via ? { via: parseCidr(via)!, metric: 5000 } : {}),
  ...(src ? { src: parseCidr(src)! } : {}),
});

test('managed addressing: adds, re-prefixes, removes with the right commands', async () => {
  const ip = new Recorder();
  const failures: string[] = [];
  const m = new ManagedAddressing('zt0', ip, (f) => failures.push(f));
  await m.sync({
    addresses: [cidr('10.1.0.5/24'), cidr('fd00::5/88')],
    routes: [route('10.9.0.0/16', undefined, '10.1.0.5'), route('10.8.0.0/16', '10.1.0.1')],
  });
  assert.deepEqual(ip.commands, [
    '-4 addr replace 10.1.0.5/24 broadcast + dev zt0',
    '-6 addr replace fd00::5/88 dev zt0 nodad',
    '-4 route replace 10.9.0.0/16 dev zt0 proto static src 10.1.0.5',
    '-4 route replace 10.8.0.0/16 via 10.1.0.1 dev zt0 proto static metric 5000',
  ]);
  ip.commands = [];
  await m.sync({ addresses: [cidr('10.1.0.5/24'), cidr('fd00::5/88')], routes: [route('10.9.0.0/16', undefined, '10.1.0.5'), route('10.8.0.0/16', '10.1.0.1')] });
  assert.deepEqual(ip.commands, [], 'nothing changed: no commands');
  await m.sync({ addresses: [cidr('10.1.0.5/16')], routes: [route('10.8.0.0/16', '10.1.0.1')] });
  assert.deepEqual(ip.commands, [
    '-4 addr del 10.1.0.5/24 dev zt0',
    '-6 addr del fd00::5/88 dev zt0',
    '-4 addr replace 10.1.0.5/16 broadcast + dev zt0',
    '-4 route del 10.9.0.0/16 dev zt0 proto static src 10.1.0.5',
    '-4 route replace 10.8.0.0/16 via 10.1.0.1 dev zt0 proto static metric 5000',
  ], 'a new prefix replaces the old address; routes are re-applied after address changes');
  assert.deepEqual(failures, []);
  assert.deepEqual(m.appliedAddresses().map((c) => c.bits), [16]);
});

test('managed addressing: a failed command is logged and retried at the next sync', async () => {
  const ip = new Recorder();
  const failures: string[] = [];
  const m = new ManagedAddressing('zt0', ip, (f) => failures.push(f));
  ip.failing.add('10.8.0.0/16');
  const wanted = { addresses: [cidr('10.1.0.5/24')], routes: [route('10.8.0.0/16', '10.1.0.1')] };
  await m.sync(wanted);
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /^ip -4 route replace 10\.8\.0\.0\/16 .*: RTNETLINK answers: File exists$/);
  assert.equal(m.appliedRoutes().length, 0);
  ip.failing.clear();
  ip.commands = [];
  await m.sync(wanted);
  assert.deepEqual(ip.commands, ['-4 route replace 10.8.0.0/16 via 10.1.0.1 dev zt0 proto static metric 5000']);
  assert.equal(m.commandsFailed, 1);
});

test('managed addressing: syncs requested while one runs collapse into one more run with the newest set', async () => {
  const ip = new Recorder();
  ip.delayMs = 5;
  const m = new ManagedAddressing('zt0', ip, () => {});
  const first = m.sync({ addresses: [cidr('10.1.0.1/24')], routes: [] });
  void m.sync({ addresses: [cidr('10.1.0.2/24')], routes: [] });
  const last = m.sync({ addresses: [cidr('10.1.0.3/24')], routes: [] });
  assert.equal(first, last, 'one promise for the running loop');
  await last;
  assert.deepEqual(ip.commands, ['-4 addr replace 10.1.0.1/24 broadcast + dev zt0', '-4 addr del 10.1.0.1/24 dev zt0', '-4 addr replace 10.1.0.3/24 broadcast + dev zt0']);
  m.forget();
  assert.deepEqual(m.appliedAddresses(), []);
});
