// `agentnet check` from the bundle: exit codes and JSON shape, the selftest end to end, and that a
// broken config, profile or unreachable broker is reported as such.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tcpAnswers } from '../../src/runtime/transport/servers.js';
import { createUdpTransport } from '../../src/runtime/transport/udp.js';
import { NATS_SERVER, natsServerAvailable } from '../multiprocess/nats-cluster.js';
import { freeTcpPort, freeUdpPort } from '../multiprocess/procs.js';
import { until } from '../integration/node-kit.js';

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
    // `wasm: auto` on an engine with WASM SIMD: the SIMD build is selected, and the scalar fallback is checked too.
    expect(byName(r, 'selftest: wasm kernels')?.detail).toMatch(/ed25519 simd and scalar kernels \(simd selected\)/);
    expect(byName(r, 'wasm')?.detail).toContain('build/ed25519.simd.wasm');
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

  it('a broker list with one broker down is a warning; none up fails', async () => {
    const srv = createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    const closed = await freeTcpPort();
    const cfg = join(dir, 'list.json');
    writeFileSync(cfg, JSON.stringify({ broker: `mqtt://127.0.0.1:${port},127.0.0.1:${closed}` }));
    const r1 = check('--config', cfg);
    writeFileSync(cfg, JSON.stringify({ broker: `mqtt://127.0.0.1:${closed},127.0.0.1:${closed}` }));
    const r2 = check('--config', cfg);
    await new Promise<void>((r) => srv.close(() => r()));
    expect(byName(r1, 'broker')?.status).toBe('warn');
    expect(byName(r1, 'broker')?.detail).toMatch(new RegExp(`127.0.0.1:${port} reachable.*127.0.0.1:${closed}: `));
    expect([byName(r2, 'broker')?.status, r2.code]).toEqual(['fail', 1]);
  });

  it.skipIf(!natsServerAvailable())(
    'probes NATS servers by their greeting: JetStream ok, none fails unless a domain is named',
    async () => {
      const [js, plain] = [await freeTcpPort(), await freeTcpPort()];
      const procs = [
        spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(js), '-js', '-sd', join(dir, 'js')], { stdio: 'ignore' }),
        spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(plain)], { stdio: 'ignore' }),
      ];
      try {
        for (const p of [js, plain]) await until(() => tcpAnswers({ host: '127.0.0.1', port: p }), 20_000);
        const cfg = join(dir, 'nats.json');
        const run = (broker: string) => {
          writeFileSync(cfg, JSON.stringify({ broker }));
          return byName(check('--config', cfg), 'broker')!;
        };
        const ok = run(`nats://127.0.0.1:${js}`);
        expect(ok.status).toBe('ok');
        expect(ok.detail).toMatch(/nats-server \d+\.\d+\.\d+, JetStream/);
        const noJs = run(`nats://127.0.0.1:${plain}`);
        expect([noJs.status, noJs.detail]).toEqual(['fail', expect.stringMatching(/no JetStream.*\?domain=/)]);
        expect(run(`nats://127.0.0.1:${plain}?domain=hub`).status).toBe('ok'); // a leaf node reaching a hub
        // Another server on the port (a child process: check runs synchronously, this process cannot answer).
        const other = await freeTcpPort();
        procs.push(
          spawn(process.execPath, [
            '-e',
            // A probe that hangs up at once makes the write fail: that must not end the server.
            `require('net').createServer((s) => { s.on('error', () => {}); s.end('HTTP/1.1 400 Bad Request\\r\\n\\r\\n'); }).listen(${other}, '127.0.0.1')`,
          ]),
        );
        await until(() => tcpAnswers({ host: '127.0.0.1', port: other }), 20_000);
        const r = run(`nats://127.0.0.1:${other}`);
        expect([r.status, r.detail]).toEqual(['fail', expect.stringMatching(/not as a NATS server/)]);
      } finally {
        for (const p of procs) p.kill('SIGTERM');
      }
    },
    60_000,
  );

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
