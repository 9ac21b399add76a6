// Real node processes for the multi-process tests: `agentnet run` from the built bundle
// (dist/agentnet.mjs), one config file per node, driven and observed only through each node's local
// HTTP API. Convergence is polled with deadlines (`until`), never waited for with fixed sleeps.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const BUNDLE = join(import.meta.dirname, '../../dist/agentnet.mjs');

export interface Proc {
  readonly name: string;
  readonly agent: string;
  /** Base URL of the node's local API, e.g. http://127.0.0.1:40123 */
  readonly api: string;
  readonly child: ChildProcess;
  /** The last log lines (stdout and stderr), for failure messages. */
  readonly tail: string[];
  /** ms from spawn to the "ready" log line. */
  readonly readyMs: number;
}

export interface ProcSpec {
  readonly name: string;
  /** Written as the node's JSON config file (dataDir, network, broker, declarations, ...). */
  readonly config: Record<string, unknown>;
  readonly dir: string;
}

const live = new Set<ChildProcess>();

/** Spawns `agentnet run --config <dir>/<name>.json` and resolves at its "ready" log line. */
export function startProc(spec: ProcSpec, readyTimeoutMs = 60_000): Promise<Proc> {
  const cfg = join(spec.dir, `${spec.name}.json`);
  writeFileSync(cfg, JSON.stringify(spec.config, null, 1));
  const t0 = Date.now();
  // SIGUSR1 opens the inspector on a free port (not 9229, which several nodes would share): what a node that
  // does not stop is doing, even when its event loop is busy (stopProc).
  const child = spawn(process.execPath, ['--inspect-port=0', BUNDLE, 'run', '--config', cfg, '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const tail: string[] = [];
  const logFile = createWriteStream(join(spec.dir, `${spec.name}.log`), { flags: 'a' }); // every incarnation's log, for post-mortems
  child.once('exit', () => logFile.end());
  const keep = (l: string) => {
    logFile.write(`${l}\n`);
    tail.push(l.length > 400 ? `${l.slice(0, 400)}...` : l);
    if (tail.length > 40) tail.shift();
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${spec.name}: not ready within ${readyTimeoutMs} ms\n${tail.join('\n')}`)),
      readyTimeoutMs,
    );
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name}: exited before ready (code ${code}, signal ${sig})\n${tail.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (l) => {
      keep(l);
      let m: { msg?: string; api?: string; agentKey?: string };
      try {
        m = JSON.parse(l);
      } catch {
        return;
      }
      if (m.msg === 'ready' && m.api && m.agentKey) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => live.delete(child));
        resolve({ name: spec.name, agent: m.agentKey, api: m.api, child, tail, readyMs: Date.now() - t0 });
      }
    });
  });
}

/**
 * Sends `sig` and resolves when the process has exited. A node that is still there after `deadlineMs` (its
 * own stop is bounded at 20 s, src/cli/run.ts) fails the caller with its name, its last log lines and the
 * JavaScript stack of a diagnostic report taken then (SIGUSR2), and is killed.
 */
export function stopProc(p: Proc, sig: NodeJS.Signals = 'SIGTERM', deadlineMs = 40_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      void stuckReport(p).then((stack) => {
        p.child.kill('SIGKILL');
        reject(
          new Error(
            `${p.name}: still running ${deadlineMs} ms after ${sig}\n${p.tail.slice(-15).join('\n')}\n${stack}`,
          ),
        );
      });
    }, deadlineMs);
    p.child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.child.kill(sig);
  });
}

/**
 * What a process that does not stop is doing: its JavaScript stack when the inspector pauses it (a busy event
 * loop), else the resources that keep its event loop alive (an idle one). SIGUSR1 opens the inspector; the
 * client is `ws` (a dependency of mqtt).
 */
async function stuckReport(p: Proc): Promise<string> {
  const seen = () => p.tail.map((l) => /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(l)?.[0]).find(Boolean);
  p.child.kill('SIGUSR1');
  for (let i = 0; i < 50 && !seen(); i++) await new Promise((r) => setTimeout(r, 100));
  const url = seen();
  if (!url) return '(the inspector did not open within 5 s)';
  const WebSocket = createRequire(import.meta.url)('ws') as typeof import('ws').WebSocket;
  const ws = new WebSocket(url);
  try {
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const answers = new Map<number, (v: unknown) => void>();
    let paused: ((frames: string) => void) | undefined;
    ws.on('message', (m) => {
      const j = JSON.parse(String(m)) as { id?: number; method?: string; params?: any; result?: any };
      if (j.id !== undefined) answers.get(j.id)?.(j.result);
      if (j.method === 'Debugger.paused') {
        const frames = (j.params.callFrames as any[]).slice(0, 25);
        paused?.(
          frames.map((f) => `${f.functionName || '(anonymous)'} ${f.url}:${f.location.lineNumber + 1}`).join('\n  '),
        );
      }
    });
    let id = 0;
    const call = (method: string, params: object = {}) =>
      new Promise<any>((r) => {
        answers.set(++id, r);
        ws.send(JSON.stringify({ id, method, params }));
      });
    await call('Debugger.enable');
    const stack = new Promise<string>((r) => (paused = r));
    void call('Debugger.pause');
    const busy = await Promise.race([stack, new Promise<undefined>((r) => setTimeout(r, 2000))]);
    if (busy) return `paused at (a busy loop at once, an idle one at its next callback):\n  ${busy}`;
    const left = await call('Runtime.evaluate', { expression: 'process.getActiveResourcesInfo().join(", ")' });
    return `idle event loop, resources keeping it alive: ${left?.result?.value}`;
  } catch (e) {
    return `(inspector: ${(e as Error).message})`;
  } finally {
    ws.terminate();
  }
}

/** SIGKILL for every node process still running (afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * fetch to a node's API; a failure to get any answer says what the process was doing (still running or
 * exited, and how) with the cause and its last log lines, instead of a bare `fetch failed`.
 */
async function call(p: Proc, method: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${p.api}${path}`, { ...init, method, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const c = p.child;
    const state =
      c.exitCode !== null || c.signalCode !== null
        ? `exited (code ${c.exitCode}, signal ${c.signalCode})`
        : `running (pid ${c.pid})`;
    const cause = (e as Error & { cause?: Error }).cause?.message ?? '';
    throw new Error(
      `${p.name} ${method} ${path}: ${(e as Error).message} ${cause}; node ${state}\n${p.tail.slice(-15).join('\n')}`,
    );
  }
}

export async function getJson<T = Record<string, unknown>>(p: Proc, path: string): Promise<T> {
  const r = await call(p, 'GET', path, {});
  if (!r.ok) throw new Error(`${p.name} GET ${path}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

export async function postJson<T = Record<string, unknown>>(p: Proc, path: string, body: unknown): Promise<T> {
  const r = await call(p, 'POST', path, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${p.name} POST ${path}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/**
 * Polls `check` until it returns true, at most `ms`; `check` returns a description of what is still
 * missing otherwise, and the last one is the error message. Resolves with the elapsed ms.
 */
export async function until(
  label: string,
  check: () => Promise<true | string>,
  ms: number,
  everyMs = 250,
): Promise<number> {
  const t0 = Date.now();
  let missing = 'never checked';
  for (;;) {
    try {
      const r = await check();
      if (r === true) return Date.now() - t0;
      missing = r;
    } catch (e) {
      missing = `check threw: ${(e as Error).message}`;
    }
    if (Date.now() - t0 > ms) throw new Error(`${label}: not reached within ${ms} ms: ${missing}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A free UDP port on loopback (bound, read, released). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A free TCP port on loopback (bound, read, released). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export const hasBinary = (name: string): boolean => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

/** A capability and an intent in `topic` for node `i`: every node wants `skill`, node i offers `skill.n<i>`. */
export function declarationsOf(i: number, topic: string, round = 1): Array<Record<string, unknown>> {
  const tag = round === 1 ? `skill.n${i}` : `skill.n${i}.r${round}`;
  const cap = { kind: 'capability', topic, tags: [tag], text: `node ${i} offers ${tag}`, ttlMs: 3_600_000 };
  return round === 1
    ? [cap, { kind: 'intent', topic, tags: ['skill'], text: `node ${i} needs any skill`, ttlMs: 3_600_000 }]
    : [cap];
}

export interface Head {
  readonly author: string;
  readonly topic: string;
  readonly seq: number;
}

/** What `p` still lacks: authors whose log head in `topic` is below the expected seq. */
export async function missingHeads(p: Proc, topic: string, expected: ReadonlyMap<string, number>): Promise<string[]> {
  const { logs } = await getJson<{ logs: Head[] }>(p, '/logs');
  const have = new Map(logs.filter((l) => l.topic === topic).map((l) => [l.author, l.seq]));
  return [...expected]
    .filter(([a, seq]) => a !== p.agent && (have.get(a) ?? 0) < seq)
    .map(([a, seq]) => `${a.slice(0, 8)}@${have.get(a) ?? 0}<${seq}`);
}

/** What `p` still lacks in discovery: authors with no candidate at the expected seq. */
export async function missingCandidates(
  p: Proc,
  topic: string,
  expected: ReadonlyMap<string, number>,
): Promise<string[]> {
  const { candidates } = await getJson<{ candidates: Head[] }>(p, `/discover?tags=skill&topic=${topic}&limit=500`);
  // An author may hold several capabilities in the topic (one per key): its newest counts.
  const have = new Map<string, number>();
  for (const c of candidates) have.set(c.author, Math.max(have.get(c.author) ?? 0, c.seq));
  return [...expected]
    .filter(([a, seq]) => a !== p.agent && (have.get(a) ?? 0) < seq)
    .map(([a, seq]) => `${a.slice(0, 8)}@${have.get(a) ?? 0}<${seq}`);
}
