// NodeCore (core/node/node-core.ts): a received batch is decoded once per message, its entry signatures are
// verified in one verifyBatch call of the crypto port, the flood gate refuses what is over a peer's budget, and
// fork proofs and revocations are handled before the rest of their batch (core/priority.ts).
import { describe, expect, it } from 'vitest';
import { AgentCore } from '../../src/core/agent.js';
import { toHex } from '../../src/core/base/bytes.js';
import { DECODE_COUNT } from '../../src/core/codec/decode-count.js';
import { encodeDirect } from '../../src/core/codec/messages.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { NodeCore, type Received } from '../../src/core/node/node-core.js';
import type { SigItem, SigVerifier } from '../../src/core/base/ports.js';
import { byPriority, CHANNEL_PRIORITY, enqueueByPriority } from '../../src/core/priority.js';
import { Conduct } from '../../src/core/trust/conduct.js';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import { MemoryCreditLedger } from '../../src/core/task/ledger.js';
import { MemoryTaskStore } from '../../src/core/task/store.js';
import { SPEC, testMechanism } from '../market/task-world.js';
import type { Channel, CoreEvent } from '../../src/core/types.js';
import { crypto, identity, T0 } from '../helpers.js';

const TOPIC = 'data_analysis';

/** The real verifier, with its calls counted (how many single and batch verifications the node asked for). */
function counting(inner: SigVerifier) {
  const calls = { single: 0, batches: 0, items: 0 };
  const v: SigVerifier = {
    name: inner.name,
    verify: (pub, msg, sig) => {
      calls.single++;
      return inner.verify(pub, msg, sig);
    },
    verifyBatch: (items: readonly SigItem[]) => {
      calls.batches++;
      calls.items += items.length;
      return inner.verifyBatch(items);
    },
  };
  return { v, calls };
}

/** `n` headers of a real author, each entry signed `gapMs` after the previous one. */
function headersOf(name: string, n: number, gapMs: number) {
  const id = identity(name);
  const core = new AgentCore({ crypto, store: new MemoryStore(), agentSecret: id.agentSecret, binding: id.binding });
  core.start(T0);
  const headers: Uint8Array[] = [];
  let birth: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    core.announce(T0 + i * gapMs, { kind: 'capability', topic: TOPIC, tags: ['data.sql'], text: `${name} ${i}` });
    for (let o = core.pollTransmit(); o; o = core.pollTransmit())
      if (o.op === 'publish' && o.channel === 'header') headers.push(o.bytes);
      else if (o.op === 'publish' && o.channel === 'birth') birth = o.bytes;
  }
  return { id, core, headers, birth: birth! };
}

/** A node that knows `authors`' bindings, with a counted verifier and the given flood budget. */
function victim(authors: Array<{ binding: Uint8Array }>, flood?: ConstructorParameters<typeof NodeCore>[0]['flood']) {
  const v = identity('victim');
  const { v: verifier, calls } = counting(crypto.verifier);
  const agent = new AgentCore({ crypto, store: new MemoryStore(), agentSecret: v.agentSecret, binding: v.binding });
  const conduct = new Conduct({ halfLifeMs: 60_000, halfDebt: 4, maxAuthors: 16 });
  const node = new NodeCore({ agent, verifier, conduct, ...(flood !== undefined ? { flood } : {}) });
  node.start(T0);
  for (const a of authors) expect(agent.verifier.acceptBinding(a.binding, T0).ok).toBe(true);
  const events = (): CoreEvent[] => {
    const out: CoreEvent[] = [];
    for (let e = node.pollEvent(); e; e = node.pollEvent()) out.push(e);
    return out;
  };
  return { node, agent, calls, conduct, events };
}

