// A small world of task engines for protocol tests: each party has a real AgentCore (its own log, so
// announces are real signed entries), a IdentityTiers, a ledger and a task store; task messages go
// through a queue the test can inspect, drop or tamper with; time is a virtual clock.

import { toHex } from '../../src/core/base/bytes.js';
import { AgentCore } from '../../src/core/agent.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { naiveMechanism, type Mechanism } from '../../src/core/market/mechanism.js';
import type { TaskEngineOptions, TaskEvent, TaskHost, TaskPolicy } from '../../src/core/task/engine.js';
import { MemoryCreditLedger, type CreditLedger } from '../../src/core/task/ledger.js';
import { MemoryTaskStore, type TaskStore } from '../../src/core/task/store.js';
import { TaskEngine } from '../../src/core/task/task-engine.js';
import { crypto, identity, T0, type TestIdentity } from '../helpers.js';

export interface Party {
  readonly name: string;
  readonly id: TestIdentity;
  readonly hex: string;
  core: AgentCore;
  readonly logStore: MemoryStore;
  ledger: CreditLedger;
  store: TaskStore;
  engine: TaskEngine;
  policy: TaskPolicy;
  readonly events: TaskEvent[];
  readonly published: Map<string, Uint8Array>;
}

export interface Wire {
  from: string;
  to: string;
  bytes: Uint8Array;
}

export class TaskWorld {
  now = T0;
  readonly parties = new Map<string, Party>();
  readonly queue: Wire[] = [];
  /** Return false to drop a message; may replace its bytes. */
  filter: (w: Wire) => boolean = () => true;
  /** Workers each requester invites (its "discovery"), by topic. */
  candidates: string[] = [];
  keepEnded: number | undefined;
  /** The requesters' own award choice under the `reputation` rule (TaskEngineOptions.choose); absent: none. */
  choose: TaskEngineOptions['choose'];

  add(name: string, policy: TaskPolicy = {}, label = name): Party {
    const id = identity(label);
    const logStore = new MemoryStore();
    const core = new AgentCore({ crypto, store: logStore, agentSecret: id.agentSecret, binding: id.binding });
    core.start(this.now);
    while (core.pollTransmit());
    const p = {
      name,
      id,
      hex: toHex(id.agentKey),
      core,
      logStore,
      ledger: new MemoryCreditLedger(),
      store: new MemoryTaskStore(),
      policy,
      events: [],
      published: new Map(),
    } as unknown as Party;
    // engineFor reads p.core at call time, so a restarted party's host uses its new core
    p.engine = this.engineFor(p);
    this.parties.set(p.hex, p);
    return p;
  }

  /** A restart: a fresh core and engine on the party's stores (everything in memory is gone). */
  restart(p: Party): void {
    p.core = new AgentCore({ crypto, store: p.logStore, agentSecret: p.id.agentSecret, binding: p.id.binding });
    p.core.start(this.now);
    while (p.core.pollTransmit());
    p.engine = this.engineFor(p);
  }

  engineFor(p: Party): TaskEngine {
    const host: TaskHost = {
      announce: (now, d) => {
        const a = p.core.announce(now, d);
        while (p.core.pollTransmit());
        const e = p.logStore.get(p.id.agentKey, d.topic, 0, a.seq)!;
        return { id: a.id, entry: e.bytes, body: p.logStore.getBody(e.bodyHash)! };
      },
      sendTask: (to, bytes) => this.queue.push({ from: p.hex, to, bytes }),
      keepBinding: (key, version, bytes) => p.logStore.putBinding(key, version, bytes),
      publishBody: (hash, bytes) => p.published.set(toHex(hash), bytes),
      dispute: (requester, proof) => p.published.set(`dispute:${requester}`, proof),
      candidates: () => this.candidates,
    };
    return new TaskEngine({
      crypto,
      agentSecret: p.id.agentSecret,
      binding: p.id.binding,
      verifier: p.core.verifier,
      limits: DEFAULT_LIMITS,
      host,
      store: p.store,
      ledger: p.ledger,
      policy: p.policy,
      retryMs: 500,
      ...(this.keepEnded !== undefined ? { keepEnded: this.keepEnded } : {}),
      ...(this.choose !== undefined ? { choose: this.choose } : {}),
    });
  }

  /** Delivers queued messages (and those they cause) until none is left; returns how many. */
  pump(max = 1000): number {
    let n = 0;
    while (this.queue.length && n < max) {
      const w = this.queue.shift()!;
      n++;
      if (!this.filter(w)) continue;
      const to = this.parties.get(w.to);
      to?.engine.handleMessage(this.now, w.bytes);
      this.drain();
    }
    return n;
  }

  /** Advances the clock to `t`, firing every engine's timers in order and pumping messages. */
  advance(t: number): void {
    for (;;) {
      const next = Math.min(...[...this.parties.values()].map((p) => p.engine.pollTimeout() ?? Infinity));
      if (next > t) break;
      this.now = Math.max(this.now, next);
      for (const p of this.parties.values()) p.engine.handleTimeout(this.now);
      this.drain();
      this.pump();
    }
    this.now = t;
  }

  drain(): void {
    for (const p of this.parties.values())
      for (let e = p.engine.pollEvent(); e; e = p.engine.pollEvent()) p.events.push(e);
  }

  rejects(p: Party): string[] {
    return p.events.filter((e) => e.type === 'taskRejected').map((e) => (e as { reason: string }).reason);
  }
}

/** A mechanism with a deposit and full slashing on withheld delivery, pay on delivery. */
export function testMechanism(over: Partial<Mechanism> = {}): Mechanism {
  return {
    ...naiveMechanism(),
    alloc: { rule: 'lowest_bid', teamSize: 1 },
    reward: { rule: 'fixed', basis: 'delivery', poolBp: 10000 },
    deposit: 2000,
    slashing: { no_delivery: 5000 },
    ...over,
  };
}

export const SPEC = {
  topic: 'data_analysis',
  tags: ['data.analysis'],
  text: 'sum the column',
  budget: 10_000,
  bidWindowMs: 2000,
  deliverWindowMs: 5000,
  settleWindowMs: 5000,
};
