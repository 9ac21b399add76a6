// The environment checks behind `agentnet check`. Each returns a value (never throws): a failure to
// inspect something is reported as `unknown`, a real problem as `warn` (works, but not as intended)
// or `fail` (the node will not run correctly).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import Database from 'better-sqlite3';
import type { Profile } from '../runtime/profile.js';
import { instantiateKernel } from '../runtime/wasm/load.js';
import { chooseKernel } from '../runtime/wasm/simd.js';

export type Status = 'ok' | 'warn' | 'fail' | 'unknown';
export interface CheckResult {
  readonly name: string;
  readonly status: Status;
  readonly detail: string;
}

const run = (cmd: string, args: string[]): string | undefined => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
};
const MiB = 1024 * 1024;

export function checkNode(p: Profile | undefined): CheckResult {
  const heap = Math.round(getHeapStatistics().heap_size_limit / MiB);
  const arch = process.arch;
  const head = `node ${process.version} ${arch}, V8 heap limit ${heap} MiB`;
  if (p && p.arch !== arch)
    return { name: 'node', status: 'warn', detail: `${head}; profile ${p.name} is for ${p.arch}` };
  if (p && heap > p.maxOldSpaceMiB * 1.25)
    return {
      name: 'node',
      status: 'warn',
      detail: `${head}, above the profile's ${p.maxOldSpaceMiB} MiB: set NODE_OPTIONS=--max-old-space-size=${p.maxOldSpaceMiB} (the systemd drop-in and bin/agentnet pass it)`,
    };
  return { name: 'node', status: 'ok', detail: head };
}

/**
 * cgroup v2: the unified hierarchy is mounted (type cgroup2, normally at /sys/fs/cgroup), and
 * /proc/self/cgroup has the line `0::/path`; the limit is <mount>/path/memory.max. A `0::` line alone
 * proves nothing: hybrid cgroup v1 hosts print it too.
 */
export function checkCgroup(p: Profile | undefined, mounts = '/proc/self/mounts'): CheckResult {
  const name = 'memory cgroup';
  let line: string | undefined;
  let root: string | undefined;
  try {
    root = readFileSync(mounts, 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[2] === 'cgroup2')?.[1];
    line = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
  } catch {
    return { name, status: 'unknown', detail: '/proc/self/mounts or /proc/self/cgroup not readable' };
  }
  if (!root || !line)
    return {
      name,
      status: 'warn',
      detail: "no cgroup v2 hierarchy mounted (cgroup v1 host): the unit's MemoryMax needs cgroup v2",
    };
  const file = join(root, line.slice(3), 'memory.max');
  if (!existsSync(file))
    return { name, status: 'warn', detail: `cgroup v2 ${line.slice(3)} has no memory controller (${file} missing)` };
  const v = readFileSync(file, 'utf8').trim();
  if (v === 'max')
    return {
      name,
      status: p ? 'warn' : 'ok',
      detail: `cgroup v2 ${line.slice(3)}: memory.max unlimited${p ? ` (the unit sets ${p.memoryBudgetMiB} MiB)` : ''}`,
    };
  const mib = Math.round(Number(v) / MiB);
  if (p && mib < p.memoryBudgetMiB)
    return {
      name,
      status: 'warn',
      detail: `memory.max ${mib} MiB is below the profile budget ${p.memoryBudgetMiB} MiB`,
    };
  return { name, status: 'ok', detail: `cgroup v2 ${line.slice(3)}: memory.max ${mib} MiB` };
}

export function checkPageSize(): CheckResult {
  const out = run('getconf', ['PAGESIZE']);
  if (!out) return { name: 'page size', status: 'unknown', detail: 'getconf PAGESIZE unavailable' };
  const n = Number(out);
  // 16 KB pages (Pi 5's default kernel) work with Node 22 arm64 builds; reported so it is never a surprise.
  return {
    name: 'page size',
    status: n === 4096 || n === 16384 || n === 65536 ? 'ok' : 'warn',
    detail: `${n} bytes${n === 16384 ? ' (16 KB kernel, Pi 5 default)' : ''}`,
  };
}

