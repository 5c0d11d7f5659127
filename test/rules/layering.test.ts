/** The rules compiler runs in browsers too: src/rules imports only its own modules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/vectors.js';

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /\b(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;

test('layering: src/rules imports nothing outside src/rules (no node: modules, no packages)', () => {
  const rulesDir = join(REPO_ROOT, 'src', 'rules');
  const violations: string[] = [];
  for (const file of sourcesUnder(rulesDir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const inside = spec.startsWith('.') && !relative(rulesDir, join(file, '..', spec)).startsWith('..');
      if (!inside) violations.push(`${relative(REPO_ROOT, file)} imports ${spec}`);
    }
    if (/\b(?:process|Buffer|require)\s*[.(]/.test(text)) violations.push(`${relative(REPO_ROOT, file)} uses a Node.js global`);
  }
  assert.deepEqual(violations, []);
});
