// systemd integration: the notifier (READY/STATUS, WATCHDOG at half WATCHDOG_USEC, STOPPING, no-op
// without NOTIFY_SOCKET) with an injected spawn and timer, and the shipped unit + every profile's
// drop-in checked by systemd-analyze itself (verify: no output; security --offline: exposure below 2.5).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropIn } from '../../src/cli/deploy-files.js';
import { projectPath } from '../../src/runtime/paths.js';
import { loadProfile } from '../../src/runtime/profile.js';
import { createNotifier, watchdogIntervalMs } from '../../src/runtime/systemd.js';

function fakes() {
  const calls: string[][] = [];
  const timers: Array<{ ms: number; fn: () => void; cancelled: boolean }> = [];
  return {
    calls,
    timers,
    spawn: (cmd: string, args: readonly string[]) => {
      calls.push([cmd, ...args]);
      return { on: () => undefined };
    },
    every: (ms: number, fn: () => void) => {
      const t = { ms, fn, cancelled: false };
      timers.push(t);
      return () => {
        t.cancelled = true;
      };
    },
  };
}

describe('systemd notifier', () => {
  it('is a no-op without NOTIFY_SOCKET', () => {
    const f = fakes();
    const n = createNotifier({ env: { WATCHDOG_USEC: '30000000' }, spawn: f.spawn, every: f.every });
    n.ready('x');
    n.stopping();
    expect([n.enabled, n.watchdogMs, f.calls.length, f.timers.length]).toEqual([false, 0, 0, 0]);
  });

  it('sends READY with STATUS, pings WATCHDOG at half WATCHDOG_USEC while healthy, then STOPPING', () => {
    const f = fakes();
    let healthy = true;
    const n = createNotifier({
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '30000000' },
      pid: 42,
      spawn: f.spawn,
      every: f.every,
      healthy: () => healthy,
    });
    n.ready('ready: agent ab\ncd');
    expect(f.calls).toEqual([['systemd-notify', '--pid=42', 'READY=1', 'STATUS=ready: agent ab cd']]);
    expect(f.timers.map((t) => t.ms)).toEqual([15000]);
    f.timers[0]!.fn();
    healthy = false;
    f.timers[0]!.fn(); // unhealthy: no ping, so systemd's watchdog restarts the service
    expect(f.calls.slice(1)).toEqual([['systemd-notify', '--pid=42', 'WATCHDOG=1']]);
    n.stopping('bye');
    expect(f.timers[0]!.cancelled).toBe(true);
    expect(f.calls.at(-1)).toEqual(['systemd-notify', '--pid=42', 'STOPPING=1', 'STATUS=bye']);
  });

  it('ignores a watchdog meant for another process or malformed', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '7' }, 8)).toBe(0);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '8' }, 8)).toBe(5000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 8)).toBe(0);
  });

  it('stops sending after systemd-notify is missing, and says so once', () => {
    const errors: string[] = [];
    let n = 0;
    const notifier = createNotifier({
      env: { NOTIFY_SOCKET: '/run/x' },
      spawn: () => {
        n++;
        return { on: (_e: 'error', cb: (e: Error) => void) => cb(new Error('spawn systemd-notify ENOENT')) };
      },
      onError: (e) => errors.push(e.message),
    });
    notifier.ready('a');
    notifier.status('b');
    expect([n, errors]).toEqual([1, ['spawn systemd-notify ENOENT']]);
  });
});

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!analyze) console.warn('systemd unit checks skipped: systemd-analyze is not installed (apt-get install systemd)');

describe.skipIf(!analyze)('systemd unit (systemd-analyze)', () => {
  const profiles = readdirSync(projectPath('firmware-profiles'))
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .map((f) => f.slice(0, -5));
  /** The unit as install.sh writes it, with its paths moved under a scratch prefix whose bin/node exists. */
  function install(profile: string): { dir: string; unit: string } {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-unit-'));
    mkdirSync(join(dir, 'bin'));
    symlinkSync(process.execPath, join(dir, 'bin', 'node'));
    const unit = join(dir, 'agentnet.service');
    writeFileSync(
      unit,
      readFileSync(projectPath('deploy', 'agentnet.service'), 'utf8').replaceAll('/opt/agentnet', dir),
    );
    mkdirSync(join(dir, 'agentnet.service.d'));
    writeFileSync(join(dir, 'agentnet.service.d', '10-profile.conf'), dropIn(loadProfile(profile)));
    return { dir, unit };
  }
  const env = (dir: string) => ({ ...process.env, SYSTEMD_UNIT_PATH: `${dir}:`, SYSTEMD_LOG_COLOR: '0' });

  it.each(profiles)('verify prints nothing for the unit with the %s drop-in', (p) => {
    const { dir, unit } = install(p);
    const r = spawnSync('systemd-analyze', ['verify', unit], { env: env(dir), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the drop-in is really read: a broken one is reported', () => {
    const { dir, unit } = install('rpi4b');
    writeFileSync(join(dir, 'agentnet.service.d', '10-profile.conf'), '[Service]\nMemoryMax=lots\n');
    const r = spawnSync('systemd-analyze', ['verify', unit], { env: env(dir), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/10-profile\.conf:2: Invalid memory limit 'lots'/);
  });

  it('security --offline rates the exposure below 2.5 and V8 keeps W+X memory', () => {
    const { dir, unit } = install('rpi4b');
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', unit], {
      env: env(dir),
      encoding: 'utf8',
    });
    const level = Number(r.stdout.match(/Overall exposure level for agentnet\.service: ([0-9.]+)/)?.[1]);
    expect(level).toBeLessThan(2.5);
    expect(readFileSync(unit, 'utf8')).not.toMatch(/^MemoryDenyWriteExecute=(yes|true|1)/m);
  });
});
