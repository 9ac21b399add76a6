// `agentnet demo` (the main job, `npm start`): an embedded broker and N agent nodes, each a separate
// OS process running `agentnet run`, one per paper topic in turn. Each agent announces a capability
// in its own topic and an intent that needs a capability of the next topic. The expected discoveries
// are computed from the configured declarations alone; the demo passes (exit 0) only if every node
// reports exactly those, through the network. Then the first agents post tasks (demo-tasks.ts): each is
// bid on, awarded, delivered, rated with a co-signed receipt and settled in both parties' ledgers.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { matches } from '../core/gossip/match.js';
import type { Declaration } from '../core/types.js';
import { startEmbeddedBroker } from '../runtime/broker.js';
import { intFlag } from './args.js';
import { createProgress } from './progress.js';
import { printTasks, runTasks, type TaskReport } from './demo-tasks.js';

export const TOPICS = [
  'code_generation',
  'code_review_security',
  'devops_tool_execution',
  'data_analysis',
  'creative_writing',
] as const;
const SKILLS: Record<(typeof TOPICS)[number], [string, string]> = {
  code_generation: ['code.gen.python', 'code.gen.typescript'],
  code_review_security: ['code.review.security', 'code.review.style'],
  devops_tool_execution: ['devops.exec.shell', 'devops.deploy.k8s'],
  data_analysis: ['data.analysis.sql', 'data.viz.plot'],
  creative_writing: ['writing.fiction', 'writing.copy'],
};

/** The shipped exec worker that does a topic's tasks and the rater that checks its artefacts (examples/). */
export const WORK: Record<(typeof TOPICS)[number], { worker: string; rater: string }> = {
  code_generation: { worker: 'codegen.mjs', rater: 'codegen-check.mjs' },
  code_review_security: { worker: 'code-review.mjs', rater: 'review-check.mjs' },
  devops_tool_execution: { worker: 'disk-report.mjs', rater: 'disk-check.mjs' },
  data_analysis: { worker: 'csv-stats.mjs', rater: 'csv-stats-check.mjs' },
  creative_writing: { worker: 'acrostic.mjs', rater: 'acrostic-check.mjs' },
};

/** examples/ next to the bundle (a checkout's dist/ or a package's dist/). */
export function examplesDir(): string {
  return join(dirname(process.argv[1]!), '..', 'examples');
}

/** A demo agent's config: its capability done by its topic's shipped worker, its tasks rated by the rater of its intent's topic. */
export function demoConfig(a: DemoAgent, base: Record<string, unknown>): Record<string, unknown> {
  const ex = examplesDir();
  const exec = (path: string) => ({ kind: 'exec', command: process.execPath, args: [path], timeoutMs: 30_000 });
  return {
    ...base,
    adapters: {
      work: exec(join(ex, 'workers', WORK[a.capability.topic as keyof typeof WORK].worker)),
      check: exec(join(ex, 'raters', WORK[a.intent.topic as keyof typeof WORK].rater)),
    },
    declarations: [{ ...a.capability, adapter: 'work' }, a.intent],
    tasks: { retryMs: 300, rate: 'check' },
  };
}

export interface DemoAgent {
  readonly name: string;
  readonly capability: Declaration;
  readonly intent: Declaration;
}

/**
 * Agent i works in topic i mod 5 with skill variant floor(i/5) mod 2, and needs, in the next topic,
 * the same variant's skill; every third agent asks for the parent tag instead (`code.review` rather
 * than `code.review.security`), which any variant covers.
 */
