// Footprint of a real node process (docs/architecture.md §9 targets: cold start to ready < 1 s, idle RSS < 60 MB
// with 1,000 known agents). Seeds a data directory's store with `agents` valid bindings (the node loads and
// re-checks one at T2 when it first needs it, through the verified-bindings cache: that is what "known" means), then
// starts `node dist/agentnet.mjs run` twice on it (a first start and a restart; `knownAgents` from /status counts the
// bindings held in memory, `fromCache` those answered from the cache by then) with the profile's Node flags and
// environment as the systemd drop-in and bin/agentnet set them (--bare: heap limits only), and measures: spawn -> `ready` log
// line (cold start, includes Node's own start and loading the bundle; systemd is notified right after
// it), with the CPU time the process used until then (what the wall time would be on an idle core),
// knownAgents from /status, and VmRSS from /proc after `idleMs` of idling. Median of `runs`.
// Baselines in the same run, same runtime, flags and environment, idled as long: an empty process
// (`node -e` with one timer; `overEmptyMiB` is what agentnet adds to it) and a "floor" process that
// only loads the Node built-in modules a real node has loaded by then (read from that node's
// process.moduleLoadList, so the list follows the code) and opens a SQLite database in WAL through the
// same addon: what any node built on these parts pays before holding any state. --broker URL runs the
// node against that broker instead of the embedded one (a device beside Mosquitto or a LAN broker).

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBody } from '../src/core/codec/body.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../src/core/codec/entry.js';
import { makeSketch } from '../src/core/gossip/sketch.js';
import { makeBinding } from '../src/core/identity/binding.js';
import { storedOf } from '../src/core/own-log.js';
import { makeCryptoPort, nobleStrictVerifier } from '../src/runtime/crypto-port.js';
import { projectPath } from '../src/runtime/paths.js';
import { lineChart, stack } from '../src/runtime/plot/svg.js';
import { nodeEnv, nodeFlags } from '../src/runtime/node-flags.js';
import { loadProfile } from '../src/runtime/profile.js';
import { SqliteStore } from '../src/runtime/store/sqlite.js';

const c = makeCryptoPort(nobleStrictVerifier);

/** The seeded agents' and operator's secrets: derived from their index, so a store can be extended later (--extend). */
const secretOf = (label: string): Uint8Array => c.sha256(new TextEncoder().encode(`agentnet-footprint/${label}`));

/**
 * A store with `agents` known agents (valid bindings; the first `renewed` of them renewed once: version 2 of the
 * same key, what an operator's renewal stores) and `entries` stored `state` entries: signed by those agents (round
 * robin, one log each in topic `footprint/readings`), tagged `reading` (no interest of the node's own, e.g.
 * trust's `receipt`, wants them), unexpired for 30 days, each with its body: what a node holds after following a
 * busy topic for a while. `extend`: the store holds these agents and some of the entries already (a copy of a
 * smaller seed); only the entries after those are added.
 */
function seed(dir: string, agents: number, entries = 0, renewed = 0, extend = false): void {
  const store = new SqliteStore(join(dir, 'agentnet.db'));
  const now = Date.now();
  const op = secretOf('operator');
  const secrets: Uint8Array[] = Array.from({ length: agents }, (_, i) => secretOf(`agent-${i}`));
  if (!extend)
    for (let done = 0; done < agents;) {
      store.transaction(() => {
        for (const end = Math.min(agents, done + 1000); done < end; done++) {
          const i = done;
          const p = {
            operatorSecret: op,
            agentSecret: secrets[i]!,
            codeHash: c.sha256(new Uint8Array([i & 255])),
            config: {},
            salt: secretOf(`salt-${i}`).slice(0, 16),
            notBefore: now - 60_000,
            notAfter: now + 30 * 86_400_000,
          };
          const b = makeBinding(c, p);
          const kept =
            i < renewed ? makeBinding(c, { ...p, version: 2, prev: c.sha256(b.bytes), notBefore: now - 30_000 }) : b;
          store.putBinding(kept.binding.agentKey, kept.binding.version, kept.bytes, kept.binding.baid);
        }
      });
    }
  if (entries && !agents) throw new RangeError('footprint: --entries needs --agents (the entries need authors)');
  const topic = 'footprint/readings';
  const authors = new Map<number, Uint8Array>();
  for (let done = extend ? store.entryCount() : 0; done < entries;) {
    store.transaction(() => {
      for (const end = Math.min(entries, done + 1000); done < end; done++) {
        const a = done % agents;
        const author = authors.get(a) ?? c.signer.publicKey(secrets[a]!);
        authors.set(a, author);
        const body = encodeBody({ kind: 'state', text: `reading ${done}`, tags: ['reading'] });
        const h = store.head(author, topic);
        const entry: Entry = {
          author,
          topic,
          epoch: 1,
          seq: h ? h.seq + 1 : 1,
          ...(h ? { prev: h.id } : {}),
          kind: 'state',
          ts: now - 60_000 + done,
          expires: now + 30 * 86_400_000,
          bodyHash: c.sha256(body),
          bodyLen: body.length,
          sketch: makeSketch(c, ['reading']),
          tier: 2,
        };
        const bytes = encodeEntry(entry, c.signer.sign(secrets[a]!, entryToBeSigned(entry)));
        store.append(storedOf(entry, c.sha256(bytes), bytes));
        store.putBody(entry.bodyHash, body, entry.expires);
      }
    });
  }
  store.close();
}