export function checkWasm(p: Profile | undefined): CheckResult {
  const k = chooseKernel(p?.wasm ?? 'auto');
  try {
    instantiateKernel(k.kernel);
    if (k.kernel !== 'ed25519') instantiateKernel('ed25519');
    instantiateKernel('probe');
  } catch (e) {
    return { name: 'wasm', status: 'fail', detail: (e as Error).message };
  }
  return { name: 'wasm', status: 'ok', detail: `${k.reason} (build/${k.kernel}.wasm)` };
}

/** Opens a scratch database next to the node's own, in WAL mode, writes, reads and removes it. */
export function checkSqlite(dataDir: string): CheckResult {
  const name = 'sqlite WAL';
  let dir = dataDir;
  let note = '';
  if (!existsSync(dataDir)) {
    try {
      mkdirSync(dataDir, { recursive: true });
      note = ' (created)';
    } catch {
      // The state directory may be created later by systemd (StateDirectory=): test its filesystem's parent.
      dir = existsSync(dirname(dataDir)) ? dirname(dataDir) : tmpdir();
      note = ` (${dataDir} missing and not creatable; tested in ${dir})`;
    }
  }
  let scratch: string | undefined;
  try {
    scratch = mkdtempSync(join(dir, '.agentnet-check-'));
    const db = new Database(join(scratch, 'check.db'));
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42)');
    const x = db.prepare('SELECT x FROM t').pluck().get();
    const version = db.prepare('SELECT sqlite_version()').pluck().get();
    db.close();
    if (mode !== 'wal' || x !== 42) return { name, status: 'fail', detail: `journal_mode ${String(mode)} in ${dir}` };
    return { name, status: 'ok', detail: `SQLite ${String(version)}, WAL in ${dataDir}${note}` };
  } catch (e) {
    return { name, status: 'fail', detail: `${dir}: ${(e as Error).message}` };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

export function checkClock(): CheckResult {
  const name = 'clock sync';
  const ntp = run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']);
  if (ntp === 'yes') return { name, status: 'ok', detail: 'timedatectl: NTP synchronized' };
  if (ntp === 'no')
    return {
      name,
      status: 'warn',
      detail: 'timedatectl: not synchronized (entries beyond the skew tolerance are refused by peers)',
    };
  const chrony = run('chronyc', ['-n', 'tracking']);
  const leap = chrony?.match(/Leap status\s*:\s*(.+)/)?.[1];
  if (leap) return { name, status: leap === 'Normal' ? 'ok' : 'warn', detail: `chrony: leap status ${leap}` };
  return { name, status: 'unknown', detail: 'neither timedatectl nor chronyc answered' };
}

export function checkWatchdog(
  env: NodeJS.ProcessEnv = process.env,
  unitFile = '/etc/systemd/system/agentnet.service',
): CheckResult {
  const name = 'watchdog';
  const notify = run('systemd-notify', ['--version']) !== undefined;
  const usec = Number(env['WATCHDOG_USEC']);
  if (Number.isSafeInteger(usec) && usec > 0)
    return {
      name,
      status: notify ? 'ok' : 'fail',
      detail: `WATCHDOG_USEC=${usec}: ping every ${usec / 2e6} s${notify ? '' : '; systemd-notify missing'}`,
    };
  const unit = existsSync(unitFile) ? readFileSync(unitFile, 'utf8').match(/^WatchdogSec=(.+)$/m)?.[1] : undefined;
  if (unit)
    return {
      name,
      status: 'ok',
      detail: `not running under systemd; ${unitFile} sets WatchdogSec=${unit}${notify ? '' : ' (systemd-notify missing!)'}`,
    };
  return {
    name,
    status: 'warn',
    detail: `WATCHDOG_USEC not set and no installed unit: no watchdog${notify ? '' : '; systemd-notify not found'}`,
  };
}
