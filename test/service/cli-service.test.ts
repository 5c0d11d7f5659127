/**
 * `tierzero service` / `tierzero root` as real processes: failures a user can cause end with a
 * one-line message and a non-zero exit, never a stack trace; a started node stops cleanly on
 * SIGTERM. Uses port 0 (random) and loopback-only binds so nothing collides or leaves the host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const LOOPBACK_ONLY = JSON.stringify({ settings: { bind: ['127.0.0.1'], allowSecondaryPort: false } });

function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'tz-cli-'));
  writeFileSync(join(home, 'local.conf'), LOOPBACK_ONLY);
  return home;
}

function run(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });
}

function assertCleanFailure(r: ReturnType<typeof run>, pattern: RegExp): void {
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /^tierzero: fatal error: /);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('cli service: a corrupt identity.secret refuses to start, exit 1, clear message', () => {
  const home = tempHome();
  try {
    writeFileSync(join(home, 'identity.secret'), 'deadbeef00:0:zz');
    const r = run(['service', home, '-p', '0']);
    assert.equal(r.status, 1);
    assertCleanFailure(r, /identity\.secret is not a valid identity/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('cli service: a bad local.conf field is named, exit 1', () => {
  const home = tempHome();
  try {
    writeFileSync(join(home, 'local.conf'), '{"settings":{"bind":["not-an-ip"]}}');
    assertCleanFailure(run(['service', home, '-p', '0']), /settings\.bind\[0\]: "not-an-ip" is not an IP address/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('cli service: port in use, exit 1', async () => {
  const home = tempHome();
  const holder = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '0.0.0.0', () => r()));
  try {
    const r = run(['service', home, '-p', String(holder.address().port)]);
    assert.equal(r.status, 1);
    assertCleanFailure(r, /cannot bind to local UDP port \d+: it is in use/);
  } finally {
    holder.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('cli root: not a root of any world: explains idtool, exit 1', () => {
  const home = tempHome();
  try {
    const r = run(['root', home, '-p', '0']);
    assertCleanFailure(r, /is not a root[\s\S]*tierzero idtool initplanet[\s\S]*tierzero idtool initmoon/);
    assert.ok(existsSync(join(home, 'identity.public')));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('cli service: first start creates the identity (0600), runs, and stops on SIGTERM with exit 0', async () => {
  const home = tempHome();
  const statusFile = join(home, 'status.json');
  try {
    const child = spawn(process.execPath, [MAIN, 'service', home, '-p', '0', '--status-file', statusFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const until = Date.now() + 20_000;
    while (!existsSync(statusFile) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(statusFile), `status file written (stderr: ${stderr})`);
    assert.equal(statSync(join(home, 'identity.secret')).mode & 0o777, 0o600);
    const snap = JSON.parse(readFileSync(statusFile, 'utf8'));
    assert.equal(snap.publicIdentity, readFileSync(join(home, 'identity.public'), 'utf8'));
    assert.equal(snap.listeningOn.length, 1);
    assert.match(snap.listeningOn[0], /^127\.0\.0\.1\/\d+$/);
    assert.equal(readFileSync(join(home, 'zerotier-one.port'), 'utf8'), snap.listeningOn[0].split('/')[1]);
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.equal(stderr, '', 'quiet by default');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
