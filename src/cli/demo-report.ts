// The demo's report (./demo.ts): each node's counters read from its local API, summed into the JSON report
// (discoveries, bytes, verification counts, each node's state, the task round) and printed for a person.

import type { DemoNet, Proc } from './demo-procs.js';
import { printTasks, type TaskReport } from './demo-tasks.js';

/** The part of a node's GET /status the report reads. */
export interface DemoStatus {
  bytes: Record<string, number>;
  verified: Record<string, number>;
  rejected: Record<string, number>;
  pulls: Record<string, number>;
}

export async function readStatuses(procs: readonly Proc[]): Promise<Array<DemoStatus | undefined>> {
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

/** The JSON report: discoveries, bytes, verification counts and each node's state. */
export function demoReport(
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

export function printDemo(net: DemoNet, found: ReadonlyMap<string, number>, r: ReturnType<typeof demoReport>): void {
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
