// package.json's runtime dependencies are exactly what the shipped code (src/) imports: a package only tests,
// benches or the build use is a devDependency, so an install for running a node does not pull it in.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const sources = (readdirSync(join(root, 'src'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join(root, 'src', f), 'utf8'));
/** Packages src/ imports at run time (type-only imports excluded). */
const imported = new Set(
  sources.flatMap((s) =>
    [...s.matchAll(/^import (?!type )[^;]*?from '([^.'][^']*)'/gms)].map((m) => {
      const spec = m[1]!;
      return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    }),
  ),
);

describe('dependencies', () => {
  it('every runtime dependency is imported by src/, and src/ imports no devDependency', () => {
    const runtime = Object.keys(pkg.dependencies).sort();
    expect(runtime.filter((d) => !imported.has(d))).toEqual([]);
    expect(Object.keys(pkg.devDependencies).filter((d) => imported.has(d))).toEqual([]);
    expect(runtime).not.toContain('ajv'); // only the API and profile tests validate with it
    expect(Object.keys(pkg.devDependencies)).toContain('ajv');
  });
});
