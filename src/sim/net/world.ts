// The simulated world: a virtual clock, an event queue, one MQTT-like hub and the nodes on it.
//
// Hub semantics (what the runtime gets from an MQTT 5 broker, docs/architecture.md §5):
//  - topic names are `{first}/{rest}`; filters and retained messages as an MQTT broker has them (src/core/base/hub.ts);
//  - a retained PUBLISH replaces the retained message of its name and is delivered to later
//    subscribers at subscribe time, in the order names were first retained, until its Message Expiry
//    Interval (MQTT 5 §3.3.2.3.3, `expiryMs`) has passed;
//  - clean sessions: a node that goes offline loses its subscriptions; in-flight deliveries to it
//    are dropped; it comes back with a new process (Proc) on the same store;
//  - a partitioned node keeps running but is cut off from the hub: what it publishes waits in its
//    client's queue (as mqtt.js queues while reconnecting) and what was sent to it is lost; on heal
//    it re-subscribes everything it had (a reconnect) and flushes its queue.
// Byte accounting: every packet is counted on every link it crosses (sender's uplink, receiver's
// downlink), at its MQTT size (links.ts), per category = the name's first segment.

import { RetainedTable, SubscriberIndex } from '../../core/base/hub.js';
import { EventQueue } from '../scheduler.js';
import { DEFAULT_NET, Link, publishSize, subscribeSize, type NetParams } from './links.js';
import { Rng } from '../rng.js';

/** What a node's process may do on the network. */
export interface NodeIO {
  /** `expiryMs`: MQTT 5 Message Expiry of a retained message (counted in the packet's size). */
  publish(name: string, bytes: Uint8Array, retain: boolean, expiryMs?: number): void;
  subscribe(filter: string): void;
  unsubscribe(filter: string): void;
  /**
   * The connection's last will (MQTT 5 §3.1.2.5, §3.1.3.2.2): retained at `name` by the hub when the
   * node goes away without a clean disconnect, after `delayMs`, or at once when the node reconnects
   * with a clean start first (its old session ends then: the "late Will" a reborn node must outrank).
   */
  setWill?(name: string, bytes: Uint8Array, delayMs: number): void;
}

/** One incarnation of a node's software (a restart makes a new one). */
export interface Proc {
  start(now: number): void;
  deliver(now: number, name: string, bytes: Uint8Array): void;
  timeout(now: number): void;
  deadline(): number | undefined;
}

export type ProcFactory = (io: NodeIO, node: number) => Proc;

interface SimNode {
  readonly up: Link;
  readonly down: Link;
  readonly factory: ProcFactory;
  proc: Proc | undefined;
  /** Increments on every (re)join and partition heal: stale deliveries and timers are ignored. */
  incarnation: number;
  partitioned: boolean;
  readonly subs: Set<string>;
  readonly outbox: Array<{ name: string; bytes: Uint8Array; retain: boolean; expiryMs: number | undefined }>;
  timerAt: number | undefined;
  will: { name: string; bytes: Uint8Array; delayMs: number } | undefined;
  /** A will waiting for its delay after the node left (undefined once published). */
  pendingWill: { name: string; bytes: Uint8Array } | undefined;
}

export class World {
  now = 0;
  readonly net: NetParams;
  readonly bytesByCategory = new Map<string, number>();
  /** Deliveries per category (messages that reached a node's process). */
  readonly delivered = new Map<string, number>();
  lost = 0;
  private readonly q = new EventQueue();
  private readonly nodes: SimNode[] = [];
  private readonly rng: Rng;
  /** The hub's subscriptions (node indexes) and retained messages: src/core/base/hub.ts. */
  private readonly subscribers = new SubscriberIndex<number>();
  private readonly retained = new RetainedTable();
  /** Observer of every delivery (tests and the scale experiment count duplicates with it). */
  onDeliver: ((node: number, name: string, bytes: Uint8Array) => void) | undefined;

