/** Loads the reference test vectors from ../shared/spec/vectors (beside the checkout). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'tierzero') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the tierzero package root');
    dir = up;
  }
}

export const REPO_ROOT = repoRoot();
export const VECTORS_DIR = process.env.TIERZERO_VECTORS ?? resolve(REPO_ROOT, '..', 'shared', 'spec', 'vectors');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadVectors(file: string): any {
  const path = join(VECTORS_DIR, file);
  if (!existsSync(path)) throw new Error(`test vectors not found at ${path}: the shared/ folder must sit beside the checkout`);
  return JSON.parse(readFileSync(path, 'utf8'));
}
