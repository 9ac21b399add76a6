// The driver: owns the clock and the one timer of a node and moves bytes between the sans-I/O NodeCore
// (core/node/node-core.ts) and a transport (docs/conventions.md §2). It decodes nothing and decides nothing of the
// protocol: the core orders, decodes, verifies, gates and receives each batch.
//
// Incoming messages are queued (in the core's channel order, core/priority.ts) and handed over in batches, each
// batch inside one store transaction (grouped commits: one fsync for a burst of headers). If a batch's
// transaction fails (disk full), nothing of it is stored.
//
// Commit window (profile commitWindowMs, docs/devices.md "Ingest"): when messages trickle in, a batch is not
// drained at once but when the oldest queued message has waited `max(verifyFlushMs, commitWindowMs)` ms, or as soon
// as `verifyBatchSize` messages wait, whichever comes first. Entries arriving within the window share one
// transaction, one commit and one wake-up of the core instead of one each. Fork proofs and revocations are not held
// (they drain at once, with whatever waits). The guarantee: no message waits in the queue longer than the window;
// nothing is sent, answered or emitted from a batch before its transaction has committed (outputs are flushed after
// the commit), so a crash loses only messages received within the last window and not yet committed, which no
// peer was told about and which come back from their authors by gap repair and the heartbeat's frontier repeats.
//
// Disk full (docs/reliability.md item 7): a failed write sets `storeError` (the status flag; the API
// answers STORE_FULL / 507 to announces, reads and gossip go on). The messages of failed batches are
// kept (bounded) and retried every `storeRetryMs` in one transaction with `probe` (a write that needs
// a free page, so the retry cannot succeed on a full disk or quota). When it succeeds the flag clears, and the retained
// frontiers of the followed topics are fetched again: whatever was dropped meanwhile comes back by
// gap repair.
//
// Log retention (docs/decisions.md "Logs and gossip"): every `prune.intervalMs` the store drops expired
// entries of other authors older than `prune.retentionMs` (never heads, never the node's own logs) and
// expired bodies nobody announces any more. A prune is one store transaction; a failure is a store
// error like any other (flag + retry), never a crash. A prune may free space on a full quota: one that
// deleted something while writes are refused retries them at once.

import { AgentnetError } from './errors.js';
import type { LogStore } from '../core/log/store.js';
import type { NodeCore } from '../core/node/node-core.js';
import { CHANNEL_PRIORITY, enqueueByPriority } from '../core/priority.js';
import type { TaskEvent } from '../core/task/engine.js';
import type { Channel, CoreEvent, Outgoing } from '../core/types.js';
import type { Transport } from './transport/types.js';

export interface DriverOptions {
  readonly clock?: () => number;
  /** Messages handled per transaction at most. */
  readonly batch?: number;
  /** Drain as soon as this many messages wait (profile verifyBatchSize)... */
  readonly verifyBatchSize?: number;
  /** ...or after this many ms (profile verifyFlushMs), whichever comes first. */
  readonly verifyFlushMs?: number;
  /**
   * Commit window, ms (profile commitWindowMs): messages that trickle in are held up to this long from the oldest
   * one's arrival so that they share one transaction (default 0: the verifyFlushMs deadline alone).
   */
  readonly commitWindowMs?: number;
  /** While the store refuses writes: how often to retry, ms (default 1000). */
  readonly storeRetryMs?: number;
  /** A small write that fails while the disk is full (SqliteStore.probeWrite). */
  readonly probe?: () => void;
  /** Log retention: the store is pruned every `intervalMs`; `keepAuthor`'s logs are never pruned. */
  readonly prune?: {
    readonly intervalMs: number;
    readonly retentionMs: number;
    readonly keepAuthor: Uint8Array;
    readonly onPruned?: (n: { entries: number; bodies: number }) => void;
  };
  readonly onEvent?: (e: CoreEvent) => void;
  /** The task engine's events (state changes, rejections, receipts), after the core's. */
  readonly onTaskEvent?: (e: TaskEvent) => void;
  readonly onError?: (e: unknown) => void;
}

