// One Kademlia node of the discovery experiment's DHT baseline (the protocol: routing.ts, rpc.ts; the
// method, its parameters and what is counted: method.ts).
//
// What a node keeps across restarts (`Kept`, its disk): routing table, stored values, the known
// bootstrap contacts, its verifier. What a restart loses (`KadProc`, one process): RPCs in flight,
// lookups, timers. While offline a node receives nothing (the hub drops what is sent to it).
//
// At each join: subscribe to its three inboxes (one per traffic class, so the hub's byte accounting
// splits them: `kn` routing, `ks` publishing, `kv` querying), then a lookup for its own id seeded with
// its table's closest contacts and its bootstrap contacts (§2.3 "join"); on the first join only, a
// lookup for a random id in every bucket farther than its closest neighbour (the bucket refresh of
// §2.3); then it publishes: a FIND_NODE lookup for its topic's key, and STORE of its signed
// declaration (birth + entry + body) on the k closest nodes that answered; again every republishMs.

import { utf8 } from '../../../core/base/bytes.js';
import type { NodeIO, Proc } from '../../net/world.js';
import type { RunCtx } from '../runner.js';
import { DeclChecker, pack, signBirth, signDecl, unpack, type Verified } from '../signed.js';
import { capabilityOf, covers, type Request } from '../workload.js';
import { idFromBytes, idToBytes, type Contact, RoutingTable } from './routing.js';
import {
  decodeContacts,
  decodeHeader,
  encodeContacts,
  encodeHeader,
  FIND_NODE,
  FIND_VALUE,
  type Header,
  Lookup,
  NODES,
  PING,
  PONG,
  STORE,
  STORED,
  VALUES,
} from './rpc.js';

export interface KadParams {
  /** Bucket size and replication factor (the paper's k = 20). */
  readonly k: number;
  /** Parallel RPCs per lookup (the paper's α = 3). */
  readonly alpha: number;
  /** An RPC not answered within this is failed and its contact leaves the table, ms. */
  readonly rpcTimeoutMs: number;
  /** Contacts a node knows before it first joins. */
  readonly bootstrapContacts: number;
  /** A provider STOREs its declaration again this often while online (and at every join), ms. */
  readonly republishMs: number;
  /** A stored value is dropped this long after its STORE, ms. */
  readonly valueTtlMs: number;
  /** A failed join lookup, publish or FIND_VALUE lookup is retried after this, ms. */
  readonly retryMs: number;
  /** At most this many declarations per VALUES reply, most recently stored first. */
  readonly maxValues: number;
  /** On the first join, look up a random id in every bucket farther than the closest neighbour (§2.3). */
  readonly refreshOnJoin: boolean;
}

export interface KadStats {
  rpcs: number;
  timeouts: number;
  lookups: number;
  stores: number;
}

export interface StoredValue {
  readonly birth: Uint8Array;
  readonly entry: Uint8Array;
  readonly body: Uint8Array;
  readonly tags: readonly string[];
  readonly storedAt: number;
  readonly expiresAt: number;
}

export interface Kept {
  readonly table: RoutingTable;
  /** key → author hex → value. */
  readonly store: Map<bigint, Map<string, StoredValue>>;
  readonly checker: DeclChecker;
  readonly bootstrap: readonly Contact[];
  refreshed: boolean;
  /** RPC ids continue across restarts, so a late reply to a previous process matches nothing. */
  nextRpc: number;
}

type Cat = 'kn' | 'ks' | 'kv';
const dec = new TextDecoder();

interface Pending {
  readonly to: Contact;
  readonly deadline: number;
  readonly onReply: (h: Header) => void;
  readonly onFail: () => void;
}

export const topicKey = (ctx: RunCtx, topic: string): bigint =>
  idFromBytes(ctx.crypto.sha256(utf8(`agentnet/kad/v1/topic/${topic}`)));

export class KadProc implements Proc {
  private readonly self: Contact;
  private readonly rpcs = new Map<number, Pending>();
  private now = 0;
  private joinAt: number | undefined;
  private republishAt: number | undefined;
  private value: Uint8Array[] | undefined;
  private query: { r: Request; nextAt: number | undefined; satisfied: boolean } | undefined;

  constructor(
    private readonly io: NodeIO,
    private readonly ctx: RunCtx,
    private readonly i: number,
    private readonly kept: Kept,
    private readonly p: KadParams,
    private readonly stats: KadStats,
  ) {
    this.self = { id: kept.table.self, addr: i };
  }

  start(now: number): void {
    this.now = now;
    for (const c of ['kn', 'ks', 'kv'] as const) this.io.subscribe(`${c}/${this.i}`);
    const id = this.ctx.ids[this.i]!;
    const cap = capabilityOf(this.i);
    const d = signDecl(this.ctx.crypto, id, now, { kind: 'capability', ...cap, ttlMs: 86_400_000 });
    this.value = [idToBytes(topicKey(this.ctx, cap.topic)), signBirth(this.ctx.crypto, id, now), d.entry, d.body];
    this.join();
  }

