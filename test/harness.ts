// A deterministic, synchronous network of AgentCores for unit tests: MQTT-like retained messages and
// one-level `+` wildcards, delivery in FIFO order until nothing is left to send. `tap` sees every
// message; `drop` can lose or rewrite one (a hostile or lossy network).

import { AgentCore, type AgentOptions } from '../src/core/agent.js';
import { MemoryStore } from '../src/core/log/memory-store.js';
import { hubName, parseHubName } from '../src/core/channels.js';
import { RetainedTable, SubscriberIndex } from '../src/core/base/hub.js';
import type { Channel, CoreEvent } from '../src/core/types.js';
import { crypto, identity, T0, type TestIdentity } from './helpers.js';

interface Msg {
  readonly channel: Channel;
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly from: number;
  /** The receiving core (set on delivery). */
  readonly to?: number;
}

export class TestNet {
  readonly cores: AgentCore[] = [];
  readonly stores: MemoryStore[] = [];
  readonly events: CoreEvent[][] = [];
  readonly retained = new RetainedTable();
  private readonly subs = new SubscriberIndex<number>();
  private readonly queue: Msg[] = [];
  now: number;
  /** Return undefined to drop a message, or other bytes to rewrite it. */
  intercept: ((m: Msg) => Uint8Array | undefined) | undefined;

  constructor(now: number) {
    this.now = now;
  }

  add(id: TestIdentity, o: Partial<AgentOptions> = {}): AgentCore {
    const store = (o.store as MemoryStore | undefined) ?? new MemoryStore();
    const core = new AgentCore({ crypto, store, agentSecret: id.agentSecret, binding: id.binding, ...o });
    this.cores.push(core);
    this.stores.push(store);
    this.events.push([]);
    core.start(this.now);
    this.run();
    return core;
  }

  /** Injects a message as if published by a peer outside the test's cores. */
  inject(channel: Channel, key: string, bytes: Uint8Array, retain = false): void {
    if (retain) this.retained.put(hubName(channel, key), bytes, this.now);
    this.queue.push({ channel, key, bytes, from: -1 });
    this.run();
  }

  run(): void {
    for (let guard = 0; guard < 100_000; guard++) {
      let progressed = false;
      this.cores.forEach((c, i) => {
        for (let o = c.pollTransmit(); o; o = c.pollTransmit()) {
          progressed = true;
          const name = hubName(o.channel, o.key);
          if (o.op === 'publish') {
            if (o.retain) this.retained.put(name, o.bytes, this.now);
            this.queue.push({ channel: o.channel, key: o.key, bytes: o.bytes, from: i });
          } else if (o.op === 'subscribe') {
            this.subs.add(i, name);
            for (const [n, r] of this.retained.match(name, this.now)) {
              const c = parseHubName(n);
              if (c) this.deliver(i, { ...c, bytes: r.bytes, from: -2 });
            }
          } else this.subs.delete(i, name);
        }
        for (let e = c.pollEvent(); e; e = c.pollEvent()) this.events[i]!.push(e);
      });
      const m = this.queue.shift();
      if (m) {
        progressed = true;
        const name = hubName(m.channel, m.key);
        for (const i of [...this.subs.subscribers(name)].sort((a, b) => a - b)) this.deliver(i, m);
      }
      if (!progressed) return;
    }
    throw new Error('TestNet: no quiescence');
  }

  private deliver(i: number, m: Msg): void {
    const bytes = this.intercept ? this.intercept({ ...m, to: i }) : m.bytes;
    if (bytes) this.cores[i]!.handleMessage(this.now, m.channel, m.key, bytes);
  }

  /** Advances the clock to each core's deadline in turn until `until`. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const ds = this.cores.map((c) => c.pollTimeout()).filter((d): d is number => d !== undefined && d <= until);
      if (!ds.length) break;
      this.now = Math.max(this.now, Math.min(...ds));
      this.cores.forEach((c) => {
        const d = c.pollTimeout();
        if (d !== undefined && d <= this.now) c.handleTimeout(this.now);
      });
      this.run();
    }
    this.now = until;
  }

  discovered(i: number): string[] {
    return this.events[i]!.flatMap((e) => (e.type === 'discovered' ? [e.author] : []));
  }

  rejected(i: number): string[] {
    return this.events[i]!.flatMap((e) => (e.type === 'rejected' ? [e.reason] : []));
  }
}

/** Four nodes on one TestNet: alice, bob, carol and dave (the cast of the fork-proof and revocation tests). */
export function fourNodes(o: { heartbeatMs?: number } = {}) {
  const net = new TestNet(T0);
  const bobId = identity('bob');
  const alice = net.add(identity('alice'), o);
  const bob = net.add(bobId, o);
  const carol = net.add(identity('carol'), o);
  const dave = net.add(identity('dave'), o);
  return { net, bobId, alice, bob, carol, dave };
}