describe('NodeCore.handleMessages', () => {
  it('decodes each received header and direct message once and verifies the batch in one verifyBatch call', () => {
    const { id, core: author, headers } = headersOf('author', 8, 1000);
    const { node, agent, calls } = victim([id]);
    const batch: Received[] = [
      ...headers.slice(0, 5).map((bytes) => ({ channel: 'header' as const, key: TOPIC, bytes })),
      {
        channel: 'direct',
        key: agent.agentHex,
        bytes: encodeDirect({ type: 'entries', from: author.agentKey, entries: headers.slice(5) }),
      },
    ];
    const before = { ...DECODE_COUNT };
    node.handleMessages(T0 + 10_000, batch);
    expect(DECODE_COUNT.entry - before.entry).toBe(8); // 5 headers + 3 entries inside the direct reply
    expect(DECODE_COUNT.direct - before.direct).toBe(1);
    expect(calls).toEqual({ single: 0, batches: 1, items: 8 });
    expect(agent.logHead(author.agentKey, TOPIC)?.seq).toBe(8);
    expect(node.sigs).toEqual({ batches: 1, verified: 8 });
  });

  it('entries whose id passed T1 before (known duplicates) are not verified again, and a forged copy still is', () => {
    const { id, core: author, headers } = headersOf('author', 4, 1000);
    const { node, agent, calls, events } = victim([id]);
    const header = (bytes: Uint8Array): Received => ({ channel: 'header', key: TOPIC, bytes });
    node.handleMessages(T0 + 10_000, headers.slice(0, 2).map(header));
    expect(calls).toEqual({ single: 0, batches: 1, items: 2 });
    const t0Before = agent.verifier.counters.T0;
    // The same two again (a heartbeat repeat, a second path) with one new entry: only the new one is verified.
    node.handleMessages(T0 + 11_000, headers.slice(0, 3).map(header));
    expect(calls).toEqual({ single: 0, batches: 2, items: 3 });
    expect(agent.verifier.counters.T0 - t0Before).toBe(2); // asked once per known entry, not again by the receiver
    expect(agent.logHead(author.agentKey, TOPIC)?.seq).toBe(3);
    // Known duplicates only: no batch call at all.
    node.handleMessages(T0 + 12_000, headers.slice(0, 3).map(header));
    expect(calls).toEqual({ single: 0, batches: 2, items: 3 });
    // A copy of a known entry with its signature changed is another id: verified, and refused.
    const forged = headers[3]!.slice();
    forged[forged.length - 1]! ^= 1;
    node.handleMessages(T0 + 13_000, [header(headers[2]!), header(forged)]);
    expect(calls).toEqual({ single: 0, batches: 3, items: 4 });
    expect(events().filter((e) => e.type === 'rejected' && e.reason === 'bad_signature')).toHaveLength(1);
    expect(agent.logHead(author.agentKey, TOPIC)?.seq).toBe(3);
  });

  it('an entry that arrives before its author birth waits decoded and is not decoded again when released', () => {
    const { core: author, headers, birth } = headersOf('newcomer', 3, 1000);
    expect(birth).toBeDefined();
    const { node, agent, calls } = victim([]);
    const before = { ...DECODE_COUNT };
    node.handleMessages(
      T0 + 10_000,
      headers.map((bytes) => ({ channel: 'header' as const, key: TOPIC, bytes })),
    );
    expect(agent.logHead(author.agentKey, TOPIC)).toBeUndefined(); // held: the binding is not known yet
    expect(agent.status().pending.births).toBe(1);
    node.handleMessage(T0 + 11_000, 'birth', author.agentHex, birth);
    expect(agent.logHead(author.agentKey, TOPIC)?.seq).toBe(3);
    expect(DECODE_COUNT.entry - before.entry).toBe(3); // once each, on arrival
    expect(calls.batches).toBe(0); // no binding was held for the batch: verified on demand when released
  });

  it('a bad signature and a malformed entry are refused with their reasons; the rest of the batch goes on', () => {
    const { id, core: author, headers } = headersOf('author', 3, 1000);
    const { node, agent, calls, events } = victim([id]);
    const forged = headers[1]!.slice();
    forged[forged.length - 1]! ^= 1;
    const garbage = new Uint8Array([0xa1, 0x01]);
    const before = { ...DECODE_COUNT };
    node.handleMessages(T0 + 10_000, [
      { channel: 'header', key: TOPIC, bytes: headers[0]! },
      { channel: 'header', key: TOPIC, bytes: forged },
      {
        channel: 'direct',
        key: agent.agentHex,
        bytes: encodeDirect({ type: 'entries', from: author.agentKey, entries: [garbage, headers[1]!] }),
      },
    ]);
    expect(DECODE_COUNT.entry - before.entry).toBe(4);
    expect(calls.single).toBe(0);
    expect(calls.batches).toBe(1);
    const reasons = events()
      .filter((e) => e.type === 'rejected')
      .map((e) => (e as { reason: string }).reason)
      .sort();
    expect(reasons).toEqual(['bad_signature', 'malformed']);
    expect(agent.logHead(author.agentKey, TOPIC)?.seq).toBe(2);
  });

  it('an oversized message is refused unread', () => {
    const { node, agent, events } = victim([]);
    const before = { ...DECODE_COUNT };
    node.handleMessage(T0, 'header', TOPIC, new Uint8Array(agent.limits.messageBytes + 1));
    expect(DECODE_COUNT.entry).toBe(before.entry);
    expect(events().map((e) => e.type === 'rejected' && e.reason)).toEqual(['oversized']);
  });

  it('the flood gate refuses fresh entries beyond the author budget as rate_limited and records conduct', () => {
    const { id, core: author, headers } = headersOf('flooder', 12, 0);
    const limits = {
      entries: { perSecond: 1, burst: 4 },
      requests: { perSecond: 1, burst: 2 },
      requestsTotal: { perSecond: 100, burst: 3 },
      peers: 64,
    };
    const { node, agent, conduct, events } = victim([id], limits);
    node.handleMessages(
      T0,
      headers.map((bytes) => ({ channel: 'header' as const, key: TOPIC, bytes })),
    );
    expect(agent.logHead(author.agentKey, TOPIC)?.seq).toBe(4);
    expect(agent.counters.rejected()['rate_limited']).toBe(8);
    expect(events().filter((e) => e.type === 'rejected' && e.reason === 'rate_limited')).toHaveLength(8);
    expect(node.gate?.top().entries).toEqual([{ key: toHex(author.agentKey), refused: 8 }]);
    expect(conduct.violations).toBe(8); // all 12 signed at T0: 8 beyond the burst in the author's own time
    // The same flood without the gate: every entry is stored.
    const open = victim([id], false);
    open.node.handleMessages(
      T0,
      headers.map((bytes) => ({ channel: 'header' as const, key: TOPIC, bytes })),
    );
    expect(open.agent.logHead(author.agentKey, TOPIC)?.seq).toBe(12);
    expect(open.node.gate).toBeUndefined();
  });
});

