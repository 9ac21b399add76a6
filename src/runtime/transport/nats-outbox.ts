// What a NATS transport sends, in the order it was given (docs/transports.md "NATS"): retained values are
// puts into the KV buckets (JetStream), acknowledged by the stream and retried until then (the latest value
// per subject only; a newer value replaces one still waiting); live messages are core NATS publishes.
// Order is kept as on one MQTT connection: a live publish waits for the acks of the retained puts made
// before it (at most LIVE_WAIT_MS), and a put made after it waits until it is sent, so a header neither
// overtakes its body nor is overtaken by its frontier (which would start a gap repair).

import { headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { reconnectDelay } from './mqtt.js';
import { TTL_HEADER } from './nats-subjects.js';

/** Longest a live publish waits for the acks of earlier retained puts (a stream electing a leader). */
export const LIVE_WAIT_MS = 2000;
export const PUT_TIMEOUT_MS = 5000;

/** A JetStream error that a retry cannot fix: the value or the bucket is over its bounds. */
const permanent = (e: unknown) =>
  /maximum|exceed|too large|insufficient resources|permission/i.test((e as Error)?.message ?? '');

export class NatsOutbox {
  readonly stats = { retainedPuts: 0, retainedRetries: 0, retainedRefused: 0 };
  /** Connected and set up: puts may go out (else they wait in `pending`). */
  up = false;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private closing = false;
  private readonly pending = new Map<string, { bytes: Uint8Array; ttlMs: number | undefined }>();
  private readonly inflight = new Set<string>();
  /** First attempts not yet settled: live publishes wait for the ones made before them. */
  private readonly firstAttempts = new Set<Promise<unknown>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryRound = 0;
  private readonly beforeUp: Array<[string, Uint8Array]> = [];
  private liveChain: Promise<void> = Promise.resolve();
  private liveQueued = 0;

  /**
   * `putPrefix`: `$JS.{domain}.API.` through a JetStream domain (a leaf node), as @nats-io/kv does, else '';
   * `kvFor`: the bucket a stored subject belongs to (an empty value is a purge there, as MQTT's empty retain).
   */
  constructor(
    private readonly putPrefix: string,
    private readonly kvFor: (subject: string) => KV | undefined,
  ) {}

  /** The connection is there (first time). */
  attach(nc: NatsConnection, js: JetStreamClient): void {
    this.nc = nc;
    this.js = js;
  }

  get waiting(): number {
    return this.pending.size + this.inflight.size;
  }

  /** A retained value for stored subject `subject` (`$KV.{bucket}.{key}`). */
  put(subject: string, bytes: Uint8Array, ttlMs: number | undefined): void {
    this.pending.set(subject, { bytes, ttlMs });
    if (this.liveQueued === 0) this.pump(subject);
    else this.liveChain = this.liveChain.then(() => this.pump(subject)); // behind a waiting live message
  }

  /** Sends every waiting value (when up), then the live messages queued before the first connection. */
  flush(): void {
    for (const s of [...this.pending.keys()]) this.pump(s);
    if (this.nc) for (const [s, b] of this.beforeUp.splice(0)) this.live(s, b);
  }

  live(subject: string, bytes: Uint8Array): void {
    if (!this.nc) {
      if (this.beforeUp.length < 10_000) this.beforeUp.push([subject, bytes]);
      return;
    }
    if (this.firstAttempts.size === 0 && this.liveQueued === 0) return this.send(subject, bytes);
    const wait = [...this.firstAttempts];
    this.liveQueued++;
    this.liveChain = this.liveChain
      .then(() => Promise.race([Promise.allSettled(wait), new Promise((r) => setTimeout(r, LIVE_WAIT_MS))]))
      .then(() => {
        this.liveQueued--;
        this.send(subject, bytes);
      });
  }

  /** Sends what waits and settles what is in flight (a clean stop); stops retrying. */
  async close(): Promise<void> {
    this.flush();
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await Promise.allSettled([...this.firstAttempts]);
    await this.liveChain;
  }

  private send(subject: string, bytes: Uint8Array): void {
    try {
      this.nc?.publish(subject, bytes);
    } catch {
      /* closed or draining: a live message is lost like a QoS 0 one; gap repair covers headers */
    }
  }

  private pump(subject: string): void {
    const js = this.js;
    if (!this.up || !js || this.inflight.has(subject)) return;
    const v = this.pending.get(subject);
    if (!v) return;
    this.pending.delete(subject);
    this.inflight.add(subject);
    const h: MsgHdrs | undefined = v.ttlMs !== undefined ? headers() : undefined;
    h?.set(TTL_HEADER, String(Math.max(1, Math.round(v.ttlMs!))));
    const put =
      v.bytes.length === 0
        ? this.kvFor(subject)!.purge(subject.split('.').slice(2).join('.'))
        : js.publish(`${this.putPrefix}${subject}`, v.bytes, {
            timeout: PUT_TIMEOUT_MS,
            ...(h ? { headers: h } : {}),
          });
    let failed = false;
    const settled = put.then(
      () => {
        this.stats.retainedPuts++;
        this.retryRound = 0;
      },
      (e) => {
        failed = true;
        if (permanent(e)) this.stats.retainedRefused++;
        else {
          this.stats.retainedRetries++;
          if (!this.pending.has(subject)) this.pending.set(subject, v); // a newer value replaces it
          this.scheduleRetry();
        }
      },
    );
    this.firstAttempts.add(settled);
    void settled.finally(() => {
      this.firstAttempts.delete(settled);
      this.inflight.delete(subject);
      // A newer value that waited goes out now. After a failure the retry timer sends it again; a closing outbox
      // has no timer and sends nothing again: a draining connection refuses every put at once, and resending
      // on each refusal would be a loop of microtasks that starves the event loop (timers included).
      if (this.pending.has(subject) && !this.retryTimer && !(failed && this.closing)) this.pump(subject);
    });
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closing) return;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined;
        this.flush();
      },
      reconnectDelay(this.retryRound++, Math.random),
    );
  }
}
