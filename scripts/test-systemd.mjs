#!/usr/bin/env node
// systemd boot test (npm run test:systemd): boots real systemd in systemd-nspawn on a Debian bookworm
// (amd64) rootfs made by debootstrap, installs the linux-x64 package with its install.sh, and shows:
//   1. the unit reaches active (running) with its STATUS= text ("ready: agent ...", Type=notify), and
//      node runs with the profile's flags (AGENTNET_NODE_FLAGS on ExecStart) and MALLOC_ARENA_MAX=2;
//   2. logs reach the journal with the priority from the `<N>` prefix and AGENTNET_PROFILE as a field;
//   3. a hung process (SIGSTOP) is killed by the watchdog (WatchdogSec) and restarted (Restart=on-failure);
//   4. the state (identity in StateDirectory=/var/lib/agentnet) survives that restart and a clean restart.
// Needs root, systemd-container and debootstrap (apt-get install -y systemd-container debootstrap) and
// Debian's mirror for the first run; the rootfs and the package's runtime/addon are cached in
// $AGENTNET_CACHE (default ~/.cache/agentnet). Prints a JSON summary; exits non-zero on any failure.
// Options: --keep (leave the container's scratch copy), --mirror URL (default: from /etc/apt, else
// http://deb.debian.org/debian).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const t0 = performance.now();
const secs = (t) => +((performance.now() - t) / 1000).toFixed(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (m) => {
  console.error(`test:systemd: FAIL ${m}`);
  cleanup();
  process.exit(1);
};
let nspawn; // the container, once booted
let scratch; // this run's copy of the rootfs and the package
const run = (cmd, args, o = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...o });
const have = (cmd) => run('sh', ['-c', `command -v ${cmd}`]).status === 0;

if (process.getuid?.() !== 0) fail('needs root (systemd-nspawn, debootstrap)');
for (const c of ['systemd-nspawn', 'debootstrap', 'nsenter'])
  if (!have(c)) fail(`${c} not found: apt-get install -y systemd-container debootstrap`);

// ---- rootfs: debootstrap once, cached; each run boots a scratch copy.
const cache = process.env['AGENTNET_CACHE'] ?? join(homedir(), '.cache', 'agentnet');
const rootfs = join(cache, 'nspawn', 'bookworm-amd64');
function mirror() {
  const i = argv.indexOf('--mirror');
  if (i >= 0 && argv[i + 1]) return argv[i + 1];
  const files = [
    '/etc/apt/sources.list',
    ...(existsSync('/etc/apt/sources.list.d')
      ? readdirSync('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f))
      : []),
  ];
  for (const f of files) {
    const text = existsSync(f) ? readFileSync(f, 'utf8') : '';
    const m = text.match(
      /(?:URIs:|^deb)\s+(https?:\/\/\S*debian\S*?)\/?\s*(?:\n\s*Suites:\s*bookworm\b|\s+bookworm\b)/m,
    );
    if (m && !/security/.test(m[1])) return m[1];
  }
  return 'http://deb.debian.org/debian';
}
const tr = performance.now();
if (!existsSync(join(rootfs, 'lib', 'systemd', 'systemd'))) {
  const tmp = `${rootfs}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(rootfs), { recursive: true });
  const m = mirror();
  console.error(`test:systemd: debootstrap bookworm from ${m} into ${rootfs} (once, a few minutes)`);
  const d = run(
    'debootstrap',
    ['--variant=minbase', '--include=systemd,systemd-sysv,dbus,xz-utils,procps', 'bookworm', tmp, m],
    { stdio: 'inherit' },
  );
  if (d.status !== 0) fail(`debootstrap exited ${d.status}`);
  renameSync(tmp, rootfs);
}
const rootfsS = secs(tr);

// ---- package (linux-x64: runtime and addon cached after the first run).
const tp = performance.now();
scratch = mkdtempSync('/var/tmp/agentnet-nspawn-');
const pk = run(
  process.execPath,
  [
    join(root, 'dist', 'agentnet.mjs'),
    'package',
    '--target',
    'linux-x64',
    '--profile',
    'generic-x64',
    '--out',
    join(scratch, 'out'),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
if (pk.status !== 0) fail(`agentnet package exited ${pk.status}`);
const { tarball } = JSON.parse(pk.stdout.trim().split('\n').pop());
const packageS = secs(tp);

// ---- boot a copy of the rootfs with the package unpacked in /root.
const machine = join(scratch, 'root');
const cp = run('cp', ['-a', '--reflink=auto', rootfs, machine]); // cp -a: device nodes, owners, links
if (cp.status !== 0) fail(`cp -a ${rootfs}: ${cp.stderr}`);
execFileSync('tar', ['xzf', tarball, '-C', join(machine, 'root')]);
const pkgDir = `/root/${readdirSync(join(machine, 'root')).find((f) => f.startsWith('agentnet-'))}`;
const log = join(scratch, 'boot.log');
const tb = performance.now();
// --register=no/--keep-unit: the host need not run systemd (no system bus to register a machine or a scope with).
nspawn = spawn(
  'systemd-nspawn',
  ['-D', machine, '--register=no', '--keep-unit', '-b', '--console=pipe', `--hostname=agentnet-test`],
  { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] },
);
let nspawnExited = false;
nspawn.once('exit', () => (nspawnExited = true));
let leader = 0;
/** Whether nspawn has exited; read from /proc (a zombie until reaped), as cleanup blocks the event loop. */
const nspawnGone = () => {
  try {
    return nspawnExited || readFileSync(`/proc/${nspawn.pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return true;
  }
};
function cleanup() {
  if (nspawn && !nspawnGone()) {
    nspawn.kill('SIGTERM'); // nspawn powers the container off (SIGRTMIN+3 to its systemd)
    const t = Date.now();
    while (!nspawnGone() && Date.now() - t < 60_000) run('sleep', ['0.2']);
    if (!nspawnGone()) nspawn.kill('SIGKILL');
  }
  if (scratch && !argv.includes('--keep')) rmSync(scratch, { recursive: true, force: true });
  else if (scratch) console.error(`test:systemd: kept ${scratch}`);
}
process.on('SIGINT', () => fail('interrupted'));

/** Runs a command inside the container (all its namespaces, PID 1 = its systemd). */
const inside = (cmd, ...args) =>
  run('nsenter', ['-t', String(leader), '-a', '--', cmd, ...args], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
  });
