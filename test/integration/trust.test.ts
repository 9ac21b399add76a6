// MG-EigenTrust in real nodes (SQLite, verifier, driver, MQTT over the embedded aedes broker, local API):
// co-signed receipts published in a requester's log reach an observer that follows the topic, are verified
// (a forged one is rejected), feed its trust, and its discover ranks the providers by trust.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeReceipt, receiptBody, receiptToBeSigned, type Receipt } from '../../src/core/codec/receipt.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { readSecret } from '../../src/runtime/identity.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { until } from './node-kit.js';
import { crypto } from '../helpers.js';

const quiet = createLogger({ level: 'error' });
const TOPIC = 'data_analysis';

describe('trust in real nodes over the embedded broker', () => {
  let broker: EmbeddedBroker;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-trust-'));
  const network = `trust-${process.pid}-${Date.now() % 1e6}`;
  const nodes: Record<string, AgentNode> = {};
  const secret = (n: string) => readSecret(join(dir, n, 'identity', 'agent.key'));
  const start = async (n: string) => {
    nodes[n] = await startNode(
      loadConfig({ env: {}, flags: { dataDir: join(dir, n), network, broker: broker.url, follow: [TOPIC] } }),
      { logger: quiet },
    );
    return nodes[n]!;
  };
  const api = async (n: AgentNode, path: string) =>
    (await fetch(`http://127.0.0.1:${n.apiPort}${path}`)).json() as Promise<Record<string, any>>;

  let task = 0;
  function receipt(
    req: AgentNode,
    reqName: string,
    wk: AgentNode,
    wkName: string,
    outcome: number,
    forgeWith?: string,
  ): Uint8Array {
    const r: Receipt = {
      taskId: crypto.sha256(new Uint8Array([task++])),
      topic: TOPIC,
      requester: req.core.agentKey,
      worker: wk.core.agentKey,
      outcome,
      ts: Date.now(),
    };
    const rs = crypto.signer.sign(secret(reqName), receiptToBeSigned(r, r.requester));
    const ws = crypto.signer.sign(secret(forgeWith ?? wkName), receiptToBeSigned(r, r.worker));
    return encodeReceipt(r, rs, ws);
  }

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    for (const n of ['alice', 'bob', 'dave', 'carol']) await start(n);
  });
  afterAll(async () => {
    for (const n of Object.values(nodes)) await n.close().catch(() => undefined);
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingests receipts from a log, rejects a forged one, ranks discover by trust and reports it', async () => {
    const { alice, bob, dave, carol } = nodes as Record<string, AgentNode>;
    for (const w of [dave!, bob!]) {
      w.announce({ kind: 'capability', topic: TOPIC, tags: ['data.analysis.sql'], text: 'SQL analytics' });
      await new Promise((r) => setTimeout(r, 5)); // distinct ts: the semantic tie-break puts bob (newer) first
    }
    carol!.announce({ kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need SQL' });
    await until(() => carol!.discover({ tags: ['data.analysis'], topic: TOPIC }).length === 2);
    expect(carol!.discover({ tags: ['data.analysis'], topic: TOPIC }).map((c) => c.author)).toEqual([
      bob!.core.agentHex,
      dave!.core.agentHex,
    ]);
    // Alice was served well by dave and badly by bob; she publishes the co-signed receipts in her log.
    for (let k = 0; k < 3; k++) {
      alice!.announce({ ...receiptBody(receipt(alice!, 'alice', dave!, 'dave', 950), TOPIC), topic: TOPIC });
      alice!.announce({ ...receiptBody(receipt(alice!, 'alice', bob!, 'bob', 100), TOPIC), topic: TOPIC });
    }
    alice!.announce({ ...receiptBody(receipt(alice!, 'alice', bob!, 'bob', 1000, 'carol'), TOPIC), topic: TOPIC }); // bob never signed this
    await until(async () => {
      const s = (await api(carol!, '/trust')).status;
      return s.receipts.accepted === 6 && s.rejected.bad_signature === 1;
    });
    expect(carol!.recomputeTrust()).toBeGreaterThan(0);
    const t = await api(carol!, `/trust?topic=${TOPIC}`);
    expect(t.kernel).toBe('wasm');
    const byAgent = Object.fromEntries((t.entries as Array<Record<string, any>>).map((e) => [e.agent, e]));
    expect(byAgent[dave!.core.agentHex].receipts).toBe(3);
    expect(byAgent[dave!.core.agentHex].trust).toBeGreaterThan(byAgent[bob!.core.agentHex].trust);
    expect(byAgent[bob!.core.agentHex].gate).toBeLessThan(0.5);
    const ranked = (await api(carol!, `/discover?tags=data.analysis&topic=${TOPIC}`)).candidates as Array<
      Record<string, any>
    >;
    expect(ranked.map((c) => c.author)).toEqual([dave!.core.agentHex, bob!.core.agentHex]);
    expect(ranked[0]!.trust).toBeGreaterThan(ranked[1]!.trust);
    const metrics = await (await fetch(`http://127.0.0.1:${carol!.apiPort}/metrics`)).text();
    expect(metrics).toMatch(/^agentnet_trust_receipts_total 6$/m);
    expect(metrics).toMatch(/^agentnet_trust_receipt_rejections_total\{reason="bad_signature"\} 1$/m);
    expect((carol!.status() as Record<string, any>).trust.status.epochs).toBe(1);
    // Reputation exchange as gossip: carol's deltas of this epoch reach the others as a signed declaration.
    const pub = (carol!.trust().status as Record<string, any>).exchange;
    expect(pub.published).toBeGreaterThan(0);
    for (const n of [alice!, bob!, dave!]) {
      await until(() => (n.trust().status as Record<string, any>).exchange.received === pub.published);
      expect((n.trust().status as Record<string, any>).exchange).toMatchObject({
        receivedDeclarations: 1,
        publishers: 1,
      });
    }
    // Bodyless gossip: a state body that is not a receipt is not pulled.
    const before = carol!.status().pulls.requested;
    alice!.announce({ kind: 'state', topic: TOPIC, tags: ['load.cpu'], text: 'busy' });
    await until(() => carol!.logs().some((l) => l.author === alice!.core.agentHex && l.seq === 8));
    expect(carol!.status().pulls.requested).toBe(before);
  });
});
