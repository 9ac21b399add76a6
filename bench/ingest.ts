// Ingest cost of real node processes (the benchmark of record for the receive path, docs/devices.md "Ingest"):
// one observer and several publishers, each a real `agentnet run` process with the profile's Node flags and
// environment (src/runtime/node-flags.ts), over an MQTT broker the bench starts in its own process (so the
// observer's CPU is the node's alone) or `broker`. Publishers announce signed `state` entries through their
// local API at `rate` entries/s in all, evenly spaced (trickle) or once a second all at once (burst); the
// observer follows the topic and stores and verifies each one. CPU time comes from /proc/PID/stat
// (utime + stime) before and after the stream; the observer's idle CPU over the same span is measured
// first and reported beside it. In the same run a child process of the same runtime and flags verifies the
// very entries the observer stored (single and in batches of the profile's size) and signs them: the
// crypto-only cost the pipeline is compared with. `profileStages` runs the observer under `--cpu-prof` and
// splits its on-CPU samples by stage (ingest-stages.ts).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedBroker } from '../src/runtime/broker.js';
import { nodeEnv, nodeFlags } from '../src/runtime/node-flags.js';
import { loadProfile } from '../src/runtime/profile.js';
import { type CryptoCost, cryptoCostOf } from './ingest-crypto.js';
import { headerTopic } from './ingest-floor.js';
import {
  allFloors,
  compareStored,
  floorResult,
  floorStored,
  removeFloors,
  startFloors,
  stopFloors,
  type FloorResult,
  type Floors,
} from './ingest-floor-run.js';
import { splitStages, type Stages } from './ingest-stages.js';

export interface IngestOptions {
  readonly profile: string;
  readonly rate: number;
  readonly seconds: number;
  readonly pattern: 'trickle' | 'burst';
  readonly publishers: number;
  readonly broker?: string;
  readonly profileStages: boolean;
  /** With profileStages: a directory the observer's V8 profile is copied to (`observer-{rate}.cpuprofile`), to be
   *  read per function; otherwise it is deleted once split into stages. */
  readonly keepProfileDir?: string;
  /** The bundle `agentnet run` is started from (dist/agentnet.mjs). */
  readonly bundle: string;
  /** Runs the receive and announce floors (bench/ingest-floor.ts) beside the nodes, from `floorBundle` (the bench's
   *  own build, whatever `bundle` is). */
  readonly floor?: { readonly floorBundle: string; readonly parts?: boolean };
}

export interface IngestResult {
  readonly device: { cpu: string; cores: number; node: string; profile: string };
  readonly load: { start: string; end: string; loadAvg1Start: number; loadAvg1End: number };
  readonly stream: { rate: number; pattern: string; seconds: number; publishers: number; broker: string };
  readonly announced: number;
  /** Announce requests whose connection failed before an answer (not counted in `announced`). */
  readonly failedRequests: number;
  readonly received: number;
  readonly observer: {
    readonly cpuMs: number;
    readonly idleCpuMsPerMin: number;
    readonly cpuMsPerEntry: number;
    /** The idle CPU of the same span taken out. */
    readonly cpuMsPerEntryOverIdle: number;
    readonly stages?: Stages;
  };
  readonly publisher: { readonly cpuMs: number; readonly cpuMsPerEntry: number };
  readonly crypto: CryptoCost;
  readonly floor?: FloorResult;
  readonly ratios: {
    /** Observer CPU per received entry / the verify path a node uses for it (batched when it batches). */
    readonly observerOverVerify: number;
    readonly observerOverVerifySingle: number;
    /** Publisher CPU per announced entry / (sign + one verify). */
    readonly publisherOverSignVerify: number;
  };
}

/** CPU time (user + system) of a process, ms: fields 14 and 15 of /proc/PID/stat in clock ticks (100 Hz). */
export const cpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

const uptime = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout?.trim() ?? '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Node {
  readonly child: ChildProcess;
  readonly api: string;
  readonly dir: string;
}

function startNode(o: IngestOptions, broker: string, name: string, extra: string[], follow?: string): Promise<Node> {
  const p = loadProfile(o.profile);
  const dir = mkdtempSync(join(tmpdir(), `agentnet-ingest-${name}-`));
  const args = [...nodeFlags(p), ...extra, o.bundle, 'run', '--data', dir, '--profile', o.profile];
  args.push('--network', 'bench-ingest', '--broker', broker, '--log-level', 'info');
  if (follow) args.push('--follow', follow);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...nodeEnv(p) },
  });
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => tail.push(l) > 20 && tail.shift());
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited ${code} before ready\n${tail.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (!l.includes('"msg":"ready"')) return;
      const j = JSON.parse(l) as { api: string };
      child.removeAllListeners('exit');
      resolve({ child, api: j.api, dir });
    });
  });
}

