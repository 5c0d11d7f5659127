/**
 * `tierzero idtool` end to end: the compiled CLI runs as a child process, and outputs, stderr
 * messages and exit codes are compared with spec/cli.md section 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Identity } from '../../src/core/vl1/identity.js';
import { bytesToHex, hexToBytes } from '../../src/core/vl1/bytes.js';
import { c25519PublicFromPrivate } from '../../src/core/vl1/c25519.js';
import { inetAddressToString } from '../../src/core/vl1/inet-address.js';
import { decodeWorld, serializeWorld, verifyWorld } from '../../src/core/vl1/world.js';
import { worldFromJson } from '../../src/tools/world-json.js';
import { idtoolHelp, parseVanity, processIo, runIdtool, vanityMatches, type IdtoolIo } from '../../src/cli/commands/idtool.js';
import { loadVectors, REPO_ROOT } from '../helpers/vectors.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const ids = loadVectors('vl1_identities.json');
const sigs = loadVectors('vl1_signatures.json');
const moon = loadVectors('vl1_world_moon.json');
const byName = (n: string) => ids.identities.find((i: { name: string }) => i.name === n);
const alice = byName('alice');

const dir = mkdtempSync(join(tmpdir(), 'tierzero-idtool-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function idtool(args: string[], cwd = dir): Run {
  const r = spawnSync(process.execPath, [MAIN, 'idtool', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Same command in this process, with real files: for the many error cases, to keep the suite fast. */
function inproc(args: string[]): Run {
  const run: Run = { code: null, stdout: '', stderr: '' };
  const io: IdtoolIo = { ...processIo, stdout: (t) => (run.stdout += t), stderr: (t) => (run.stderr += t) };
  run.code = runIdtool(args, io);
  return run;
}

function assertRun(r: Run, code: number, stdout: string | RegExp, stderr: string | RegExp = ''): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  if (typeof stdout === 'string') assert.equal(r.stdout, stdout);
  else assert.match(r.stdout, stdout);
  if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
  else assert.match(r.stderr, stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('idtool help: no command, unknown command, too few arguments (stdout, exit 1; initmoon/genmoon exit 0)', () => {
  const help = idtoolHelp();
  assert.match(help, /^ZeroTier One version 1\.14\.1\n/);
  assert.match(help, /\nUsage: tierzero idtool <command> \[<args>\]\n\nCommands:\n  generate /);
  assert.doesNotMatch(help, /Copyright/);
  assertRun(idtool([]), 1, help);
  assertRun(inproc(['frobnicate']), 1, help);
  assertRun(inproc(['-h']), 1, help);
  assertRun(inproc(['sign', 'x']), 1, help);
  assertRun(idtool(['initmoon']), 0, help);
  assertRun(inproc(['genmoon']), 0, help);
});

test('idtool validate: literal, file, invalid, unreadable', () => {
  assertRun(idtool(['validate', alice.public]), 0, `${alice.public} is a valid identity\n`);
  const secretFile = file('alice.secret', `${alice.secret}\n`);
  assertRun(inproc(['validate', secretFile]), 0, `${secretFile} is a valid identity\n`);
  const bad = ids.invalid[0].public;
  assertRun(idtool(['validate', bad]), 1, '', `${bad} FAILED validation.\n`);
  const missing = join(dir, 'missing.secret');
  assertRun(inproc(['validate', missing]), 1, '', `Identity argument invalid or file unreadable: ${missing}\n`);
  const garbage = file('garbage', 'c7f7b1cbd9:0:1234');
  assertRun(inproc(['validate', garbage]), 1, '', `Identity argument invalid or file unreadable: ${garbage}\n`);
});

test('idtool getpublic: public string without newline', () => {
  assertRun(idtool(['getpublic', alice.secret]), 0, alice.public);
  assertRun(inproc(['getpublic', 'nope']), 1, '', 'Identity argument invalid or file unreadable: nope\n');
});

test('idtool sign and verify: the reference signature, round trip, failures', () => {
  const secretFile = file('alice2.secret', alice.secret);
  const msg = file('msg.txt', hexToBytes(sigs.idtool.message));
  assertRun(idtool(['sign', secretFile, msg]), 0, sigs.idtool.signature);
  assertRun(inproc(['sign', alice.public, msg]), 1, '', `${alice.public} does not contain a private key (must use private to sign)\n`);
  const missing = join(dir, 'nothing.txt');
  assertRun(inproc(['sign', secretFile, missing]), 1, '', `${missing} is not readable\n`);

  assertRun(idtool(['verify', alice.public, msg, sigs.idtool.signature]), 0, `${msg} signature valid\n`);
  const sigFile = file('msg.sig', `${sigs.idtool.signature}\n`);
  assertRun(inproc(['verify', alice.public, msg, sigFile]), 0, `${msg} signature valid\n`);
  const other = file('other.txt', 'something else');
  assertRun(inproc(['verify', alice.public, other, sigs.idtool.signature]), 1, '', `${other} signature check FAILED\n`);
  assertRun(inproc(['verify', byName('bob').public, msg, sigFile]), 1, '', `${msg} signature check FAILED\n`);
  assertRun(inproc(['verify', alice.public, missing, sigFile]), 1, '', `${missing} is not readable\n`);
});

test('idtool sign: the spec/cli.md vector', () => {
  const secret =
    '66aee87c6b:0:2a44f7187293d25a64fad4251e2c5a51b23a1401f933aaab40b7ab61ab255a3eaa82139f93fd145f5ebdefaa3577a96dac879fa8ae82277cbdc5364c651a576f:6994a4a14b467ebcefe97101b5d02484572869594d39b89399f87db427ced9db8ae3e54c6c4298c5c4eede7dfdcf9f1b125c513396819c1d243a433f4f26c219';
  const hello = file('hello.txt', 'hello world\n');
  assertRun(
    idtool(['sign', secret, hello]),
    0,
    '53b60cee036f6e53fa4c7eaa0de5fe4801a45061c8fcc8dcdbfbca77a97fa6a7c13c2a227ad49f42067bf7b3d6308160535ababaf8c22606176eb1874ad9240edb3974a97f2407b7cae1ae637c0030687a11913274d578492558e39c16c017de',
  );
});

test('idtool generate: to stdout, to files, write errors', () => {
  const out = idtool(['generate']);
  assert.equal(out.code, 0);
  assert.doesNotMatch(out.stdout, /\n/);
  const id = Identity.fromString(out.stdout);
  assert.ok(id.ok && id.value.hasPrivate() && id.value.locallyValidate());

  const sec = join(dir, 'new.secret');
  const pub = join(dir, 'new.public');
  assertRun(idtool(['generate', sec, pub]), 0, `${sec} written\n${pub} written\n`);
  const s = Identity.fromString(readFileSync(sec, 'utf8'));
  assert.ok(s.ok && s.value.hasPrivate());
  assert.equal(readFileSync(pub, 'utf8'), s.value.toString(false));

  const bad = join(dir, 'no', 'such', 'dir', 'id.secret');
  assertRun(idtool(['generate', bad]), 1, '', `Error writing to ${bad}\n`);
});

test('idtool initmoon: template JSON with a fresh signing key', () => {
  const seed = byName('moonseed');
  const r = idtool(['initmoon', seed.secret]);
  assert.equal(r.code, 0);
  assert.ok(r.stdout.endsWith('}\n'));
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j), ['id', 'objtype', 'roots', 'signingKey', 'signingKey_SECRET', 'updatesMustBeSignedBy', 'worldType']);
  assert.equal(j.id, seed.address);
  assert.deepEqual(j.roots, [{ identity: seed.public, stableEndpoints: [] }]);
  assert.equal(j.updatesMustBeSignedBy, j.signingKey);
  assert.equal(bytesToHex(c25519PublicFromPrivate(hexToBytes(j.signingKey_SECRET))), j.signingKey);
  assert.equal(j.worldType, 'moon');
  assert.match(r.stdout, /^\{\n "id": /);
  assertRun(inproc(['initmoon', 'nope']), 1, '', 'nope is not a valid identity\n');
});

