// Locating the project's assets (WASM kernels, firmware profiles) both from the TypeScript sources
// (src/runtime/*.ts, under vitest) and from the esbuild bundle (dist/agentnet.mjs) or an unpacked
// package (same layout: dist/, build/, firmware-profiles/ side by side).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function projectRoot(): string {
  if (root) return root;
  if (process.env['AGENTNET_HOME']) return (root = resolve(process.env['AGENTNET_HOME']));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'firmware-profiles'))) return (root = dir);
    dir = dirname(dir);
  }
  return (root = process.cwd());
}

export const projectPath = (...parts: string[]): string => join(projectRoot(), ...parts);