export function demoAgents(n: number): DemoAgent[] {
  return Array.from({ length: n }, (_, i) => {
    const topic = TOPICS[i % 5]!;
    const next = TOPICS[(i + 1) % 5]!;
    const v = Math.floor(i / 5) % 2;
    const skill = SKILLS[topic][v]!;
    const want = SKILLS[next][v]!;
    const wanted = i % 3 === 2 ? want.split('.').slice(0, 2).join('.') : want;
    return {
      name: `agent-${String(i).padStart(2, '0')}-${topic}`,
      capability: {
        kind: 'capability',
        topic,
        tags: [skill],
        text: `I do ${skill.replaceAll('.', ' ')} work in ${topic}`,
        ttlMs: 3600_000,
      },
      intent: {
        kind: 'intent',
        topic: next,
        tags: [wanted],
        text: `Looking for ${wanted.replaceAll('.', ' ')} help`,
        ttlMs: 3600_000,
      },
    };
  });
}

/** Expected (from, to) pairs: the intent's tags covered by the other agent's capability in that topic. */
export function expectedPairs(agents: readonly DemoAgent[]): Set<string> {
  const out = new Set<string>();
  agents.forEach((a, i) =>
    agents.forEach((b, j) => {
      if (i !== j && a.intent.topic === b.capability.topic && matches(a.intent, b.capability)) out.add(`${i}>${j}`);
    }),
  );
  return out;
}

interface Proc {
  readonly child: ChildProcess;
  agentId?: string;
  apiPort?: number;
  readyMs?: number;
  exited?: number | null;
}

const HELP = `Usage: agentnet demo [--agents N] [--tasks K] [--json FILE] [--broker URL] [--timeout MS] [--keep]

Starts an embedded MQTT broker (or uses --broker) and N agent processes (default 5) that announce signed
capability declarations, discover each other by interest, pull bodies by hash and verify bindings.
Then the first K agents (default 5) each post a task with real input (a CSV, code to review, a field list,
a path, a word): the matching agent bids, runs its shipped exec worker (examples/workers/), delivers by
hash; the requester's exec rater (examples/raters/) checks the content, both sign the receipt and both
ledgers settle. The report shows an excerpt of each artefact. --keep leaves the data dir.
Exit codes: 0 every expected discovery happened, no unexpected one did and every task settled with a
co-signed receipt and conserved credits, 1 otherwise, 2 usage error, 3 runtime failure.
Example: agentnet demo --agents 10 --json demo.json`;

/** What the demo's network is: where the agents run and what they are expected to find. */
interface DemoNet {
  readonly agents: readonly DemoAgent[];
  readonly expected: ReadonlySet<string>;
  readonly dir: string;
  readonly network: string;
  readonly brokerUrl: string;
  readonly t0: number;
}

/**
 * Spawns one `agentnet run` per agent and follows their log lines: `ready` gives the agent's id and API port,
 * `discovered` a (from, author) pair, resolved to agent indexes once the author's `ready` was seen. `wait`
 * resolves when every expected discovery happened or at the timeout.
 */
function startAgents(net: DemoNet): { procs: Proc[]; found: Map<string, number>; wait(ms: number): Promise<void> } {
  const { agents, expected } = net;
  const found = new Map<string, number>();
  const procs: Proc[] = [];
  const byAgentId = new Map<string, number>();
  let settle: (() => void) | undefined;
  const allFound = () => [...expected].every((p) => found.has(p));
  const raw: Array<{ from: number; author: string; ms: number }> = [];
  const progress = createProgress(Math.max(1, expected.size), 'discoveries');
  const resolveRaw = () => {
    for (let k = raw.length - 1; k >= 0; k--) {
      const d = raw[k]!;
      const to = byAgentId.get(d.author);
      if (to === undefined) continue;
      raw.splice(k, 1);
      const key = `${d.from}>${to}`;
      if (found.has(key)) continue;
      found.set(key, d.ms);
      if (expected.has(key)) progress.tick(`${agents[d.from]!.name} -> ${agents[to]!.name}`);
    }
    if (allFound()) settle?.();
  };
  agents.forEach((a, i) => {
    const p = spawnAgent(net, a);
    procs.push(p);
    createInterface({ input: p.child.stdout! }).on('line', (line) => {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line);
      } catch {
        return;
      }
      if (m['msg'] === 'ready') {
        p.apiPort = Number(String(m['api']).split(':').pop());
        p.readyMs = Date.now() - net.t0;
        p.agentId = String(m['agentKey']);
        byAgentId.set(p.agentId, i);
      } else if (m['msg'] === 'discovered') {
        // The target may not have logged 'ready' yet (it announces first): resolve ids lazily.
        raw.push({ from: i, author: String(m['author']), ms: Number(m['ms']) });
      }
      resolveRaw();
    });
  });
  const wait = async (ms: number) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      settle = () => {
        clearTimeout(timer);
        resolve();
      };
      if (allFound()) settle();
    });
    progress.done();
  };
  return { procs, found, wait };
}