describe('NodeCore deadlines', () => {
  it('the trust recompute is a deadline of the core: pollTimeout is the earliest of the agent and trust', () => {
    const v = identity('victim');
    const agent = new AgentCore({
      crypto,
      store: new MemoryStore(),
      agentSecret: v.agentSecret,
      binding: v.binding,
      heartbeatMs: 60_000,
    });
    const node = new NodeCore({
      agent,
      verifier: crypto.verifier,
      trust: { recomputeMs: 5000, iterate: powerIterate },
    });
    node.start(T0);
    const trust = node.trustPart!.trust;
    expect(node.pollTimeout()).toBe(Math.min(agent.pollTimeout() ?? Infinity, T0 + 5000));
    expect(node.pollTimeout()).toBe(T0 + 5000); // the agent's heartbeat is a minute away
    node.handleTimeout(T0 + 4999);
    expect(trust.status().epochs).toBe(0);
    node.handleTimeout(T0 + 5000);
    expect(trust.status().epochs).toBe(1);
    expect(node.pollTimeout()).toBe(T0 + 10_000);
    // Without trust, the core's deadlines are the agent's alone.
    const bare = new NodeCore({
      agent: new AgentCore({ crypto, store: new MemoryStore(), agentSecret: v.agentSecret, binding: v.binding }),
      verifier: crypto.verifier,
    });
    bare.start(T0);
    expect(bare.pollTimeout()).toBe(bare.agent.pollTimeout());
  });
});

describe('NodeCore tasks', () => {
  it('a task message is handled by the engine inside the batch; task deadlines are deadlines of the core', () => {
    const v = identity('victim');
    const store = new MemoryStore();
    const agent = new AgentCore({ crypto, store, agentSecret: v.agentSecret, binding: v.binding, heartbeatMs: 60_000 });
    const node = new NodeCore({ agent, verifier: crypto.verifier });
    node.start(T0);
    const engine = node.useTasks({
      crypto,
      agentSecret: v.agentSecret,
      binding: v.binding,
      store: new MemoryTaskStore(),
      logStore: store,
      ledger: new MemoryCreditLedger(),
    });
    expect(() =>
      node.useTasks({
        crypto,
        agentSecret: v.agentSecret,
        binding: v.binding,
        store: new MemoryTaskStore(),
        logStore: store,
        ledger: new MemoryCreditLedger(),
      }),
    ).toThrow(RangeError);
    // A task message that does not decode: the engine refuses it (a task event), no core event carries it.
    const other = identity('other');
    node.handleMessage(
      T0,
      'direct',
      agent.agentHex,
      encodeDirect({ type: 'task', from: other.agentKey, msg: new Uint8Array([1, 2, 3]) }),
    );
    const core: CoreEvent[] = [];
    for (let e = node.pollEvent(); e; e = node.pollEvent()) core.push(e);
    expect(core.filter((e) => e.type === 'task')).toEqual([]);
    const t1 = node.pollTaskEvent();
    expect(t1).toMatchObject({ type: 'taskRejected', reason: 'malformed' });
    // A posted task's bid window closes at a deadline of the node core.
    node.advance(T0 + 1000);
    const t = engine.post(T0 + 1000, { ...SPEC, mechanism: testMechanism() });
    expect(node.pollTimeout()).toBe(Math.min(agent.pollTimeout() ?? Infinity, engine.pollTimeout()!));
    expect(engine.pollTimeout()).toBeLessThanOrEqual(T0 + 1000 + SPEC.bidWindowMs);
    node.handleTimeout(T0 + 1000 + SPEC.bidWindowMs);
    expect(engine.get(t.id)!.state).not.toBe('open');
  });
});

describe('channel priority (core/priority.ts)', () => {
  const m = (channel: Channel, key: string) => ({ channel, key });
  it('fork proofs and revocations first, arrival order kept within a priority', () => {
    const all = Object.keys(CHANNEL_PRIORITY) as Channel[];
    expect(all.filter((c) => CHANNEL_PRIORITY[c] === 0).sort()).toEqual(['fraud', 'revocation']);
    const batch = [m('header', '1'), m('fraud', '2'), m('body', '3'), m('revocation', '4'), m('fraud', '5')];
    expect(byPriority(batch).map((x) => x.key)).toEqual(['2', '4', '5', '1', '3']);
    const q: Array<{ channel: Channel; key: string }> = [];
    for (const x of batch) enqueueByPriority(q, x);
    expect(q.map((x) => x.key)).toEqual(['2', '4', '5', '1', '3']);
  });
});