  constructor(seed: number, net: Partial<NetParams> = {}) {
    this.net = { ...DEFAULT_NET, ...net };
    this.rng = new Rng(seed, { bits: 32 }).fork('links');
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Adds a node (offline until `join`); its link class is drawn from the Wi-Fi share. */
  addNode(factory: ProcFactory): number {
    const i = this.nodes.length;
    const cls = this.rng.chance(this.net.wifiShare) ? this.net.wifi : this.net.wired;
    const r = this.rng.fork(`node/${i}`);
    this.nodes.push({
      up: new Link(cls, r.fork('up'), this.net.slowFactor),
      down: new Link(cls, r.fork('down'), this.net.slowFactor),
      factory,
      proc: undefined,
      incarnation: 0,
      partitioned: false,
      subs: new Set(),
      outbox: [],
      timerAt: undefined,
      will: undefined,
      pendingWill: undefined,
    });
    return i;
  }

  linkClass(i: number): string {
    return this.node(i).up.cls.name;
  }
  online(i: number): boolean {
    return this.node(i).proc !== undefined;
  }
  reachable(i: number): boolean {
    const n = this.node(i);
    return n.proc !== undefined && !n.partitioned;
  }
  proc(i: number): Proc | undefined {
    return this.node(i).proc;
  }

  /** Runs `f` on node i's current process now (an application call), then re-arms its timer. */
  act(i: number, f: (p: Proc) => void): void {
    this.call(i, f);
  }

  /** Schedules `fn` at virtual time t (≥ now), rounded up to whole ms: the clock is an integer ms count, as the core's is. */
  at(t: number, fn: () => void): void {
    this.q.push(Math.max(Math.ceil(t), this.now), fn);
  }

  /** Runs events up to and including time `until`; the clock ends at `until`. */
  run(until: number): void {
    for (let t = this.q.peekTime(); t !== undefined && t <= until; t = this.q.peekTime()) {
      const ev = this.q.pop()!;
      this.now = ev.t;
      ev.value();
    }
    this.now = Math.max(this.now, until);
  }

  /**
   * Starts a new process on node i (its store is the factory's business: kept across restarts).
   * `newSession`: it connects under another client id, so its previous session (and a will still waiting
   * for its delay) is left to run out: the old Will then arrives after the new birth (a late Will).
   */
  join(i: number, o: { newSession?: boolean } = {}): void {
    const n = this.node(i);
    if (n.proc) return;
    n.incarnation++;
    n.partitioned = false;
    n.outbox.length = 0;
    // A clean start ends the previous session: a will still waiting for its delay is published now.
    if (n.pendingWill && !o.newSession) this.publishWill(n);
    n.will = undefined;
    const inc = n.incarnation;
    const io: NodeIO = {
      publish: (name, bytes, retain, expiryMs) => this.publish(i, inc, name, bytes, retain, expiryMs),
      subscribe: (f) => this.subscribe(i, inc, f),
      unsubscribe: (f) => this.unsubscribe(i, inc, f),
      setWill: (name, bytes, delayMs) => {
        if (n.incarnation === inc) n.will = { name, bytes, delayMs };
      },
    };
    n.proc = n.factory(io, i);
    this.call(i, (p) => p.start(this.now));
  }

  /** Node i goes away: its process and subscriptions are gone (clean session). */
  leave(i: number): void {
    const n = this.node(i);
    if (!n.proc) return;
    n.proc = undefined;
    n.incarnation++;
    for (const f of n.subs) this.subscribers.delete(i, f);
    n.subs.clear();
    n.timerAt = undefined;
    if (n.will) {
      const { name, bytes, delayMs } = n.will;
      const w = (n.pendingWill = { name, bytes });
      n.will = undefined;
      this.at(this.now + delayMs, () => {
        if (n.pendingWill === w) this.publishWill(n);
      });
    }
  }

  /** The hub publishes a node's pending will (retained, to every matching subscriber). */
  private publishWill(n: SimNode): void {
    const w = n.pendingWill!;
    n.pendingWill = undefined;
    const size = publishSize(w.name, w.bytes.length, false);
    const cat = w.name.slice(0, w.name.indexOf('/'));
    this.retained.put(w.name, w.bytes, this.now);
    for (const j of this.targets(w.name)) this.send(j, w.name, w.bytes, size, cat);
  }

  /** Cuts node i off from the hub (it keeps running). */
  partition(i: number): void {
    const n = this.node(i);
    if (n.proc) n.partitioned = true;
  }

  /** Reconnects node i: re-subscribes its filters (retained messages come again) and flushes its queue. */
  heal(i: number): void {
    const n = this.node(i);
    if (!n.proc || !n.partitioned) return;
    n.partitioned = false;
    const subs = [...n.subs];
    const out = n.outbox.splice(0);
    for (const f of subs) this.subscribe(i, n.incarnation, f);
    for (const m of out) this.publish(i, n.incarnation, m.name, m.bytes, m.retain, m.expiryMs);
  }

  totalBytes(): number {
    let s = 0;
    for (const v of this.bytesByCategory.values()) s += v;
    return s;
  }

  // ---------------------------------------------------------------- hub

  private publish(i: number, inc: number, name: string, bytes: Uint8Array, retain: boolean, expiryMs?: number): void {
    const n = this.node(i);
    if (n.incarnation !== inc || !n.proc) return;
    if (n.partitioned) {
      n.outbox.push({ name, bytes, retain, expiryMs });
      return;
    }
    const size = publishSize(name, bytes.length, expiryMs !== undefined);
    const cat = name.slice(0, name.indexOf('/'));
    this.count(cat, size);
    const t = n.up.send(this.now, size);
    if (this.net.lossUplink && this.rngLoss()) return;
    this.at(t, () => {
      if (retain) this.retained.put(name, bytes, this.now, expiryMs);
      for (const j of this.targets(name)) this.send(j, name, bytes, size, cat);
    });
  }

  /** The nodes subscribed to `name`, in index order (deterministic runs). */
  private targets(name: string): number[] {
    return [...this.subscribers.subscribers(name)].sort((a, b) => a - b);
  }

  /** Broker → node j over j's downlink. */
  private send(j: number, name: string, bytes: Uint8Array, size: number, cat: string): void {
    const n = this.node(j);
    if (!n.proc || n.partitioned) return;
    const inc = n.incarnation;
    this.count(cat, size);
    const t = n.down.send(this.now, size);
    if (this.rngLoss()) return;
    this.at(t, () => {
      if (n.incarnation !== inc || n.partitioned || !n.proc) return;
      this.delivered.set(cat, (this.delivered.get(cat) ?? 0) + 1);
      this.onDeliver?.(j, name, bytes);
      this.call(j, (p) => p.deliver(this.now, name, bytes));
    });
  }

  private subscribe(i: number, inc: number, filter: string): void {
    const n = this.node(i);
    if (n.incarnation !== inc || !n.proc) return;
    // A repeated SUBSCRIBE replaces the subscription and, with Retain Handling 0 (the default), sends
    // the retained messages again (MQTT 5 §3.3.1.3, §3.8.3.1): the core relies on that for retries.
    n.subs.add(filter);
    if (n.partitioned) return; // sent on heal
    const size = subscribeSize(filter);
    this.count('sub', size);
    const t = n.up.send(this.now, size);
    this.at(t, () => {
      if (n.incarnation !== inc || !n.subs.has(filter)) return;
      this.subscribers.add(i, filter);
      // A retained message goes out with its remaining expiry (so the same property bytes); expired ones are gone.
      for (const [name, r] of this.retained.match(filter, this.now))
        this.send(
          i,
          name,
          r.bytes,
          publishSize(name, r.bytes.length, r.expiresAt !== Infinity),
          name.slice(0, name.indexOf('/')),
        );
    });
  }

  private unsubscribe(i: number, inc: number, filter: string): void {
    const n = this.node(i);
    if (n.incarnation !== inc || !n.proc || !n.subs.delete(filter)) return;
    if (n.partitioned) return;
    const size = subscribeSize(filter);
    this.count('sub', size);
    const t = n.up.send(this.now, size);
    this.at(t, () => {
      if (n.incarnation === inc && !n.subs.has(filter)) this.subscribers.delete(i, filter);
    });
  }

  private rngLoss(): boolean {
    if (this.rng.chance(this.net.lossP)) {
      this.lost++;
      return true;
    }
    return false;
  }

  private count(cat: string, size: number): void {
    this.bytesByCategory.set(cat, (this.bytesByCategory.get(cat) ?? 0) + size);
  }

  // ---------------------------------------------------------------- processes and their timers

  /** Calls into node i's process, then re-arms its one timer from deadline() (docs/conventions.md §2). */
  private call(i: number, f: (p: Proc) => void): void {
    const n = this.node(i);
    const p = n.proc;
    if (!p) return;
    f(p);
    if (n.proc !== p) return;
    const d = p.deadline();
    if (d === undefined || d === n.timerAt) return;
    n.timerAt = d;
    const inc = n.incarnation;
    // A deadline already due is served 1 ms later, so a process that keeps reporting a past deadline
    // cannot stall the clock.
    this.at(d <= this.now ? this.now + 1 : d, () => {
      if (n.incarnation !== inc || n.timerAt !== d || n.proc !== p) return;
      n.timerAt = undefined;
      this.call(i, (q) => q.timeout(this.now));
    });
  }

  private node(i: number): SimNode {
    const n = this.nodes[i];
    if (!n) throw new RangeError(`World: no node ${i}`);
    return n;
  }
}
