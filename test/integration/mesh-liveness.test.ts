// Liveness on the UDP LAN mesh (no broker, so no MQTT Will), with real processes and real sockets on
// loopback: a mesh node stopped gracefully (SIGTERM) sends its signed death to the mesh; one killed
// (SIGKILL) is dropped by its neighbours when its beacons stop (NEIGHBOUR_TIMEOUT_MS = 5 s, checked every
// 1 s heartbeat: src/runtime/transport/udp.ts), a local hint that is never a death. Either way the others
// stop returning it from discover(), and it is back when it restarts.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeBirth } from '../../src/core/codec/messages.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode } from '../../src/runtime/node.js';
import { createUdpTransport } from '../../src/runtime/transport/udp.js';
import { freeUdpPort as freePort } from './node-kit.js';

const quiet = createLogger({ level: 'error' });
const dir = mkdtempSync(join(tmpdir(), 'agentnet-mesh-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, cond: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

describe('UDP mesh liveness', () => {
  it('a stopped mesh node sends its death, a killed one is dropped after its beacons stop; both come back on restart', async () => {
    const network = `live-${process.pid}`;
    const [pr, pw] = [await freePort(), await freePort()];
    const need = { kind: 'intent', topic: 'data_analysis', tags: ['data'], text: 'need data', ttlMs: 600_000 };
    const reader = await startNode(
      loadConfig({
        env: {},
        flags: { dataDir: join(dir, 'reader'), network, broker: `udp://127.0.0.1:${pr}`, declarations: [need] },
      }),
      { logger: quiet },
    );
    // A bare mesh member that records every birth and death it is pushed (what travels on the mesh).
    const watch = createUdpTransport(`udp://127.0.0.1:0?peers=127.0.0.1:${pr}`, { network, clientId: 'watch' });
    const deaths: number[] = [];
    watch.onMessage((channel, _key, bytes) => {
      if (channel === 'birth' && !decodeBirth(bytes, DEFAULT_LIMITS).birth.alive) deaths.push(Date.now());
    });
    await watch.ready();
    watch.subscribe('birth', '+');
    const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');
    const cfg = join(dir, 'writer.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        dataDir: join(dir, 'writer'),
        network,
        broker: `udp://127.0.0.1:${pw}?peers=127.0.0.1:${pr}`,
        declarations: [{ kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'sql', ttlMs: 600_000 }],
      }),
    );
    const runWriter = () =>
      new Promise<ChildProcess>((resolve) => {
        const child = spawn(process.execPath, [bundle, 'run', '--config', cfg], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        createInterface({ input: child.stdout! }).on('line', (l) => l.includes('"ready"') && resolve(child));
      });
    const found = () => reader.discover({ tags: ['data'] }).length === 1;
    const exited = (p: ChildProcess) => new Promise((r) => p.once('exit', r));
    let p: ChildProcess | undefined;
    try {
      p = await runWriter();
      await until('discovered', found, 20_000);
      const author = reader.discover({ tags: ['data'] })[0]!.author;

      // Graceful stop: the death is pushed on the mesh and the reader drops the writer.
      p.kill('SIGTERM');
      await exited(p);
      await until('gone after SIGTERM', () => !found(), 10_000);
      expect(deaths.length, 'the stopped node sent its signed death').toBeGreaterThanOrEqual(1);
      expect(reader.core.isAlive(author)).toBe(false);
      p = await runWriter(); // same identity and store, a newer birth
      await until('back after restart', found, 20_000);

      // Abrupt death: no death message; the reader's neighbour table lets the writer go.
      const before = deaths.length;
      p.kill('SIGKILL');
      await exited(p);
      const gone = await until('gone after SIGKILL', () => !found(), 12_000);
      expect(gone, 'dropped by the beacon timeout, not by a message').toBeGreaterThanOrEqual(3_000);
      expect(deaths.length, 'a killed node sends nothing').toBe(before);
      p = await runWriter();
      await until('back after the second restart', found, 20_000);
      expect(reader.core.isAlive(author)).toBe(true);
    } finally {
      p?.kill('SIGKILL');
      await watch.close();
      await reader.close();
    }
  }, 120_000);
});
