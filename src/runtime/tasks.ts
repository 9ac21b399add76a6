// The node's task side (DESIGN §8-9): composes the sans-I/O TaskEngine (src/core/task/) with AgentCore,
// the SQLite store (ledger and task records in the node's database) and the driver. It owns the engine's
// one timer (armed from pollTimeout), runs every engine call in one store transaction with the core's
// output flushed after it, and supplies the default policy a node without an agent layer uses.
//
// Default policy (config `tasks`):
//  worker  "auto": bid on an invitation whose tags our own unexpired capability in that topic covers,
//          at that capability's `price` (milli-credits) or `tasks.price`; deliver a deterministic
//          artefact (JSON naming the task, the worker and the SHA-256 of the specification).
//          "manual": leave bids and deliveries to the agent layer (POST /tasks/{id}/bid, /deliver).
//  rate    "auto": 1000 for an artefact that names this task and the hash of its specification, 200
//          for anything else. "manual": POST /tasks/{id}/rate.

import { toHex, utf8 } from '../core/bytes.js';
import { matches } from '../core/gossip/match.js';
import type { AgentCore } from '../core/agent.js';
import type { Mechanism } from '../core/market/mechanism.js';
import type { TaskEvent, TaskPolicy, TaskView } from '../core/task/engine.js';
import { disputeKey } from '../core/task/dispute.js';
import { agentAccount } from '../core/task/ledger.js';
import type { TaskSpec } from '../core/task/requester.js';
import { TaskEngine } from '../core/task/worker.js';
import type { CryptoPort } from '../core/ports.js';
import type { Driver } from './driver.js';
import type { Logger } from './logger.js';
import { SqliteLedger, SqliteTaskStore } from './store/ledger.js';
import type { SqliteStore } from './store/sqlite.js';
import type { Transport } from './transport/types.js';

export interface TaskConfig {
  readonly worker: 'auto' | 'manual';
  readonly rate: 'auto' | 'manual';
  /** Default bid, milli-credits, when our capability names no price. */
  readonly price: number;
  /** Allowance of a new account, milli-credits. */
  readonly grant: number;
  readonly retryMs: number;
}

export const DEFAULT_TASKS: TaskConfig = { worker: 'auto', rate: 'auto', price: 1000, grant: 100_000, retryMs: 1000 };

/** The mechanism a node posts under when the caller names none: one worker, lowest bid, paid by outcome on delivery, half the deposit burned for withheld delivery. */
export function defaultMechanism(budget: number): Mechanism {
  return {
    version: 1,
    alloc: { rule: 'lowest_bid', teamSize: 1 },
    reward: { rule: 'fixed', basis: 'delivery', poolBp: 10_000 },
    deposit: Math.floor(budget / 10),
    slashing: { no_delivery: 5000, bad_work: 10_000 },
    audit: { rateBp: 0 },
    requiredTier: 2,
    dispute: { procedure: 'verified', bond: Math.floor(budget / 10) },
  };
}

export function defaultArtefact(t: TaskView, worker: string, c: CryptoPort): Uint8Array {
  return utf8(JSON.stringify({ task: t.id, worker, spec: toHex(c.sha256(utf8(t.text))), result: `done: ${t.text}` }));
}

export interface TaskRunnerDeps {
  readonly core: AgentCore;
  readonly crypto: CryptoPort;
  readonly agentSecret: Uint8Array;
  readonly binding: Uint8Array;
  readonly store: SqliteStore;
  readonly driver: Driver;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly config: TaskConfig;
  readonly clock?: () => number;
}

export class TaskRunner {
  readonly engine: TaskEngine;
  readonly ledger: SqliteLedger;
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private closed = false;
  private readonly inbox: Uint8Array[] = [];
  private readonly clock: () => number;
  private readonly listeners: Array<(e: TaskEvent) => void> = [];

  constructor(private readonly d: TaskRunnerDeps) {
    this.clock = d.clock ?? Date.now;
    this.ledger = new SqliteLedger(d.store);
    const { core, store } = d;
    this.engine = new TaskEngine({
      crypto: d.crypto,
      agentSecret: d.agentSecret,
      binding: d.binding,
      verifier: core.verifier,
      limits: core.limits,
      store: new SqliteTaskStore(store),
      ledger: this.ledger,
      retryMs: d.config.retryMs,
      grant: d.config.grant,
      policy: this.policy(),
      host: {
        announce: (now, decl) => {
          const a = core.announce(now, decl);
          const e = store.get(core.agentKey, decl.topic, core.status().epoch, a.seq)!;
          return { id: a.id, entry: e.bytes, body: store.getBody(e.bodyHash)! };
        },
        sendTask: (to, msg) => core.sendTask(to, msg),
        keepBinding: (agentKey, version, bytes) => store.putBinding(agentKey, version, bytes),
        publishBody: (hash, bytes, expires) => {
          store.putBody(hash, bytes, expires);
          d.transport.publish('body', toHex(hash), bytes, {
            retain: true,
            expiryMs: Math.max(1000, expires - this.clock()),
          });
        },
        // A double award we received: our own verifier checks it now (trust slashes on the core's `dispute`
        // event) and the proof goes out retained on the fraud channel for every node (task/dispute.ts).
        dispute: (requester, proof) => {
          const key = disputeKey(requester);
          core.handleMessage(this.clock(), 'fraud', key, proof);
          d.transport.publish('fraud', key, proof, { retain: true });
        },
        // One invitation per agent, however many of its capabilities match.
        candidates: (topic, tags, minTier, now) =>
          [
            ...new Set(
              core
                .discover({ tags, topic, minTier, limit: 500 }, now)
                .filter((c) => c.kind === 'capability')
                .map((c) => c.author),
            ),
          ].slice(0, 64),
      },
    });
  }

