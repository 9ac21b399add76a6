// Footprint of a real node process (DESIGN §9 targets: cold start to ready < 1 s, idle RSS < 60 MB
// with 1,000 known agents). Seeds a data directory's store with `agents` valid bindings (the node
// re-verifies them at T2 when it starts: that is what "known" means), then starts
// `node dist/agentnet.mjs run` with the profile's heap limits as the systemd drop-in sets them, and
// measures: spawn -> `ready` log line (cold start, includes Node's own start and loading the bundle),
// with the CPU time the process used until then (what the wall time would be on an idle core),
// knownAgents from /status, and VmRSS from /proc after `idleMs` of idling. Median of `runs`.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBinding } from '../src/core/identity/binding.js';
import { makeCryptoPort, nobleStrictVerifier, randomSecret } from '../src/runtime/crypto-port.js';
import { projectPath } from '../src/runtime/paths.js';
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

interface Sample { readonly readyMs: number; readonly readyCpuMs: number; readonly knownAgents: number; readonly rssMiB: number }

/** CPU time (user + system) a process has used, ms: fields 14 and 15 of /proc/PID/stat, in clock ticks (100 Hz). */
const cpuMs = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

async function once(profile: string, agents: number, idleMs: number, flags: string[], node: string, bundle: string): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-footprint-'));
  try {
    if (agents) seed(dir, agents);
    const p = loadProfile(profile);
    const t0 = performance.now();
    const child = spawn(node, [`--max-old-space-size=${p.maxOldSpaceMiB}`, `--max-semi-space-size=${p.maxSemiSpaceMiB}`, ...flags, bundle, 'run', '--data', dir, '--profile', profile, '--network', 'footprint', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<{ ms: number; cpu: number; api: string }>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const line of buf.split('\n')) {
          if (!line.includes('"msg":"ready"')) continue;
          resolve({ ms: performance.now() - t0, cpu: cpuMs(child.pid!), api: (JSON.parse(line) as { api: string }).api });
        }
      });
      child.once('exit', (code) => reject(new Error(`node exited ${code} before ready`)));
    });
    child.stdout.resume();
    await new Promise((r) => setTimeout(r, idleMs));
    const st = (await (await fetch(`${ready.api}/status`)).json()) as { knownAgents: number };
    const rss = Number(readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)?.[1]) / 1024;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    return { readyMs: Math.round(ready.ms), readyCpuMs: ready.cpu, knownAgents: st.knownAgents, rssMiB: +rss.toFixed(1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(argv: string[]): Promise<void> {
  const arg = (n: string, d: string) => argv[argv.indexOf(`--${n}`) + 1] && argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d;
  const profile = arg('profile', 'rpi-zero2w');
  const runs = Number(arg('runs', '3'));
  const idleMs = Number(arg('idle-ms', '5000'));
  // Extra V8/Node flags to compare, e.g. --node-flags=--max-semi-space-size=1 (space-separated).
  const flags = arg('node-flags', '').split(' ').filter(Boolean);
  // Another runtime and bundle, e.g. an unpacked package's bin/node and dist/agentnet.mjs (Node 22).
  const node = arg('node', process.execPath);
  const bundle = arg('bundle', projectPath('dist', 'agentnet.mjs'));
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const out: Record<string, unknown> = { profile, node: version, bundle, flags, runs, idleMs, loadavg: (await import('node:os')).loadavg() };
  for (const agents of [...new Set([0, Number(arg('agents', '1000'))])]) {
    const s: Sample[] = [];
    for (let i = 0; i < runs; i++) s.push(await once(profile, agents, idleMs, flags, node, bundle));
    out[`agents${agents}`] = { readyMsMedian: median(s.map((x) => x.readyMs)), readyCpuMsMedian: median(s.map((x) => x.readyCpuMs)), rssMiBMedian: median(s.map((x) => x.rssMiB)), knownAgents: s.map((x) => x.knownAgents), samples: s };
  }
  console.log(JSON.stringify(out, null, 2));
}
