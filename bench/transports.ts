// Side by side, in one run, on one workload: Mosquitto (the baseline), the embedded aedes broker and a
// three-server NATS cluster with JetStream. The workload is `agentnet demo --agents N --tasks 0` (N agent
// processes, each announcing a capability and an intent; the demo reports every discovery with its
// latency, from the intent's announcement to the verified matching body, and the header and body bytes
// the nodes received) run against each broker in turn, `rounds` times with the order rotated per round.
// Per broker: header and body bytes per discovery, P95 discovery latency over all rounds, and the CPU time
// the broker process(es) used during the demo (/proc/<pid>/stat utime+stime; aedes runs alone in a child
// process, the NATS figure is the sum of its three servers), also as a ratio to Mosquitto's.
// Usage: node bench/transports.run.mjs [--agents 10] [--rounds 3] [--json FILE]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedBroker } from '../src/runtime/broker.js';
import { projectPath } from '../src/runtime/paths.js';
import { startMosquitto } from '../test/multiprocess/mosquitto.js';
import { natsServerAvailable, startNatsCluster } from '../test/multiprocess/nats-cluster.js';

interface Demo {
  readonly expected: number;
  readonly found: number;
  readonly headerBytes: number;
  readonly bodyBytes: number;
  readonly discoveries: ReadonlyArray<{ ms: number }>;
  readonly nodes: ReadonlyArray<{ gapRepairs?: { requested: number } }>;
}
interface Broker {
  readonly name: string;
  readonly url: string;
  readonly pids: () => number[];
  stop(): Promise<void>;
}

const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
/** CPU ms a process used so far (user + system), from /proc. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

function demo(url: string, agents: number, json: string): Promise<Demo> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        projectPath('dist', 'agentnet.mjs'),
        'demo',
        '--agents',
        String(agents),
        '--tasks',
        '0',
        '--broker',
        url,
        '--json',
        json,
        '--timeout',
        '60000',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, AGENTNET_PROGRESS: '0' } },
    );
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(readFileSync(json, 'utf8')) as Demo)
        : reject(new Error(`demo on ${url}: exit ${code}`)),
    );
  });
}

/** The embedded broker alone in a child process (this bundle with --serve-embedded). */
async function embedded(): Promise<Broker> {
  const child: ChildProcess = spawn(process.execPath, [process.argv[1]!, '--serve-embedded'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(l.trim())),
  );
  return {
    name: 'embedded aedes (MQTT 3.1.1)',
    url,
    pids: () => [child.pid!],
    stop: () => new Promise((r) => (child.once('exit', () => r()), child.kill('SIGTERM'))),
  };
}

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] ?? NaN;
};

export async function main(argv: string[]): Promise<void> {
  if (argv.includes('--serve-embedded')) {
    const b = await startEmbeddedBroker();
    console.log(b.url);
    process.once('SIGTERM', () => void b.close().then(() => process.exit(0)));
    return;
  }
  const arg = (n: string, d: string) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d);
  const agents = Number(arg('agents', '10'));
  const rounds = Number(arg('rounds', '3'));
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-bench-transports-'));
  const brokers: Broker[] = [];
  try {
    const m = await startMosquitto(dir, 'mosquitto');
    brokers.push({ name: 'Mosquitto 2 (MQTT 5)', url: m.url, pids: () => [m.child.pid!], stop: () => m.stop() });
    brokers.push(await embedded());
    if (natsServerAvailable()) {
      const c = await startNatsCluster(dir);
      brokers.push({
        name: 'NATS cluster, 3 servers (JetStream R3)',
        url: c.url,
        pids: () => c.servers.map((s) => s.child!.pid!),
        stop: () => c.stop(),
      });
    } else console.warn('bench transports: no nats-server binary, the NATS cluster is left out');
    const acc = brokers.map(() => ({
      lat: [] as number[],
      header: 0,
      body: 0,
      found: 0,
      expected: 0,
      cpu: 0,
      gaps: 0,
    }));
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < brokers.length; k++) {
        const i = (k + r) % brokers.length;
        const b = brokers[i]!;
        const cpu0 = b.pids().reduce((s, p) => s + cpuMs(p), 0);
        const d = await demo(b.url, agents, join(dir, `demo-${r}-${i}.json`));
        const a = acc[i]!;
        a.cpu += b.pids().reduce((s, p) => s + cpuMs(p), 0) - cpu0;
        a.lat.push(...d.discoveries.map((x) => x.ms));
        a.header += d.headerBytes;
        a.body += d.bodyBytes;
        a.found += d.found;
        a.gaps += d.nodes.reduce((s, n) => s + (n.gapRepairs?.requested ?? 0), 0);
        a.expected += d.expected;
        console.error(`round ${r + 1}/${rounds} ${b.name}: ${d.found}/${d.expected} discoveries`);
      }
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const base = acc[0]!.cpu;
    const rows = brokers.map((b, i) => {
      const a = acc[i]!;
      return {
        broker: b.name,
        discoveries: `${a.found}/${a.expected}`,
        headerBytesPerDiscovery: Math.round(a.header / a.found),
        bodyBytesPerDiscovery: Math.round(a.body / a.found),
        p95Ms: p95(a.lat),
        medianMs: [...a.lat].sort((x, y) => x - y)[Math.floor(a.lat.length / 2)]!,
        gapRepairsPerRun: Number((a.gaps / rounds).toFixed(1)),
        brokerCpuMs: Math.round(a.cpu),
        cpuVsMosquitto: Number((a.cpu / base).toFixed(2)),
      };
    });
    console.log(`agentnet bench transports: ${agents} agents x ${rounds} rounds per broker; load average ${load}`);
    console.log(
      '| broker | discoveries | header B / discovery | body B / discovery | P95 ms | median ms | gap repairs / run | broker CPU ms | CPU vs Mosquitto |',
    );
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of rows)
      console.log(
        `| ${x.broker} | ${x.discoveries} | ${x.headerBytesPerDiscovery} | ${x.bodyBytesPerDiscovery} | ${x.p95Ms} | ${x.medianMs} | ${x.gapRepairsPerRun} | ${x.brokerCpuMs} | ${x.cpuVsMosquitto} |`,
      );
    if (argv.includes('--json'))
      writeFileSync(arg('json', ''), JSON.stringify({ agents, rounds, load, rows }, null, 1));
  } finally {
    for (const b of brokers) await b.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
