// Footprint of a real node process (DESIGN §9 targets: cold start to ready < 1 s, idle RSS < 60 MB
// with 1,000 known agents). Seeds a data directory's store with `agents` valid bindings (the node
// re-checks them at T2 when it starts: that is what "known" means), then starts
// `node dist/agentnet.mjs run` twice on it (first start: every signature verified; restart: the
// verified-bindings cache answers them) with the profile's Node flags and environment as the systemd
// drop-in and bin/agentnet set them (--bare: heap limits only), and measures: spawn -> `ready` log
// line (cold start, includes Node's own start and loading the bundle; systemd is notified right after
// it), with the CPU time the process used until then (what the wall time would be on an idle core),
// knownAgents from /status, and VmRSS from /proc after `idleMs` of idling. Median of `runs`.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBinding } from '../src/core/identity/binding.js';
import { makeCryptoPort, nobleStrictVerifier, randomSecret } from '../src/runtime/crypto-port.js';
import { projectPath } from '../src/runtime/paths.js';
import { nodeEnv, nodeFlags } from '../src/runtime/node-flags.js';
import { loadProfile } from '../src/runtime/profile.js';
import { SqliteStore } from '../src/runtime/store/sqlite.js';

const c = makeCryptoPort(nobleStrictVerifier);

function seed(dir: string, agents: number): void {
  const store = new SqliteStore(join(dir, 'agentnet.db'));
  const now = Date.now();
  const op = randomSecret();
  for (let i = 0; i < agents; i++) {
    const agent = randomSecret();
    const b = makeBinding(c, { operatorSecret: op, agentSecret: agent, codeHash: c.sha256(new Uint8Array([i & 255])), config: {}, salt: randomSecret().slice(0, 16), notBefore: now - 60_000, notAfter: now + 30 * 86_400_000 });
    store.putBinding(c.signer.publicKey(agent), 1, b.bytes);
  }
  store.close();
}

interface Sample { readonly readyMs: number; readonly readyCpuMs: number; readonly knownAgents: number; readonly rssMiB: number; readonly anonMiB: number; readonly fileMiB: number; readonly fromCache: number }

/** CPU time (user + system) a process has used, ms: fields 14 and 15 of /proc/PID/stat, in clock ticks (100 Hz). */
const cpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

/** One start of `agentnet run` on `dir`: spawn -> ready, then idle, /status, VmRSS, SIGTERM. */
async function start(dir: string, profile: string, idleMs: number, o: Opts): Promise<Sample> {
  const p = loadProfile(profile);
  // The profile's flags and environment exactly as the systemd drop-in and bin/agentnet apply them
  // (runtime/node-flags.ts); --bare: only the heap limits (what the drop-in set before v8Mode).
  const flags = o.bare ? nodeFlags({ ...p, v8Mode: 'throughput' }) : nodeFlags(p);
  const env = { ...process.env, ...(o.bare ? {} : nodeEnv(p)), ...o.env };
  const t0 = performance.now();
  const child = spawn(o.node, [...flags, ...o.flags, o.bundle, 'run', '--data', dir, '--profile', profile, '--network', 'footprint', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'], env });
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
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1]) / 1024;
  const rss = kb('VmRSS');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { readyMs: Math.round(ready.ms), readyCpuMs: ready.cpu, knownAgents: st.knownAgents, rssMiB: +rss.toFixed(1), anonMiB: +kb('RssAnon').toFixed(1), fileMiB: +kb('RssFile').toFixed(1), fromCache: ready.fromCache };
}

/**
 * A fresh data directory with `agents` known agents, started twice: the first start verifies every
 * binding (nothing cached yet: a first boot, or the first start after the store was copied in); the
 * second is a restart, where bindings this node verified before come from its verified-bindings cache.
 */
interface Opts { readonly flags: string[]; readonly env: Record<string, string>; readonly bare: boolean; readonly node: string; readonly bundle: string }

async function once(profile: string, agents: number, idleMs: number, o: Opts): Promise<{ first: Sample; restart: Sample }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-footprint-'));
  try {
    if (agents) seed(dir, agents);
    const first = await start(dir, profile, idleMs, o);
    const restart = await start(dir, profile, idleMs, o);
    return { first, restart };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(argv: string[]): Promise<void> {
  const arg = (n: string, d: string) => argv[argv.indexOf(`--${n}`) + 1] && argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d;
  // --seed DIR: only write a store with --agents known agents into DIR (to profile a start by hand:
  // node --cpu-prof dist/agentnet.mjs run --data DIR ...).
  if (argv.includes('--seed')) {
    seed(arg('seed', ''), Number(arg('agents', '1000')));
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
  const env = Object.fromEntries(argv.flatMap((a, i) => (argv[i - 1] === '--env' && a.includes('=') ? [[a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]] : [])));
  const o: Opts = { flags, env, bare: argv.includes('--bare'), node, bundle };
  const v = spawnSync(node, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new Error(`footprint: cannot run ${node} (${v.error?.message ?? v.stderr.trim()}); a package ships bin/node.xz, which install.sh expands`);
  const version = v.stdout.trim();
  const p = loadProfile(profile);
  const applied = { flags: [...(o.bare ? nodeFlags({ ...p, v8Mode: 'throughput' }) : nodeFlags(p)), ...flags], env: { ...(o.bare ? {} : nodeEnv(p)), ...env } };
  const out: Record<string, unknown> = { profile, node: version, bundle, applied, runs, idleMs, loadavg: (await import('node:os')).loadavg() };
  const summary = (s: Sample[]) => ({ readyMsMedian: median(s.map((x) => x.readyMs)), readyCpuMsMedian: median(s.map((x) => x.readyCpuMs)), rssMiBMedian: median(s.map((x) => x.rssMiB)), anonMiBMedian: median(s.map((x) => x.anonMiB)), fileMiBMedian: median(s.map((x) => x.fileMiB)), knownAgents: s.map((x) => x.knownAgents), fromCache: s.map((x) => x.fromCache), samples: s });
  for (const agents of [...new Set([0, Number(arg('agents', '1000'))])]) {
    const s: Array<{ first: Sample; restart: Sample }> = [];
    for (let i = 0; i < runs; i++) s.push(await once(profile, agents, idleMs, o));
    out[`agents${agents}`] = { firstStart: summary(s.map((x) => x.first)), restart: summary(s.map((x) => x.restart)) };
  }
  console.log(JSON.stringify(out, null, 2));
}
