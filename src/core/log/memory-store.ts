// In-memory LogStore: the reference for the contract suite, and the store of the simulator.

import { toHex } from '../base/bytes.js';
import { CORE_ERR } from '../base/errors.js';
import { storedBaid, type LogHead, type LogRef, type LogStore, type StoredEntry } from './store.js';

const logKey = (author: Uint8Array, topic: string) => `${toHex(author)}/${topic}`;
/** The live index's slot of a declaration within its log: kind and key. */
const slotOf = (e: StoredEntry) => `${e.kind}/${e.key ?? ''}`;

interface StoredBinding {
  readonly version: number;
  readonly bytes: Uint8Array;
  readonly baid?: string;
}

interface Log {
  author: Uint8Array;
  topic: string;
  entries: Map<string, StoredEntry>;
  head?: LogHead;
  /** The live index of this log: slot (kind/key) -> entry (store.ts `live`). */
  live: Map<string, StoredEntry>;
}

export class MemoryStore implements LogStore {
  private readonly logsByKey = new Map<string, Log>();
  /** Author hex -> its logs, in the order logsByKey has them (an author's look-ups read only its own logs). */
  private readonly logsOf = new Map<string, Log[]>();
  private readonly bodies = new Map<string, { bytes: Uint8Array; expires: number }>();
  private readonly bindingMap = new Map<string, StoredBinding>();
  /**
   * baid hex -> the agent key (hex) whose stored binding has that baid, or the keys when several do (a rotated
   * baid): one map entry per baid, the strings shared with bindingMap (a simulator holds many stores).
   */
  private readonly baidIndex = new Map<string, string | string[]>();
  private count = 0;
  private closed = false;
  private txLog: Array<() => void> | undefined;

  private check(): void {
    if (this.closed) throw CORE_ERR.storeClosed('memory store is closed');
  }

  head(author: Uint8Array, topic: string): LogHead | undefined {
    this.check();
    return this.logsByKey.get(logKey(author, topic))?.head;
  }

  get(author: Uint8Array, topic: string, epoch: number, seq: number): StoredEntry | undefined {
    this.check();
    return this.logsByKey.get(logKey(author, topic))?.entries.get(`${epoch}:${seq}`);
  }

  range(author: Uint8Array, topic: string, epoch: number, fromSeq: number, toSeq: number): StoredEntry[] {
    const out: StoredEntry[] = [];
    for (let s = fromSeq; s <= toSeq; s++) {
      const e = this.get(author, topic, epoch, s);
      if (e) out.push(e);
    }
    return out;
  }

  append(e: StoredEntry): void {
    this.check();
    const k = logKey(e.author, e.topic);
    let log = this.logsByKey.get(k);
    if (!log) {
      log = { author: e.author, topic: e.topic, entries: new Map(), live: new Map() };
      this.logsByKey.set(k, log);
      const a = toHex(e.author);
      const mine = this.logsOf.get(a);
      if (mine) mine.push(log);
      else this.logsOf.set(a, [log]);
    }
    const pos = `${e.epoch}:${e.seq}`;
    if (log.entries.has(pos)) throw CORE_ERR.logConflict(`entry ${k} ${pos} already stored`);
    const prevHead = log.head;
    if (prevHead && e.epoch === prevHead.epoch && e.seq !== prevHead.seq + 1)
      throw CORE_ERR.logConflict(`append at ${e.seq} but head is ${prevHead.seq}`);
    if (prevHead && e.epoch < prevHead.epoch) throw CORE_ERR.logConflict(`append into old epoch ${e.epoch}`);
    log.entries.set(pos, e);
    log.head = { epoch: e.epoch, seq: e.seq, id: e.id, ts: e.ts };
    this.count++;
    const l = log;
    // The live index before this append, for the transaction's undo only (a copy per append outside one is waste).
    const prevLive = this.txLog ? new Map(l.live) : undefined;
    if (prevHead && e.epoch > prevHead.epoch) l.live.clear();
    if (e.kind !== 'withdraw') l.live.set(slotOf(e), e);
    else if (e.key === undefined) l.live.clear();
    else for (const k of [...l.live.keys()]) if (k.endsWith(`/${e.key}`)) l.live.delete(k);
    this.txLog?.push(() => {
      l.entries.delete(pos);
      if (prevHead) l.head = prevHead;
      else delete l.head;
      l.live = prevLive!;
      this.count--;
    });
  }

  unexpired(kind: StoredEntry['kind'], now: number, except: Uint8Array, sketchMask?: Uint8Array): StoredEntry[] {
    this.check();
    const skip = toHex(except) + '/';
    const out: StoredEntry[] = [];
    const wanted = (e: StoredEntry) =>
      !sketchMask || !e.sketch || sketchMask.every((m, i) => (e.sketch![i]! & m) === m);
    for (const [k, l] of this.logsByKey)
      if (!k.startsWith(skip))
        for (const e of l.entries.values()) if (e.kind === kind && e.expires > now && wanted(e)) out.push(e);
    return out.sort((x, y) => {
      const a = toHex(x.author);
      const b = toHex(y.author);
      return a !== b
        ? a < b
          ? -1
          : 1
        : x.topic !== y.topic
          ? x.topic < y.topic
            ? -1
            : 1
          : x.epoch - y.epoch || x.seq - y.seq;
    });
  }

  live(author: Uint8Array, now: number, topic?: string): StoredEntry[] {
    this.check();
    const out: StoredEntry[] = [];
    const logs = topic === undefined ? this.logsOf.get(toHex(author)) : [this.logsByKey.get(logKey(author, topic))];
    for (const l of logs ?? []) if (l) for (const e of l.live.values()) if (e.expires > now) out.push(e);
    return out.sort((x, y) => (x.topic === y.topic ? x.seq - y.seq : x.topic < y.topic ? -1 : 1));
  }

