/**
 * `tierzero rules compile|check` as a user runs it: the built dist/src/cli/main.js in a child
 * process, on temporary files. Compile output is compared byte for byte with the reference CLI
 * (the vectors were produced as `node cli.js input.ztrules`, so the files here have that name).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVectors, REPO_ROOT } from '../helpers/vectors.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'tierzero-rules-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function tierzero(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: work, encoding: 'utf8', input, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let fileCounter = 0;
/** Writes `source` as `input.ztrules` in a fresh directory and returns that directory. */
function inputFile(source: string | Uint8Array): string {
  const dir = join(work, `case${fileCounter++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'input.ztrules'), source);
  return dir;
}

interface VectorCase {
  name: string;
  source: string;
  expect: { exitCode: number; stdout: string; stderr: string; error: { line: number; column: number; message: string } | null };
}
const cases = new Map((loadVectors('rules-compiler.json').cases as VectorCase[]).map((c) => [c.name, c]));

/** A spread of reproduced cases: successes with tags, caps and macros, and several errors. */
const SAMPLE = [
  'example-capabilities-and-tags',
  'full-mixed',
  'seed000-whitelist-reconstructed',
  'lex-empty',
  'tag-default-forms',
  'seed001-gist-verbatim',
  'lex-column-line2',
  'cap-duplicate-id',
];

for (const name of SAMPLE) {
  test(`rules compile: ${name} prints exactly what the reference CLI printed`, () => {
    const c = cases.get(name)!;
    const dir = inputFile(c.source);
    const r = spawnSync(process.execPath, [MAIN, 'rules', 'compile', 'input.ztrules'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, c.expect.exitCode);
    assert.equal(r.stdout, c.expect.stdout);
    assert.equal(r.stderr, c.expect.stderr);
  });
}

test('rules check: an error is printed as FILE:line:column: message, exit 1', () => {
  const c = cases.get('tag-duplicate-enum')!;
  const dir = inputFile(c.source);
  const r = spawnSync(process.execPath, [MAIN, 'rules', 'check', 'input.ztrules'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, `input.ztrules:1:27: Duplicate enum name in tag definition.\n`);
  assert.equal(r.stderr, '');
});

test('rules check: a good file prints nothing, exit 0', () => {
  const dir = inputFile(cases.get('full-mixed')!.source);
  const r = tierzero(['rules', 'check', join(dir, 'input.ztrules')]);
  assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
});

test('rules compile|check: a missing file is a clear error with exit 2, not a stack trace', () => {
  for (const command of ['compile', 'check']) {
    const r = tierzero(['rules', command, 'no-such-file.ztrules']);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'tierzero: cannot read no-such-file.ztrules: no such file\n');
  }
  const dir = tierzero(['rules', 'check', '.']);
  assert.equal(dir.status, 2);
  assert.equal(dir.stderr, 'tierzero: cannot read .: is a directory\n');
});

test('rules compile: TierZero differences show on the command line too (bare "accept;" then "drop;")', () => {
  const dir = inputFile('accept;\ndrop;\n');
  const r = tierzero(['rules', 'compile', join(dir, 'input.ztrules')]);
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(r.stdout).config.rules, [{ type: 'ACTION_ACCEPT' }, { type: 'ACTION_DROP' }]);
});

test('rules compile: "-" reads standard input; errors name it <stdin>', () => {
  const good = tierzero(['rules', 'compile', '-'], 'drop not ethertype ipv4;\naccept;\n');
  assert.equal(good.status, 0);
  assert.equal(JSON.parse(good.stdout).config.rules.length, 3);
  const bad = tierzero(['rules', 'compile', '-'], 'bogus;');
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'ERROR parsing <stdin> line 1 column 0: Unrecognized action or directive in rule set.\n');
});

test('rules compile: a UTF-8 byte order mark is not part of the first token', () => {
  const dir = inputFile(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('accept;\n')]));
  const r = tierzero(['rules', 'compile', join(dir, 'input.ztrules')]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).config.rules, [{ type: 'ACTION_ACCEPT' }]);
});

test('rules compile: a missing FILE argument is a usage error', () => {
  const r = tierzero(['rules', 'compile']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /missing required argument 'file'/);
});
