#!/usr/bin/env node
// Build: AssemblyScript kernels -> build/*.wasm, then esbuild bundles the CLI -> dist/agentnet.mjs.
// --if-stale skips work whose outputs are newer than every input (used by pretest/prestart so that a
// fresh clone builds itself and a warm tree does not rebuild). --wasm-only stops after the kernels.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const ifStale = args.has('--if-stale');

/** Each kernel is its own module with its own fixed-size memory (docs/conventions.md §10). */
export const KERNELS = [
  { name: 'probe', entry: 'assembly/probe.ts', memoryPages: 1 },
  // ~1.5 MiB of static regions (256 KiB message arena, batch scratch, 448 KiB decoded-key cache); 25 pages.
  { name: 'ed25519', entry: 'assembly/ed25519/index.ts', memoryPages: 25 },
  // The same sources with WASM SIMD: field.ts switches its limb products to i64x2.extmul at compile time
  // (ASC_FEATURE_SIMD). Chosen at load time when the engine validates SIMD (src/runtime/wasm/simd.ts); the
  // scalar build above stays the fallback and the tests' oracle.
  { name: 'ed25519.simd', entry: 'assembly/ed25519/index.ts', memoryPages: 25, extra: ['--enable', 'simd'] },
  // MG-EigenTrust power iteration. Its memory is imported: the loader (src/runtime/wasm/eigentrust.ts) creates it
  // once per instance, sized for the problem it is built for (a Pi Zero instance for 1k nodes takes ~1.5 MiB, not the
  // worst case). memoryPages is the declared maximum: 4096 pages = 256 MiB, enough for n = 100k nodes x 20 ratings x
  // 5 topics (~134 MB: i32 col + f64 val per rating, 3 f64 vectors and n+1 row pointers per topic).
  { name: 'eigentrust', entry: 'assembly/eigentrust.ts', memoryPages: 4096, minPages: 1, extra: ['--importMemory'] },
];

function newest(dir, exts) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${argv.join(' ')} failed with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}

mkdirSync(join(root, 'build'), { recursive: true });
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
const wasmInputs = Math.max(
  newest(join(root, 'assembly'), ['.ts']),
  mtime(join(root, 'asconfig.json')),
  mtime(fileURLToPath(import.meta.url)),
);
for (const k of KERNELS) {
  for (const target of ['release', 'debug']) {
    const out = `build/${k.name}${target === 'debug' ? '.debug' : ''}.wasm`;
    if (ifStale && mtime(join(root, out)) > wasmInputs) continue;
    run(process.execPath, [
      asc,
      k.entry,
      '--config',
      'asconfig.json',
      '--target',
      target,
      '--outFile',
      out,
      '--initialMemory',
      String(k.minPages ?? k.memoryPages),
      '--maximumMemory',
      String(k.memoryPages),
      ...(k.extra ?? []),
    ]);
  }
}
if (args.has('--wasm-only')) process.exit(0);

const dist = join(root, 'dist');
const bundle = join(dist, 'agentnet.mjs');
const srcInputs = Math.max(
  newest(join(root, 'src'), ['.ts']),
  mtime(join(root, 'package.json')),
  wasmInputs,
  mtime(fileURLToPath(import.meta.url)),
);
if (!(ifStale && mtime(bundle) > srcInputs) && existsSync(join(root, 'src', 'cli', 'main.ts'))) {
  const { build } = await import('esbuild');
  // `import … from 'node:X'` becomes `require('node:X')` (through the banner's createRequire). An ESM
  // import of a built-in makes Node build its ESM facade, which reads every export once: on Node 22
  // that runs node:http's lazy getters, which load all of undici (≈100 ms CPU at start and several
  // MiB of heap and binary pages), and node:crypto's, which load WebCrypto. require() reads only the
  // properties the code uses. Measured in docs/devices.md (Footprint).
  const builtinsAsRequire = {
    name: 'builtins-as-require',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (a) =>
        a.kind === 'import-statement' ? { path: a.path, namespace: 'builtin-require' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (a) => ({
        contents: `module.exports = require(${JSON.stringify(a.path)});`,
        loader: 'js',
      }));
    },
  };
  // The previous build's chunks (their names carry a content hash) would otherwise pile up.
  mkdirSync(dist, { recursive: true });
  for (const f of readdirSync(dist)) if (/^agentnet\.[^/]+\.mjs(\.map)?$/.test(f)) rmSync(join(dist, f));
  const result = await build({
    // dist/agentnet.mjs is the entry; every command the CLI imports on demand (src/cli/main.ts) and the code
    // shared between them land beside it as dist/agentnet.<name>-<hash>.mjs, in the same directory, so
    // that paths relative to import.meta.url (../build/*.wasm, ../firmware-profiles) hold in every chunk.
    entryPoints: [{ in: join(root, 'src', 'cli', 'main.ts'), out: 'agentnet' }],
    outdir: dist,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'agentnet.[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Whitespace and syntax only: identifiers keep their names, so a stack trace in the journal stays
    // readable without the source map (which the package does not ship).
    minifyWhitespace: true,
    minifySyntax: true,
    // The bundle is what runs in production: dependencies' development-only branches go.
    define: { 'process.env.NODE_ENV': '"production"' },
    sourcemap: 'linked',
    metafile: true,
    // Native addon and its loader stay outside the bundle; everything else is inlined.
    external: ['better-sqlite3'],
    plugins: [builtinsAsRequire],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  // What went into the bundle, per package (bytes in the output): npm run build -- --analyze.
  if (args.has('--analyze')) {
    const per = {};
    for (const o of Object.values(result.metafile.outputs)) {
      for (const [f, v] of Object.entries(o.inputs)) {
        const m = f.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
        const k = m ? m[1] : f.split('/').slice(0, 2).join('/');
        per[k] = (per[k] ?? 0) + v.bytesInOutput;
      }
    }
    for (const [o, v] of Object.entries(result.metafile.outputs))
      if (o.endsWith('.mjs')) console.log(`${String(v.bytes).padStart(9)}  ${o}`);
    for (const [k, v] of Object.entries(per).sort((a, b) => b[1] - a[1])) console.log(`${String(v).padStart(9)}  ${k}`);
  }
}
