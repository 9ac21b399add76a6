// Node runtimes and the better-sqlite3 addon for a deployment target, cached between runs.
//
// The runtime is the npm registry's `node-linux-<arch>` package (the official Node binary, headers in
// include/node), fetched with `npm pack` and checked against the integrity the registry publishes
// (`npm view ... dist.integrity`, an SRI sha512) before it is unpacked. The addon is compiled from the
// better-sqlite3 sources in node_modules against that runtime's headers (its ABI differs from the
// Node running this command), with a cross compiler for arm64. Both land under the cache directory
// ($AGENTNET_CACHE or ~/.cache/agentnet) keyed by version, so a second run downloads and compiles nothing.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const TARGETS = {
  'linux-arm64': { arch: 'arm64', elfMachine: 0xb7, cross: 'aarch64-linux-gnu-' },
  'linux-x64': { arch: 'x64', elfMachine: 0x3e, cross: '' },
} as const;
export type Target = keyof typeof TARGETS;

export const cacheDir = (): string => process.env['AGENTNET_CACHE'] ?? join(homedir(), '.cache', 'agentnet');

export interface Runtime {
  readonly version: string;
  readonly arch: string;
  /** Unpacked package root: bin/node, include/node, LICENSE. */
  readonly dir: string;
  readonly integrity: string;
}

const sh = (cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...o }).trim();

const sri = (file: string): string => `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;

/** Newest published version of node-linux-<arch> in a major line, and its registry integrity. */
function resolveVersion(pkg: string, major: number, log: (m: string) => void): { version: string; integrity: string } {
  const pins = join(cacheDir(), 'runtimes', `${pkg}@${major}.json`);
  try {
    const vs = JSON.parse(sh('npm', ['view', `${pkg}@${major}`, 'version', '--json'])) as string | string[];
    const version = Array.isArray(vs) ? vs[vs.length - 1]! : vs;
    const integrity = sh('npm', ['view', `${pkg}@${version}`, 'dist.integrity']);
    if (!/^sha512-[A-Za-z0-9+/=]{88}$/.test(integrity))
      throw new Error(`unexpected integrity ${JSON.stringify(integrity)}`);
    mkdirSync(dirname(pins), { recursive: true });
    writeFileSync(pins, JSON.stringify({ version, integrity }) + '\n');
    return { version, integrity };
  } catch (e) {
    // Offline: the last answer the registry gave is kept next to the tarball it describes.
    if (!existsSync(pins))
      throw new Error(
        `cannot ask the npm registry about ${pkg}@${major} and nothing is cached: ${(e as Error).message}`,
      );
    log(`registry unreachable; using the cached answer in ${pins}`);
    return JSON.parse(readFileSync(pins, 'utf8')) as { version: string; integrity: string };
  }
}

export function fetchRuntime(target: Target, major = 22, log: (m: string) => void = () => {}): Runtime {
  const { arch } = TARGETS[target];
  const pkg = `node-linux-${arch}`;
  const { version, integrity } = resolveVersion(pkg, major, log);
  const root = join(cacheDir(), 'runtimes');
  const tgz = join(root, `${pkg}-${version}.tgz`);
  const dir = join(root, `${pkg}-${version}`);
  mkdirSync(root, { recursive: true });
  if (!existsSync(tgz)) {
    log(`npm pack ${pkg}@${version} (≈50 MB)`);
    sh('npm', ['pack', `${pkg}@${version}`, '--pack-destination', root, '--silent']);
  }
  // Checked on every use, not only after download: the cache is a plain directory anyone could touch.
  const got = sri(tgz);
  if (got !== integrity) {
    rmSync(tgz, { force: true });
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${tgz}: integrity ${got} does not match the registry's ${integrity}; removed, run again`);
  }
  if (!existsSync(join(dir, 'package', 'bin', 'node'))) {
    rmSync(`${dir}.tmp`, { recursive: true, force: true });
    mkdirSync(`${dir}.tmp`, { recursive: true });
    sh('tar', ['xzf', tgz, '-C', `${dir}.tmp`]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(`${dir}.tmp`, dir);
  }
  return { version, arch, dir: join(dir, 'package'), integrity };
}

/** e_machine of an ELF file (offset 18, little-endian), to prove what a build produced. */
export function elfMachine(file: string): number {
  const b = readFileSync(file).subarray(0, 20);
  if (b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
  return b.readUInt16LE(18);
}

function nodeGyp(): string {
  const candidates = [
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`node-gyp not found next to npm (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * Compiles better-sqlite3 (sources from `moduleDir`) for a runtime; returns the module directory
 * holding package.json, lib/ and build/Release/better_sqlite3.node. Cached per (addon, node, arch).
 */
export function buildAddon(
  moduleDir: string,
  rt: Runtime,
  target: Target,
  log: (m: string) => void = () => {},
): string {
  const { version: addonVersion } = JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const t = TARGETS[target];
  const out = join(cacheDir(), 'addons', `better-sqlite3-${addonVersion}-node${rt.version}-${t.arch}`);
  const bin = join(out, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(bin) && elfMachine(bin) === t.elfMachine) return out;
  const tmp = `${out}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const e of readdirSync(moduleDir))
    if (e !== 'build' && e !== 'node_modules') cpSync(join(moduleDir, e), join(tmp, e), { recursive: true });
  if (t.cross) {
    try {
      sh(`${t.cross}g++`, ['--version']);
    } catch {
      throw new Error(`cross compiler ${t.cross}g++ not found: apt-get install -y g++-aarch64-linux-gnu`);
    }
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_arch: t.arch,
    npm_config_nodedir: rt.dir,
    ...(t.cross ? { CC: `${t.cross}gcc`, CXX: `${t.cross}g++`, LINK: `${t.cross}g++`, AR: `${t.cross}ar` } : {}),
  };
  log(
    `compiling better-sqlite3 ${addonVersion} for node ${rt.version} ${t.arch}${t.cross ? ` with ${t.cross}g++` : ''} (a few minutes, once)`,
  );
  const jobs = String(Math.max(1, Math.min(2, Number(process.env['JOBS'] ?? 2))));
  sh(
    process.execPath,
    [nodeGyp(), 'rebuild', '--release', `--arch=${t.arch}`, `--nodedir=${rt.dir}`, `--jobs=${jobs}`],
    { cwd: tmp, env },
  );
  const built = join(tmp, 'build', 'Release', 'better_sqlite3.node');
  if (elfMachine(built) !== t.elfMachine)
    throw new Error(
      `${built} was built for ELF machine 0x${elfMachine(built).toString(16)}, expected 0x${t.elfMachine.toString(16)}`,
    );
  // Keep only what is loaded at run time: the intermediate objects are ~15 MB.
  const release = join(tmp, 'build', 'Release');
  for (const e of readdirSync(release))
    if (e !== 'better_sqlite3.node') rmSync(join(release, e), { recursive: true, force: true });
  for (const e of readdirSync(join(tmp, 'build')))
    if (e !== 'Release') rmSync(join(tmp, 'build', e), { recursive: true, force: true });
  rmSync(join(tmp, 'deps'), { recursive: true, force: true });
  rmSync(join(tmp, 'src'), { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return out;
}