function spawnAgent(net: DemoNet, a: DemoAgent): Proc {
  const cfg = join(net.dir, `${a.name}.json`);
  writeFileSync(
    cfg,
    JSON.stringify(
      demoConfig(a, { dataDir: join(net.dir, a.name), network: net.network, broker: net.brokerUrl, apiPort: 0 }),
    ),
  );
  const child = spawn(process.execPath, [process.argv[1]!, 'run', '--config', cfg], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const p: Proc = { child };
  child.on('exit', (code) => (p.exited = code));
  return p;
}

/** The part of a node's GET /status the report reads. */
interface DemoStatus {
  bytes: Record<string, number>;
  verified: Record<string, number>;
  rejected: Record<string, number>;
  pulls: Record<string, number>;
}

async function readStatuses(procs: readonly Proc[]): Promise<Array<DemoStatus | undefined>> {
  return Promise.all(
    procs.map(async (p) => {
      if (!p.apiPort) return undefined;
      try {
        const r = await fetch(`http://127.0.0.1:${p.apiPort}/status`);
        return (await r.json()) as DemoStatus;
      } catch {
        return undefined;
      }
    }),
  );
}

/** SIGTERM to every agent still running (SIGKILL after 5 s); resolves when all have exited. */
async function stopAgents(procs: readonly Proc[]): Promise<void> {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exited !== undefined) return r();
          p.child.once('exit', () => r());
          p.child.kill('SIGTERM');
          setTimeout(() => p.child.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}

/** The JSON report: discoveries, bytes, verification counts and each node's state. */
function demoReport(
  net: DemoNet,
  found: ReadonlyMap<string, number>,
  statuses: ReadonlyArray<DemoStatus | undefined>,
  procs: readonly Proc[],
  tasks: TaskReport,
) {
  const { agents, expected } = net;
  const sum = (f: (s: DemoStatus) => number) => statuses.reduce((a, s) => a + (s ? f(s) : 0), 0);
  const discoveries = [...found].map(([k, ms]) => {
    const [from, to] = k.split('>').map(Number) as [number, number];
    return {
      from: agents[from]!.name,
      to: agents[to]!.name,
      topic: agents[to]!.capability.topic,
      ms,
      expected: expected.has(k),
    };
  });
  const unexpected = discoveries.filter((d) => !d.expected).length;
  const field = (st: DemoStatus, k: string) => (st as unknown as Record<string, unknown>)[k];
  const result = {
    agents: agents.length,
    expected: expected.size,
    found: discoveries.length - unexpected,
    unexpected,
    discoveries: discoveries.map(({ expected: _e, ...d }) => d),
    headerBytes: sum((s) => s.bytes['headerBytesIn'] ?? 0),
    bodyBytes: sum((s) => s.bytes['bodyBytesIn'] ?? 0),
    verified: {
      T0: sum((s) => s.verified['T0'] ?? 0),
      T1: sum((s) => s.verified['T1'] ?? 0),
      T2: sum((s) => s.verified['T2'] ?? 0),
    },
    rejected: sum((s) => Object.values(s.rejected).reduce((a, b) => a + b, 0)),
    statusesRead: statuses.filter(Boolean).length,
    tasks,
    nodes: statuses.map((st, i) => ({
      name: agents[i]!.name,
      readyMs: procs[i]!.readyMs ?? null,
      ...(st
        ? {
            pending: field(st, 'pending'),
            pulls: st.pulls,
            gapRepairs: field(st, 'gapRepairs'),
            entries: field(st, 'entries'),
            knownAgents: field(st, 'knownAgents'),
          }
        : {}),
    })),
    durationMs: Date.now() - net.t0,
  };
  return { result, discoveries };
}

function printDemo(net: DemoNet, found: ReadonlyMap<string, number>, r: ReturnType<typeof demoReport>): void {
  const { result, discoveries } = r;
  console.log("\nwho discovered whom (ms from the intent's announcement to the verified, matching body):");
  for (const d of discoveries.sort((a, b) => a.from.localeCompare(b.from)))
    console.log(
      `  ${d.from.padEnd(32)} -> ${d.to.padEnd(32)} ${String(d.ms).padStart(6)} ms${d.expected ? '' : '  UNEXPECTED'}`,
    );
  for (const k of net.expected) {
    if (found.has(k)) continue;
    const [from, to] = k.split('>').map(Number) as [number, number];
    console.log(`  ${net.agents[from]!.name.padEnd(32)} -> ${net.agents[to]!.name.padEnd(32)}  MISSING`);
  }
  console.log(`\nexpected ${result.expected}, found ${result.found}, unexpected ${result.unexpected}`);
  console.log(
    `bytes received: headers ${result.headerBytes} B, bodies ${result.bodyBytes} B (bodies pulled only on interest)`,
  );
  console.log(
    `signatures verified: T1 ${result.verified.T1}, T2 ${result.verified.T2}; T0 cache hits ${result.verified.T0}; rejected ${result.rejected}`,
  );
  printTasks(result.tasks);
  console.log(`total ${result.durationMs} ms`);
}

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string' },
      tasks: { type: 'string' },
      json: { type: 'string' },
      broker: { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const n = intFlag(values.agents, 'agents', 5, 2, 200);
  const taskCount = intFlag(values.tasks, 'tasks', 5, 0, 200);
  const timeoutMs = intFlag(values.timeout, 'timeout', 15_000, 1000, 600_000);
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-demo-'));
  const broker = values.broker ? undefined : await startEmbeddedBroker();
  const brokerUrl = values.broker ?? broker!.url;
  const network = `demo-${process.pid}-${t0 % 100000}`;
  const agents = demoAgents(n);
  const net: DemoNet = { agents, expected: expectedPairs(agents), dir, network, brokerUrl, t0 };

  console.log(
    `agentnet demo: ${n} agents on ${brokerUrl} (network ${network}); ${net.expected.size} discoveries expected`,
  );
  const { procs, found, wait } = startAgents(net);
  await wait(timeoutMs);
  await new Promise((r) => setTimeout(r, 300)); // a grace period in which unexpected discoveries would show
  const taskReport = await runTasks(
    agents,
    procs.map((p) => p.apiPort),
    procs.map((p) => p.agentId),
    Math.min(taskCount, n),
    Date.now() + Math.max(15_000, timeoutMs / 2),
  );
  const statuses = await readStatuses(procs);
  await stopAgents(procs);
  await broker?.close();
  if (!values.keep) rmSync(dir, { recursive: true, force: true });

  const report = demoReport(net, found, statuses, procs, taskReport);
  const { result } = report;
  printDemo(net, found, report);
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
  const tasksOk =
    taskReport.posted === Math.min(taskCount, n) &&
    taskReport.settled === taskReport.posted &&
    taskReport.receipts === taskReport.settled &&
    taskReport.conserved &&
    taskReport.ledgersAgree;
  const ok = result.found === result.expected && result.unexpected === 0 && result.statusesRead === n && tasksOk;
  if (!ok)
    console.log(
      tasksOk
        ? 'DEMO FAILED: not every expected discovery happened, or an unexpected one did'
        : 'DEMO FAILED: not every task settled with a co-signed receipt and conserved credits',
    );
  return ok ? 0 : 1;
}
