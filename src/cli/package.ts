// `agentnet package`: a self-contained tarball for one target, unpacked and installed on the device
// by install.sh. Layout (prefix /opt/agentnet on the device):
//
//   bin/node.xz, bin/node.sha256 Node 22 from the npm registry (integrity-checked, stripped), xz-compressed
//   bin/expand-node.sh           expands it to bin/node and checks its sha256 (install.sh runs it)
//   bin/agentnet                 a wrapper (expands the runtime first if needed; the profile's Node flags)
//   dist/agentnet.mjs            the esbuild bundle (better-sqlite3 external) and its chunks
//                                dist/agentnet.*.mjs, one per command loaded on demand
//   build/*.wasm                 the release WASM kernels
//   node_modules/                better-sqlite3 built for the target, bindings, file-uri-to-path: nothing else
//   firmware-profiles/           every profile, schema and README
//   examples/workers, raters     the shipped exec workers and raters (docs/adapters.md)
//   systemd/                     the unit, a drop-in, Node flags and journald retention per profile of the arch
//   config/config.json           default node config (installed only if none exists)
//   install.sh, uninstall.sh, manifest.json (versions, integrity, sha256 of every file)

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { projectPath, projectRoot } from '../runtime/paths.js';
import { loadProfile } from '../runtime/profile.js';
import { UsageError } from './args.js';
import { defaultConfig, dropIn, journaldConf, launcher, nodeFlagsFile } from './deploy-files.js';
import { buildAddon, cacheDir, fetchRuntime, TARGETS, type Target } from './runtimes.js';

export const PACKAGE_HELP = `Usage: agentnet package --target linux-arm64|linux-x64 [--profile P] [--out DIR] [--no-strip] [--no-xz]

Builds dist/agentnet-<version>-<target>.tar.gz from a source checkout: the bundle, the WASM kernels,
Node 22 from the npm registry (node-linux-<arch>, checked against its published integrity, debug
symbols stripped unless --no-strip), better-sqlite3 compiled for that runtime (cross-compiled for
arm64: apt-get install g++-aarch64-linux-gnu), firmware profiles, the systemd unit with per-profile
drop-ins, a default config, install.sh and uninstall.sh. The runtime is shipped as bin/node.xz (about
25 MB instead of 39 MB gzipped for arm64), expanded and checked against its sha256 by install.sh or on
the first run of bin/agentnet, which needs xz on the device (Debian: xz-utils); --no-xz ships bin/node
as is. Downloads, builds and the compressed runtime are cached in
${'$'}AGENTNET_CACHE (default ~/.cache/agentnet). --profile sets install.sh's default profile
(rpi4b for arm64, generic-x64 for x64). The packaged addon needs glibc 2.36+ (Debian 12 / Raspberry
Pi OS bookworm or newer).
Exit codes: 0 built, 2 usage error (unknown target or profile), 3 runtime failure (download, compiler, disk).
Examples: agentnet package --target linux-arm64 --profile rpi4b
          agentnet package --target linux-x64 --no-xz --out /tmp/pkg`;

const DEFAULT_PROFILE: Record<Target, string> = { 'linux-arm64': 'rpi4b', 'linux-x64': 'generic-x64' };
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

export interface PackageResult {
  readonly tarball: string;
  readonly bytes: number;
  readonly stage: string;
  readonly node: string;
  /** dist/agentnet.mjs and its chunks, bytes. */
  readonly bundleBytes: number;
}

/** xz -6 of a file, cached by the file's sha256 (compressing the runtime takes minutes on a slow machine). */
function xzCached(file: string, sha: string, log: (m: string) => void): string {
  const out = join(cacheDir(), 'xz', `${sha}.xz`);
  if (existsSync(out)) return out;
  mkdirSync(join(cacheDir(), 'xz'), { recursive: true });
  log(`xz -6 ${file} (${(statSync(file).size / 1048576).toFixed(0)} MiB, once per runtime)`);
  execFileSync('sh', ['-c', 'xz -6 -T1 -c "$1" > "$2.tmp" && mv "$2.tmp" "$2"', 'xz', file, out]);
  return out;
}

