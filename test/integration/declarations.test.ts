// Regression tests of the three declaration defects an operator met (each failed before the fix), on
// real nodes (SQLite, driver, MQTT over the embedded broker, HTTP API):
//  1. a node signed declarations its own decoder refused and was broken for good: now every such request
//     is a 400 naming the field and nothing is signed; a store that already holds such an own entry (an
//     older version wrote it) is reported once and skipped, and declarations, trust and tasks keep working;
//  2. a capability older than the last 64 entries of its topic was forgotten: live declarations come
//     from an index kept as entries are appended (and survive a restart);
//  3. a second capability in a topic replaced the first on peers: identity is (topic, kind, key).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { appendUndecodableOwnEntry } from '../old-entry.js';
import { api, until } from './node-kit.js';

const TOPIC = 'data_analysis';
const sql = { kind: 'capability', topic: TOPIC, tags: ['data.analysis.sql'], text: 'SQL analytics', price: 700 };
const csv = { kind: 'capability', topic: TOPIC, tags: ['data.analysis.csv'], text: 'CSV cleaning', price: 800 };

describe('declarations on real nodes', () => {
  let broker: EmbeddedBroker;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-decl-'));
  const network = `decl-${process.pid}`;
  const nodes = new Map<string, AgentNode>();
  const lines: Array<Record<string, unknown>> = [];
  const start = async (name: string, extra: Record<string, unknown> = {}) => {
    const logger = createLogger({ level: 'info', write: (l) => lines.push({ node: name, ...JSON.parse(l) }) });
    const n = await startNode(
      loadConfig({
        env: {},
        flags: { dataDir: join(dir, name), network, broker: broker.url, tasks: { retryMs: 300 }, ...extra },
      }),
      { logger },
    );
    nodes.set(name, n);
    return n;
  };
  const stop = async (name: string) => {
    await nodes.get(name)!.close();
    nodes.delete(name);
  };
  const live = async (n: AgentNode) =>
    (await api(n, '/declarations')).json.declarations as Array<{ id: string; kind: string; key?: string }>;
  const found = async (n: AgentNode, tags: string) =>
    (await api(n, `/discover?tags=${tags}&topic=${TOPIC}`)).json.candidates as Array<{
      author: string;
      key?: string;
      text: string;
    }>;
  /** A task for `tags` from `requester`, waited for until it ends; its final state. */
  const task = async (requester: AgentNode, tags: string[]) => {
    const p = await api(requester, '/tasks', {
      topic: TOPIC,
      tags,
      text: 'count rows',
      budget: 2000,
      bidWindowMs: 3000, // a bid from a node on a loaded machine must make it
    });
    expect(p.status, JSON.stringify(p.json)).toBe(200);
    let state = '';
    await until(async () => {
      state = (await api(requester, `/tasks/${p.json.id}`)).json.state;
      return ['settled', 'expired', 'defaulted', 'unsigned'].includes(state);
    }, 45_000);
    return state;
  };

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
  });
  afterAll(async () => {
    for (const n of nodes.values()) await n.close().catch(() => undefined);
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('defect 3: two capabilities in one topic stay apart on peers, each withdrawable on its own', async () => {
    const alice = await start('alice');
    const bob = await start('bob');
    expect(
      (await api(alice, '/announce', { kind: 'intent', topic: TOPIC, tags: ['data.analysis'], text: 'need' })).status,
    ).toBe(200);
    const a = await api(bob, '/announce', sql);
    const b = await api(bob, '/announce', csv);
    expect([a.status, b.status]).toEqual([200, 200]);
    await until(async () => (await found(alice, 'data.analysis')).length === 2);
    expect((await found(alice, 'data.analysis.sql')).map((c) => [c.author, c.key])).toEqual([
      [bob.core.agentHex, 'data.analysis.sql'],
    ]);
    expect((await live(bob)).map((d) => d.key)).toEqual(['data.analysis.sql', 'data.analysis.csv']);
    // Same identity (the key defaults to the first tag): a replacement, not a third declaration.
    expect((await api(bob, '/announce', { ...sql, text: 'SQL analytics, faster' })).status).toBe(200);
    await until(async () => (await found(alice, 'data.analysis.sql'))[0]?.text === 'SQL analytics, faster');
    expect(await found(alice, 'data.analysis')).toHaveLength(2);
    // Withdraw one key: the other stays, on the author and on the peer.
    const w = await api(bob, '/withdraw', { topic: TOPIC, key: 'data.analysis.csv' });
    expect(w.status).toBe(200);
    await until(async () => (await found(alice, 'data.analysis')).length === 1);
    expect((await found(alice, 'data.analysis.sql')).map((c) => c.key)).toEqual(['data.analysis.sql']);
    expect((await live(bob)).map((d) => d.key)).toEqual(['data.analysis.sql']);
    // An explicit key: a second capability with the same first tag.
    expect((await api(bob, '/announce', { ...sql, key: 'sql-bulk', text: 'bulk SQL' })).status).toBe(200);
    await until(async () => (await found(alice, 'data.analysis.sql')).length === 2);
    // Withdraw without a key: the whole topic.
    expect((await api(bob, '/withdraw', { topic: TOPIC })).status).toBe(200);
    await until(async () => (await found(alice, 'data.analysis')).length === 0);
    expect(await live(bob)).toEqual([]);
  }, 60_000);

  it('defect 2: a capability followed by 64 state declarations in its topic is still live, bid on, and kept across a restart', async () => {
    const carol = await start('carol');
    const cap = await api(carol, '/announce', { ...sql, key: 'rows' });
    expect(cap.status).toBe(200);
    for (let i = 0; i < 64; i++) {
      const s = await api(carol, '/announce', {
        kind: 'state',
        topic: TOPIC,
        tags: ['load'],
        key: `load-${i}`,
        text: `load ${i}`,
      });
      expect(s.status).toBe(200);
    }
    const ids = (await live(carol)).map((d) => d.id);
    expect(ids).toContain(cap.json.id);
    expect(ids).toHaveLength(65);
    expect(await task(nodes.get('alice')!, ['data.analysis.sql'])).toBe('settled');
    const alice = nodes.get('alice')!;
    const won = (await api(alice, '/tasks')).json.tasks.find(
      (t: { worker?: string }) => t.worker === carol.core.agentHex,
    );
    expect(won).toBeDefined();
    await stop('carol');
    const again = await start('carol');
    expect((await live(again)).map((d) => d.id)).toContain(cap.json.id);
  }, 90_000);

  it('defect 1: what the decoders would refuse is a 400 naming the field, and nothing is signed', async () => {
    const bob = nodes.get('bob')!;
    const head = async () =>
      (await api(bob, '/logs')).json.logs.find((l: { author: string }) => l.author === bob.core.agentHex)?.seq;
    const before = await head();
    for (const [body, field, message] of [
      [{ ...sql, price: -5 }, 'price', 'price: must be an integer 0..2^53-1'],
      [{ ...sql, requiredTier: 9 }, 'requiredTier', 'requiredTier: must be an integer 0..4'],
      [{ ...sql, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'tags', 'tags: must have at most 32 items'],
      [{ ...sql, ttlMs: 1e300 }, 'ttlMs', 'ttlMs: must be an integer 1..315360000000'],
      [{ kind: 'capability', tags: [], text: '' }, 'topic', 'topic: is required'],
    ] as const) {
      const r = await api(bob, '/announce', body);
      expect(r.status).toBe(400);
      expect(r.json.error).toEqual({ code: 'BAD_REQUEST', message, field });
    }
    const t = await api(bob, '/tasks', { topic: TOPIC, tags: ['data.analysis'], text: 'x'.repeat(20_000), budget: 5 });
    expect(t.json.error).toMatchObject({ code: 'BAD_REQUEST', field: 'text' });
    const q = await api(bob, '/discover?tags=UPPER');
    expect(q.status).toBe(400);
    expect(q.json.error.field).toBe('tags[0]');
    expect(await head()).toBe(before);
    expect((await api(bob, '/declarations')).status).toBe(200);
  });

  it('defect 1: an own entry an older version signed but no decoder reads is reported once and skipped; declarations, trust and tasks work', async () => {
    const dave = await start('dave', { declarations: [{ ...csv, key: 'csv' }] });
    const good = (await live(dave)).map((d) => d.id);
    await stop('dave');
    const bad = appendUndecodableOwnEntry(join(dir, 'dave'), TOPIC, 'legacy.thing');
    const again = await start('dave');
    for (let i = 0; i < 3; i++) {
      const r = await api(again, '/declarations');
      expect(r.status).toBe(200);
      expect(r.json.declarations.map((d: { id: string }) => d.id)).toEqual(good);
    }
    expect(good).not.toContain(bad);
    expect((await api(again, '/status')).json.storeUndecodable).toBe(1);
    await until(() => lines.some((l) => l['node'] === 'dave' && String(l['msg']).includes('does not decode')));
    expect(lines.filter((l) => l['node'] === 'dave' && String(l['msg']).includes('does not decode'))).toHaveLength(1);
    const metrics = await fetch(`http://127.0.0.1:${again.apiPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^agentnet_store_undecodable_total 1$/m);
    expect(() => again.recomputeTrust()).not.toThrow();
    expect((await api(again, `/trust?topic=${TOPIC}`)).status).toBe(200);
    // dave's clean stop published its death: alice invites it again once its new birth has reached her.
    const alice = nodes.get('alice')!;
    await until(() =>
      alice
        .discover({ tags: ['data.analysis.csv'], topic: TOPIC })
        .some((c) => (c as { author: string }).author === again.core.agentHex),
    );
    expect(await task(alice, ['data.analysis.csv'])).toBe('settled');
  }, 90_000);
});
