// Liveness on NATS, in place of MQTT's Last Will (docs/transports.md "Liveness without Wills").
//
// NATS has no Will: a server does not publish anything for a client that vanished (its connection events
// go to the system account, which ordinary clients cannot read). So the broker's part is played by the
// clients themselves, with two JetStream key-value buckets:
//  - `wills`: each node puts its Will (the signed death the node builds for its current life, opaque bytes
//    here) under the will's key at every (re)connection;
//  - `leases`: each node puts its lease under the same key every delay/3; the bucket's max age is the
//    Will Delay, so the server removes a lease the node stopped refreshing `delay` after its last refresh.
// Any node that follows the will's key (a subscription on the will's channel: a birth it watches, or `n/+`
// on a bridge) sees the lease puts go by. When none came for the delay, it reads the lease: gone, and a
// will is stored, the will is executed: the watcher puts it as the value of the will's channel and key,
// expecting the revision of the value it read there (one executor wins; a birth the node republished
// meanwhile wins), then deletes the will expecting its revision (a node that came back and put a new
// will keeps it); an execution retried after a timeout that finds the will already in place only deletes
// it. A node that subscribes to a birth whose lease is gone executes the will at once, so a death is not
// lost when nobody was watching at the time.
// A clean close publishes the death itself and removes lease and will. A node whose own will was executed
// while it was connected (a stall longer than the delay) reports its link down and up again, so the node
// republishes a birth with a later life, which outranks that death.