interface Rss {
  readonly rssMiB: number;
  readonly anonMiB: number;
  readonly fileMiB: number;
}

/** V8 heap in use and allocated (the node's /metrics, process.memoryUsage()), MiB: what of RssAnon is the JS heap. */
async function heapOf(api: string): Promise<{ heapUsedMiB: number; heapTotalMiB: number }> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const v = (name: string) => Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm'))?.[1]) / 2 ** 20;
  return {
    heapUsedMiB: +v('nodejs_heap_used_bytes').toFixed(1),
    heapTotalMiB: +v('nodejs_heap_total_bytes').toFixed(1),
  };
}
interface Sample extends Rss {
  readonly readyMs: number;
  readonly readyCpuMs: number;
  readonly knownAgents: number;
  readonly fromCache: number;
  /** After the idle measurement: `agents` distinct known agents asked for (GET /verify), then idled again. */
  readonly heap?: { heapUsedMiB: number; heapTotalMiB: number };
  readonly full?: Rss & {
    readonly heap: { heapUsedMiB: number; heapTotalMiB: number };
    readonly requests: number;
    readonly trafficMs: number;
    readonly trafficCpuMs: number;
    readonly knownAgents: number;
    readonly tierFound: number;
  };
}

/** CPU time (user + system) a process has used, ms: fields 14 and 15 of /proc/PID/stat, in clock ticks (100 Hz). */
const cpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

/**
 * The profile's Node flags and environment exactly as the systemd drop-in and bin/agentnet apply them
 * (runtime/node-flags.ts), then the bench's own (--node-flags, --env); --bare: only the heap limits
 * (what the drop-in set before v8Mode).
 */
function applied(profile: string, o: Opts): { flags: string[]; env: Record<string, string> } {
  const p = loadProfile(profile);
  return {
    flags: [...(o.bare ? nodeFlags({ ...p, v8Mode: 'throughput' }) : nodeFlags(p)), ...o.flags],
    env: { ...(o.bare ? {} : nodeEnv(p)), ...o.env },
  };
}

/**
 * One start of `agentnet run` on `dir`: spawn -> ready, then idle, /status, VmRSS; with `traffic` (agent keys, hex)
 * then one GET /verify/{agentKey} per key (each loads the agent's stored binding into the binding cache and checks it,
 * T2, as the receive path does for an author it needs), idle again and VmRSS: the cache full under traffic. SIGTERM.
 */
