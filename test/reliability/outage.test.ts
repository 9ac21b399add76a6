// Broker outage (docs/reliability.md item 3): 10 real nodes (SQLite, verifier, driver, MQTT 5 transport) on a
// private Mosquitto exchange declarations; the broker is stopped (SIGTERM: connections drop, retained
// messages are gone) for AGENTNET_OUTAGE_S seconds (CI 5; `npm run test:reliability` 30) while every
// node keeps announcing. After the restart every entry published during the outage must be in every
// node's log (offline queue + republished frontiers + gap repair): zero lost, and every node must have
// pulled the body of every peer's latest declaration. Reports the time from restart to convergence.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogStore } from '../../src/core/log/store.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { mosquittoAvailable, PrivateMosquitto } from './mosquitto.js';
import { record } from './record.js';

const OUTAGE_S = Number(process.env['AGENTNET_OUTAGE_S'] ?? 5);
const NODES = Number(process.env['AGENTNET_OUTAGE_NODES'] ?? 10);
const PERIOD_MS = 1000; // each node announces once a second, outage included
const TOPIC = 'devops_tool_execution';
const quiet = createLogger({ level: 'error' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const storeOf = (n: AgentNode) => (n.core as unknown as { store: LogStore }).store;

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(100);
  }
}

/** (receiver, author) pairs whose log at the receiver misses entries the author has, and how many. */
function missing(nodes: AgentNode[]): { pairs: number; entries: number } {
  let pairs = 0;
  let entries = 0;
  for (const a of nodes) {
    const head = storeOf(a).head(a.core.agentKey, TOPIC);
    if (!head) continue;
    for (const r of nodes) {
      if (r === a) continue;
      const have = storeOf(r).range(a.core.agentKey, TOPIC, head.epoch, 1, head.seq).length;
      if (have < head.seq) {
        pairs++;
        entries += head.seq - have;
      }
    }
  }
  return { pairs, entries };
}

/** Every node discovered every peer's latest declaration (so its body was pulled too). */
function bodiesCurrent(nodes: AgentNode[]): boolean {
  return nodes.every((r) => {
    const found = r.discover({ tags: ['outage.cap'], topic: TOPIC });
    return nodes.every(
      (a) =>
        a === r ||
        found.some((c) => c.author === a.core.agentHex && c.seq === storeOf(a).head(a.core.agentKey, TOPIC)!.seq),
    );
  });
}

describe.skipIf(!mosquittoAvailable())(
  `broker outage (${NODES} nodes, Mosquitto down ${OUTAGE_S} s; AGENTNET_OUTAGE_S to change)`,
  () => {
    it('loses no header published while the broker was down, and converges after the restart', async () => {
      const broker = await PrivateMosquitto.start();
      const dir = mkdtempSync(join(tmpdir(), 'agentnet-outage-'));
      const network = `outage-${process.pid}`;
      const nodes: AgentNode[] = [];
      const round = new Map<AgentNode, number>();
      const announce = (n: AgentNode) => {
        const r = (round.get(n) ?? 0) + 1;
        round.set(n, r);
        n.announce({
          kind: 'capability',
          topic: TOPIC,
          tags: [`outage.cap.n${nodes.indexOf(n)}`],
          text: `declaration ${r}`,
        });
      };
      let ticker: NodeJS.Timeout | undefined;
      try {
        for (let i = 0; i < NODES; i++) {
          nodes.push(
            await startNode(
              loadConfig({
                env: {},
                flags: {
                  dataDir: join(dir, `n${i}`),
                  network,
                  broker: broker.url,
                  declarations: [{ kind: 'intent', topic: TOPIC, tags: ['outage.cap'], text: 'want every capability' }],
                },
              }),
              { logger: quiet },
            ),
          );
        }
        for (const n of nodes) announce(n);
        await until(() => missing(nodes).pairs === 0 && bodiesCurrent(nodes), 60_000);

        ticker = setInterval(() => nodes.forEach(announce), PERIOD_MS);
        await sleep(PERIOD_MS * 1.5);
        await broker.down();
        const before = new Map(nodes.map((n) => [n, round.get(n)!]));
        await sleep(OUTAGE_S * 1000);
        clearInterval(ticker);
        ticker = undefined;
        const during = nodes.reduce((s, n) => s + round.get(n)! - before.get(n)!, 0);
        const restarted = Date.now();
        await broker.up();
        let converged = 0;
        try {
          await until(() => missing(nodes).pairs === 0 && bodiesCurrent(nodes), 120_000);
          converged = Date.now() - restarted;
        } finally {
          // On failure, say what is missing: entries (gap repair), bodies (pulls) or liveness (births).
          if (!converged)
            console.error(
              'outage: not converged',
              missing(nodes),
              JSON.stringify(
                nodes.map((n) => ({
                  dead: nodes.filter((a) => a !== n && !n.core.isAlive(a.core.agentHex)).length,
                  candidates: n.discover({ tags: ['outage.cap'], topic: TOPIC }).map((c) => c.seq),
                  gaps: n.status()['gapRepairs'],
                  pulls: n.status()['pulls'],
                })),
              ),
            );
        }
        expect(missing(nodes)).toEqual({ pairs: 0, entries: 0 });
        for (const n of nodes) expect((n.status()['link'] as { state: string }).state).toBe('up');
        const total = nodes.reduce((s, n) => s + round.get(n)!, 0);
        const repairs = nodes.reduce((s, n) => s + (n.status()['gapRepairs'] as { requested: number }).requested, 0);
        const failed = nodes.reduce((s, n) => s + (n.status()['gapRepairs'] as { failed: number }).failed, 0);
        const figure = `${NODES} nodes, Mosquitto down ${OUTAGE_S} s, ${during} entries announced during the outage (${total} in all) x ${NODES - 1} receivers: 0 lost; converged ${(converged / 1000).toFixed(1)} s after the restart (gap requests ${repairs}, failed ${failed})`;
        console.log(`outage: ${figure}`);
        record('3. broker outage', figure, true);
      } finally {
        if (ticker) clearInterval(ticker);
        await broker.up().catch(() => undefined);
        for (const n of nodes) await n.close().catch(() => undefined);
        await broker.down();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 300_000);
  },
);