  /** Starts the timers of tasks resumed from the store. */
  start(): void {
    this.call(() => undefined);
  }

  onEvent(cb: (e: TaskEvent) => void): void {
    this.listeners.push(cb);
  }

  /** A task message from the core (event `task`): handled on the next tick, outside the driver's flush. */
  enqueue(bytes: Uint8Array): void {
    if (this.closed) return;
    this.inbox.push(bytes);
    if (this.inbox.length === 1) setImmediate(() => this.drain());
  }

  post(s: TaskSpec): TaskView {
    return this.call((now) => this.engine.post(now, s));
  }
  bid(id: string, price: number): TaskView {
    return this.call((now) => this.engine.bidFor(now, id, price));
  }
  deliver(id: string, artefact: Uint8Array): TaskView {
    return this.call((now) => this.engine.deliver(now, id, artefact));
  }
  rate(id: string, outcome: number): TaskView {
    return this.call((now) => this.engine.rateFor(now, id, outcome));
  }
  cancel(id: string): TaskView {
    return this.call((now) => this.engine.cancel(now, id));
  }
  list(): TaskView[] {
    return this.engine.list();
  }
  get(id: string): TaskView | undefined {
    return this.engine.get(id);
  }
  /** The artefact of a task (fetched by the requester, or delivered by us as worker). */
  artefact(id: string): Uint8Array | undefined {
    return this.engine.artefactOf(id);
  }

  ledgerView() {
    return {
      self: this.engine.agentHex,
      balance: this.balance(),
      accounts: this.ledger.accounts(),
      totals: this.ledger.totals(),
      postings: this.ledger.postings().length,
    };
  }
  postings(task: string) {
    return this.ledger.postings(task);
  }
  balance(): number {
    const a = agentAccount(this.engine.agentHex);
    return this.ledger.has(a) ? this.ledger.balance(a) : this.engine.grant;
  }
  status() {
    return {
      tasks: this.engine.summary(),
      rejected: Object.fromEntries(Object.entries(this.engine.rejected).filter(([, n]) => n > 0)),
      balance: this.balance(),
      ledger: this.ledger.totals(),
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  // ---------------------------------------------------------------- plumbing

  private drain(): void {
    while (this.inbox.length && !this.closed) {
      const b = this.inbox.shift()!;
      try {
        this.call((now) => this.engine.handleMessage(now, b));
      } catch (e) {
        this.d.logger.log('error', 'task message failed', { err: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /** One engine step: a store transaction, then the core's output and the engine's events, then the timer. */
  private call<T>(fn: (now: number) => T): T {
    if (this.closed) throw new RangeError('tasks: node is closing');
    try {
      return this.d.driver.callGrouped([fn])[0]!;
    } catch (e) {
      this.engine.reload(); // the transaction rolled back: nothing of this step happened
      throw e;
    } finally {
      for (let e = this.engine.pollEvent(); e; e = this.engine.pollEvent()) this.report(e);
      this.arm();
    }
  }

  private report(e: TaskEvent): void {
    if (e.type === 'task') this.d.logger.log('info', 'task', { ...e });
    else if (e.type === 'receipt') this.d.logger.log('info', 'receipt', { ...e });
    else this.d.logger.log('debug', 'task rejected', { ...e });
    for (const l of this.listeners) l(e);
  }

  private arm(): void {
    if (this.closed) return;
    const next = this.engine.pollTimeout();
    if (next === undefined || next === this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.armedFor = undefined;
        try {
          this.call((now) => this.engine.handleTimeout(now));
        } catch (e) {
          this.d.logger.log('error', 'task timer failed', { err: e instanceof Error ? e.message : String(e) });
          this.arm();
        }
      },
      Math.max(0, next - this.clock()),
    );
  }

  private policy(): TaskPolicy {
    const { core, crypto, config } = this.d;
    return {
      bid:
        config.worker === 'auto'
          ? (t, now) => {
              const cap = core
                .declarations(now)
                .find(
                  (x) =>
                    x.kind === 'capability' &&
                    x.topic === t.topic &&
                    matches({ topic: t.topic, tags: t.tags }, { kind: 'capability', tags: x.tags, text: x.text }),
                );
              if (!cap) return undefined;
              return Math.min(t.budget, cap.price ?? config.price);
            }
          : undefined,
      deliver: config.worker === 'auto' ? (t) => defaultArtefact(t, core.agentHex, crypto) : undefined,
      rate:
        config.rate === 'auto'
          ? (t, artefact) => {
              try {
                const j = JSON.parse(new TextDecoder().decode(artefact)) as Record<string, unknown>;
                return j['task'] === t.id && j['spec'] === toHex(crypto.sha256(utf8(t.text))) ? 1000 : 200;
              } catch {
                return 200;
              }
            }
          : undefined,
    };
  }
}