  liveOne(
    author: Uint8Array,
    topic: string,
    kind: StoredEntry['kind'],
    key: string | undefined,
    now: number,
  ): StoredEntry | undefined {
    this.check();
    const e = this.logsByKey.get(logKey(author, topic))?.live.get(`${kind}/${key ?? ''}`);
    return e && e.expires > now ? e : undefined;
  }

  logs(author?: Uint8Array): LogRef[] {
    this.check();
    const out: LogRef[] = [];
    const logs = author ? (this.logsOf.get(toHex(author)) ?? []) : this.logsByKey.values();
    for (const l of logs) if (l.head) out.push({ author: l.author, topic: l.topic, head: l.head });
    return out;
  }

  entryCount(): number {
    return this.count;
  }

  putBody(hash: Uint8Array, bytes: Uint8Array, expires: number): void {
    this.check();
    const k = toHex(hash);
    const had = this.bodies.get(k);
    this.bodies.set(k, { bytes, expires: Math.max(expires, had?.expires ?? 0) });
    this.txLog?.push(() => (had ? this.bodies.set(k, had) : this.bodies.delete(k)));
  }

  getBody(hash: Uint8Array): Uint8Array | undefined {
    this.check();
    return this.bodies.get(toHex(hash))?.bytes;
  }

  prune(now: number, olderThanTs: number, keepAuthor: Uint8Array): { entries: number; bodies: number } {
    this.check();
    const keep = toHex(keepAuthor);
    let entries = 0;
    const live = new Set<string>(); // bodies referenced by an unexpired entry
    for (const [k, l] of this.logsByKey) {
      for (const [slot, e] of l.live)
        if (e.expires <= now) {
          l.live.delete(slot); // expired declarations are not live: the index forgets them
          this.txLog?.push(() => l.live.set(slot, e));
        }
      const own = k.startsWith(keep + '/');
      for (const [pos, e] of l.entries) {
        if (e.expires > now) {
          live.add(toHex(e.bodyHash));
          continue;
        }
        if (own || e.ts >= olderThanTs || (l.head && l.head.epoch === e.epoch && l.head.seq === e.seq)) continue;
        l.entries.delete(pos);
        this.count--;
        entries++;
        this.txLog?.push(() => {
          l.entries.set(pos, e);
          this.count++;
        });
      }
    }
    let bodies = 0;
    for (const [k, b] of this.bodies) {
      if (b.expires > now || live.has(k)) continue;
      this.bodies.delete(k);
      bodies++;
      this.txLog?.push(() => this.bodies.set(k, b));
    }
    return { entries, bodies };
  }

  putBinding(agentKey: Uint8Array, version: number, bytes: Uint8Array, baid?: Uint8Array): void {
    this.check();
    const k = toHex(agentKey);
    const had = this.bindingMap.get(k);
    if (had && had.version > version) return;
    const b = baid ?? storedBaid(bytes);
    const now = b ? { version, bytes, baid: toHex(b) } : { version, bytes };
    this.setBinding(k, had, now);
    this.txLog?.push(() => this.setBinding(k, now, had));
  }

  /** Replaces agent `k`'s stored binding `from` by `to` (none: removed), keeping the baid index. */
  private setBinding(k: string, from: StoredBinding | undefined, to: StoredBinding | undefined): void {
    if (from?.baid !== undefined) {
      const at = this.baidIndex.get(from.baid);
      if (at === k) this.baidIndex.delete(from.baid);
      else if (Array.isArray(at)) {
        const rest = at.filter((x) => x !== k);
        this.baidIndex.set(from.baid, rest.length === 1 ? rest[0]! : rest);
      }
    }
    if (!to) {
      this.bindingMap.delete(k);
      return;
    }
    this.bindingMap.set(k, to);
    if (to.baid !== undefined) {
      const at = this.baidIndex.get(to.baid);
      this.baidIndex.set(to.baid, at === undefined || at === k ? k : [...(Array.isArray(at) ? at : [at]), k]);
    }
  }

  bindingsOfBaid(baid: Uint8Array): Array<{ version: number; bytes: Uint8Array }> {
    this.check();
    const at = this.baidIndex.get(toHex(baid));
    const keys = at === undefined ? [] : Array.isArray(at) ? at : [at];
    return keys
      .map((k) => this.bindingMap.get(k)!)
      .map((b) => ({ version: b.version, bytes: b.bytes }))
      .sort((a, b) => b.version - a.version);
  }

  bindings(): Uint8Array[] {
    this.check();
    return [...this.bindingMap.values()].map((b) => b.bytes);
  }

  binding(agentKey: Uint8Array): Uint8Array | undefined {
    this.check();
    return this.bindingMap.get(toHex(agentKey))?.bytes;
  }

  laterBindings(): Uint8Array[] {
    this.check();
    return [...this.bindingMap.values()].filter((b) => b.version > 1).map((b) => b.bytes);
  }

  findBinding(match: (bytes: Uint8Array) => boolean): Uint8Array | undefined {
    this.check();
    for (const b of this.bindingMap.values()) if (match(b.bytes)) return b.bytes;
    return undefined;
  }

  transaction<T>(fn: () => T): T {
    this.check();
    if (this.txLog) return fn(); // nested: part of the outer transaction
    this.txLog = [];
    try {
      const r = fn();
      this.txLog = undefined;
      return r;
    } catch (e) {
      const undo = this.txLog ?? [];
      this.txLog = undefined;
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
      throw e;
    }
  }

  close(): void {
    this.closed = true;
  }
}
