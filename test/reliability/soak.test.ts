// Soak (issue 7 item 6): real node processes (`agentnet run`, profile rpi3bplus, heap capped at the
// profile's maxOldSpaceMiB as the systemd unit does) on a private Mosquitto, fed 100 announcements/s
// in total through their local APIs. Measured per process: RSS after the warm-up and at the end
// (/proc/PID/status VmRSS), open file descriptors (/proc/PID/fd), and the database size (main file +
// WAL) against the profile's store quota. At the end every node must hold every peer's whole log.
// AGENTNET_SOAK_S / AGENTNET_SOAK_NODES set the size (CI: 20 s, 3 nodes; `npm run test:reliability`:
// 600 s, 10 nodes). RSS growth is reported from the end of the first fifth and of the first half; the
// target (< 10%) applies after the first half: the first full runs showed the V8 heap in use and RSS
// levelling off only after ~5 minutes, once the bounded caches (T0 cache of t0CacheSize ids, SQLite page
// cache) are full (docs/reliability.md item 6).

import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/runtime/profile.js';
import { mosquittoAvailable, PrivateMosquitto } from './mosquitto.js';
import { record } from './record.js';

const SECONDS = Number(process.env['AGENTNET_SOAK_S'] ?? 20);
const NODES = Number(process.env['AGENTNET_SOAK_NODES'] ?? 3);
const RATE = 100; // announcements per second, all nodes together
const TTL_MS = Math.max(10_000, (SECONDS * 1000) / 4); // entries expire during the run
const PROFILE = 'rpi3bplus';
const TOPIC = 'data_analysis';
const BUNDLE = join(import.meta.dirname, '../../dist/agentnet.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  readonly child: ChildProcess;
  readonly api: string;
  readonly dir: string;
  inFlight: number;
  /**
   * At most 8 keep-alive connections per node, so the client's pool does not move the fd count; idle
   * ones close after 4 s, before the server's 5 s keep-alive timeout (else a request can meet a socket
   * the server is closing: ECONNRESET, seen in the first full run).
   */
  readonly agent: Agent;
  /** One more connection for /metrics, so samples do not queue behind announcements. */
  readonly probe: Agent;
}

