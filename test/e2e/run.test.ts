// `agentnet run` as an operator starts it (the built bundle, real processes): the ready line's API URL for an
// IPv6 host, `--api-host '[::1]'` as loopback, an API off loopback without a token refused before anything
// else happens (no identity written, no broker contacted), and the heap-limit warning only when a profile was
// chosen.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE, getJson, killAll, startProc, stopProc, type Proc } from '../multiprocess/procs.js';

const dir = mkdtempSync(join(tmpdir(), 'agentnet-run-'));
afterAll(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `agentnet run ...args` to its exit (or kills it after `ms`); its code and output. */
function runToExit(args: string[], env: NodeJS.ProcessEnv = {}, ms = 30_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [BUNDLE, 'run', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), ms);
    c.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('agentnet run', () => {
  it('an IPv6 API host: the ready line brackets it, [::1] and ::1 are loopback (no token needed)', async () => {
    for (const [i, host] of ['[::1]', '::1'].entries()) {
      const p = await startProc({
        name: `v6-${i}`,
        dir,
        config: { dataDir: join(dir, `v6-${i}`), network: `run-${process.pid}`, apiHost: host },
      });
      expect(p.api).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(((await getJson(p, '/status')) as { agent: string }).agent).toBe(p.agent);
      await stopProc(p);
    }
  });

  it('--api-host 0.0.0.0 without a token exits 2 before writing an identity or contacting the broker', async () => {
    const conns: Socket[] = [];
    const srv = createServer((s) => conns.push(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const broker = `mqtt://127.0.0.1:${(srv.address() as { port: number }).port}`;
    const data = join(dir, 'open');
    try {
      const r = await runToExit(['--data', data, '--api-host', '0.0.0.0', '--broker', broker], {
        AGENTNET_API_TOKEN: '',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/CONFIG_INVALID: apiHost 0\.0\.0\.0 is not loopback: set apiToken/);
      expect(conns.length).toBe(0);
      expect(existsSync(join(data, 'identity'))).toBe(false);
    } finally {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('warns about the heap limit only when the operator chose a profile', async () => {
    const heapWarnings = async (p: Proc) => {
      const out = p.child.stdout!;
      const ended = out.readableEnded ? Promise.resolve() : new Promise((r) => out.once('end', r));
      await stopProc(p);
      await ended; // every line it wrote has been read
      // SIGTERM comes right after the ready line: the stop is still clean (signals are caught before the start).
      expect(p.tail.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
      return p.tail.filter((l) => l.includes('"level":"warn","msg":"heap limit above the profile"')).length;
    };
    const plain = await startProc({ name: 'default', dir, config: { dataDir: join(dir, 'default') } });
    expect(await heapWarnings(plain)).toBe(0);
    // The test runner's Node has no --max-old-space-size: its heap limit is far above generic-x64's 512 MiB.
    const chosen = await startProc({
      name: 'chosen',
      dir,
      config: { dataDir: join(dir, 'chosen'), profile: 'generic-x64' },
    });
    expect(await heapWarnings(chosen)).toBe(1);
  });
});
