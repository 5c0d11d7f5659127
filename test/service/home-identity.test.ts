import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Identity } from '../../src/core/vl1/identity.js';
import { FatalError } from '../../src/service/fatal-error.js';
import { ROOT_HOME_DIR, defaultHomeDir, ensureHomeDir } from '../../src/service/home-dir.js';
import { loadOrCreateIdentity } from '../../src/service/identity-files.js';
import { StateStore } from '../../src/service/state-store.js';

function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'tz-home-'));
}

test('home dir: root gets /var/lib/tierzero, others ~/.tierzero, TIERZERO_HOME wins', () => {
  assert.equal(defaultHomeDir({ uid: 0, env: {}, userHome: '/root' }), ROOT_HOME_DIR);
  assert.equal(defaultHomeDir({ uid: 1000, env: {}, userHome: '/home/ada' }), '/home/ada/.tierzero');
  assert.equal(defaultHomeDir({ uid: 0, env: { TIERZERO_HOME: '/srv/tz' }, userHome: '/root' }), '/srv/tz');
});

test('home dir: created with parents; a file in the way is a FatalError', () => {
  const base = tempHome();
  try {
    const deep = join(base, 'a', 'b', 'c');
    assert.equal(ensureHomeDir(deep), deep);
    assert.ok(statSync(deep).isDirectory());
    writeFileSync(join(base, 'file'), 'x');
    assert.throws(() => ensureHomeDir(join(base, 'file')), FatalError);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

// One real generation (about 0.3 s) shared by the tests below.
const generated = Identity.generate();

test('identity: first start creates identity.secret (0600) and identity.public; second start reads them', () => {
  const home = tempHome();
  try {
    const store = new StateStore(home);
    let calls = 0;
    const first = loadOrCreateIdentity(store, () => (calls++, generated));
    assert.equal(first.created, true);
    assert.equal(calls, 1);
    const secretPath = join(home, 'identity.secret');
    assert.equal(statSync(secretPath).mode & 0o777, 0o600);
    assert.equal(readFileSync(secretPath, 'utf8'), generated.toString(true));
    assert.equal(readFileSync(join(home, 'identity.public'), 'utf8'), generated.toString(false));

    const second = loadOrCreateIdentity(store, () => assert.fail('must not generate again'));
    assert.equal(second.created, false);
    assert.ok(second.identity.equals(generated));
    assert.ok(second.identity.hasPrivate());
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('identity: a loose mode on identity.secret is tightened, a missing identity.public is rewritten', () => {
  const home = tempHome();
  try {
    writeFileSync(join(home, 'identity.secret'), generated.toString(true) + '\n');
    chmodSync(join(home, 'identity.secret'), 0o644);
    const r = loadOrCreateIdentity(new StateStore(home));
    assert.ok(r.identity.equals(generated));
    assert.equal(statSync(join(home, 'identity.secret')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(home, 'identity.public'), 'utf8'), generated.toString(false));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

const corruptSecrets: [string, (s: string) => string, RegExp][] = [
  ['garbage', () => 'not an identity at all', /is not a valid identity/],
  ['empty', () => '', /is not a valid identity/],
  ['truncated', (s) => s.slice(0, 100), /is not a valid identity/],
  ['public only', (s) => s.split(':').slice(0, 3).join(':'), /holds no private key/],
  [
    'private key of someone else',
    (s) => {
      const parts = s.split(':');
      parts[3] = parts[3]!.slice(0, 127) + (parts[3]!.endsWith('0') ? '1' : '0');
      return parts.join(':');
    },
    /failed validation/,
  ],
  ['wrong address', (s) => '0123456789' + s.slice(10), /failed validation/],
];
for (const [name, mangle, message] of corruptSecrets) {
  test(`identity: a corrupt identity.secret (${name}) refuses to start with a clear message`, () => {
    const home = tempHome();
    try {
      const secretPath = join(home, 'identity.secret');
      writeFileSync(secretPath, mangle(generated.toString(true)));
      const before = readFileSync(secretPath);
      assert.throws(
        () => loadOrCreateIdentity(new StateStore(home), () => assert.fail('must not replace a corrupt identity')),
        (e: unknown) => e instanceof FatalError && message.test(e.message) && e.message.includes(secretPath) && e.exitCode !== 0,
      );
      assert.deepEqual(readFileSync(secretPath), before, 'the corrupt file is left for the user');
      assert.ok(!existsSync(join(home, 'identity.public')));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
}