/** POST/GET through the node's keep-alive agent: resolves with the status code and the JSON body. */
function call(p: Proc, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const u = new URL(path, p.api);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(u, { method: data ? 'POST' : 'GET', agent: p.agent, headers: data ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const dbBytes = (dir: string) => ['agentnet.db', 'agentnet.db-wal'].reduce((s, f) => s + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);

async function startProc(root: string, i: number, network: string, broker: string): Promise<Proc> {
  const dir = join(root, `n${i}`);
  const cfg = join(root, `n${i}.json`);
  writeFileSync(cfg, JSON.stringify({ dataDir: dir, network, broker, profile: PROFILE, logLevel: 'warn', declarations: [{ kind: 'intent', topic: TOPIC, tags: ['soak.match'], text: 'want the matching tenth' }] }));
  const heap = loadProfile(PROFILE).maxOldSpaceMiB;
  const child = spawn(process.execPath, [`--max-old-space-size=${heap}`, BUNDLE, 'run', '--config', cfg, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const api = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    let ready = false;
    rl.on('line', (l) => {
      if (ready || !l.includes('"ready"')) return; // later lines are read and dropped (a full pipe would stall the node)
      ready = true;
      resolve((JSON.parse(l) as { api: string }).api);
    });
    child.once('exit', (c) => reject(new Error(`node ${i} exited ${c} before ready`)));
  });
  return { child, api, dir, inFlight: 0, agent: new Agent({ keepAlive: true, maxSockets: 8, timeout: 4000 }), probe: new Agent({ keepAlive: true, maxSockets: 1, timeout: 4000 }) };
}

describe.skipIf(!mosquittoAvailable())(`soak (${NODES} node processes, ${RATE} announcements/s, ${SECONDS} s; AGENTNET_SOAK_S, AGENTNET_SOAK_NODES)`, () => {
  it('keeps RSS, file descriptors and the database bounded; every node ends with every log', async () => {
    const broker = await PrivateMosquitto.start();
    const root = mkdtempSync(join(tmpdir(), 'agentnet-soak-'));
    const network = `soak-${process.pid}`;
    const procs: Proc[] = [];
    try {
      for (let i = 0; i < NODES; i++) procs.push(await startProc(root, i, network, broker.url));
      let sent = 0;
      let failed = 0;
      let skipped = 0;
      const failures = new Map<string, number>();
      const fail = (why: string) => {
        failed++;
        failures.set(why, (failures.get(why) ?? 0) + 1);
      };
      const announce = (p: Proc, n: number) => {
        if (p.inFlight >= 64) return void skipped++; // the node is behind: do not pile up requests
        p.inFlight++;
        // One in ten matches the other nodes' interest (their bodies are pulled); the rest are skipped
        // by the sketch test (bodyless gossip).
        const tags = n % 10 === 0 ? ['soak.match'] : [`soak.other.t${n % 7}`];
        const d = { kind: 'capability', topic: TOPIC, tags, text: `soak ${n}`, ttlMs: TTL_MS };
        // Announce is idempotent by content (announceOnce), so a request lost with its socket is sent again.
        call(p, '/announce', d)
          .catch((e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? call(p, '/announce', d) : Promise.reject(e)))
          .then((r) => (r.status === 200 ? sent++ : fail(`HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 80)}`)))
          .catch((e: NodeJS.ErrnoException) => fail(e.code ?? e.message))
          .finally(() => p.inFlight--);
      };
      const t0 = Date.now();
      let n = 0;
      const ticker = setInterval(() => {
        const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
        for (; n < due; n++) announce(procs[n % NODES]!, n);
      }, 20);
      // V8 heap in use, from the node's own /metrics: tells a growing heap (a leak) from a growing RSS.
      const heapMiB = async (p: Proc) => {
        const text = await new Promise<string>((resolve, reject) => {
          request(new URL('/metrics', p.api), { agent: p.probe }, (res) => {
            let t = '';
            res.on('data', (c: Buffer) => (t += c.toString('utf8')));
            res.on('end', () => resolve(t));
          }).on('error', reject).end();
        });
        return Number(/^nodejs_heap_used_bytes (\d+)/m.exec(text)?.[1] ?? NaN) / 1048576;
      };
      const heapSeries: number[] = [];
      const sample = () => procs.map((p) => ({ rss: rssKiB(p.child.pid!), fds: fds(p.child.pid!) }));
      // Ten samples: the warm-up ends at the second one (a fifth of the run), the last is the end.
      const series: Array<ReturnType<typeof sample>> = [];
      for (let i = 1; i <= 10; i++) {
        await sleep(Math.max(0, t0 + (i * SECONDS * 1000) / 10 - Date.now()));
        series.push(sample());
        const heaps = await Promise.all(procs.map(heapMiB));
        heapSeries.push(Math.round(heaps.reduce((a, x) => a + x, 0) / heaps.length));
      }
      clearInterval(ticker);
      const warm = series[1]!;
      const end = series[9]!;
      const mid = series[5]!;
      const elapsed = (Date.now() - t0) / 1000;
      while (procs.some((p) => p.inFlight > 0)) await sleep(50);

      // Every node ends with every peer's whole log (heads as each author reports its own).
      const logs = async (p: Proc) => (await call(p, '/logs')).json as { logs: Array<{ author: string; topic: string; seq: number }> };
      const status = async (p: Proc) => (await call(p, '/status')).json as { agent: string; entries: number; storeError: string | null };
      const agents = await Promise.all(procs.map(async (p) => (await status(p)).agent));
      const behind = async () => {
        const heads = await Promise.all(procs.map(logs));
        const own = agents.map((a, i) => heads[i]!.logs.find((l) => l.author === a && l.topic === TOPIC)?.seq ?? 0);
        return heads.reduce((s, h, i) => s + agents.filter((a, j) => j !== i && (h.logs.find((l) => l.author === a && l.topic === TOPIC)?.seq ?? 0) < own[j]!).length, 0);
      };
      const until = Date.now() + 120_000;
      let lag = await behind();
      while (lag > 0 && Date.now() < until) {
        await sleep(500);
        lag = await behind();
      }
      const st = await Promise.all(procs.map(status));
      const quota = loadProfile(PROFILE).storeQuotaMiB * 1024 * 1024;
      const db = procs.map((p) => dbBytes(p.dir));
      const growth = end.map((e, i) => (e.rss - warm[i]!.rss) / warm[i]!.rss);
      const lateGrowth = end.map((e, i) => (e.rss - mid[i]!.rss) / mid[i]!.rss); // second half only: levelling off?
      const meanRss = series.map((s) => Math.round(s.reduce((a, x) => a + x.rss, 0) / s.length / 1024));
      const fdGrowth = end.map((e, i) => e.fds - warm[i]!.fds);
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
      const figure =
        `${NODES} processes (${PROFILE}), ${sent} announcements in ${elapsed.toFixed(0)} s (${(sent / elapsed).toFixed(0)}/s; ${failed} failed ${JSON.stringify(Object.fromEntries(failures))}, ${skipped} not sent: node behind), TTL ${TTL_MS / 1000} s: ` +
        `RSS after warm-up ${Math.min(...warm.map((w) => w.rss)) >> 10}-${Math.max(...warm.map((w) => w.rss)) >> 10} MiB, growth to the end ${pct(Math.min(...growth))} to ${pct(Math.max(...growth))} (second half ${pct(Math.min(...lateGrowth))} to ${pct(Math.max(...lateGrowth))}; mean RSS per tenth ${meanRss.join(', ')} MiB, mean V8 heap in use ${heapSeries.join(', ')} MiB); ` +
        `fds ${Math.min(...end.map((e) => e.fds))}-${Math.max(...end.map((e) => e.fds))}, growth ${Math.min(...fdGrowth)} to ${Math.max(...fdGrowth)}; ` +
        `database ${mib(Math.min(...db))}-${mib(Math.max(...db))} for ${Math.min(...st.map((s) => s.entries))}-${Math.max(...st.map((s) => s.entries))} entries (${(Math.max(...db) / Math.max(...st.map((s) => s.entries))).toFixed(0)} B/entry; quota ${mib(quota)}); logs behind at the end: ${lag}`;
      console.log(`soak: ${figure}`);
      record('6. soak', figure, true);
      expect(failed).toBe(0);
      expect(lag).toBe(0);
      for (const s of st) expect(s.storeError).toBeNull();
      for (const d of db) expect(d).toBeLessThan(quota);
      for (const g of fdGrowth) expect(g).toBeLessThanOrEqual(2); // a socket being replaced at the moment of the sample
      // RSS after the warm-up (the first half): the target for the full run; a 20 s CI run is noisier.
      for (const g of lateGrowth) expect(g).toBeLessThan(SECONDS >= 300 ? 0.1 : 0.25);
      for (const p of procs) expect(p.child.exitCode).toBeNull();
    } finally {
      for (const p of procs) {
        p.agent.destroy();
        p.probe.destroy();
        if (p.child.exitCode === null) {
          p.child.kill('SIGTERM');
          await new Promise((r) => p.child.once('exit', r));
        }
      }
      await broker.down();
      rmSync(root, { recursive: true, force: true });
    }
  }, 3_600_000);
});