test('idtool genmoon: writes <id>.moon in the current directory; errors', () => {
  const json = file('moon.json', JSON.stringify(moon.updateJson));
  const r = idtool(['genmoon', json]);
  assert.equal(r.code, 0, r.stderr);
  const m = /^wrote 00000080f9c1d0b5\.moon \(signed world with timestamp (\d+)\)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  const bytes = readFileSync(join(dir, '00000080f9c1d0b5.moon'));
  const d = decodeWorld(bytes);
  assert.ok(d.ok && verifyWorld(d.value.world));
  const rebuilt = worldFromJson(moon.updateJson, { timestamp: BigInt(m[1]) });
  assert.ok(rebuilt.ok);
  assert.equal(bytesToHex(serializeWorld(rebuilt.value.world)), bytesToHex(bytes));

  const missing = join(dir, 'missing.json');
  assertRun(inproc(['genmoon', missing]), 1, '', `cannot read ${missing}\n`);
  const broken = file('broken.json', '{ "id": ');
  assertRun(idtool(['genmoon', broken]), 1, '', new RegExp(`^${broken} is not valid JSON: .+\\n$`));
  const badId = file('badid.json', JSON.stringify({ ...moon.initmoonJson, id: '0' }));
  assertRun(inproc(['genmoon', badId]), 1, '', `ID in ${badId} is invalid\n`);
  const badType = file('badtype.json', JSON.stringify({ ...moon.initmoonJson, worldType: 'star' }));
  assertRun(inproc(['genmoon', badType]), 1, '', 'invalid worldType\n');
  const badEp = file('badep.json', JSON.stringify({ ...moon.initmoonJson, roots: [{ ...moon.initmoonJson.roots[0], stableEndpoints: ['10.1.2.3:9993'] }] }));
  assertRun(inproc(['genmoon', badEp]), 1, '', `${badEp}: roots[0].stableEndpoints[0]: "10.1.2.3:9993" is not an "ip/port" address\n`);
});

