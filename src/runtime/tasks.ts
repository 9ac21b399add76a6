// The node's task side (docs/architecture.md §8-9): the runtime's half of the task protocol. The sans-I/O TaskEngine
// (src/core/task/) lives in the node core (core/node/node-core.ts: task messages arrive in its batches, its deadlines
// are the core's, its bodies and dispute proofs leave through the core's output); this runner hands it the SQLite
// ports (ledger and task records in the node's database) and the default policy, runs each local call (post, bid,
// deliver, rate) in one store transaction through the driver, and runs the adapters' work (I/O) for it.
//
// Policy (config `tasks` and `adapters`; docs/adapters.md):
//  worker  an invitation is bid on when our own unexpired capability in that topic covers its tags, at that
//          capability's `price` (milli-credits) or `tasks.price`, and only when that capability's adapter
//          (its `adapter`, else `tasks.worker`) can take it:
//          an adapter of the config (exec, http, openai, mcp): it has room (running + waiting + tasks bid
//          on < concurrency + queue); once awarded the task is run on it and its output delivered. A failed
//          run delivers nothing: the task defaults at its delivery deadline (the mechanism's rule).
//          "auto": a deterministic artefact (JSON naming the task, the worker and the SHA-256 of the
//          specification), for protocol tests. "manual": the agent layer bids and delivers (POST
//          /tasks/{id}/bid, /deliver).
//  rate    per task (`rater` of POST /tasks) or `tasks.rate`: an adapter (exec, http, openai) scores the
//          fetched artefact 0..1000; a failed run rates nothing: the task ends `unsigned` at its settle
//          deadline (no receipt, no payment). "auto": 1000 for an artefact that names this task and the hash
//          of its specification, 200 for anything else. "manual": POST /tasks/{id}/rate.
// An adapter run's state and failure (AdapterFailure) are on the task (`adapter`) and counted in /metrics.

import { acceptFromJson, checkAcceptance } from '../core/codec/accept.js';
import { FieldError } from '../core/codec/schema.js';
import { matches } from '../core/gossip/match.js';
import type { AgentCore } from '../core/agent.js';
import type { NodeCore } from '../core/node/node-core.js';
import type { TaskEvent, TaskPolicy, TaskView } from '../core/task/engine.js';
import { isTerminal } from '../core/task/protocol.js';
import { agentAccount } from '../core/task/ledger.js';
import type { TaskSpec } from '../core/task/requester.js';
import type { TaskEngine } from '../core/task/task-engine.js';
import type { CryptoPort } from '../core/base/ports.js';
import type { Adapters } from './adapters/index.js';
import { TaskRaters } from './adapters/raters.js';
import { AdapterRuns, checkRater, taskInput } from './adapter-runs.js';
import type { Driver } from './driver.js';
import type { Logger } from './logger.js';
import { SqliteCreditLedger, SqliteTaskStore } from './store/credit-ledger.js';
import { autoScore, defaultArtefact, type TaskConfig, type TaskWithRun } from './task-defaults.js';
import type { SqliteStore } from './store/sqlite.js';

export type { AdapterRun, TaskConfig, TaskWithRun } from './task-defaults.js';

export interface TaskRunnerDeps {
  readonly core: AgentCore;
  readonly crypto: CryptoPort;
  readonly agentSecret: Uint8Array;
  readonly binding: Uint8Array;
  readonly store: SqliteStore;
  readonly driver: Driver;
  /** The node core: what a task publishes (bodies, dispute proofs) leaves through its pollTransmit. */
  readonly node: NodeCore;
  readonly logger: Logger;
  readonly config: TaskConfig;
  readonly adapters: Adapters;
  /** The adapter a capability of ours names (`adapter` of its declaration), by (topic, key). */
  readonly capabilityAdapter: (topic: string, key: string) => string | undefined;
  /** Where the rater of each posted task is kept across restarts (adapters/raters.ts); none: in memory only. */
  readonly ratersFile?: string;
  readonly clock?: () => number;
}

