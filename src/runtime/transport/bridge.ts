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
import { topicMatches } from '../../core/base/hub.js';
import type { Channel } from '../../core/types.js';
import type { Transport, TransportState, TransportStats } from './types.js';

const FORWARD: ReadonlyArray<[Channel, string, boolean]> = [
  ['header', '+', false],
  ['birth', '+', true],
  ['frontier', '+/+', true],
  ['direct', '+', false],
  ['fraud', '+', true],
  ['revocation', '+', true],
];

/** Channels whose messages are retained (sent again on subscribe) by brokers and the mesh. */
const RETAINED: ReadonlySet<Channel> = new Set(['birth', 'frontier', 'body', 'fraud', 'revocation']);

/**
 * ms within which a copy of a message is a duplicate. Shorter than any re-send interval of the core
 * (pullTimeoutMs, 2000-3000 ms in the shipped profiles), far longer than the gap between copies a
 * broker writes for overlapping subscriptions (one write, microseconds apart).
 */
export const DUP_WINDOW_MS = 500;
/** ms an echo mark waits for its echo (the mesh never echoes: its marks simply expire). */
const ECHO_MARK_MS = 30_000;

type Forwarded = Record<'header' | 'birth' | 'frontier' | 'direct' | 'fraud' | 'revocation', number>;

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

export function createBridge(
  sides: readonly Transport[],
  o: BridgeOptions = {},
): Omit<Transport, 'stats'> & { stats(): BridgeStats } {
  if (sides.length < 2) throw new RangeError('bridge: needs at least two transports');
  const capacity = o.capacity ?? 16384;
  const clock = o.now ?? Date.now;
  const coreFilters = new Set<string>();
  /** Message id -> when it was first seen (arrived or published), for the duplicate window. */
  const firstSeen = new Map<string, number>();
  /** Per side: message id -> copies we published there whose echo has not come back, and until when to wait. */
  const marks = sides.map(() => new Map<string, { n: number; until: number }>());
  /** Retained name (`channel/key`) -> id of the version handed to the core since its subscribe covering it. */
  const handed = new Map<string, string>();
  const cbs: Array<(c: Channel, k: string, b: Uint8Array) => void> = [];
  const stateCbs: Array<(s: TransportState) => void> = [];
  const states = sides.map((): TransportState => 'down');
  const forwardedFrom: Forwarded[] = sides.map(() => ({
    header: 0,
    birth: 0,
    frontier: 0,
    direct: 0,
    fraud: 0,
    revocation: 0,
  }));
  let echoes = 0;

  const idOf = (channel: Channel, key: string, bytes: Uint8Array) =>
    createHash('sha256').update(channel).update('\0').update(key).update('\0').update(bytes).digest('base64');
  /** The forwarding subscription already covers every live (not retained) filter of the channel. */
  const coveredLive = (channel: Channel) => channel === 'header' || channel === 'direct';

  function mark(side: number, id: string): void {
    const m = marks[side]!.get(id);
    put(marks[side]!, id, { n: (m && m.until > clock() ? m.n : 0) + 1, until: clock() + ECHO_MARK_MS }, capacity);
  }

  /** True when this copy is the echo of something we published on `side` (the mark is used up). */
  function consumeEcho(side: number, id: string): boolean {
    const m = marks[side]!.get(id);
    if (!m || m.until <= clock()) return false;
    if (m.n > 1) m.n--;
    else marks[side]!.delete(id);
    return true;
  }

  /** True for a first copy; false for a copy within the duplicate window of the first. */
  function sight(id: string): boolean {
    const t = firstSeen.get(id);
    if (t !== undefined && clock() - t < DUP_WINDOW_MS) return false;
    put(firstSeen, id, clock(), capacity);
    return true;
  }

  /** Live messages: first copies. Retained ones: each version once per covering subscription. */
  function toCore(channel: Channel, key: string, id: string, fresh: boolean): boolean {
    const name = `${channel}/${key}`;
    if (![...coreFilters].some((f) => topicMatches(f, name))) return false;
    if (!RETAINED.has(channel)) return fresh;
    if (handed.get(name) === id) return false;
    put(handed, name, id, capacity);
    return true;
  }

  const bridge = {
    url: sides.map((s) => s.url).join(','),
    publish(channel: Channel, key: string, bytes: Uint8Array, opts: { retain: boolean; expiryMs?: number }) {
      const id = idOf(channel, key, bytes);
      put(firstSeen, id, clock(), capacity);
      sides.forEach((s, i) => {
        mark(i, id);
        s.publish(channel, key, bytes, opts);
      });
    },
    subscribe(channel: Channel, key: string) {
      const filter = `${channel}/${key}`;
      coreFilters.add(filter);
      if (coveredLive(channel)) return; // a second, overlapping subscription would only bring copies
      // The sides send the retained versions again: each goes to the core once more.
      for (const name of [...handed.keys()]) if (topicMatches(filter, name)) handed.delete(name);
      for (const s of sides) s.subscribe(channel, key);
    },
    unsubscribe(channel: Channel, key: string) {
      coreFilters.delete(`${channel}/${key}`);
      // The forwarding subscriptions stay: only the core's own ones go.
      if (!coveredLive(channel) && !FORWARD.some(([c, f]) => c === channel && f === key))
        for (const s of sides) s.unsubscribe(channel, key);
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
    stats(): BridgeStats {
      const forwarded: Forwarded = { header: 0, birth: 0, frontier: 0, direct: 0, fraud: 0, revocation: 0 };
      for (const f of forwardedFrom) for (const k of Object.keys(f) as Array<keyof Forwarded>) forwarded[k] += f[k];
      return {
        forwarded,
        echoes,
        sides: sides.map((s, i) => ({ ...(s.stats?.() ?? {}), forwardedFrom: { ...forwardedFrom[i]! } })),
      };
    },
  };

  sides.forEach((side, i) => {
    side.onState((s) => {
      states[i] = s;
      const all: TransportState = states.some((x) => x === 'up') ? 'up' : 'down';
      for (const cb of stateCbs) cb(all);
    });
    side.onMessage((channel, key, bytes) => {
      const id = idOf(channel, key, bytes);
      const fresh = !consumeEcho(i, id) && sight(id);
      const rule = FORWARD.find(([c]) => c === channel);
      if (!fresh) echoes++;
      else if (rule) {
        forwardedFrom[i]![rule[0] as keyof Forwarded]++;
        sides.forEach((other, j) => {
          if (j === i) return;
          mark(j, id);
          other.publish(channel, key, bytes, { retain: rule[2] });
        });
      }
      if (toCore(channel, key, id, fresh)) for (const cb of cbs) cb(channel, key, bytes);
    });
    for (const [c, f] of FORWARD) side.subscribe(c, f);
  });
  return bridge;
}