async function until(what, timeoutMs, fn) {
  const t = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (nspawnExited)
      fail(`container exited while waiting for ${what}; log: ${readFileSync(log, 'utf8').slice(-2000)}`);
    if (Date.now() - t > timeoutMs) fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(500);
  }
}
const show = () =>
  Object.fromEntries(
    inside(
      'systemctl',
      'show',
      'agentnet',
      '-p',
      'ActiveState,SubState,StatusText,MainPID,NRestarts,Result,ExecMainStartTimestampMonotonic,ActiveEnterTimestampMonotonic',
    )
      .stdout.trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
const journal = (...match) =>
  inside('journalctl', '--no-pager', '-o', 'json', ...match)
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const readyLines = () =>
  journal('-u', 'agentnet')
    .map((r) => String(r.MESSAGE))
    .filter((m) => m.includes('"msg":"ready"'))
    .map((m) => JSON.parse(m));

// The container's PID 1 is the child of nspawn that runs systemd: nspawn first forks a helper that
// sets up the namespaces and exits, so taking the first child seen raced with it (nsenter -t <gone
// pid> then failed until the boot timeout).
const comm = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};
leader = await until('the container to start', 60_000, () => {
  const f = `/proc/${nspawn.pid}/task/${nspawn.pid}/children`;
  const kids = existsSync(f) ? readFileSync(f, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
  return kids.find((k) => comm(k) === 'systemd') ?? 0;
});
const state = await until('systemd in the container to finish booting', 180_000, () => {
  const s = inside('systemctl', 'is-system-running').stdout.trim();
  return ['running', 'degraded'].includes(s) ? s : '';
});
const bootS = secs(tb);
if (inside('cat', '/proc/1/comm').stdout.trim() !== 'systemd') fail('PID 1 in the container is not systemd');

// ---- 1. install and reach active (running) with the READY status text.
const ti = performance.now();
const inst = inside('sh', `${pkgDir}/install.sh`, '--profile', 'generic-x64');
if (inst.status !== 0) fail(`install.sh exited ${inst.status}: ${inst.stdout}\n${inst.stderr}`);
const up = await until('agentnet to be active (running) with its ready status', 120_000, () => {
  const s = show();
  return s.ActiveState === 'active' && s.SubState === 'running' && s.StatusText.startsWith('ready: agent ')
    ? s
    : undefined;
});
const installS = secs(ti);
console.log(`  ok  active (running), status "${up.StatusText}", MainPID ${up.MainPID}`);
// The profile's Node flags reach node's command line through the drop-in's AGENTNET_NODE_FLAGS.
const want = readFileSync(join(machine, pkgDir, 'systemd', 'profiles', 'generic-x64.node-flags'), 'utf8')
  .trim()
  .split(' ');
const argvMain = inside('cat', `/proc/${up.MainPID}/cmdline`).stdout.split('\0').filter(Boolean);
if (
  JSON.stringify(argvMain.slice(1, 1 + want.length)) !== JSON.stringify(want) ||
  !argvMain[1 + want.length]?.endsWith('/dist/agentnet.mjs')
)
  fail(`main process argv ${JSON.stringify(argvMain)} does not start with the profile's flags ${JSON.stringify(want)}`);
if (!inside('cat', `/proc/${up.MainPID}/environ`).stdout.split('\0').includes('MALLOC_ARENA_MAX=2'))
  fail('MALLOC_ARENA_MAX=2 not in the main process environment');
console.log(`  ok  node started with the profile's flags: ${want.join(' ')} (MALLOC_ARENA_MAX=2)`);

// ---- 2. the journal: the unit's lines, priority from the <N> prefix, the profile as a field.
const tagged = journal('-u', 'agentnet', 'AGENTNET_PROFILE=generic-x64');
const readyRec = tagged.find((r) => String(r.MESSAGE).includes('"msg":"ready"'));
if (!readyRec) fail('no "ready" line in the journal with AGENTNET_PROFILE=generic-x64');
if (readyRec.PRIORITY !== '6' || readyRec.SYSLOG_IDENTIFIER !== 'agentnet' || String(readyRec.MESSAGE).startsWith('<'))
  fail(
    `journal record not parsed as expected: PRIORITY=${readyRec.PRIORITY} SYSLOG_IDENTIFIER=${readyRec.SYSLOG_IDENTIFIER} MESSAGE=${String(readyRec.MESSAGE).slice(0, 40)}`,
  );
const first = JSON.parse(readyRec.MESSAGE);
if (first.profile !== 'generic-x64') fail(`ready line names profile ${first.profile}`);
console.log(
  `  ok  journal: ${tagged.length} records with AGENTNET_PROFILE=generic-x64, "ready" at PRIORITY 6, agent ${first.agentKey.slice(0, 16)}`,
);

// ---- 3. watchdog: stop the process (it hangs: no more WATCHDOG=1); systemd kills and restarts it.
const tw = performance.now();
const stop = inside('kill', '-STOP', up.MainPID);
if (stop.status !== 0) fail(`kill -STOP ${up.MainPID}: ${stop.stderr}`);
const back = await until('a watchdog restart', 240_000, () => {
  const s = show();
  return Number(s.NRestarts) >= 1 &&
    s.MainPID !== up.MainPID &&
    s.MainPID !== '0' &&
    s.SubState === 'running' &&
    s.StatusText.startsWith('ready: agent ')
    ? s
    : undefined;
});
const watchdogS = secs(tw);
const sysMsgs = journal('-u', 'agentnet', '_PID=1').map((r) => String(r.MESSAGE));
if (!sysMsgs.some((m) => /Watchdog timeout/.test(m)))
  fail(`no "Watchdog timeout" from systemd in the journal: ${sysMsgs.slice(-5).join(' | ')}`);
console.log(
  `  ok  watchdog: hung MainPID ${up.MainPID} killed ("Watchdog timeout"), restarted as ${back.MainPID} (NRestarts ${back.NRestarts}) in ${watchdogS} s`,
);

// ---- 4. state survives: the same agent identity after the watchdog restart and after a clean restart.
const afterWatchdog = readyLines().pop();
if (afterWatchdog.agentKey !== first.agentKey)
  fail(`agent key changed across the watchdog restart: ${first.agentKey} -> ${afterWatchdog.agentKey}`);
const rs = inside('systemctl', 'restart', 'agentnet');
if (rs.status !== 0) fail(`systemctl restart: ${rs.stderr}`);
const restarted = await until('active after systemctl restart', 120_000, () => {
  const s = show();
  return s.SubState === 'running' && s.StatusText.startsWith('ready: agent ') && readyLines().length >= 3
    ? s
    : undefined;
});
// Cold start to ready as systemd saw it: exec of the main process -> READY=1 (the unit entering active).
const readyNotifyMs = Math.round(
  (Number(restarted.ActiveEnterTimestampMonotonic) - Number(restarted.ExecMainStartTimestampMonotonic)) / 1000,
);
const afterRestart = readyLines().pop();
if (afterRestart.agentKey !== first.agentKey)
  fail(`agent key changed across systemctl restart: ${first.agentKey} -> ${afterRestart.agentKey}`);
if (!journal('-u', 'agentnet').some((r) => String(r.MESSAGE).includes('"msg":"stopped"')))
  fail('no graceful "stopped" line from the clean restart');
const db = inside(
  'sh',
  '-c',
  'ls -l /var/lib/private/agentnet/agentnet.db /var/lib/agentnet/agentnet.db 2>/dev/null | head -1',
);
console.log(
  `  ok  state: agent ${first.agentKey.slice(0, 16)} kept across the watchdog restart and a clean restart (${db.stdout.trim().split(/\s+/).pop() || 'store'})`,
);

const status = inside('systemctl', 'status', 'agentnet', '--no-pager', '-n', '0')
  .stdout.split('\n')
  .slice(0, 4)
  .join('\n');
console.log(status);
cleanup();
console.log(`  ok  exec -> READY=1 as systemd measured it (clean restart): ${readyNotifyMs} ms`);
console.log(
  JSON.stringify({ system: state, readyNotifyMs, rootfsS, packageS, bootS, installS, watchdogS, totalS: secs(t0) }),
);
console.log('test:systemd: ok');
