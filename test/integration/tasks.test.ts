// Tasks between real nodes (SQLite, verifier, driver, MQTT transport, local API) over the embedded
// broker, and over the system Mosquitto at MQTT_URL when it is set (.ci/run sets it): a requester and two workers with the default policy settle a task end to end (co-signed
// receipt in the requester's log, both ledgers agree and conserve credits); a worker driven through
// the API is restarted mid-task and finishes it from its store.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/core/codec/body.js';
import { decodeReceipt, signedReceiptFromBody } from '../../src/core/codec/receipt.js';
import { checkReceipt } from '../../src/core/identity/receipt.js';
import { agentAccount, escrowAccount } from '../../src/core/task/ledger.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { until, api } from './node-kit.js';

const quiet = createLogger({ level: 'error' });
const TOPIC = 'data_analysis';

const cap = (tag: string, price: number) => ({
  kind: 'capability',
  topic: TOPIC,
  tags: [tag],
  text: `I do ${tag}`,
  price,
  ttlMs: 3_600_000,
});

function network3(label: string, url: () => Promise<{ url: string; close?: () => Promise<void> }>, skip = false) {
  describe.skipIf(skip)(`tasks between three real nodes over ${label}`, () => {
    let broker: { url: string; close?: () => Promise<void> };
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-tasks-'));
    const network = `tasks-${process.pid}-${Date.now() % 1e6}`;
    const nodes = new Map<string, AgentNode>();
    const start = async (name: string, extra: Record<string, unknown> = {}) => {
      const n = await startNode(
        loadConfig({ env: {}, flags: { dataDir: join(dir, name), network, broker: broker.url, ...extra } }),
        { logger: quiet },
      );
      nodes.set(name, n);
      return n;
    };

    beforeAll(async () => {
      broker = await url();
    });
    afterAll(async () => {
      for (const n of nodes.values()) await n.close().catch(() => undefined);
      await broker?.close?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('post -> bids -> award to the lowest bid -> delivery by hash -> co-signed receipt -> both ledgers settle', async () => {
      const alice = await start('alice', { tasks: { retryMs: 300 } });
      const bob = await start('bob', {
        declarations: [cap('data.analysis.sql', 3000)],
        tasks: { retryMs: 300 },
        follow: [TOPIC],
      });
      const carol = await start('carol', { declarations: [cap('data.analysis.sql', 2000)], tasks: { retryMs: 300 } });
      // Alice finds the workers first (discovery), then posts the task to them.
      await api(alice, '/announce', { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need SQL' });
      await until(() => alice.discover({ tags: ['data.analysis'], topic: TOPIC }).length === 2);
      const posted = await api(alice, '/tasks', {
        topic: TOPIC,
        tags: ['data.analysis'],
        text: 'sum column x of table t',
        budget: 5000,
        bidWindowMs: 1500,
        deliverWindowMs: 4000,
        settleWindowMs: 10_000,
      });
      expect(posted.status).toBe(200);
      const id = posted.json.id as string;
      expect(posted.json).toMatchObject({
        role: 'requester',
        state: 'open',
        budget: 5000,
        requiredTier: 2,
        deposit: 500,
      });
      await until(async () => (await api(alice, `/tasks/${id}`)).json.state === 'settled');
      const t = (await api(alice, `/tasks/${id}`)).json;
      expect(t.bids.map((b: { price: number }) => b.price).sort()).toEqual([2000, 3000]);
      expect(t).toMatchObject({ worker: carol.core.agentHex, price: 2000, outcome: 1000, amount: 2000 });
      await until(async () => (await api(carol, `/tasks/${id}`)).json.state === 'settled');
      await until(async () => (await api(bob, `/tasks/${id}`)).json.state === 'lost', 30_000);
      // The artefact: delivered by carol, fetched by alice, the same bytes.
      const art = await fetch(`http://127.0.0.1:${alice.apiPort}/tasks/${id}/artefact`).then((r) => r.text());
      expect(JSON.parse(art)).toMatchObject({ task: id, worker: carol.core.agentHex });
      // The co-signed receipt is in alice's log as a state entry and verifies at bob (a third node).
      const head = alice.logs().find((l) => l.author === alice.core.agentHex && l.topic === TOPIC)!;
      const stored = (alice.core as unknown as { store: import('../../src/core/log/store.js').LogStore }).store;
      const e = stored.get(alice.core.agentKey, TOPIC, 0, head.seq)!;
      const sr = decodeReceipt(signedReceiptFromBody(decodeBody(stored.getBody(e.bodyHash)!, alice.core.limits)));
      expect(Buffer.from(sr.bytes).toString('hex')).toBe(t.receipt);
      expect(checkReceipt(bob.core.verifier, sr)).toEqual({ ok: true });
      await until(() =>
        bob.logs().some((l) => l.author === alice.core.agentHex && l.topic === TOPIC && l.seq === head.seq),
      ); // the header reached a follower
      // Ledgers: the same view of this task on both sides; nothing created or destroyed.
      for (const n of [alice, carol]) {
        const l = (await api(n, '/ledger')).json;
        expect(l.totals.sum).toBe(0);
        expect(l.totals.burned).toBe(0);
        const bal = Object.fromEntries(
          l.accounts.map((a: { account: string; balance: number }) => [a.account, a.balance]),
        );
        expect(bal[agentAccount(alice.core.agentHex)]).toBe(100_000 - 2000);
        expect(bal[agentAccount(carol.core.agentHex)]).toBe(100_000 + 2000);
        expect(bal[escrowAccount(id)]).toBe(0);
      }
      expect((await api(bob, '/ledger')).json.postings).toBe(0); // a losing bidder posts nothing
      expect(alice.status()['tasks']).toMatchObject({ tasks: { 'requester.settled': 1 } });
    }, 90_000);

    it('a worker driven through the API, restarted mid-task, resumes from its store and settles', async () => {
      const alice = nodes.get('alice') ?? (await start('alice', { tasks: { retryMs: 300 } }));
      const dave = await start('dave', {
        declarations: [cap('data.viz.plot', 1000)],
        tasks: { worker: 'manual', retryMs: 300 },
      });
      await api(alice, '/announce', { kind: 'intent', topic: TOPIC, tags: ['data.viz'], text: 'need plots' });
      await until(() => alice.discover({ tags: ['data.viz'], topic: TOPIC }).length === 1);
      const id = (
        await api(alice, '/tasks', {
          topic: TOPIC,
          tags: ['data.viz'],
          text: 'plot it',
          budget: 4000,
          bidWindowMs: 1500,
          deliverWindowMs: 20_000,
          settleWindowMs: 20_000,
        })
      ).json.id as string;
      await until(async () => (await api(dave, '/tasks')).json.tasks.some((x: { id: string }) => x.id === id));
      const bad = await api(dave, `/tasks/${id}/bid`, { price: 999_999 });
      expect(bad.status).toBe(400); // above the budget: the API refuses, nothing is sent
      expect((await api(dave, `/tasks/${id}/bid`, { price: 1500 })).json.state).toBe('bidding');
      await until(async () => (await api(dave, `/tasks/${id}`)).json.state === 'awarded');
      // Restart dave on the same data dir: the awarded task comes back from SQLite.
      await dave.close();
      nodes.delete('dave');
      const again = await start('dave', {
        declarations: [cap('data.viz.plot', 1000)],
        tasks: { worker: 'manual', retryMs: 300 },
      });
      expect((await api(again, `/tasks/${id}`)).json).toMatchObject({ state: 'awarded', price: 1500, role: 'worker' });
      const d = await api(again, `/tasks/${id}/deliver`, { artefact: JSON.stringify({ task: id, plot: 'ascii' }) });
      expect(d.json.state).toBe('delivering');
      await until(async () => (await api(alice, `/tasks/${id}`)).json.state === 'settled');
      await until(async () => (await api(again, `/tasks/${id}`)).json.state === 'settled');
      const t = (await api(alice, `/tasks/${id}`)).json;
      expect(t).toMatchObject({ worker: again.core.agentHex, outcome: 200, amount: 300 }); // auto-rate: not the default artefact, 200 of 1000
      expect((await api(again, '/ledger')).json.balance).toBe(100_000 + 300);
      const r = await fetch(`http://127.0.0.1:${again.apiPort}/tasks/${'ab'.repeat(32)}`);
      expect(r.status).toBe(404);
    }, 90_000);
  });
}

network3('the embedded broker', async () => {
  const b: EmbeddedBroker = await startEmbeddedBroker();
  return { url: b.url, close: () => b.close() };
});
const MQTT_URL = process.env['MQTT_URL'];
network3(`Mosquitto at ${MQTT_URL ?? '(MQTT_URL unset)'}`, async () => ({ url: MQTT_URL! }), !MQTT_URL);
