// Runs a TypeScript module of the repository without a TS runner: bundles it with esbuild and imports it.
// Used by the bench/*.run.mjs launchers and the scripts/gen-*.mjs generators.
//
// Two layouts, chosen by `out`:
//  - `dist/NAME.mjs` (benches): npm packages are bundled in (better-sqlite3, a native addon, stays external
//    and is loaded through a `require` shim); from dist/ the WASM loader finds ../build/*.wasm as
//    dist/agentnet.mjs does. `prebuild` runs scripts/build.mjs first with those arguments (e.g. --if-stale).
//  - `build/NAME.mjs` (generators, simulator): every package stays external and resolves from the project's
//    node_modules, so the bundle holds only the repository's own code.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const REQUIRE_SHIM = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/**
 * Bundles `entry` (a path relative to the repository root) into `out` (relative too, under dist/ or build/)
 * and returns the imported module. Exits the process with scripts/build.mjs's status when `prebuild` fails.
 */
export async function importTs(entry, out, { prebuild } = {}) {
  if (prebuild) {
    const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), ...prebuild], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const outfile = join(root, out);
  mkdirSync(dirname(outfile), { recursive: true });
  const bundled = out.startsWith('dist/')
    ? { target: 'node20', external: ['better-sqlite3'], banner: { js: REQUIRE_SHIM } }
    : { packages: 'external', absWorkingDir: root, nodePaths: [join(root, 'node_modules')] };
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
    ...bundled,
  });
  return import(pathToFileURL(outfile).href);
}
