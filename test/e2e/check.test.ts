// `agentnet check` from the bundle: exit codes and JSON shape, the selftest end to end, and that a
// broken config, profile or unreachable broker is reported as such.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUdpTransport } from '../../src/runtime/transport/udp.js';
import { freeUdpPort } from '../multiprocess/procs.js';

const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');
const dir = mkdtempSync(join(tmpdir(), 'agentnet-check-'));
const check = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bundle, 'check', '--json', ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, AGENTNET_DATA_DIR: join(dir, 'data') },
  });
  return {
    code: r.status,
    out: JSON.parse(r.stdout) as {
      ok: boolean;
      exitCode: number;
      checks: Array<{ name: string; status: string; detail: string }>;
    },
  };
};
/** The same, without blocking this process (a peer it runs must answer the check). */
const checkAsync = async (...args: string[]): Promise<ReturnType<typeof check>> => {
  const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const c = spawn(process.execPath, [bundle, 'check', '--json', ...args], {
      cwd: dir,
      env: { ...process.env, AGENTNET_DATA_DIR: join(dir, 'data') },
    });
    let stdout = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.once('exit', (code) => resolve({ code, stdout }));
  });
  return { code: r.code, out: JSON.parse(r.stdout) };
};
const byName = (r: ReturnType<typeof check>, n: string) => r.out.checks.find((c) => c.name === n);

describe('agentnet check', () => {
  it('--selftest runs kernels, WAL store, broker with two nodes and T1-T3, and exits 0', () => {
    const r = check('--profile', 'generic-x64', '--selftest');
    expect(r.out.checks.filter((c) => c.name.startsWith('selftest')).map((c) => [c.name, c.status])).toEqual([
      ['selftest: wasm kernels', 'ok'],
      ['selftest: sqlite', 'ok'],
      ['selftest: broker + 2 nodes', 'ok'],
      ['selftest: T3 attestation', 'ok'],
    ]);
    expect(byName(r, 'sqlite WAL')?.status).toBe('ok');
    expect(byName(r, 'page size')?.detail).toMatch(/^\d+ bytes/);
    expect([r.code, r.out.exitCode, r.out.ok]).toEqual([0, 0, true]);
  });

  it('an invalid profile or config exits 2 and names it', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ network: 'Not Valid' }));
    const r1 = check('--profile', 'no-such-board');
    expect([r1.code, byName(r1, 'profile')?.status]).toEqual([2, 'fail']);
    const r2 = check('--config', bad);
    expect([r2.code, byName(r2, 'config')?.status]).toEqual([2, 'fail']);
    expect(byName(r2, 'config')?.detail).toMatch(/network/);
  });

  it('a profile with a bad flood budget exits 2 and names the field and its range', () => {
    const prof = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../firmware-profiles/rpi4b.json'), 'utf8'),
    ) as Record<string, unknown>;
    const bad = join(dir, 'bad-flood.json');
    writeFileSync(bad, JSON.stringify({ ...prof, floodEntriesBurst: 10 }));
    const r = check('--profile', bad);
    expect([r.code, byName(r, 'profile')?.status]).toEqual([2, 'fail']);
    expect(byName(r, 'profile')?.detail).toMatch(
      /PROFILE_INVALID.*"floodEntriesBurst" must be an integer in 64\.\.1000000, got 10/,
    );
    writeFileSync(bad, JSON.stringify({ ...prof, floodRequestsTotalPerSecond: 5 }));
    expect(byName(check('--profile', bad), 'profile')?.detail).toMatch(
      /"floodRequestsTotalPerSecond" \(5\) must be >= "floodRequestsPerSecond" \(20\)/,
    );
  });

  it('an unreachable broker fails the check (exit 1); a listening one passes', async () => {
    const srv = createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    const up = join(dir, 'up.json');
    writeFileSync(up, JSON.stringify({ broker: `mqtt://127.0.0.1:${port}` }));
    const r1 = check('--config', up);
    await new Promise<void>((r) => srv.close(() => r()));
    const r2 = check('--config', up); // same port, now closed
    expect([byName(r1, 'broker')?.status, r1.code]).toEqual(['ok', 0]);
    expect([byName(r2, 'broker')?.status, r2.code]).toEqual(['fail', 1]);
  });

  it('probes every URL of a bridge config, and a udp:// mesh by its seed peers (not TCP on 1883)', async () => {
    // The seed is a real mesh endpoint in this process, so the check runs asynchronously (the seed must answer).
    const seed = createUdpTransport('udp://127.0.0.1:0', { network: 'check', clientId: 'seed' });
    await seed.ready();
    const seedAddr = seed.localAddress();
    const srv = createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const mqtt = `mqtt://127.0.0.1:${(srv.address() as { port: number }).port}`;
    const [meshPort, deadPort] = [await freeUdpPort(), await freeUdpPort()];
    const mesh = `udp://127.0.0.1:${meshPort}?peers=${seedAddr}`;
    try {
      const bridge = join(dir, 'bridge.json');
      writeFileSync(bridge, JSON.stringify({ broker: `${mqtt} ${mesh}` }));
      const r1 = await checkAsync('--config', bridge);
      expect([r1.code, byName(r1, 'broker')?.status]).toEqual([0, 'ok']);
      expect(byName(r1, 'broker')?.detail).toMatch(
        new RegExp(
          `^bridge of 2: ${mqtt}: 127\\.0\\.0\\.1:\\d+ reachable \\(TCP.*; udp://.*: UDP mesh: binds 127\\.0\\.0\\.1:${meshPort}; 1/1 seed peers answered`,
        ),
      );
      // A seed that does not answer fails, named; a udp:// URL is never probed over TCP.
      const silent = join(dir, 'silent.json');
      writeFileSync(silent, JSON.stringify({ broker: `udp://127.0.0.1:${meshPort}?peers=127.0.0.1:${deadPort}` }));
      const r2 = await checkAsync('--config', silent);
      expect([r2.code, byName(r2, 'broker')?.status]).toEqual([1, 'fail']);
      expect(byName(r2, 'broker')?.detail).toMatch(
        new RegExp(`no beacon in \\d+ ms from seed 127\\.0\\.0\\.1:${deadPort}`),
      );
      expect(byName(r2, 'broker')?.detail).not.toMatch(/1883|TCP/);
      // One unreachable MQTT broker of a bridge fails the line and is named.
      const half = join(dir, 'half.json');
      writeFileSync(half, JSON.stringify({ broker: `${mesh} mqtt://127.0.0.1:${deadPort}` }));
      const r3 = await checkAsync('--config', half);
      expect([r3.code, byName(r3, 'broker')?.status]).toEqual([1, 'fail']);
      expect(byName(r3, 'broker')?.detail).toMatch(
        new RegExp(`mqtt://127\\.0\\.0\\.1:${deadPort}: 127\\.0\\.0\\.1:${deadPort}: connect ECONNREFUSED`),
      );
    } finally {
      await seed.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