export function buildPackage(o: {
  target: Target;
  profile?: string;
  out?: string;
  strip?: boolean;
  xz?: boolean;
  log?: (m: string) => void;
}): PackageResult {
  const log = o.log ?? (() => {});
  const root = projectRoot();
  const t = TARGETS[o.target];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const profileName = o.profile ?? DEFAULT_PROFILE[o.target];
  const profile = loadProfile(profileName);
  if (profile.arch !== t.arch) throw new UsageError(`profile ${profile.name} is for ${profile.arch}, not ${o.target}`);
  if (existsSync(join(root, 'scripts', 'build.mjs')))
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  for (const f of ['dist/agentnet.mjs', 'build/ed25519.wasm', 'build/ed25519.simd.wasm', 'build/probe.wasm'])
    if (!existsSync(join(root, f))) throw new Error(`${f} missing: run npm run build`);

  const rt = fetchRuntime(o.target, 22, log);
  const addon = buildAddon(join(root, 'node_modules', 'better-sqlite3'), rt, o.target, log);
  const name = `agentnet-${pkg.version}-${o.target}`;
  const outDir = o.out ?? projectPath('dist');
  const stageRoot = join(cacheDir(), 'stage');
  const stage = join(stageRoot, name);
  rmSync(stage, { recursive: true, force: true });
  const dir = (...p: string[]) => {
    const d = join(stage, ...p);
    mkdirSync(d, { recursive: true });
    return d;
  };

  // Runtime. Stripping happens after the integrity check, on our copy: debug symbols are ~18 MB of
  // the arm64 binary and never used on a device (the manifest records the shipped binary's sha256).
  const node = join(dir('bin'), 'node');
  copyFileSync(join(rt.dir, 'bin', 'node'), node);
  chmodSync(node, 0o755);
  if (o.strip !== false) execFileSync(`${t.cross}strip`, [node]);
  const nodeSha = sha256(node);
  const xz = o.xz !== false;
  if (xz) {
    // The tarball stays .tar.gz; only the runtime inside is xz: 39 -> 25 MB for arm64 (see docs/devices.md).
    copyFileSync(xzCached(node, nodeSha, log), `${node}.xz`);
    rmSync(node);
  }
  writeFileSync(join(stage, 'bin', 'node.sha256'), `${nodeSha}  node\n`);
  copyFileSync(join(root, 'deploy', 'expand-node.sh'), join(stage, 'bin', 'expand-node.sh'));
  chmodSync(join(stage, 'bin', 'expand-node.sh'), 0o755);
  copyFileSync(join(rt.dir, 'LICENSE'), join(stage, 'bin', 'LICENSE.node'));
  writeFileSync(join(stage, 'bin', 'agentnet'), launcher(), { mode: 0o755 });

  // The entry and every chunk it may import (commands load on demand); no source maps.
  const chunks = readdirSync(join(root, 'dist')).filter(
    (f) => f === 'agentnet.mjs' || /^agentnet\.[^/]+\.mjs$/.test(f),
  );
  for (const f of chunks) copyFileSync(join(root, 'dist', f), join(dir('dist'), f));
  for (const k of ['ed25519', 'ed25519.simd', 'probe'])
    copyFileSync(join(root, 'build', `${k}.wasm`), join(dir('build'), `${k}.wasm`));

  // Exactly three modules: the addon (package.json, lib/, the .node binary) and its loader's two files.
  const bs = dir('node_modules', 'better-sqlite3');
  for (const e of ['package.json', 'LICENSE', 'lib']) cpSync(join(addon, e), join(bs, e), { recursive: true });
  cpSync(
    join(addon, 'build', 'Release', 'better_sqlite3.node'),
    join(dir('node_modules', 'better-sqlite3', 'build', 'Release'), 'better_sqlite3.node'),
  );
  for (const [m, files] of [
    ['bindings', ['package.json', 'bindings.js', 'LICENSE.md']],
    ['file-uri-to-path', ['package.json', 'index.js', 'LICENSE']],
  ] as const) {
    for (const f of files) copyFileSync(join(root, 'node_modules', m, f), join(dir('node_modules', m), f));
  }

  // The shipped exec workers and raters (docs/adapters.md): the demo runs them, a config may point at them.
  for (const sub of ['workers', 'raters'])
    for (const f of readdirSync(join(root, 'examples', sub)))
      copyFileSync(join(root, 'examples', sub, f), join(dir('examples', sub), f));

  const profilesDir = join(root, 'firmware-profiles');
  const arches: string[] = [];
  for (const f of readdirSync(profilesDir)) {
    copyFileSync(join(profilesDir, f), join(dir('firmware-profiles'), f));
    if (!f.endsWith('.json') || f === 'schema.json') continue;
    const p = loadProfile(join(profilesDir, f));
    if (p.arch !== t.arch) continue;
    arches.push(p.name);
    writeFileSync(join(dir('systemd', 'profiles'), `${p.name}.conf`), dropIn(p));
    writeFileSync(join(dir('systemd', 'journald'), `${p.name}.conf`), journaldConf(p));
    writeFileSync(join(dir('systemd', 'profiles'), `${p.name}.node-flags`), nodeFlagsFile(p));
  }
  copyFileSync(join(root, 'deploy', 'agentnet.service'), join(stage, 'systemd', 'agentnet.service'));
  writeFileSync(join(stage, 'systemd', 'default-profile'), `${profile.name}\n`);
  writeFileSync(join(stage, 'systemd', 'arch'), `${t.arch}\n`);
  writeFileSync(join(dir('config'), 'config.json'), defaultConfig(profile));
  for (const s of ['install.sh', 'uninstall.sh']) copyFileSync(join(root, 'deploy', s), join(stage, s));
  for (const s of ['install.sh', 'uninstall.sh']) chmodSync(join(stage, s), 0o755);

  const files = Object.fromEntries(
    walk(stage)
      .sort()
      .map((f) => [f, sha256(join(stage, f))]),
  );
  const addonVersion = (JSON.parse(readFileSync(join(addon, 'package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(
    join(stage, 'manifest.json'),
    JSON.stringify(
      {
        name: 'agentnet',
        version: pkg.version,
        target: o.target,
        defaultProfile: profile.name,
        profiles: arches,
        node: {
          package: `node-linux-${t.arch}@${rt.version}`,
          integrity: rt.integrity,
          stripped: o.strip !== false,
          file: xz ? 'bin/node.xz' : 'bin/node',
          sha256: nodeSha,
        },
        betterSqlite3: addonVersion,
        glibcMin: '2.36',
        files,
      },
      null,
      2,
    ) + '\n',
  );

  mkdirSync(outDir, { recursive: true });
  const tarball = join(outDir, `${name}.tar.gz`);
  // Reproducible archive: fixed owner, order and mtime.
  execFileSync('tar', [
    '-C',
    stageRoot,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--sort=name',
    '--mtime=@0',
    '-I',
    'gzip -9',
    '-cf',
    tarball,
    name,
  ]);
  log(`${tarball}: ${(statSync(tarball).size / 1048576).toFixed(1)} MiB`);
  return {
    tarball,
    bytes: statSync(tarball).size,
    stage,
    node: rt.version,
    bundleBytes: chunks.reduce((n, f) => n + statSync(join(root, 'dist', f)).size, 0),
  };
}

export async function cmdPackage(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      profile: { type: 'string' },
      out: { type: 'string' },
      'no-strip': { type: 'boolean' },
      'no-xz': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(PACKAGE_HELP);
    return 0;
  }
  if (!values.target || !(values.target in TARGETS))
    throw new UsageError(`--target must be one of ${Object.keys(TARGETS).join(', ')}`);
  const r = buildPackage({
    target: values.target as Target,
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.out ? { out: values.out } : {}),
    strip: !values['no-strip'],
    xz: !values['no-xz'],
    log: (m) => console.error(`package: ${m}`),
  });
  console.log(JSON.stringify({ tarball: r.tarball, bytes: r.bytes, node: r.node, bundleBytes: r.bundleBytes }));
  return 0;
}
