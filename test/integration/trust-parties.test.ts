// The two parties of a task learn trust from their own co-signed receipts: after two settled tasks between a
// requester (alice) and a worker (bob), GET /trust on both counts the receipts, alice's view of the topic shows
// bob's, and alice's discover ranks bob (worked with) above carol (same capability, never hired, announced
// later, so the semantic order alone would put her first). Neither party follows the other's log for it: the
// worker follows no topic at all, and the requester never receives its own log entries.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { api, until } from './node-kit.js';

const TOPIC = 'data_analysis';
const cap = (price: number) => ({
  kind: 'capability',
  topic: TOPIC,
  tags: ['data.analysis.sql'],
  text: 'SQL analytics',
  price,
  ttlMs: 3_600_000,
});

describe('trust from the parties’ own receipts', () => {
  let broker: EmbeddedBroker;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-parties-'));
  const network = `parties-${process.pid}-${Date.now() % 1e6}`;
  const nodes: AgentNode[] = [];
  const start = async (name: string, extra: Record<string, unknown> = {}) => {
    const n = await startNode(
      loadConfig({
        env: {},
        flags: { dataDir: join(dir, name), network, broker: broker.url, tasks: { retryMs: 300 }, ...extra },
      }),
      { logger: createLogger({ level: 'error' }) },
    );
    nodes.push(n);
    return n;
  };

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close().catch(() => undefined);
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('requester and worker count their receipts; discover ranks the provider worked with first', async () => {
    const alice = await start('alice');
    const bob = await start('bob', { declarations: [cap(1000)] });
    await api(alice, '/announce', { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need SQL' });
    await until(() => alice.discover({ tags: ['data.analysis'], topic: TOPIC }).length === 1);
    for (let i = 0; i < 2; i++) {
      const posted = await api(alice, '/tasks', {
        topic: TOPIC,
        tags: ['data.analysis'],
        text: `task ${i}: sum column x`,
        budget: 5000,
        bidWindowMs: 2000, // a bid from a node on a loaded machine must make it
        deliverWindowMs: 5000,
        settleWindowMs: 10_000,
      });
      expect(posted.status).toBe(200);
      const id = posted.json.id as string;
      await until(async () => (await api(alice, `/tasks/${id}`)).json.state === 'settled');
      await until(async () => (await api(bob, `/tasks/${id}`)).json.state === 'settled');
      // The worker holds the same co-signed receipt the requester published.
      expect((await api(bob, `/tasks/${id}`)).json.receipt).toBe((await api(alice, `/tasks/${id}`)).json.receipt);
    }
    for (const n of [alice, bob]) {
      const t = (await api(n, '/trust')).json;
      expect(t.status.receipts.accepted).toBe(2);
      expect(t.status.rejected).toEqual({});
    }
    const carol = await start('carol', { declarations: [cap(1000)] });
    await until(() => alice.discover({ tags: ['data.analysis'], topic: TOPIC }).length === 2);
    alice.recomputeTrust();
    const view = (await api(alice, `/trust?topic=${TOPIC}`)).json.entries as Array<{
      agent: string;
      receipts: number;
      trust: number;
    }>;
    expect(view.find((e) => e.agent === bob.core.agentHex)?.receipts).toBe(2);
    const { candidates } = (await api(alice, `/discover?tags=data.analysis&topic=${TOPIC}`)).json as {
      candidates: Array<{ author: string; trust: number; rank: number }>;
    };
    expect(candidates.map((c) => c.author)).toEqual([bob.core.agentHex, carol.core.agentHex]);
    expect(candidates[0]!.trust).toBeGreaterThan(candidates[1]!.trust);
  }, 90_000);
});