type Msg = { channel: Channel; key: string; bytes: Uint8Array };
/** Failed messages kept for the retry at most; older ones are dropped (gap repair fetches them). */
const MAX_FAILED = 4096;
/** Channels drained at once rather than held for the commit window (core/priority.ts: they go first anyway). */
const URGENT: ReadonlySet<Channel> = new Set<Channel>(
  (Object.keys(CHANNEL_PRIORITY) as Channel[]).filter((c) => CHANNEL_PRIORITY[c] === 0),
);

export class Driver {
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private readonly queue: Msg[] = [];
  private scheduled: 'soon' | 'later' | false = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Messages of batches whose transaction failed, retried once the store takes writes again. */
  private readonly failed: Msg[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** Entries and bodies deleted by log retention since start (status and /metrics). */
  readonly pruned = { entries: 0, bodies: 0 };
  private readonly clock: () => number;
  private readonly batch: number;
  /** Set while the store refuses writes (disk full); cleared when the retry with a probe write succeeds. */
  storeError: AgentnetError | undefined;

  constructor(
    readonly core: NodeCore,
    readonly transport: Transport,
    private readonly store: LogStore,
    private readonly o: DriverOptions = {},
  ) {
    this.clock = o.clock ?? Date.now;
    this.batch = o.batch ?? 256;
    transport.onMessage((channel, key, bytes) => this.enqueue(channel, key, bytes));
  }

  /** Messages received and not yet handled (a metrics gauge). */
  get queueDepth(): number {
    return this.queue.length;
  }

  start(now = this.clock()): void {
    this.core.start(now);
    this.flush();
    this.armPrune();
  }

  private armPrune(): void {
    const p = this.o.prune;
    if (!p || this.closed) return;
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = undefined;
      this.pruneNow();
      this.armPrune();
    }, p.intervalMs);
  }

  /**
   * One prune of the store (log retention) at the current time; returns what it deleted, or undefined
   * when it failed (the error is handled like any other store error: flag, retry, `onError`).
   */
  pruneNow(): { entries: number; bodies: number } | undefined {
    const p = this.o.prune;
    if (!p || this.closed) return undefined;
    const now = this.clock();
    try {
      const n = this.store.prune(now, now - p.retentionMs, p.keepAuthor);
      this.pruned.entries += n.entries;
      this.pruned.bodies += n.bodies;
      if (n.entries || n.bodies) {
        p.onPruned?.(n);
        // Room was freed: while writes are refused, retry them now rather than at the next retry tick.
        if (this.storeError) {
          if (this.retryTimer) clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.retryStore(), 0);
        }
      }
      return n;
    } catch (e) {
      this.storeFailed(e);
      this.o.onError?.(e);
      return undefined;
    }
  }

  /**
   * Grouped commit of PAL calls (e.g. announces arriving together through the API): one store
   * transaction, one fsync, one frontier per log. If the transaction fails, nothing the calls produced is
   * sent (the core's output is discarded) and every call gets the error.
   */
  callGrouped<T>(fns: ReadonlyArray<(now: number) => T>): T[] {
    const now = this.clock();
    this.core.advance(now);
    try {
      return this.store.transaction(() => fns.map((f) => f(now)));
    } catch (e) {
      this.core.discardOutput();
      this.storeFailed(e);
      throw e;
    } finally {
      this.flush();
    }
  }

  /** Runs a PAL call against the core with the current time, then sends what it produced. */
  call<T>(fn: (now: number) => T): T {
    const now = this.clock();
    this.core.advance(now);
    try {
      return fn(now);
    } catch (e) {
      this.storeFailed(e);
      throw e;
    } finally {
      this.flush();
    }
  }

  private enqueue(channel: Channel, key: string, bytes: Uint8Array): void {
    if (this.closed) return;
    enqueueByPriority(this.queue, { channel, key, bytes }); // fork proofs and revocations jump the queue
    const size = this.o.verifyBatchSize ?? 1;
    const wait = Math.max(this.o.verifyFlushMs ?? 0, this.o.commitWindowMs ?? 0);
    if (this.scheduled === 'soon') return;
    if (this.queue.length >= size || wait === 0 || URGENT.has(channel)) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.scheduled = 'soon';
      setImmediate(() => this.drain());
    } else if (!this.scheduled) {
      // Wait briefly for a burst to fill a verification batch and share one commit (bounded latency: the window
      // counts from the oldest queued message, the one that armed this timer).
      this.scheduled = 'later';
      this.flushTimer = setTimeout(() => this.drain(), wait);
    }
  }

  /** Handles the queue in batches; `limit`: at most that many messages (a closing driver takes what was queued). */
  private drain(limit = Infinity): void {
    this.scheduled = false;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.queue.length && !this.closed && limit > 0) {
      limit -= Math.min(this.batch, this.queue.length);
      const now = this.clock();
      const batch = this.queue.splice(0, this.batch);
      try {
        this.store.transaction(() => this.core.handleMessages(now, batch));
      } catch (e) {
        this.core.rolledBack(); // nothing of a batch that did not commit is sent or reported
        if (this.storeFailed(e)) {
          this.failed.push(...batch);
          this.failed.splice(0, Math.max(0, this.failed.length - MAX_FAILED));
        }
        this.o.onError?.(e);
      }
      this.flush();
    }
  }

  /** Notes a store failure (sets the status flag, arms the retry); true when it was one. */
  private storeFailed(e: unknown): boolean {
    if (!(e instanceof AgentnetError) || (e.code !== 'STORE_FULL' && e.code !== 'STORE_CORRUPT')) return false;
    this.storeError = e;
    if (!this.retryTimer && !this.closed)
      this.retryTimer = setTimeout(() => this.retryStore(), this.o.storeRetryMs ?? 1000);
    return true;
  }

  /** The retry went through: clear the flag and fetch the frontiers again. */
  private stored(): void {
    if (!this.storeError) return;
    this.storeError = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.core.storeRecovered(); // the retained heads are read again: what was dropped comes back by gap repair
  }

  private retryStore(): void {
    this.retryTimer = undefined;
    if (this.closed || !this.storeError) return;
    const batch = this.failed.slice(0, this.batch);
    const now = this.clock();
    try {
      this.store.transaction(() => {
        this.o.probe?.(); // a batch of reads alone would commit on a full disk too
        this.core.handleMessages(now, batch);
      });
      this.failed.splice(0, batch.length);
      if (this.failed.length) this.retryTimer = setTimeout(() => this.retryStore(), 0);
      else this.stored();
    } catch (e) {
      this.core.rolledBack();
      if (!this.storeFailed(e)) this.o.onError?.(e);
    }
    this.flush();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.armedFor = undefined;
    if (this.closed) return;
    try {
      this.store.transaction(() => this.core.handleTimeout(this.clock()));
    } catch (e) {
      this.core.rolledBack();
      this.storeFailed(e);
      this.o.onError?.(e);
    }
    this.flush();
  }

  /**
   * Sends queued output, delivers events, re-arms the single timer from pollTimeout(). Polling an event may
   * produce output (trust asks for a receipt signer's binding), so both are drained until neither has more.
   */
  flush(): void {
    if (this.closed) return;
    for (;;) {
      for (let o = this.core.pollTransmit(); o; o = this.core.pollTransmit()) this.send(o);
      const e = this.core.pollEvent();
      if (e) {
        this.o.onEvent?.(e);
        continue;
      }
      const t = this.core.pollTaskEvent();
      if (!t) break;
      this.o.onTaskEvent?.(t);
    }
    const next = this.core.pollTimeout();
    if (next === undefined || next === this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, next - this.clock()));
  }

  private send(o: Outgoing): void {
    if (o.op === 'publish')
      this.transport.publish(o.channel, o.key, o.bytes, {
        retain: o.retain,
        ...(o.expiryMs !== undefined ? { expiryMs: o.expiryMs } : {}),
      });
    else if (o.op === 'subscribe') this.transport.subscribe(o.channel, o.key);
    else this.transport.unsubscribe(o.channel, o.key);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.drain(this.queue.length); // what arrives while it is handled is not waited for
    this.closed = true;
    await this.transport.close();
  }
}