import type { KV } from '@nats-io/kv';
import type { JetStreamClient, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { Channel } from '../../core/types.js';
import type { TransportOptions } from './types.js';
import { retainedIn, type NatsNames } from './nats-subjects.js';

type Will = NonNullable<TransportOptions['will']>;

export interface LivenessDeps {
  readonly names: NatsNames;
  readonly will: Will | undefined;
  /** The will's delay, ms: the lease bucket's max age (the bucket's own when it existed before). */
  readonly delayMs: number;
  readonly wills: KV;
  readonly leases: KV;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Prefix of put subjects (`$JS.{domain}.API.` through a JetStream domain, else ''). */
  readonly putPrefix: string;
  /** This node's own will was executed while it was connected: start a new life. */
  readonly relife: () => void;
}

const GRACE_MS = 1000;
/** Fraction of the delay between two lease refreshes. */
export const LEASE_REFRESHES_PER_DELAY = 3;

export class NatsLiveness {
  /** Wills this node executed (a peer's lease lapsed). */
  executed = 0;
  /** Lease refreshes that failed (retried at the next refresh). */
  leaseFailures = 0;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly watched = new Set<string>();
  private refresh: NodeJS.Timeout | undefined;
  private closed = false;
  /** Announcements started: a newer one (a reconnect) ends the retries of an older one. */
  private generation = 0;
  private announcing: Promise<void> = Promise.resolve();
  private d: LivenessDeps | undefined;

  constructor(readonly channel: Channel | undefined) {}

  get watching(): number {
    return this.timers.size;
  }

  /** Buckets opened (first connection): from now on it refreshes and watches. */
  attach(d: LivenessDeps): void {
    this.d = d;
  }

  private ownKey(): string | undefined {
    const w = this.d?.will;
    return w ? this.d!.names.keyOf(w.channel, w.key) : undefined;
  }

  /**
   * At every (re)connection: the lease first, then the will (a will without a lease is a lapsed one),
   * retried until both are stored (a put may time out while a stream elects a leader, or under load: a
   * node whose will is not stored could never be declared dead). The lease is refreshed every delay/3.
   */
  announce(): Promise<void> {
    this.announcing = this.announceNow();
    return this.announcing;
  }

  private async announceNow(): Promise<void> {
    const d = this.d;
    const own = this.ownKey();
    if (!d || !own || this.closed) return;
    const gen = ++this.generation;
    if (this.refresh) clearInterval(this.refresh);
    this.refresh = setInterval(() => {
      d.leases.put(own, '1').catch(() => this.leaseFailures++);
    }, d.delayMs / LEASE_REFRESHES_PER_DELAY);
    const w = d.will!;
    for (let attempt = 0; !this.closed && gen === this.generation; attempt++) {
      try {
        await d.leases.put(own, '1');
        if (this.closed) return; // a clean stop removes lease and will: no will after it
        await d.wills.put(own, typeof w.bytes === 'function' ? w.bytes() : w.bytes);
        return;
      } catch {
        this.leaseFailures++;
        await new Promise((r) => setTimeout(r, Math.min(8000, 500 * 2 ** attempt)));
      }
    }
  }

  /** A will of ours was deleted (the live subscription on our own will key saw it): executed by a peer. */
  ownWillGone(): void {
    if (!this.closed) this.d?.relife();
  }

  /** Subscriptions on the will channel: the keys (or `+` filters) whose leases this node follows. */
  watch(key: string): void {
    this.watched.add(key);
  }

  unwatch(key: string): void {
    this.watched.delete(key);
    for (const [k, t] of this.timers)
      if (!this.isWatched(k)) {
        clearTimeout(t);
        this.timers.delete(k);
      }
  }

  /** `k` is a bucket key (`n.{agent}`): followed when a watched filter covers it. */
  private isWatched(k: string): boolean {
    if (!this.d) return false;
    const ch = this.channel!;
    for (const w of this.watched) {
      const f = this.d.names.keyOf(ch, w).split('.');
      const t = k.split('.');
      if (f.length === t.length && f.every((x, i) => x === '*' || x === t[i])) return true;
    }
    return false;
  }

  /** A lease put went by for `k`: its will is due `delay` from now unless another one comes. */
  leaseSeen(k: string): void {
    if (k === this.ownKey() || !this.isWatched(k)) return;
    this.arm(k, this.d!.delayMs + GRACE_MS);
  }

  /** A new subscription on the will channel: check the covered leases now (a death nobody executed yet). */
  async checkNow(key: string): Promise<void> {
    const d = this.d;
    if (!d || this.closed) return;
    const filter = d.names.keyOf(this.channel!, key);
    if (!filter.includes('*')) return this.check(filter);
    const keys: string[] = [];
    for await (const k of await d.wills.keys(filter)) keys.push(k);
    await Promise.all(keys.map((k) => this.check(k)));
  }

  private arm(k: string, ms: number): void {
    const t = this.timers.get(k);
    if (t) clearTimeout(t);
    this.timers.set(
      k,
      setTimeout(() => {
        this.timers.delete(k);
        this.check(k).catch(() => this.arm(k, GRACE_MS * 2));
      }, ms),
    );
  }

  /**
   * Executes `k`'s will if its lease is gone; re-arms while it is there. The will is read before the lease,
   * both from the stream leader: a node puts its lease before its will, so a lease read after the will
   * belongs to that will's life or a later one. In the other order a node being born between the two reads
   * (no lease yet, then its new will) would be declared dead.
   */
  private async check(k: string): Promise<void> {
    const d = this.d;
    if (!d || this.closed || k === this.ownKey() || !this.isWatched(k)) return;
    const stored = await lastFromLeader(d, d.names.bucket('wills'), k);
    const will = stored && !stored.header?.get('KV-Operation') && stored.data.length > 0 ? stored : undefined;
    const lease = await this.leaseFromLeader(k);
    if (lease !== undefined) {
      const left = lease + d.delayMs - Date.now();
      return this.arm(k, Math.max(GRACE_MS, left + GRACE_MS));
    }
    if (!will) return;
    const bucket = d.names.bucket(retainedIn(this.channel!) ?? 'state');
    const target = `$KV.${bucket}.${k}`;
    const current = await lastFromLeader(d, bucket, k);
    if (!current || !sameBytes(current.data, will.data)) {
      try {
        // Expecting the value read: one executor wins, and a birth the node republished meanwhile wins.
        await d.js.publish(`${d.putPrefix}${target}`, will.data, {
          expect: { lastSubjectSequence: current?.seq ?? 0 },
        });
        this.executed++;
      } catch (e) {
        if (/wrong last sequence/i.test((e as Error).message)) return;
        throw e; // a timeout or an election: checked again shortly (arm)
      }
    }
    // Done (by us or another follower): the will goes, unless the node put a new one meanwhile.
    await d.wills.delete(k, { previousSeq: will.seq }).catch(() => undefined);
  }

  /**
   * When `k`'s lease was last put (ms), if it is still there. Read from the stream leader: a direct get may
   * come from a replica behind it, which would show a fresh node's will (in its own stream) without the lease
   * that was put before it, and a live node would be declared dead.
   */
  private async leaseFromLeader(k: string): Promise<number | undefined> {
    const m = await lastFromLeader(this.d!, this.d!.names.bucket('leases'), k);
    if (!m || m.header?.get('KV-Operation')) return undefined; // none, or a delete / purge (a clean stop)
    return m.time.getTime();
  }

  /** No more lease refreshes (the connection is being closed, whether or not the death went out). */
  stopRefresh(): void {
    if (this.refresh) clearInterval(this.refresh);
    this.refresh = undefined;
  }

  /** Clean close: the death goes out now, lease and will are removed. */
  async close(publishDeath: (bytes: Uint8Array) => Promise<unknown>): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const d = this.d;
    const own = this.ownKey();
    if (!d || !own) return;
    const w = d.will!;
    try {
      // Puts of an announcement in flight land before the removal below, not after it (a retry waiting for
      // its next attempt sees `closed` and stops; the wait is bounded so that the death still goes out).
      await Promise.race([this.announcing, new Promise((r) => setTimeout(r, 1000))]);
      // The lease keeps being refreshed until the death is out: a stop slower than the delay (a loaded
      // server) is still a clean stop, not a lapse that a watcher would execute beside our own death.
      await publishDeath(typeof w.bytes === 'function' ? w.bytes() : w.bytes);
    } finally {
      this.stopRefresh();
    }
    await Promise.allSettled([d.wills.purge(own), d.leases.purge(own)]);
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The last message of a key of a KV bucket, read from its stream's leader; null when there is none. */
async function lastFromLeader(d: LivenessDeps, bucket: string, k: string): Promise<StoredMsg | null> {
  return d.jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${k}` }).catch((e: Error) => {
    if (/not found/i.test(e.message)) return null;
    throw e;
  });
}