async function entriesOf(n: Node): Promise<number> {
  return ((await (await fetch(`${n.api}/status`)).json()) as { entries: number }).entries;
}

/** Waits until the observer stored `want` more entries than `base`, or `ms` passed; returns how many it stored. */
async function drain(obs: Node, base: number, want: number, ms: number): Promise<number> {
  const end = Date.now() + ms;
  let got = 0;
  while (Date.now() < end) {
    got = (await entriesOf(obs)) - base;
    if (got >= want) return got;
    await sleep(200);
  }
  return got;
}

let seq = 0;
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** POST /announce on a kept-alive connection; a request on a reused socket the server had closed is sent
 *  again once (the pattern Node's http documents: `reusedSocket` with ECONNRESET). */
function post(api: string, body: string, retry = true): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${api}/announce`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (retry && req.reusedSocket && e.code === 'ECONNRESET') post(api, body, false).then(resolve, reject);
      else reject(e);
    });
    req.end(body);
  });
}

/** One announce; true when the node accepted it, false when the connection failed (counted by the caller). */
async function announce(api: string, topic: string): Promise<boolean> {
  const n = seq++;
  const body = JSON.stringify({ kind: 'state', topic, text: `reading ${n}`, tags: ['reading'], key: `k${n % 16}` });
  let status: number;
  try {
    status = await post(api, body);
  } catch {
    return false;
  }
  if (status !== 200) throw new Error(`announce refused: HTTP ${status}`);
  return true;
}

/** Sends `rate` entries/s for `seconds`, round robin over the publishers; resolves when every answer came
 *  with how many were answered and how many connections failed. With `floorApis`, each announce floor gets an
 *  announce beside every publisher 0's (the rate of one publisher). */
async function stream(
  o: IngestOptions,
  pubs: Node[],
  topic: string,
  floorApis: readonly string[] = [],
): Promise<{ ok: number; failed: number; floorOk: number }> {
  const floorPending: Promise<boolean>[] = [];
  const total = o.rate * o.seconds;
  const t0 = performance.now();
  const pending: Promise<boolean>[] = [];
  let sent = 0;
  while (sent < total) {
    const elapsed = (performance.now() - t0) / 1000;
    const due =
      o.pattern === 'burst' ? Math.min(total, (Math.floor(elapsed) + 1) * o.rate) : Math.ceil(elapsed * o.rate);
    for (; sent < Math.min(due, total); sent++) {
      pending.push(announce(pubs[sent % pubs.length]!.api, topic));
      if (sent % pubs.length === 0) for (const api of floorApis) floorPending.push(announce(api, topic));
    }
    await sleep(o.pattern === 'burst' ? 50 : 5);
  }
  const answers = await Promise.all(pending);
  const ok = answers.filter(Boolean).length;
  const floorOk = (await Promise.all(floorPending)).filter(Boolean).length / Math.max(1, floorApis.length);
  return { ok, failed: total - ok, floorOk };
}

async function stop(n: Node): Promise<void> {
  if (n.child.exitCode !== null) return;
  const done = new Promise((r) => n.child.once('exit', r));
  n.child.kill('SIGTERM');
  await done;
}

export async function runIngest(o: IngestOptions): Promise<IngestResult> {
  const embedded = o.broker ? undefined : await startEmbeddedBroker();
  const broker = o.broker ?? embedded!.url;
  const topic = 'bench-ingest';
  const profDir = o.profileStages ? mkdtempSync(join(tmpdir(), 'agentnet-ingest-prof-')) : undefined;
  const nodes: Node[] = [];
  let floors: Floors | undefined;
  const loadStart = { up: uptime(), avg: loadavg()[0]! };
  try {
    const obs = await startNode(o, broker, 'observer', profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [], topic);
    nodes.push(obs);
    if (o.floor) floors = await startFloors({ ...o, ...o.floor }, broker, headerTopic('bench-ingest', topic));
    const pubs = await Promise.all(Array.from({ length: o.publishers }, (_, i) => startNode(o, broker, `pub${i}`, [])));
    nodes.push(...pubs);
    // warm up: one entry per publisher reaches the observer (subscriptions in place, first-contact work done)
    const base0 = await entriesOf(obs);
    if (!(await Promise.all(pubs.map((p) => announce(p.api, topic)))).every(Boolean))
      throw new Error('warm-up: a publisher did not answer its first announce');
    if ((await drain(obs, base0, pubs.length, 30_000)) < pubs.length)
      throw new Error('warm-up: the observer did not receive the publishers first entries within 30 s');
    const floorApis = floors ? [floors.announce, ...floors.announceParts].map((f) => f.api!) : [];
    if (!(await Promise.all(floorApis.map((api) => announce(api, topic)))).every(Boolean))
      throw new Error('warm-up: an announce floor failed');
    await sleep(3000);
    // idle CPU of the observer over a quiet span (its timers and the broker's keepalives)
    const idle0 = cpuMs(obs.child.pid!);
    const idleSpan = 5000;
    await sleep(idleSpan);
    const idleRate = (cpuMs(obs.child.pid!) - idle0) / idleSpan; // ms of CPU per ms
    const base = await entriesOf(obs);
    const obs0 = cpuMs(obs.child.pid!);
    const pub0 = pubs.map((p) => cpuMs(p.child.pid!));
    const floorBase = floors ? floorStored(floors) : 0;
    const floor0 = floors ? allFloors(floors).map((f) => cpuMs(f.child.pid!)) : [];
    const t0 = performance.now();
    const { ok: announced, failed, floorOk } = await stream(o, pubs, topic, floorApis);
    const received = await drain(obs, base, announced, 30_000 + o.seconds * 1000);
    const span = performance.now() - t0;
    const obsCpu = cpuMs(obs.child.pid!) - obs0;
    const pubCpu = pubs.reduce((s, p, i) => s + cpuMs(p.child.pid!) - pub0[i]!, 0);
    let floorCpu: number[] = [];
    let floorGot = 0;
    if (floors) {
      const end = Date.now() + 10_000;
      while ((floorGot = floorStored(floors) - floorBase) < received && Date.now() < end) await sleep(100);
      floorCpu = allFloors(floors).map((f, i) => cpuMs(f.child.pid!) - floor0[i]!);
      await stopFloors(floors);
    }
    const loadEnd = { up: uptime(), avg: loadavg()[0]! };
    await Promise.all(nodes.map(stop));
    const crypto = cryptoCostOf(o, join(obs.dir, 'agentnet.db'));
    const same = floors ? compareStored(floors.receive.db, join(obs.dir, 'agentnet.db')) : undefined;
    const perEntry = obsCpu / Math.max(1, received);
    const overIdle = (obsCpu - idleRate * span) / Math.max(1, received);
    const pubPer = pubCpu / announced;
    return {
      device: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, profile: o.profile },
      load: { start: loadStart.up, end: loadEnd.up, loadAvg1Start: loadStart.avg, loadAvg1End: loadEnd.avg },
      stream: {
        rate: o.rate,
        pattern: o.pattern,
        seconds: o.seconds,
        publishers: o.publishers,
        broker: o.broker ?? 'embedded',
      },
      announced,
      failedRequests: failed,
      received,
      observer: {
        cpuMs: obsCpu,
        idleCpuMsPerMin: +(idleRate * 60_000).toFixed(1),
        cpuMsPerEntry: +perEntry.toFixed(4),
        cpuMsPerEntryOverIdle: +overIdle.toFixed(4),
        ...(profDir
          ? {
              stages: splitStages(
                join(
                  profDir,
                  readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!,
                ),
              ),
            }
          : {}),
      },
      publisher: { cpuMs: pubCpu, cpuMsPerEntry: +pubPer.toFixed(4) },
      crypto,
      ...(floors ? { floor: floorResult(floors, floorCpu, floorGot, floorOk, same!, perEntry, pubPer, crypto) } : {}),
      ratios: {
        observerOverVerify: +(perEntry / crypto.verifyBatchMs).toFixed(2),
        observerOverVerifySingle: +(perEntry / crypto.verifySingleMs).toFixed(2),
        publisherOverSignVerify: +(pubPer / (crypto.signMs + crypto.verifySingleMs)).toFixed(2),
      },
    };
  } finally {
    await Promise.all(nodes.map(stop));
    if (floors) {
      await stopFloors(floors);
      removeFloors(floors);
    }
    agent.destroy();
    await embedded?.close();
    for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
    if (profDir && o.keepProfileDir) {
      const f = readdirSync(profDir).find((n) => n.endsWith('.cpuprofile'));
      if (f) copyFileSync(join(profDir, f), join(o.keepProfileDir, `observer-${o.rate}.cpuprofile`));
    }
    if (profDir) rmSync(profDir, { recursive: true, force: true });
  }
}