async function start(
  dir: string,
  profile: string,
  idleMs: number,
  o: Opts,
  extra: string[] = [],
  traffic: readonly string[] = [],
): Promise<Sample> {
  const { flags, env } = applied(profile, o);
  const t0 = performance.now();
  const broker = o.broker ? ['--broker', o.broker] : [];
  const child = spawn(
    o.node,
    [
      ...flags,
      ...extra,
      o.bundle,
      'run',
      '--data',
      dir,
      '--profile',
      profile,
      '--network',
      'footprint',
      '--log-level',
      'info',
      ...broker,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const ready = await new Promise<{ ms: number; cpu: number; api: string; fromCache: number }>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (!line.includes('"msg":"ready"')) continue;
        const j = JSON.parse(line) as { api: string; bindingsFromCache: number };
        resolve({ ms: performance.now() - t0, cpu: cpuMs(child.pid!), api: j.api, fromCache: j.bindingsFromCache });
      }
    });
    child.once('exit', (code) => reject(new Error(`node exited ${code} before ready`)));
  });
  child.stdout.resume();
  await new Promise((r) => setTimeout(r, idleMs));
  const st = (await (await fetch(`${ready.api}/status`)).json()) as { knownAgents: number };
  // VmRSS = RssAnon (heap, WASM memory, SQLite cache, malloc) + RssFile (pages of the node binary and
  // the addon mapped from disk: shared and reclaimable, but counted in RSS) + RssShmem.
  const m = rssOf(child.pid!);
  const heap = await heapOf(ready.api);
  let full: Sample['full'];
  if (traffic.length) {
    const t1 = performance.now();
    const cpu1 = cpuMs(child.pid!);
    let tierFound = 0;
    for (const key of traffic) {
      const r = (await (await fetch(`${ready.api}/verify/${key}`)).json()) as { tier: number };
      if (r.tier >= 2) tierFound++;
    }
    const trafficMs = Math.round(performance.now() - t1);
    const trafficCpuMs = cpuMs(child.pid!) - cpu1;
    await new Promise((r) => setTimeout(r, idleMs));
    const st2 = (await (await fetch(`${ready.api}/status`)).json()) as { knownAgents: number };
    full = {
      ...rssOf(child.pid!),
      heap: await heapOf(ready.api),
      requests: traffic.length,
      trafficMs,
      trafficCpuMs,
      knownAgents: st2.knownAgents,
      tierFound,
    };
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return {
    readyMs: Math.round(ready.ms),
    readyCpuMs: ready.cpu,
    knownAgents: st.knownAgents,
    ...m,
    fromCache: ready.fromCache,
    heap,
    ...(full ? { full } : {}),
  };
}

function rssOf(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1]) / 1024;
  return { rssMiB: +kb('VmRSS').toFixed(1), anonMiB: +kb('RssAnon').toFixed(1), fileMiB: +kb('RssFile').toFixed(1) };
}

/** A baseline process of the same runtime, flags and environment running `script`, idled as long. */
async function baseline(
  profile: string,
  idleMs: number,
  o: Opts,
  script: string,
  extraEnv: Record<string, string> = {},
): Promise<Rss> {
  const { flags, env } = applied(profile, o);
  const child = spawn(o.node, [...flags, '-e', script], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, ...extraEnv },
  });
  await new Promise((r) => setTimeout(r, idleMs));
  const m = rssOf(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return m;
}

const EMPTY = 'setInterval(() => {}, 1e9)';
// FLOOR_MODULES: public built-in names; FLOOR_SQLITE: the addon's package; FLOOR_DB: a file to open.
const FLOOR = `for (const m of JSON.parse(process.env.FLOOR_MODULES)) require(m);
const db = new (require(process.env.FLOOR_SQLITE))(process.env.FLOOR_DB);
db.pragma('journal_mode = WAL');
db.exec('create table if not exists t (k blob primary key, v blob)');
setInterval(() => {}, 1e9);`;

/**
 * The public Node built-in modules a real node (no known agents) has loaded after `idleMs`: a start with
 * a preload that writes them out; not measured.
 */
