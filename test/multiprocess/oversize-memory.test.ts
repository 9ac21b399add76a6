// Memory after a burst of oversized publishes (docs/reliability.md item 10): two `agentnet run` processes on their own
// Mosquitto, one on MQTT 5 (it announces its Maximum Packet Size: the broker drops larger publishes for it)
// and one on MQTT 3.1.1 (no such property: the stream under mqtt.js skips them unread, mqtt-bound.ts). The
// stock `mosquitto_pub` sends four 50 MB publishes on channels both nodes subscribe to (three headers, one
// retained frontier). The 3.1.1 node counts each as `oversized`; the memory of both (VmRSS and RssAnon from
// /proc) returns within 10% of where it was before the burst. The figures are printed (docs/reliability.md).
// Skipped, saying so, when the Mosquitto binaries or /proc are absent.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Mosquitto } from './mosquitto.js';
import { getJson, hasBinary, killAll, startProc, stopProc, until, type Proc } from './procs.js';

const HAVE = hasBinary('mosquitto') && hasBinary('mosquitto_pub') && existsSync('/proc/self/status');
if (!HAVE) console.warn('oversize memory test skipped: no mosquitto / mosquitto_pub, or no /proc');
const TOPIC = 'code_review_security';
const SIZE = 50 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'agentnet-oversize-'));
let mq: Mosquitto | undefined;
afterAll(async () => {
  await killAll();
  await mq?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** VmRSS and RssAnon of a process, MiB. */
function memOf(p: Proc): { rss: number; anon: number } {
  const s = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)![1]) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
}

describe.skipIf(!HAVE)('oversized publishes through a real Mosquitto', () => {
  it('are dropped unread (MQTT 5 by the broker, 3.1.1 by the client bound); memory returns within 10%', async () => {
    mq = await startMosquitto(dir, 'broker');
    const network = `ov-${process.pid}-${Date.now().toString(36)}`;
    const start = (name: string, broker: string) =>
      startProc({ dir, name, config: { dataDir: join(dir, name), network, broker, follow: [TOPIC] } });
    const nodes = [await start('mqtt5', mq.url), await start('mqtt311', `${mq.url}?mqtt=4`)];
    const oversized = async (p: Proc) =>
      (await getJson<{ rejected: Record<string, number> }>(p, '/status')).rejected['oversized'] ?? 0;
    // Settled: a few readings after start, the last one is the baseline.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1000));
    const before = nodes.map(memOf);
    const peak = nodes.map(memOf);
    const sampler = setInterval(() => {
      nodes.forEach((p, i) => {
        const m = memOf(p);
        peak[i] = { rss: Math.max(peak[i]!.rss, m.rss), anon: Math.max(peak[i]!.anon, m.anon) };
      });
    }, 100);
    const file = join(dir, 'big');
    writeFileSync(file, Buffer.alloc(SIZE, 0x41));
    const root = `agentnet/v1/${network}/`;
    const send = (topic: string, retain: boolean) => {
      const r = spawnSync(
        'mosquitto_pub',
        ['-h', '127.0.0.1', '-p', String(mq!.port), '-q', '1', '-t', topic, '-f', file, ...(retain ? ['-r'] : [])],
        { encoding: 'utf8', timeout: 120_000 },
      );
      if (r.status !== 0) throw new Error(`mosquitto_pub: ${r.status} ${r.stderr}`);
    };
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) send(`${root}h/${TOPIC}`, false);
    send(`${root}f/${TOPIC}/${'ab'.repeat(32)}`, true);
    try {
      await until(
        'the 3.1.1 node skipped all four',
        async () => (await oversized(nodes[1]!)) === 4 || 'not yet',
        120_000,
      );
      const burstMs = Date.now() - t0;
      // Clear the retained one (it would be sent again at every resync round).
      spawnSync('mosquitto_pub', [
        '-h',
        '127.0.0.1',
        '-p',
        String(mq.port),
        '-t',
        `${root}f/${TOPIC}/${'ab'.repeat(32)}`,
        '-r',
        '-n',
      ]);
      let after = nodes.map(memOf);
      await until(
        'memory back within 10%',
        async () => {
          after = nodes.map(memOf);
          const off = after.flatMap((m, i) =>
            m.anon > before[i]!.anon * 1.1 || m.rss > before[i]!.rss * 1.1
              ? [
                  `${nodes[i]!.name} RssAnon ${m.anon.toFixed(1)} (before ${before[i]!.anon.toFixed(1)}) VmRSS ${m.rss.toFixed(1)} (before ${before[i]!.rss.toFixed(1)}) MiB`,
                ]
              : [],
          );
          return off.length === 0 || off.join(', ');
        },
        60_000,
        500,
      );
      clearInterval(sampler);
      const counts = await Promise.all(nodes.map(oversized));
      nodes.forEach((p, i) =>
        console.log(
          `[oversize-memory] ${p.name}: VmRSS ${before[i]!.rss.toFixed(1)} -> peak ${peak[i]!.rss.toFixed(1)} -> ${after[i]!.rss.toFixed(1)} MiB, ` +
            `RssAnon ${before[i]!.anon.toFixed(1)} -> peak ${peak[i]!.anon.toFixed(1)} -> ${after[i]!.anon.toFixed(1)} MiB ` +
            `(4 x ${SIZE / 1048576} MB in ${burstMs} ms; oversized counted ${counts[i]})`,
        ),
      );
      expect(await oversized(nodes[0]!)).toBe(0); // the broker never sent them to the MQTT 5 node
      for (const p of nodes) {
        const st = await getJson<{ link: { state: string; reconnects: number } }>(p, '/status');
        expect(st.link).toMatchObject({ state: 'up', reconnects: 0 }); // skipped, not disconnected
      }
    } finally {
      clearInterval(sampler);
    }
    await Promise.all(nodes.map((p) => stopProc(p)));
  }, 300_000);
});
