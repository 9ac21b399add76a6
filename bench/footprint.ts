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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBody } from '../src/core/codec/body.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../src/core/codec/entry.js';
import { makeSketch } from '../src/core/gossip/sketch.js';
import { makeBinding } from '../src/core/identity/binding.js';
import { storedOf } from '../src/core/own-log.js';
import { makeCryptoPort, nobleStrictVerifier, randomSecret } from '../src/runtime/crypto-port.js';
import { projectPath } from '../src/runtime/paths.js';
import { nodeEnv, nodeFlags } from '../src/runtime/node-flags.js';
import { loadProfile } from '../src/runtime/profile.js';
import { SqliteStore } from '../src/runtime/store/sqlite.js';

const c = makeCryptoPort(nobleStrictVerifier);

/**
 * A store with `agents` known agents (valid bindings) and `entries` stored `state` entries: signed by those
 * agents (round robin, one log each in topic `footprint/readings`), tagged `reading` (no interest of the
 * node's own, e.g. trust's `receipt`, wants them), unexpired for 30 days, each with its body: what a node
 * holds after following a busy topic for a while.
 */
function seed(dir: string, agents: number, entries = 0): void {
  const store = new SqliteStore(join(dir, 'agentnet.db'));
  const now = Date.now();
  const op = randomSecret();
  const secrets: Uint8Array[] = [];
  store.transaction(() => {
    for (let i = 0; i < agents; i++) {
      const agent = randomSecret();
      secrets.push(agent);
      const b = makeBinding(c, {
        operatorSecret: op,
        agentSecret: agent,
        codeHash: c.sha256(new Uint8Array([i & 255])),
        config: {},
        salt: randomSecret().slice(0, 16),
        notBefore: now - 60_000,
        notAfter: now + 30 * 86_400_000,
      });
      store.putBinding(c.signer.publicKey(agent), 1, b.bytes);
    }
  });
  if (entries && !agents) throw new RangeError('footprint: --entries needs --agents (the entries need authors)');
  const heads = new Map<number, { seq: number; id: Uint8Array }>();
  for (let done = 0; done < entries;) {
    store.transaction(() => {
      for (const end = Math.min(entries, done + 1000); done < end; done++) {
        const a = done % agents;
        const author = c.signer.publicKey(secrets[a]!);
        const body = encodeBody({ kind: 'state', text: `reading ${done}`, tags: ['reading'] });
        const h = heads.get(a);
        const entry: Entry = {
          author,
          topic: 'footprint/readings',
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
        const id = c.sha256(bytes);
        store.append(storedOf(entry, id, bytes));
        store.putBody(entry.bodyHash, body, entry.expires);
        heads.set(a, { seq: entry.seq, id });
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
interface Sample extends Rss {
  readonly readyMs: number;
  readonly readyCpuMs: number;
  readonly knownAgents: number;
  readonly fromCache: number;
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

/** One start of `agentnet run` on `dir`: spawn -> ready, then idle, /status, VmRSS, SIGTERM. */
async function start(dir: string, profile: string, idleMs: number, o: Opts, extra: string[] = []): Promise<Sample> {
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
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return {
    readyMs: Math.round(ready.ms),
    readyCpuMs: ready.cpu,
    knownAgents: st.knownAgents,
    ...m,
    fromCache: ready.fromCache,
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

export async function main(argv: string[]): Promise<void> {
  const arg = (n: string, d: string) =>
    argv[argv.indexOf(`--${n}`) + 1] && argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d;
  // --seed DIR: only write a store with --agents known agents into DIR (to profile a start by hand:
  // node --cpu-prof dist/agentnet.mjs run --data DIR ...).
  if (argv.includes('--seed')) {
    seed(arg('seed', ''), Number(arg('agents', '1000')), Number(arg('entries', '0')));
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
    loadavg: (await import('node:os')).loadavg(),
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