test('idtool initplanet + mkworld: a private planet that decodes and verifies', () => {
  const tpl = idtool(['initplanet', byName('root1').public, alice.public, '--id', '424242']);
  assert.equal(tpl.code, 0, tpl.stderr);
  const j = JSON.parse(tpl.stdout);
  assert.equal(j.id, '424242');
  assert.equal(j.worldType, 'planet');
  assert.equal(j.roots.length, 2);
  j.roots[0].stableEndpoints = ['2001:db8::1/9993', '203.0.113.7/9993'];
  j.roots[1].stableEndpoints = ['198.51.100.1/9993'];
  const json = file('planet.json', JSON.stringify(j, null, 2));
  const out = join(dir, 'custom.planet');
  assertRun(idtool(['mkworld', json, '-o', out, '--timestamp', '1700000000000']), 0, `wrote ${out} (signed planet 424242 with timestamp 1700000000000, 2 roots)\n`);
  const d = decodeWorld(readFileSync(out));
  assert.ok(d.ok);
  const w = d.value.world;
  assert.ok(verifyWorld(w));
  assert.equal(w.type, 1);
  assert.equal(w.id, 424242n);
  assert.equal(w.timestamp, 1700000000000n);
  assert.equal(d.value.length, readFileSync(out).length);
  const root1 = w.roots.find((r) => r.identity.toString() === byName('root1').public)!;
  assert.deepEqual(root1.stableEndpoints.map(inetAddressToString), ['203.0.113.7/9993', '2001:db8::1/9993']);

  // default output: ./planet
  const sub = mkdtempSync(join(dir, 'cwd-'));
  const r = idtool(['mkworld', json], sub);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote planet \(signed planet 424242 with timestamp \d+, 2 roots\)\n$/);
  assert.ok(decodeWorld(readFileSync(join(sub, 'planet'))).ok);
});

test('idtool initplanet + mkworld: errors are one clear line', () => {
  assertRun(inproc(['initplanet']), 1, idtoolHelp());
  assertRun(inproc(['initplanet', 'nope']), 1, '', 'nope is not a valid identity\n');
  assertRun(inproc(['initplanet', alice.public, '--id', 'zz']), 1, '', /^invalid --id: must be a non-zero world id/);
  const tpl = idtool(['initplanet', alice.public]);
  assert.equal(tpl.code, 0);
  assert.match(JSON.parse(tpl.stdout).id, /^[0-9]+$/);
  assertRun(inproc(['mkworld']), 1, idtoolHelp());
  assertRun(inproc(['mkworld', 'x.json', '--bogus']), 1, '', 'unknown option --bogus\n');
  assertRun(inproc(['mkworld', 'x.json', '-o']), 1, '', 'option -o needs a value\n');
  const missing = join(dir, 'nope.json');
  assertRun(inproc(['mkworld', missing]), 1, '', `cannot read ${missing}\n`);
  const moonJson = file('moon-for-mkworld.json', JSON.stringify(moon.initmoonJson));
  assertRun(inproc(['mkworld', moonJson]), 1, '', `${moonJson}: worldType: must be "planet" here\n`);
  const badRoot = file('badroot.json', JSON.stringify({ ...moon.initmoonJson, worldType: 'planet', roots: [{ identity: ids.invalid[1].public }] }));
  assertRun(inproc(['mkworld', badRoot]), 1, '', new RegExp(`^${badRoot}: roots\\[0\\]\\.identity: identity c7f7b1cbd0 fails validation`));
});

test('idtool generate: vanity search messages (in process)', () => {
  assert.deepEqual(parseVanity(''), { bits: 0, value: 0n });
  assert.deepEqual(parseVanity('c7'), { bits: 8, value: 0xc7n });
  assert.deepEqual(parseVanity('0123456789abcdef'), { bits: 40, value: 0x6789abcdefn });
  assert.ok(vanityMatches(0xc7f7b1cbd9, parseVanity('c7f')));
  assert.ok(!vanityMatches(0x08f159bda0, parseVanity('c7f')));

  const queue = ['bob', 'carol', 'alice'].map((n) => {
    const r = Identity.fromString(byName(n).secret);
    assert.ok(r.ok);
    return r.value;
  });
  let stdout = '';
  let stderr = '';
  const io: IdtoolIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readFile: () => undefined,
    writeFile: () => true,
    now: () => 0,
    generateIdentity: () => queue.shift()!,
  };
  assert.equal(runIdtool(['generate', 'a.secret', 'a.public', 'c7'], io), 0);
  const tried = (n: string) => `vanity address: tried ${byName(n).address} looking for first 8 bits of c700000000\n`;
  assert.equal(stderr, `${tried('bob')}${tried('carol')}vanity address: found c7f7b1cbd9 !\n`);
  assert.equal(stdout, 'a.secret written\na.public written\n');
});
