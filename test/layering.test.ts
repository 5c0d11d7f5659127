/** The core is sans-I/O: it may import only node:crypto and other core modules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './helpers/vectors.js';

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3]);
  return specs;
}

test('layering: src/core imports nothing but node:crypto and core modules', () => {
  const coreDir = join(REPO_ROOT, 'src', 'core');
  const violations: string[] = [];
  for (const file of walk(coreDir)) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const rel = relative(REPO_ROOT, file);
      if (spec.startsWith('node:')) {
        if (spec !== 'node:crypto') violations.push(`${rel} imports ${spec}`);
      } else if (spec.startsWith('.')) {
        const target = relative(coreDir, join(file, '..', spec));
        if (target.startsWith('..')) violations.push(`${rel} imports ${spec} (outside src/core)`);
      } else {
        violations.push(`${rel} imports package ${spec}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('layering: the import scanner sees violations', () => {
  assert.deepEqual(importsOf(`import { x } from 'node:fs';\nexport * from "../service/a.js";\nimport 'fastify';`), [
    'node:fs',
    '../service/a.js',
    'fastify',
  ]);
});
