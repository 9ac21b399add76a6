// The broker semantics agentnet relies on, as data structures: MQTT topic filters, retained messages with an
// expiry, and an index from a published name to its subscribers. One implementation for every place that
// stands in for a broker: the in-memory transport (src/runtime/transport/memory.ts), the simulator's hub
// (src/sim/net/world.ts) and the test harness (test/harness.ts). Sans-I/O: times are passed in.
//
// Semantics (MQTT 3.1.1 §4.7, MQTT 5 §4.7): names are `/`-separated levels; in a filter `+` stands for exactly
// one level and a final `#` for any number of levels (zero included). A retained publish replaces the retained
// message of its name, an empty one deletes it; a retained message is handed to later subscribers until its
// Message Expiry Interval has passed (MQTT 5 §3.3.2.3.3), in the order the names were first retained.

/** Whether `name` matches the MQTT filter `filter` (`+` one level, final `#` any number). */
export function topicMatches(filter: string, name: string): boolean {
  if (filter === name) return true;
  const f = filter.split('/');
  const n = name.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= n.length || (f[i] !== '+' && f[i] !== n[i])) return false;
  }
  return f.length === n.length;
}

/** The level above a name (`a/b/c` -> `a/b`); names without `/` have the empty parent. */
const parentOf = (name: string): string => {
  const i = name.lastIndexOf('/');
  return i < 0 ? '' : name.slice(0, i);
};

/** A filter that is a parent plus one `+` level (`a/b/+`), the shape agentnet subscribes most: its parent. */
const oneLevelParent = (filter: string): string | undefined => {
  if (!filter.endsWith('/+')) return undefined;
  const p = filter.slice(0, -2);
  return p.includes('+') || p.includes('#') ? undefined : p;
};
const isWild = (filter: string): boolean => filter.includes('+') || filter.includes('#');

export interface Retained {
  readonly bytes: Uint8Array;
  /** ms on the caller's clock; Infinity when the publish carried no expiry. */
  readonly expiresAt: number;
}

/** Retained messages, grouped by parent level so that a `parent/+` filter reads its group directly. */
export class RetainedTable {
  private readonly groups = new Map<string, Map<string, Retained>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** A retained publish at `now`: empty bytes delete, otherwise replace (keeping the name's first position). */
  put(name: string, bytes: Uint8Array, now: number, expiryMs?: number): void {
    if (bytes.length === 0) return void this.delete(name);
    const p = parentOf(name);
    let g = this.groups.get(p);
    if (!g) this.groups.set(p, (g = new Map()));
    if (!g.has(name)) this.count++;
    g.set(name, { bytes, expiresAt: expiryMs === undefined ? Infinity : now + expiryMs });
  }

  delete(name: string): boolean {
    const g = this.groups.get(parentOf(name));
    if (!g?.delete(name)) return false;
    this.count--;
    if (g.size === 0) this.groups.delete(parentOf(name));
    return true;
  }

  /** Whether `name` has a retained message (expired or not: `get` tells the live ones). */
  has(name: string): boolean {
    return this.groups.get(parentOf(name))?.has(name) ?? false;
  }

  clear(): void {
    this.groups.clear();
    this.count = 0;
  }

  /** The live retained message of `name` at `now` (an expired one is removed). */
  get(name: string, now: number): Retained | undefined {
    const r = this.groups.get(parentOf(name))?.get(name);
    if (r && r.expiresAt <= now) return void this.delete(name);
    return r;
  }

  /** The live retained messages matching `filter` at `now`, expired ones removed on the way. */
  match(filter: string, now: number): Array<[string, Retained]> {
    if (!isWild(filter)) {
      const r = this.get(filter, now);
      return r ? [[filter, r]] : [];
    }
    const one = oneLevelParent(filter);
    const groups = one !== undefined ? [this.groups.get(one)] : [...this.groups.values()];
    const out: Array<[string, Retained]> = [];
    const dead: string[] = [];
    for (const g of groups)
      for (const [name, r] of g ?? []) {
        if (r.expiresAt <= now) dead.push(name);
        else if (one !== undefined || topicMatches(filter, name)) out.push([name, r]);
      }
    for (const name of dead) this.delete(name);
    return out;
  }
}

/**
 * Subscriptions: which subscribers (of any type: a node index, a callback) hold a filter matching a name.
 * Exact filters and `parent/+` filters are looked up directly; other wildcard filters are matched one by one.
 */
export class SubscriberIndex<S> {
  private readonly exact = new Map<string, Set<S>>();
  private readonly oneLevel = new Map<string, Set<S>>();
  private readonly other = new Map<string, Set<S>>();

  private slot(filter: string): [Map<string, Set<S>>, string] {
    const one = oneLevelParent(filter);
    if (one !== undefined) return [this.oneLevel, one];
    return isWild(filter) ? [this.other, filter] : [this.exact, filter];
  }

  add(s: S, filter: string): void {
    const [m, k] = this.slot(filter);
    let set = m.get(k);
    if (!set) m.set(k, (set = new Set()));
    set.add(s);
  }

  delete(s: S, filter: string): void {
    const [m, k] = this.slot(filter);
    const set = m.get(k);
    if (set?.delete(s) && set.size === 0) m.delete(k);
  }

  /** Every subscriber with at least one filter matching `name`, each once, in the order first found. */
  subscribers(name: string): Set<S> {
    const out = new Set<S>();
    for (const s of this.exact.get(name) ?? []) out.add(s);
    for (const s of this.oneLevel.get(parentOf(name)) ?? []) out.add(s);
    for (const [f, set] of this.other) if (topicMatches(f, name)) for (const s of set) out.add(s);
    return out;
  }
}