async function loadedBuiltins(profile: string, idleMs: number, o: Opts): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-footprint-'));
  try {
    const out = join(dir, 'modules.json');
    const preload = join(dir, 'preload.cjs');
    writeFileSync(
      preload,
      `setTimeout(() => {
  const pub = new Set(require('node:module').builtinModules);
  const names = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).filter((m) => pub.has(m));
  require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(names));
}, ${Math.max(0, idleMs - 500)}).unref();
`,
    );
    await start(dir, profile, idleMs, o, ['--require', preload]);
    return JSON.parse(readFileSync(out, 'utf8')) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function floor(profile: string, idleMs: number, o: Opts, modules: readonly string[]): Promise<Rss> {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-footprint-'));
  try {
    const sqlite = createRequire(o.bundle).resolve('better-sqlite3');
    return await baseline(profile, idleMs, o, FLOOR, {
      FLOOR_MODULES: JSON.stringify(modules),
      FLOOR_SQLITE: sqlite,
      FLOOR_DB: join(dir, 'floor.db'),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A fresh data directory with `agents` known agents, started twice: the first start verifies every
 * binding (nothing cached yet: a first boot, or the first start after the store was copied in); the
 * second is a restart, where bindings this node verified before come from its verified-bindings cache.
 */
interface Opts {
  readonly flags: string[];
  readonly env: Record<string, string>;
  readonly bare: boolean;
  readonly node: string;
  readonly bundle: string;
  readonly broker?: string;
}

async function once(
  profile: string,
  agents: number,
  idleMs: number,
  o: Opts,
  entries = 0,
  from?: string,
): Promise<{ first: Sample; restart: Sample }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-footprint-'));
  try {
    if (agents && from) cpSync(from, dir, { recursive: true });
    else if (agents) seed(dir, agents, entries);
    const first = await start(dir, profile, idleMs, o);
    const restart = await start(dir, profile, idleMs, o);
    return { first, restart };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Agent keys (hex) of `n` stored bindings, in key order (the keys are hashes: no order among the agents). */
function storedAgents(dir: string, n: number): string[] {
  const store = new SqliteStore(join(dir, 'agentnet.db'));
  try {
    const rows = store.db.prepare('SELECT agent_key FROM bindings ORDER BY agent_key LIMIT ?').all(n) as Array<{
      agent_key: Buffer;
    }>;
    return rows.map((r) => r.agent_key.toString('hex'));
  } finally {
    store.close();
  }
}

interface Cell {
  readonly agents: number;
  readonly entries: number;
  readonly first: Sample;
  readonly restart: Sample;
}

/**
 * --grid: every (agents, entries) store of `stores` (written by --seed into `stores/a{agents}-e{entries}`, copied
 * for each start, so the seeding is paid once), started twice; the restart is then driven to a full binding cache
 * (twice the profile's `bindingCacheSize` distinct agents asked for, or all of them when fewer). Baseline in the same
 * run, same flags: a node with an empty store, started and restarted alike.
 */
async function grid(
  profile: string,
  idleMs: number,
  o: Opts,
  stores: string,
  agentsList: number[],
  entriesList: number[],
  runs: number,
): Promise<{ empty: Cell[]; cells: Cell[]; cacheSize: number }> {
  const cacheSize = loadProfile(profile).bindingCacheSize;
  const empty: Cell[] = [];
  const cells: Cell[] = [];
  const startTwice = async (agents: number, entries: number): Promise<Cell> => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-footprint-'));
    try {
      const traffic = agents ? storedAgents(join(stores, `a${agents}-e${entries}`), 2 * cacheSize) : [];
      if (agents) cpSync(join(stores, `a${agents}-e${entries}`), dir, { recursive: true });
      const first = await start(dir, profile, idleMs, o);
      const restart = await start(dir, profile, idleMs, o, [], traffic);
      const cell = { agents, entries, first, restart };
      console.error(`footprint: ${JSON.stringify(brief(cell))}`);
      return cell;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  for (let i = 0; i < runs; i++) {
    empty.push(await startTwice(0, 0));
    for (const agents of agentsList) for (const entries of entriesList) cells.push(await startTwice(agents, entries));
  }
  return { empty, cells, cacheSize };
}

const brief = (x: Cell) => ({
  agents: x.agents,
  entries: x.entries,
  restartMs: x.restart.readyMs,
  restartCpuMs: x.restart.readyCpuMs,
  anonMiB: x.restart.anonMiB,
  fullAnonMiB: x.restart.full?.anonMiB,
  fullKnown: x.restart.full?.knownAgents,
  loadavg: loadavg().map((l) => +l.toFixed(2)),
});

/** Median of each cell over the runs, and the plot: RssAnon and restart CPU against the known agents. */
function gridReport(g: { empty: Cell[]; cells: Cell[]; cacheSize: number }): {
  rows: Array<Record<string, number>>;
  svg: string;
} {
  const med = (xs: Cell[], f: (c: Cell) => number | undefined) => median(xs.map((x) => f(x) ?? NaN));
  const row = (xs: Cell[]) => ({
    agents: xs[0]!.agents,
    entries: xs[0]!.entries,
    firstStartMs: med(xs, (x) => x.first.readyMs),
    firstStartCpuMs: med(xs, (x) => x.first.readyCpuMs),
    restartMs: med(xs, (x) => x.restart.readyMs),
    restartCpuMs: med(xs, (x) => x.restart.readyCpuMs),
    restartAnonMiB: med(xs, (x) => x.restart.anonMiB),
    restartRssMiB: med(xs, (x) => x.restart.rssMiB),
    knownAfterRestart: med(xs, (x) => x.restart.knownAgents),
    fullAnonMiB: med(xs, (x) => x.restart.full?.anonMiB),
    fullRssMiB: med(xs, (x) => x.restart.full?.rssMiB),
    fullKnownAgents: med(xs, (x) => x.restart.full?.knownAgents),
    fullRequests: med(xs, (x) => x.restart.full?.requests),
    fullTierFound: med(xs, (x) => x.restart.full?.tierFound),
    fullTrafficCpuMs: med(xs, (x) => x.restart.full?.trafficCpuMs),
  });
  const keys = [...new Set(g.cells.map((x) => `${x.agents}/${x.entries}`))];
  const rows = [row(g.empty), ...keys.map((k) => row(g.cells.filter((x) => `${x.agents}/${x.entries}` === k)))];
  const base = rows[0]!;
  const entriesList = [...new Set(g.cells.map((x) => x.entries))];
  const agentsList = [...new Set(g.cells.map((x) => x.agents))];
  const line = (name: string, f: (r: Record<string, number>) => number, entries: number) => ({
    name,
    points: rows.filter((r) => r['entries'] === entries && r['agents']! > 0).map((r) => [r['agents']!, f(r)] as const),
  });
  const flat = (name: string, y: number) => ({
    name,
    points: [agentsList[0]!, agentsList[agentsList.length - 1]!].map((x) => [x, y] as const),
  });
  const mem = lineChart({
    title: `RssAnon after a restart: idle, and binding cache full (${g.cacheSize})`,
    xLabel: 'known agents (stored bindings)',
    yLabel: 'RssAnon, MiB',
    xLog: true,
    yMin: 0,
    series: [
      ...entriesList.flatMap((e) => [
        line(`after restart, ${e.toLocaleString('en-US')} entries`, (r) => r['restartAnonMiB']!, e),
        line(`cache full, ${e.toLocaleString('en-US')} entries`, (r) => r['fullAnonMiB']!, e),
      ]),
      flat('node with an empty store (same run)', base['restartAnonMiB']!),
      flat('target at 10,000 agents (32 MiB)', 32),
    ],
  });
  const cpu = lineChart({
    title: 'Restart to ready: CPU time of the node',
    xLabel: 'known agents (stored bindings)',
    yLabel: 'CPU ms until ready',
    xLog: true,
    yMin: 0,
    series: [
      ...entriesList.map((e) => line(`${e.toLocaleString('en-US')} entries`, (r) => r['restartCpuMs']!, e)),
      flat('node with an empty store (same run)', base['restartCpuMs']!),
      flat('target (1 s)', 1000),
    ],
  });
  return { rows, svg: stack([mem, cpu]) };
}

export async function main(argv: string[]): Promise<void> {
  const arg = (n: string, d: string) =>
    argv[argv.indexOf(`--${n}`) + 1] && argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d;
  // --seed DIR: only write a store with --agents known agents into DIR (to profile a start by hand:
  // node --cpu-prof dist/agentnet.mjs run --data DIR ...).
  // --renewed N: the first N agents stored at version 2; --extend: DIR already holds a smaller seed of these agents.
  if (argv.includes('--seed')) {
    const agents = Number(arg('agents', '1000'));
    seed(arg('seed', ''), agents, Number(arg('entries', '0')), Number(arg('renewed', '0')), argv.includes('--extend'));
    return;
  }
  const profile = arg('profile', 'rpi-zero2w');
  const runs = Number(arg('runs', '3'));
  const idleMs = Number(arg('idle-ms', '5000'));
  // Extra V8/Node flags to compare, e.g. --node-flags=--max-semi-space-size=1 (space-separated).
  const flags = arg('node-flags', '').split(' ').filter(Boolean);
  // Another runtime and bundle, e.g. an unpacked package's bin/node and dist/agentnet.mjs (Node 22).
  const node = arg('node', process.execPath);
  const bundle = arg('bundle', projectPath('dist', 'agentnet.mjs'));
  // --env K=V (repeatable): extra environment for the node, e.g. --env MALLOC_ARENA_MAX=8 to compare.
  const env = Object.fromEntries(
    argv.flatMap((a, i) =>
      argv[i - 1] === '--env' && a.includes('=') ? [[a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]] : [],
    ),
  );
  const o: Opts = {
    flags,
    env,
    bare: argv.includes('--bare'),
    node,
    bundle,
    ...(argv.includes('--broker') ? { broker: arg('broker', '') } : {}),
  };
  const v = spawnSync(node, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0)
    throw new Error(
      `footprint: cannot run ${node} (${v.error?.message ?? v.stderr.trim()}); a package ships bin/node.xz, which install.sh expands`,
    );
  const version = v.stdout.trim();
  const out: Record<string, unknown> = {
    profile,
    node: version,
    bundle,
    broker: o.broker ?? 'embedded',
    applied: applied(profile, o),
    runs,
    idleMs,
    loadavg: loadavg(),
  };
  const rssSummary = (s: Rss[]) => ({
    rssMiBMedian: median(s.map((x) => x.rssMiB)),
    anonMiBMedian: median(s.map((x) => x.anonMiB)),
    fileMiBMedian: median(s.map((x) => x.fileMiB)),
  });
  const modules = await loadedBuiltins(profile, idleMs, o);
  const empties: Rss[] = [];
  const floors: Rss[] = [];
  for (let i = 0; i < runs; i++) {
    empties.push(await baseline(profile, idleMs, o, EMPTY));
    floors.push(await floor(profile, idleMs, o, modules));
  }
  const baseRss = median(empties.map((x) => x.rssMiB));
  const floorRss = median(floors.map((x) => x.rssMiB));
  out['emptyProcess'] = { ...rssSummary(empties), samples: empties };
  out['floor'] = {
    ...rssSummary(floors),
    overEmptyMiB: +(floorRss - baseRss).toFixed(1),
    builtins: modules,
    samples: floors,
  };
  const summary = (s: Sample[]) => ({
    overEmptyMiB: +(median(s.map((x) => x.rssMiB)) - baseRss).toFixed(1),
    overFloorMiB: +(median(s.map((x) => x.rssMiB)) - floorRss).toFixed(1),
    readyMsMedian: median(s.map((x) => x.readyMs)),
    readyCpuMsMedian: median(s.map((x) => x.readyCpuMs)),
    rssMiBMedian: median(s.map((x) => x.rssMiB)),
    anonMiBMedian: median(s.map((x) => x.anonMiB)),
    fileMiBMedian: median(s.map((x) => x.fileMiB)),
    knownAgents: s.map((x) => x.knownAgents),
    fromCache: s.map((x) => x.fromCache),
    samples: s,
  });
  // --grid --stores DIR [--agents-list 1000,10000,100000] [--entries-list 10000,100000] [--json F] [--plot F]
  if (argv.includes('--grid')) {
    const list = (n: string, d: string) => arg(n, d).split(',').map(Number);
    const g = await grid(
      profile,
      idleMs,
      o,
      arg('stores', ''),
      list('agents-list', '1000,10000,100000'),
      list('entries-list', '10000,100000'),
      runs,
    );
    const { rows, svg } = gridReport(g);
    out['loadavgAfter'] = loadavg();
    out['bindingCacheSize'] = g.cacheSize;
    out['grid'] = rows;
    out['samples'] = { empty: g.empty, cells: g.cells };
    if (argv.includes('--plot')) writeFileSync(arg('plot', ''), svg);
    const json = JSON.stringify(out, null, 2);
    if (argv.includes('--json')) writeFileSync(arg('json', ''), `${json}\n`);
    console.log(json);
    return;
  }
  const entries = Number(arg('entries', '0'));
  // --from DIR: copy a store written by --seed (same --agents and --entries) instead of seeding one per run, so
  // that two bundles (--bundle) are measured on the same store and a large store is signed once.
  const from = argv.includes('--from') ? arg('from', '') : undefined;
  for (const agents of [...new Set([0, Number(arg('agents', '1000'))])]) {
    const s: Array<{ first: Sample; restart: Sample }> = [];
    const n = agents ? entries : 0;
    for (let i = 0; i < runs; i++) s.push(await once(profile, agents, idleMs, o, n, from));
    out[`agents${agents}${n ? `entries${n}` : ''}`] = {
      firstStart: summary(s.map((x) => x.first)),
      restart: summary(s.map((x) => x.restart)),
    };
  }
  console.log(JSON.stringify(out, null, 2));
}
