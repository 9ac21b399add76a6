// `agentnet demo` (the main job, `npm start`): an embedded broker and N agent nodes, each a separate
// OS process running `agentnet run`, one per paper topic in turn. Each agent announces a capability
// in its own topic and an intent that needs a capability of the next topic. The expected discoveries
// are computed from the configured declarations alone; the demo passes (exit 0) only if every node
// reports exactly those, through the network. Then the first agents post tasks (demo-tasks.ts): each is
// bid on, awarded, delivered, rated with a co-signed receipt and settled in both parties' ledgers.
// The agents and their expected discoveries are in demo-agents.ts, their processes in demo-procs.ts, the report
// in demo-report.ts.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedBroker } from '../runtime/broker.js';
import { intFlag } from './args.js';
import { demoAgents, expectedPairs } from './demo-agents.js';
import { startAgents, stopAgents, type DemoNet } from './demo-procs.js';
import { demoReport, printDemo, readStatuses } from './demo-report.js';
import { runTasks } from './demo-tasks.js';

export { demoAgents, expectedPairs, type DemoAgent } from './demo-agents.js';

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