export class TaskRunner {
  readonly engine: TaskEngine;
  readonly ledger: SqliteCreditLedger;
  private closed = false;
  private readonly clock: () => number;
  private readonly listeners: Array<(e: TaskEvent) => void> = [];
  /** Adapter runs by task id (the latest); kept while the node runs. */
  private readonly runs: AdapterRuns;
  /** The rater of each task we posted, kept across restarts (a task with none recorded gets `tasks.rate`). */
  private readonly raters: TaskRaters;
  private pendingRater: string | undefined;
  private readonly waiters = new Map<(e: TaskEvent) => void, (changed: boolean) => void>();

  constructor(private readonly d: TaskRunnerDeps) {
    this.clock = d.clock ?? Date.now;
    this.raters = new TaskRaters(d.ratersFile);
    this.runs = new AdapterRuns(d.adapters, d.logger, (e) => {
      for (const l of this.listeners) l(e);
    });
    this.ledger = new SqliteCreditLedger(d.store);
    // The engine lives in the node core (its deadlines are the core's, its messages arrive in the core's batches);
    // the runtime hands it the SQLite ports and the policy (core/node/task-part.ts).
    this.engine = d.node.useTasks({
      crypto: d.crypto,
      agentSecret: d.agentSecret,
      binding: d.binding,
      store: new SqliteTaskStore(d.store),
      logStore: d.store,
      ledger: this.ledger,
      retryMs: d.config.retryMs,
      grant: d.config.grant,
      policy: this.policy(),
    });
  }

  /**
   * Starts the timers of tasks resumed from the store, and the adapter runs they were waiting for (docs/adapters.md
   * "Decisions": a restart runs an interrupted or queued run again while its window is open; a window that
   * closed while the node was down ends the task by the mechanism's rule, at the engine's deadline, one of the
   * node core's).
   */
  start(): void {
    const now = this.clock();
    this.raters.keep((id) => {
      const t = this.engine.get(id);
      return !!t && t.role === 'requester' && !isTerminal('requester', t.state);
    });
    for (const t of this.engine.list()) {
      if (t.role === 'worker' && t.state === 'awarded') this.resume(t.id, 'work', t.deliverBy > now, now);
      if (t.role === 'requester' && t.state === 'delivered') this.resume(t.id, 'rate', t.settleBy > now, now);
    }
    this.call(() => undefined);
  }

  onEvent(cb: (e: TaskEvent) => void): void {
    this.listeners.push(cb);
  }

  /** Posts a task; `rater` (auto, manual or an adapter) rates it, default `tasks.rate`. */
  post(s: TaskSpec, rater?: string): TaskWithRun {
    const r = rater ?? this.d.config.rate;
    checkRater(r, this.d.adapters);
    this.pendingRater = r;
    try {
      // A window the caller left out (a request table has no default for them) is the config's.
      const w = this.windows;
      const spec: TaskSpec = {
        ...s,
        bidWindowMs: s.bidWindowMs ?? w.bidWindowMs,
        deliverWindowMs: s.deliverWindowMs ?? w.deliverWindowMs,
        settleWindowMs: s.settleWindowMs ?? w.settleWindowMs,
      };
      const t = this.call((now) => this.engine.post(now, spec));
      this.raters.set(t.id, r);
      return this.withRun(t);
    } finally {
      this.pendingRater = undefined;
    }
  }
  /** The windows a task gets when its request sets none (config `tasks`). */
  get windows(): { bidWindowMs: number; deliverWindowMs: number; settleWindowMs: number } {
    const c = this.d.config;
    return { bidWindowMs: c.bidWindowMs, deliverWindowMs: c.deliverWindowMs, settleWindowMs: c.settleWindowMs };
  }
  bid(id: string, price: number): TaskWithRun {
    return this.withRun(this.call((now) => this.engine.bidFor(now, id, price)));
  }
  /**
   * Delivers an artefact as worker (API, MCP, adapters). One that fails the task's acceptance check is refused
   * before anything is signed: delivered, it would be rated 0 and proven bad to every node (core/codec/accept.ts).
   */
  deliver(id: string, artefact: Uint8Array): TaskWithRun {
    const t = this.engine.get(id);
    const failure = t && this.acceptFailure(t, artefact);
    if (failure)
      throw new FieldError('artefact', `fails the task's acceptance check (${failure}); it was not delivered`);
    return this.withRun(this.call((now) => this.engine.deliver(now, id, artefact)));
  }