  request(now: number, r: Request): void {
    this.now = now;
    this.query = { r, nextAt: now, satisfied: false };
    this.timeout(now);
  }

  deadline(): number | undefined {
    let d = Math.min(this.joinAt ?? Infinity, this.republishAt ?? Infinity, this.query?.nextAt ?? Infinity);
    for (const r of this.rpcs.values()) d = Math.min(d, r.deadline);
    return Number.isFinite(d) ? d : undefined;
  }

  timeout(now: number): void {
    this.now = now;
    for (const [id, r] of [...this.rpcs]) {
      if (r.deadline > now || !this.rpcs.has(id)) continue;
      this.rpcs.delete(id);
      this.stats.timeouts++;
      this.kept.table.failed(r.to.id);
      r.onFail();
    }
    if (this.joinAt !== undefined && this.joinAt <= now) this.join();
    if (this.republishAt !== undefined && this.republishAt <= now) this.publish();
    const q = this.query;
    if (q && q.nextAt !== undefined && q.nextAt <= now) this.find(q);
  }

  deliver(now: number, name: string, bytes: Uint8Array): void {
    this.now = now;
    const parts = unpack(bytes);
    const h = parts && decodeHeader(parts);
    if (!h || h.from.id === this.self.id) return;
    const cat = name.slice(0, 2) as Cat;
    this.observe(h.from);
    const a = h.args;
    switch (h.type) {
      case PING:
        return this.send(h.from, cat, PONG, h.rpc);
      case FIND_NODE:
        if (a.length !== 1 || a[0]!.length !== 32) return;
        return this.send(h.from, cat, NODES, h.rpc, encodeContacts(this.closestFor(idFromBytes(a[0]!), h.from.id)));
      case FIND_VALUE: {
        if (a.length !== 2 || a[0]!.length !== 32) return;
        const key = idFromBytes(a[0]!);
        const tags = dec.decode(a[1]!).split('\n');
        const hits = this.held(key, tags);
        if (hits.length)
          return this.send(h.from, cat, VALUES, h.rpc, ...hits.flatMap((v) => [v.birth, v.entry, v.body]));
        return this.send(h.from, cat, NODES, h.rpc, encodeContacts(this.closestFor(key, h.from.id)));
      }
      case STORE:
        if (a.length !== 4 || a[0]!.length !== 32 || !this.accept(idFromBytes(a[0]!), a[1]!, a[2]!, a[3]!)) return;
        return this.send(h.from, cat, STORED, h.rpc);
      default: {
        const r = this.rpcs.get(h.rpc);
        if (!r || r.to.id !== h.from.id) return;
        this.rpcs.delete(h.rpc);
        r.onReply(h);
      }
    }
  }

  // ------------------------------------------------------------ joining and publishing

  private join(): void {
    this.joinAt = undefined;
    const t = this.self.id;
    this.lookup(t, 'kn', FIND_NODE, [idToBytes(t)], undefined, (lk) => {
      if (!lk.closest().length) {
        this.joinAt = this.now + this.p.retryMs;
        return;
      }
      if (!this.kept.refreshed && this.p.refreshOnJoin) {
        this.kept.refreshed = true;
        const near = this.kept.table.nearestBucket();
        for (let b = Math.max(near + 1, 0); b < 256; b++) {
          const rnd =
            idFromBytes(this.ctx.crypto.sha256(utf8(`agentnet-sim/kad/refresh/${this.i}/${b}`))) &
            ((1n << BigInt(b)) - 1n);
          const target = t ^ ((1n << BigInt(b)) | rnd);
          this.lookup(target, 'kn', FIND_NODE, [idToBytes(target)], undefined, () => {});
        }
      }
      this.publish();
    });
  }

  private publish(): void {
    const [keyBytes, birth, entry, body] = this.value!;
    const key = idFromBytes(keyBytes!);
    this.republishAt = undefined;
    this.accept(key, birth!, entry!, body!);
    this.lookup(key, 'ks', FIND_NODE, [keyBytes!], undefined, (lk) => {
      const targets = lk.closest(this.p.k);
      if (!targets.length) {
        this.republishAt = this.now + this.p.retryMs;
        return;
      }
      for (const c of targets) {
        this.stats.stores++;
        this.rpc(
          c,
          'ks',
          STORE,
          [keyBytes!, birth!, entry!, body!],
          () => {},
          () => {},
        );
      }
      this.republishAt = this.now + this.p.republishMs;
    });
  }

  /** Verifies and keeps a STOREd declaration (as the registry does on registration). */
  private accept(key: bigint, birth: Uint8Array, entry: Uint8Array, body: Uint8Array): boolean {
    const author = this.kept.checker.birth(birth, this.now);
    const v = author && this.kept.checker.decl(entry, body);
    if (!v || v.author !== author || v.entry.kind !== 'capability' || topicKey(this.ctx, v.entry.topic) !== key)
      return false;
    let m = this.kept.store.get(key);
    if (!m) this.kept.store.set(key, (m = new Map()));
    m.set(author, {
      birth,
      entry,
      body,
      tags: v.body.tags,
      storedAt: this.now,
      expiresAt: this.now + this.p.valueTtlMs,
    });
    return true;
  }

