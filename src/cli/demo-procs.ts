// The demo's agent processes (./demo.ts): one `agentnet run` per agent with the config of ./demo-agents.ts, their
// log lines followed for readiness (agent id, API port) and discoveries, and their shutdown.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { demoConfig, type DemoAgent } from './demo-agents.js';
import { createProgress } from './progress.js';

export interface Proc {
  readonly child: ChildProcess;
  agentId?: string;
  apiPort?: number;
  readyMs?: number;
  exited?: number | null;
}

/** What the demo's network is: where the agents run and what they are expected to find. */
export interface DemoNet {
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
export function startAgents(net: DemoNet): {
  procs: Proc[];
  found: Map<string, number>;
  wait(ms: number): Promise<void>;
} {
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

/** SIGTERM to every agent still running (SIGKILL after 5 s); resolves when all have exited. */
export async function stopAgents(procs: readonly Proc[]): Promise<void> {
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
