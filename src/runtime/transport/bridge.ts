// A node on both an MQTT broker and a UDP LAN mesh (docs/architecture.md §5): `createTransport("mqtt://... udp://...")`
// (URLs separated by spaces: a udp:// URL has commas in its `peers`).
// It is one transport to the core, and a bridge between the two networks: every header, birth, frontier
// and direct message seen on one side is republished on the other exactly once. Bodies do not cross by
// push (bodyless gossip): a node that misses a retained copy on its side asks the author directly, and
// that request and its answer cross the bridge as direct messages.
//
// Once, not twice, and not never:
//  - an echo (a copy of what the bridge itself published on a side, which a broker sends back to its
//    own subscriptions) is recognised by a per-side mark set when publishing, and consumed;
//  - copies of one message arriving within DUP_WINDOW_MS of the first (a broker delivering once per
//    overlapping subscription) are duplicates;
//  - the same bytes arriving later are a new message: direct messages carry no nonce, so a retried
//    gap or body request is byte-identical to the first attempt, and must cross again.
//
// What the core sees is what one broker connection would give it: each live message once, and each
// retained version (birth, frontier, body) once per subscription that covers it, even when the bridge
// had already forwarded that version before the core subscribed (a birth fetched for a new author).

import { createHash } from 'node:crypto';
import { CHANNEL, PUSHED_CHANNELS, type Channel, type PushedChannel } from '../../core/channels.js';
import { topicMatches } from '../../core/base/hub.js';
import type { Transport, TransportState, TransportStats } from './types.js';

/**
 * ms within which a copy of a message is a duplicate. Shorter than any re-send interval of the core
 * (pullTimeoutMs, 2000-3000 ms in the shipped profiles), far longer than the gap between copies a
 * broker writes for overlapping subscriptions (one write, microseconds apart).
 */
export const DUP_WINDOW_MS = 500;
/** ms an echo mark waits for its echo (the mesh never echoes: its marks simply expire). */
const ECHO_MARK_MS = 30_000;

/** Per forwarded channel (the pushed rows of the channel table, core/channels.ts): a count. */
type Forwarded = Record<PushedChannel, number>;

/** What the bridge did: messages republished on the other side(s), per channel, and copies dropped. */
export type BridgeStats = {
  readonly forwarded: Readonly<Forwarded>;
  /** Echoes of our own publishes and duplicate copies: neither forwarded nor delivered again. */
  readonly echoes: number;
  /** Each side's own counters, and what the bridge forwarded from that side (`forwardedFrom`). */
  readonly sides: ReadonlyArray<TransportStats & { readonly forwardedFrom: Readonly<Forwarded> }>;
};

export interface BridgeOptions {
  /** Bound of each id cache (first sightings, echo marks per side, retained hand-overs). */
  readonly capacity?: number;
  /** The clock (ms); tests inject one. */
  readonly now?: () => number;
}

/** A Map used as a bounded cache: oldest insertion evicted first. */
function put<K, V>(m: Map<K, V>, k: K, v: V, capacity: number): void {
  m.delete(k);
  m.set(k, v);
  if (m.size > capacity) m.delete(m.keys().next().value!);
}

const zeroForwarded = (): Forwarded => Object.fromEntries(PUSHED_CHANNELS.map((p) => [p.channel, 0])) as Forwarded;

/** The id of one message: its channel, key and bytes. */
const idOf = (channel: Channel, key: string, bytes: Uint8Array) =>
  createHash('sha256').update(channel).update('\0').update(key).update('\0').update(bytes).digest('base64');

/**
 * The bridge's memory of copies ("once, not twice, and not never" above): first sightings, echo marks per
 * side, and which retained version the core was handed per name since its covering subscribe.
 */
class Copies {
  /** Message id -> when it was first seen (arrived or published), for the duplicate window. */
  private readonly firstSeen = new Map<string, number>();
  /** Per side: message id -> copies we published there whose echo has not come back, and until when to wait. */
  private readonly marks: Array<Map<string, { n: number; until: number }>>;
  /** Retained name (`channel/key`) -> id of the version handed to the core since its subscribe covering it. */
  private readonly handed = new Map<string, string>();
  /** The core's own subscriptions, as `channel/key` filters. */
  readonly coreFilters = new Set<string>();

  constructor(
    sides: number,
    private readonly capacity: number,
    private readonly clock: () => number,
  ) {
    this.marks = Array.from({ length: sides }, () => new Map());
  }

  /** A message we publish ourselves: first seen now. */
  published(id: string): void {
    put(this.firstSeen, id, this.clock(), this.capacity);
  }

  /** We publish `id` on `side`: its echo there is expected. */
  mark(side: number, id: string): void {
    const m = this.marks[side]!.get(id);
    const n = (m && m.until > this.clock() ? m.n : 0) + 1;
    put(this.marks[side]!, id, { n, until: this.clock() + ECHO_MARK_MS }, this.capacity);
  }

  /** True for a first copy arriving on `side`; false for an echo of ours (the mark is used up) or a duplicate. */
  fresh(side: number, id: string): boolean {
    return !this.consumeEcho(side, id) && this.sight(id);
  }

  private consumeEcho(side: number, id: string): boolean {
    const m = this.marks[side]!.get(id);
    if (!m || m.until <= this.clock()) return false;
    if (m.n > 1) m.n--;
    else this.marks[side]!.delete(id);
    return true;
  }

  /** True for a first copy; false for a copy within the duplicate window of the first. */
  private sight(id: string): boolean {
    const t = this.firstSeen.get(id);
    if (t !== undefined && this.clock() - t < DUP_WINDOW_MS) return false;
    put(this.firstSeen, id, this.clock(), this.capacity);
    return true;
  }