  /** Unexpired values under key covering tags, most recently stored first, at most maxValues. */
  private held(key: bigint, tags: readonly string[]): StoredValue[] {
    const m = this.kept.store.get(key);
    if (!m) return [];
    for (const [a, v] of m) if (v.expiresAt <= this.now) m.delete(a);
    return [...m.values()]
      .filter((v) => covers(v.tags, tags))
      .sort((x, y) => y.storedAt - x.storedAt)
      .slice(0, this.p.maxValues);
  }

  // ------------------------------------------------------------ querying

  private find(q: NonNullable<KadProc['query']>): void {
    q.nextAt = undefined;
    const r = q.r;
    if (q.satisfied || this.now - r.t > this.ctx.sc.deadlineMs) return;
    const key = topicKey(this.ctx, r.topic);
    for (const v of this.held(key, r.tags)) this.check(q, v.birth, v.entry, v.body);
    if (q.satisfied) return;
    const started = this.now;
    this.lookup(
      key,
      'kv',
      FIND_VALUE,
      [idToBytes(key), utf8(r.tags.join('\n'))],
      (lk, h) => {
        if (h.type !== VALUES || this.query !== q) return;
        for (let k = 0; k + 2 < h.args.length; k += 3) this.check(q, h.args[k]!, h.args[k + 1]!, h.args[k + 2]!);
        if (q.satisfied) lk.stopped = true;
      },
      () => {
        if (this.query === q && !q.satisfied) q.nextAt = Math.max(started + this.p.retryMs, this.now + 1);
      },
    );
  }

  /**
   * Verifies a returned declaration like every baseline (T2 binding, T1 entry, body hash) and offers it
   * to the scorer. The requester stops looking once it holds one whose provider is online: the
   * simulator's knowledge, given for free (benefit of the doubt: a real client would probe it).
   */
  private check(q: NonNullable<KadProc['query']>, birth: Uint8Array, entry: Uint8Array, body: Uint8Array): void {
    const r = q.r;
    const author = this.kept.checker.birth(birth, this.now);
    const v: Verified | undefined = author ? this.kept.checker.decl(entry, body) : undefined;
    if (
      !v ||
      v.author !== author ||
      v.entry.kind !== 'capability' ||
      v.entry.topic !== r.topic ||
      !covers(v.body.tags, r.tags)
    )
      return;
    const provider = this.ctx.byKey.get(v.author);
    if (provider === undefined) return;
    this.ctx.found(r.id, provider);
    if (this.ctx.world.online(provider)) q.satisfied = true;
  }

  // ------------------------------------------------------------ lookups and RPCs

  private lookup(
    target: bigint,
    cat: Cat,
    type: number,
    args: Uint8Array[],
    onReply: ((lk: Lookup, h: Header) => void) | undefined,
    onDone: (lk: Lookup) => void,
  ): void {
    this.stats.lookups++;
    const seeds = [...this.kept.table.closest(target, this.p.k), ...this.kept.bootstrap];
    const lk = new Lookup(target, this.self.id, this.p.k, this.p.alpha, seeds);
    let finished = false;
    const pump = () => {
      for (const c of lk.next()) {
        this.rpc(
          c,
          cat,
          type,
          args,
          (h) => {
            const named = h.type === NODES && h.args.length === 1 ? (decodeContacts(h.args[0]!) ?? []) : [];
            lk.answered(c.id, named);
            onReply?.(lk, h);
            pump();
          },
          () => {
            lk.failed(c.id);
            pump();
          },
        );
      }
      if (lk.done && !finished) {
        finished = true;
        onDone(lk);
      }
    };
    pump();
  }

  private rpc(
    to: Contact,
    cat: Cat,
    type: number,
    args: Uint8Array[],
    onReply: (h: Header) => void,
    onFail: () => void,
  ): void {
    const id = this.kept.nextRpc++;
    this.stats.rpcs++;
    this.rpcs.set(id, { to, deadline: this.now + this.p.rpcTimeoutMs, onReply, onFail });
    this.send(to, cat, type, id, ...args);
  }

  private send(to: Contact, cat: Cat, type: number, rpc: number, ...args: Uint8Array[]): void {
    this.io.publish(`${cat}/${to.addr}`, pack(...encodeHeader(type, rpc, this.self), ...args), false);
  }

  /** A message from c: the routing table learns it; a full bucket's head is pinged (§2.2). */
  private observe(c: Contact): void {
    const head = this.kept.table.seen(c);
    if (head)
      this.rpc(
        head,
        'kn',
        PING,
        [],
        () => this.kept.table.pingAnswered(head.id),
        () => {},
      );
  }

  private closestFor(target: bigint, asker: bigint): Contact[] {
    return this.kept.table
      .closest(target, this.p.k + 1)
      .filter((c) => c.id !== asker)
      .slice(0, this.p.k);
  }
}
