// A double award between real nodes (SQLite, verifier, driver, MQTT transport, trust) over the embedded broker
// (docs/mechanisms.md "Disputes"): a requester that signs a second award for its task naming another worker is caught
// by the worker, which publishes the dispute proof on the fraud channel; a third node that never took part verifies it
// with the requester's key alone and slashes the requester in its MG-EigenTrust. A forged proof published before it is
// refused there (bad_dispute_proof) and slashes nobody.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../src/core/base/bytes.js';
import { crypto } from '../helpers.js';
import { encodeTaskMsg, taskMsgToBeSigned, type TaskMsg } from '../../src/core/codec/task.js';
import { disputeKey, encodeDisputeProof } from '../../src/core/identity/dispute.js';
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

/** Test access to a node's internals: the task engine's signer and the runner's one-step transaction. */
type Internals = {
  call<T>(fn: (now: number) => T): T;
  d: { node: { agent: { publishRetained(c: string, k: string, b: Uint8Array): void } } };
};
type EngineInternals = { send(to: string, m: TaskMsg): void };

describe('a double award between real nodes over the embedded broker', () => {
  let broker: EmbeddedBroker;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-disputes-'));
  const network = `disputes-${process.pid}-${Date.now() % 1e6}`;
  const nodes: AgentNode[] = [];
  const start = async (name: string, extra: Record<string, unknown> = {}) => {
    const n = await startNode(
      loadConfig({ env: {}, flags: { dataDir: join(dir, name), network, broker: broker.url, ...extra } }),
      { logger: quiet },
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

  it('the worker publishes the proof, a third node verifies it and slashes the requester; a forged proof is refused', async () => {
    const rita = await start('rita', { tasks: { retryMs: 300 } }); // the requester that will equivocate
    const wes = await start('wes', {
      declarations: [cap('data.analysis.sql', 1000)],
      tasks: { worker: 'manual', retryMs: 300 },
    });
    const tom = await start('tom', { follow: [TOPIC] }); // takes no part in the task
    await api(rita, '/announce', { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need SQL' });
    await until(() => rita.discover({ tags: ['data.analysis'], topic: TOPIC }).length === 1);
    const id = (
      await api(rita, '/tasks', {
        topic: TOPIC,
        tags: ['data.analysis'],
        text: 'sum column x',
        budget: 5000,
        bidWindowMs: 1500,
        deliverWindowMs: 30_000,
        settleWindowMs: 30_000,
      })
    ).json.id as string;
    await until(async () => (await api(wes, '/tasks')).json.tasks.some((x: { id: string }) => x.id === id));
    expect((await api(wes, `/tasks/${id}/bid`, { price: 1500 })).json.state).toBe('bidding');
    await until(async () => (await api(wes, `/tasks/${id}`)).json.state === 'awarded');
    expect((await api(wes, '/ledger')).json.balance).toBe(100_000 - 500); // the deposit is in escrow

    // A forgery first: wes "proves" a double award by rita with a second award he signed himself.
    const ritaHex = rita.core.agentHex;
    const entryHex = (
      wes.tasks.engine as unknown as { tasks: Map<string, { entry: string; award: string }> }
    ).tasks.get(id)!;
    const fake: TaskMsg = {
      type: 'award',
      task: fromHex(id),
      signer: rita.core.agentKey,
      ts: Date.now(),
      worker: tom.core.agentKey,
      price: 1500,
    };
    const wesSecret = (wes.tasks.engine as unknown as { o: { agentSecret: Uint8Array } }).o.agentSecret;
    const forged = encodeDisputeProof(
      fromHex(entryHex.entry),
      fromHex(entryHex.award),
      encodeTaskMsg(fake, crypto.signer.sign(wesSecret, taskMsgToBeSigned(fake))),
    );
    const wesRunner = wes.tasks as unknown as Internals;
    wesRunner.call(() => wesRunner.d.node.agent.publishRetained('fraud', disputeKey(ritaHex), forged));
    await until(() => ((tom.status()['rejected'] as Record<string, number>)['bad_dispute_proof'] ?? 0) >= 1);
    tom.recomputeTrust();
    expect(tom.trust().status.fraudProofs).toBe(0);

    // The real thing: rita signs a second award for the same task, naming tom, and sends it to wes.
    const ritaRunner = rita.tasks as unknown as Internals;
    ritaRunner.call((now) =>
      (rita.tasks.engine as unknown as EngineInternals).send(wes.core.agentHex, {
        type: 'award',
        task: fromHex(id),
        signer: rita.core.agentKey,
        ts: now,
        worker: tom.core.agentKey,
        price: 1500,
      }),
    );
    await until(async () => (await api(wes, `/tasks/${id}`)).json.state === 'disputed');
    // wes's ledger: the task is void, deposit and budget back, nothing burnt or created.
    const l = (await api(wes, '/ledger')).json;
    const bal = Object.fromEntries(l.accounts.map((a: { account: string; balance: number }) => [a.account, a.balance]));
    expect(bal[agentAccount(wes.core.agentHex)]).toBe(100_000);
    expect(bal[escrowAccount(id)]).toBe(0);
    expect(l.totals).toMatchObject({ sum: 0, burned: 0 });
    // tom, a third node, verified the proof and slashed rita: burn, freeze, gate 0.
    await until(() => tom.trust().status.fraudProofs === 1);
    tom.recomputeTrust();
    const e = tom.trust(TOPIC).entries!.find((x) => x.agent === ritaHex);
    expect(e).toMatchObject({ slashed: true, gate: 0, trust: 0 });
    // and so did wes himself (his own verifier took the proof before publishing it)
    wes.recomputeTrust();
    expect(wes.trust().status.fraudProofs).toBe(1);
  }, 90_000);
});