  /** Which condition of the task's acceptance check `artefact` fails, if the task names a check and it fails. */
  private acceptFailure(t: TaskView, artefact: Uint8Array): string | undefined {
    if (!t.accept) return undefined;
    const v = checkAcceptance(this.d.crypto, acceptFromJson(t.accept), artefact);
    return v.ok ? undefined : v.detail;
  }
  rate(id: string, outcome: number): TaskWithRun {
    return this.withRun(this.call((now) => this.engine.rateFor(now, id, outcome)));
  }
  cancel(id: string): TaskWithRun {
    return this.withRun(this.call((now) => this.engine.cancel(now, id)));
  }
  list(): TaskWithRun[] {
    return this.engine.list().map((t) => this.withRun(t));
  }
  get(id: string): TaskWithRun | undefined {
    const t = this.engine.get(id);
    return t && this.withRun(t);
  }
  /**
   * Resolves once the task's state is another than `after` (default: its state now), or after `timeoutMs` with
   * changed false; undefined when there is no such task. A long poll for agents that cannot hold an SSE stream.
   */
  async waitNext(
    id: string,
    after: string | undefined,
    timeoutMs: number,
  ): Promise<{ changed: boolean; task: TaskWithRun } | undefined> {
    const t = this.get(id);
    if (!t) return undefined;
    const from = after ?? t.state;
    if (t.state !== from) return { changed: true, task: t };
    return new Promise((resolve) => {
      const done = (changed: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(w);
        resolve({ changed, task: this.get(id) ?? t });
      };
      const w = (e: TaskEvent) => {
        if (e.type === 'task' && e.id === id && e.state !== from) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.set(w, done);
    });
  }

  /** Tasks held per role and state (/metrics). */
  countByState(): Array<{ role: string; state: string; count: number }> {
    const m = new Map<string, number>();
    for (const t of this.engine.list()) m.set(`${t.role} ${t.state}`, (m.get(`${t.role} ${t.state}`) ?? 0) + 1);
    return [...m].map(([k, count]) => {
      const [role, state] = k.split(' ') as [string, string];
      return { role, state, count };
    });
  }
  private withRun(t: TaskView): TaskWithRun {
    const r = this.runs.get(t.id);
    const mechanism = this.engine.mechanismOfTask(t.id);
    return { ...t, ...(mechanism ? { mechanism } : {}), ...(r ? { adapter: r } : {}) };
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
    this.runs.close();
    for (const done of [...this.waiters.values()]) done(false);
    this.d.adapters.close();
  }

  // ---------------------------------------------------------------- adapters

  /** The adapter (or auto / manual) that does the work of a task of ours as worker. */
  private workerOf(
    t: { topic: string; tags: readonly string[] },
    now: number,
  ): { name: string; price: number } | undefined {
    const { core, config } = this.d;
    const cap = core
      .declarations(now)
      .find(
        (x) =>
          x.kind === 'capability' &&
          x.topic === t.topic &&
          matches({ topic: t.topic, tags: t.tags }, { kind: 'capability', tags: x.tags, text: x.text }),
      );
    if (!cap) return undefined;
    const name = this.d.capabilityAdapter(cap.topic, cap.key ?? cap.tags[0] ?? '') ?? config.worker;
    return { name, price: cap.price ?? config.price };
  }

  private startWork(id: string, resumed = false): void {
    const t = this.engine.get(id);
    if (!t || this.closed) return;
    const w = this.workerOf(t, this.clock());
    if (!w || w.name === 'auto' || w.name === 'manual' || this.runs.running(id)) return;
    void this.runs.run(
      id,
      w.name,
      'work',
      () => this.d.adapters.work(w.name, taskInput(t)),
      (bytes) => this.deliver(id, bytes),
      resumed,
    );
  }

  private startRating(id: string, resumed = false): void {
    const t = this.engine.get(id);
    const name = this.raters.get(id) ?? this.d.config.rate;
    if (!t || this.closed || name === 'manual' || this.runs.running(id)) return;
    // Rated already: an artefact that failed the task's acceptance check is rated 0 by the engine at delivery.
    if (t.state !== 'delivered') return;
    const artefact = this.engine.artefactOf(id);
    if (!artefact) return;
    // The auto rater scores inside the engine at delivery; a task delivered before a restart is scored here.
    if (name === 'auto') {
      if (resumed) setImmediate(() => this.rateQuietly(id, autoScore(t, artefact, this.d.crypto)));
      return;
    }
    void this.runs.run(
      id,
      name,
      'rate',
      () => this.d.adapters.rate(name, taskInput(t), artefact),
      (score) => this.rate(id, score),
      resumed,
    );
  }

  /**
   * A task found after a restart with its adapter run not done: run again while its window is open (the run
   * that was interrupted left nothing: its process ended with the node), else say on the task that the window
   * closed while the node was down; the engine's deadline (one of the node core's) then ends it by the mechanism's rule.
   */
  private resume(id: string, role: 'work' | 'rate', open: boolean, now: number): void {
    const t = this.engine.get(id)!;
    const name = role === 'work' ? this.workerOf(t, now)?.name : (this.raters.get(id) ?? this.d.config.rate);
    if (name !== undefined && this.d.adapters.has(name))
      this.d.adapters.resumed(name, role, open ? 'rerun' : 'expired');
    this.d.logger.log(open ? 'info' : 'warn', open ? 'adapter run resumed' : 'adapter run expired while down', {
      task: id,
      role,
      adapter: name,
    });
    if (open) return role === 'work' ? this.startWork(id, true) : this.startRating(id, true);
    if (name === undefined || name === 'auto' || name === 'manual') return;
    this.runs.expired(id, name, role);
  }

  // ---------------------------------------------------------------- plumbing

  /** One engine step in one store transaction; the driver's flush then sends its output and reports its events. */
  private call<T>(fn: (now: number) => T): T {
    if (this.closed) throw new RangeError('tasks: node is closing');
    return this.d.driver.callGrouped([fn])[0]!; // a rolled-back step: the node core reloads the engine
  }

  /** An event of the task engine (the driver's onTaskEvent): adapter runs, the log, listeners and long polls. */
  handleEvent(e: TaskEvent): void {
    if (e.type === 'task') {
      if (e.role === 'worker' && e.state === 'awarded') setImmediate(() => this.startWork(e.id));
      if (e.role === 'worker' && e.state !== 'bidding' && e.state !== 'invited') this.d.adapters.release(e.id);
      if (e.role === 'requester' && e.state === 'delivered') setImmediate(() => this.startRating(e.id));
      if (e.role === 'requester' && isTerminal('requester', e.state)) this.raters.delete(e.id);
    }
    if (e.type === 'task') this.d.logger.log('info', 'task', { ...e });
    else if (e.type === 'receipt') this.d.logger.log('info', 'receipt', { ...e });
    else this.d.logger.log('debug', 'task rejected', { ...e });
    for (const l of this.listeners) l(e);
    for (const w of [...this.waiters.keys()]) w(e);
  }

  private policy(): TaskPolicy {
    const { core, crypto, adapters } = this.d;
    return {
      bid: (t, now) => {
        const w = this.workerOf(t, now);
        if (!w || w.name === 'manual') return undefined;
        // The auto worker's artefact is known now: no bid on a task whose acceptance check it would fail.
        if (w.name === 'auto' && this.acceptFailure(t, defaultArtefact(t, core.agentHex, crypto))) return undefined;
        if (w.name !== 'auto') {
          // Only an adapter that is configured, can work and has room bids; the slot is held until award or loss.
          if (!adapters.hasRoom(w.name)) return undefined;
          adapters.reserve(w.name, t.id);
        }
        return Math.min(t.budget, w.price);
      },
      deliver: (t, now) =>
        this.workerOf(t, now)?.name === 'auto' ? defaultArtefact(t, core.agentHex, crypto) : undefined,
      rate: (t, artefact) =>
        (this.raters.get(t.id) ?? this.pendingRater ?? this.d.config.rate) === 'auto'
          ? autoScore(t, artefact, this.d.crypto)
          : undefined,
    };
  }

  private rateQuietly(id: string, score: number): void {
    try {
      this.rate(id, score);
    } catch (e) {
      this.d.logger.log('warn', 'auto rating failed', { task: id, err: e instanceof Error ? e.message : String(e) });
    }
  }
}