  /** Live messages: first copies. Retained ones: each version once per covering subscription. */
  toCore(channel: Channel, key: string, id: string, fresh: boolean): boolean {
    const name = `${channel}/${key}`;
    if (![...this.coreFilters].some((f) => topicMatches(f, name))) return false;
    if (!CHANNEL[channel].retained) return fresh;
    if (this.handed.get(name) === id) return false;
    put(this.handed, name, id, this.capacity);
    return true;
  }

  /** The core subscribes `filter` again: the retained versions it covers go to the core once more. */
  rehand(filter: string): void {
    for (const name of [...this.handed.keys()]) if (topicMatches(filter, name)) this.handed.delete(name);
  }
}

/** The forwarding subscription (`all` of a pushed row) already covers every filter of a live channel. */
const coveredLive = (channel: Channel) => CHANNEL[channel].pushed && !CHANNEL[channel].retained;
/** Whether `key` is the filter the bridge itself holds on `channel` for forwarding. */
const forwarding = (channel: Channel, key: string) =>
  PUSHED_CHANNELS.some((p) => p.channel === channel && p.all === key);

export function createBridge(
  sides: readonly Transport[],
  o: BridgeOptions = {},
): Omit<Transport, 'stats'> & { stats(): BridgeStats } {
  if (sides.length < 2) throw new RangeError('bridge: needs at least two transports');
  const copies = new Copies(sides.length, o.capacity ?? 16384, o.now ?? Date.now);
  const cbs: Array<(c: Channel, k: string, b: Uint8Array) => void> = [];
  const stateCbs: Array<(s: TransportState) => void> = [];
  const forwardedFrom: Forwarded[] = sides.map(zeroForwarded);
  const counts = { echoes: 0 };
  const states = sides.map((): TransportState => 'down');
  const bridge = {
    url: sides.map((s) => s.url).join(','),
    publish(channel: Channel, key: string, bytes: Uint8Array, opts: { retain: boolean; expiryMs?: number }) {
      const id = idOf(channel, key, bytes);
      copies.published(id);
      sides.forEach((s, i) => {
        copies.mark(i, id);
        s.publish(channel, key, bytes, opts);
      });
    },
    subscribe(channel: Channel, key: string) {
      const filter = `${channel}/${key}`;
      copies.coreFilters.add(filter);
      if (coveredLive(channel)) return; // a second, overlapping subscription would only bring copies
      copies.rehand(filter); // the sides send the retained versions again: each goes to the core once more
      for (const s of sides) s.subscribe(channel, key);
    },
    unsubscribe(channel: Channel, key: string) {
      copies.coreFilters.delete(`${channel}/${key}`);
      // The forwarding subscriptions stay: only the core's own ones go.
      if (!coveredLive(channel) && !forwarding(channel, key)) for (const s of sides) s.unsubscribe(channel, key);
    },
    onMessage(cb: (c: Channel, k: string, b: Uint8Array) => void) {
      cbs.push(cb);
    },
    onState(cb: (s: TransportState) => void) {
      stateCbs.push(cb);
    },
    onPeer(cb: (c: Channel, k: string, reachable: boolean) => void) {
      for (const s of sides) s.onPeer?.(cb); // the mesh side's hints, for this node's core only
    },
    onOversize(cb: (c: Channel, k: string, n: number) => void) {
      for (const s of sides) s.onOversize?.(cb); // dropped unread on either side: counted by this node
    },
    ready: () => Promise.all(sides.map((s) => s.ready())).then(() => undefined),
    async close() {
      await Promise.all(sides.map((s) => s.close()));
    },
    stats: (): BridgeStats => bridgeStats(sides, forwardedFrom, counts.echoes),
  };
  sides.forEach((side, i) => attachSide(sides, i, { copies, cbs, stateCbs, states, forwardedFrom, counts }));
  return bridge;
}

/** Wires one side: its state into the bridge's, its messages forwarded to the other sides and handed to the core. */
function attachSide(
  sides: readonly Transport[],
  i: number,
  b: {
    copies: Copies;
    cbs: ReadonlyArray<(c: Channel, k: string, b: Uint8Array) => void>;
    stateCbs: ReadonlyArray<(s: TransportState) => void>;
    states: TransportState[];
    forwardedFrom: Forwarded[];
    counts: { echoes: number };
  },
): void {
  const side = sides[i]!;
  side.onState((s) => {
    b.states[i] = s; // the bridge is up while any side is up
    const all: TransportState = b.states.some((x) => x === 'up') ? 'up' : 'down';
    for (const cb of b.stateCbs) cb(all);
  });
  side.onMessage((channel, key, bytes) => {
    const id = idOf(channel, key, bytes);
    const fresh = b.copies.fresh(i, id);
    const row = CHANNEL[channel];
    if (!fresh) b.counts.echoes++;
    else if (row.pushed) {
      b.forwardedFrom[i]![channel as PushedChannel]++;
      sides.forEach((other, j) => {
        if (j === i) return;
        b.copies.mark(j, id);
        other.publish(channel, key, bytes, { retain: row.retained });
      });
    }
    if (b.copies.toCore(channel, key, id, fresh)) for (const cb of b.cbs) cb(channel, key, bytes);
  });
  for (const p of PUSHED_CHANNELS) side.subscribe(p.channel, p.all);
}

function bridgeStats(sides: readonly Transport[], forwardedFrom: readonly Forwarded[], echoes: number): BridgeStats {
  const forwarded = zeroForwarded();
  for (const f of forwardedFrom) for (const k of Object.keys(f) as PushedChannel[]) forwarded[k] += f[k];
  return {
    forwarded,
    echoes,
    sides: sides.map((s, i) => ({ ...(s.stats?.() ?? {}), forwardedFrom: { ...forwardedFrom[i]! } })),
  };
}
