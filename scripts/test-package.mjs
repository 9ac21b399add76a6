#!/usr/bin/env node
// Emulated package test (npm run test:package): builds the linux-arm64 tarball with `agentnet package`,
// unpacks it into a scratch directory, checks its contents, and runs `agentnet check --selftest` from
// it with the packaged arm64 Node under qemu-user. Exits non-zero on any failure and prints the
// timings. Needs: apt-get install -y qemu-user-static binfmt-support g++-aarch64-linux-gnu
// (the cross compiler also brings the arm64 glibc/libstdc++ that qemu loads via -L).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const t0 = performance.now();
const secs = (t) => ((performance.now() - t) / 1000).toFixed(1);
const fail = (m) => {
  console.error(`test:package: FAIL ${m}`);
  process.exit(1);
};
const run = (cmd, args, o = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...o });

const qemu = run('qemu-aarch64-static', ['--version']);
if (qemu.status !== 0)
  fail('qemu-aarch64-static not found: apt-get install -y qemu-user-static binfmt-support g++-aarch64-linux-gnu');
const sysroot = '/usr/aarch64-linux-gnu';
if (!existsSync(join(sysroot, 'lib', 'ld-linux-aarch64.so.1')))
  fail(`${sysroot} has no arm64 loader: apt-get install -y g++-aarch64-linux-gnu`);

// 1. Build (the bundle is rebuilt if stale; runtime and addon come from the cache after the first run).
const tb = performance.now();
const built = run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
if (built.status !== 0) fail('build failed');
const pk = run(
  process.execPath,
  [join(root, 'dist', 'agentnet.mjs'), 'package', '--target', 'linux-arm64', '--profile', 'rpi4b'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
if (pk.status !== 0) fail(`agentnet package exited ${pk.status}`);
const { tarball, bytes, node, bundleBytes } = JSON.parse(pk.stdout.trim().split('\n').pop());
const buildS = secs(tb);

// 2. Unpack and inspect.
const dir = mkdtempSync(join(tmpdir(), 'agentnet-pkg-'));
try {
  const x = run('tar', ['xzf', tarball, '-C', dir]);
  if (x.status !== 0) fail(`tar: ${x.stderr}`);
  const top = readdirSync(dir);
  if (top.length !== 1) fail(`tarball has ${top.length} top-level entries`);
  const pkg = join(dir, top[0]);
  const modules = readdirSync(join(pkg, 'node_modules')).sort();
  if (JSON.stringify(modules) !== JSON.stringify(['better-sqlite3', 'bindings', 'file-uri-to-path']))
    fail(`node_modules holds ${modules.join(', ')}`);
  const manifest = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8'));
  for (const f of [
    'bin/node.xz',
    'bin/node.sha256',
    'bin/expand-node.sh',
    'bin/agentnet',
    'dist/agentnet.mjs',
    'build/ed25519.wasm',
    'build/ed25519.simd.wasm',
    'build/probe.wasm',
    'systemd/agentnet.service',
    'systemd/profiles/rpi4b.conf',
    'config/config.json',
    'install.sh',
    'uninstall.sh',
  ]) {
    if (!manifest.files[f]) fail(`${f} missing from the manifest`);
  }
  const elf = readFileSync(join(pkg, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')).readUInt16LE(18);
  if (elf !== 0xb7) fail(`better_sqlite3.node is ELF machine 0x${elf.toString(16)}, not aarch64`);
  const bundle = readdirSync(join(pkg, 'dist')).reduce((n, f) => n + statSync(join(pkg, 'dist', f)).size, 0);
  if (bundle !== bundleBytes) fail(`dist/ in the package holds ${bundle} bytes, the bundle has ${bundleBytes}`);

  // The runtime is shipped as bin/node.xz: expand it as install.sh does, then check that a runtime
  // that does not match bin/node.sha256 is refused (a corrupted or substituted binary never runs).
  const te = performance.now();
  const ex = run('sh', [join(pkg, 'bin', 'expand-node.sh')]);
  if (ex.status !== 0) fail(`expand-node.sh: ${ex.stderr}`);
  const expandS = secs(te);
  if (readFileSync(join(pkg, 'bin', 'node')).readUInt16LE(18) !== 0xb7) fail('bin/node is not an aarch64 ELF');
  if (manifest.node.sha256 !== readFileSync(join(pkg, 'bin', 'node.sha256'), 'utf8').split(' ')[0])
    fail('manifest and bin/node.sha256 disagree');
  const shaFile = join(pkg, 'bin', 'node.sha256');
  const good = readFileSync(shaFile, 'utf8');
  writeFileSync(shaFile, `${'0'.repeat(64)}  node\n`);
  const bad = run('sh', [join(pkg, 'bin', 'expand-node.sh')]);
  if (bad.status === 0 || !/does not expand/.test(bad.stderr))
    fail(`expand-node.sh accepted a runtime that does not match node.sha256 (exit ${bad.status}: ${bad.stderr})`);
  if (existsSync(join(pkg, 'bin', 'node.tmp'))) fail('expand-node.sh left bin/node.tmp behind');
  writeFileSync(shaFile, good);

  // 3. Run the selftest from the package under qemu.
  const ts = performance.now();
  const st = run(
    'qemu-aarch64-static',
    [
      '-L',
      sysroot,
      join(pkg, 'bin', 'node'),
      join(pkg, 'dist', 'agentnet.mjs'),
      'check',
      '--selftest',
      '--json',
      '--profile',
      'rpi4b',
    ],
    {
      cwd: dir,
      env: { ...process.env, AGENTNET_DATA_DIR: join(dir, 'data'), AGENTNET_HOME: '', NODE_OPTIONS: '' },
      timeout: 240_000,
    },
  );
  const selftestS = secs(ts);
  let report;
  try {
    report = JSON.parse(st.stdout);
  } catch {
    fail(`selftest printed no JSON (exit ${st.status}, signal ${st.signal}): ${st.stdout}\n${st.stderr}`);
  }
  for (const c of report.checks) console.log(`  ${c.status.padEnd(7)} ${c.name}: ${c.detail}`);
  if (st.status !== 0) fail(`selftest exited ${st.status}`);
  const steps = report.checks.filter((c) => c.name.startsWith('selftest'));
  if (steps.length !== 4 || steps.some((c) => c.status !== 'ok')) fail('a selftest step did not pass');
  // The packaged arm64 Node 22 has WASM SIMD: the node must select the SIMD kernel and the scalar one must agree.
  const kernelStep = steps.find((c) => c.name === 'selftest: wasm kernels')?.detail ?? '';
  if (!/ed25519 simd and scalar kernels \(simd selected\)/.test(kernelStep))
    fail(`the selftest did not select and check the SIMD kernel: ${kernelStep}`);
  if (
    !/node v22\./.test(report.checks.find((c) => c.name === 'node')?.detail ?? '') ||
    !/arm64/.test(report.checks.find((c) => c.name === 'node').detail)
  )
    fail('the selftest did not run on the packaged arm64 Node 22');
  console.log(
    JSON.stringify({
      tarball,
      tarballMiB: +(bytes / 1048576).toFixed(2),
      bundleMiB: +(bundle / 1048576).toFixed(2),
      node,
      buildS: +buildS,
      expandNodeS: +expandS,
      selftestUnderQemuS: +selftestS,
      totalS: +secs(t0),
    }),
  );
  console.log('test:package: ok');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
