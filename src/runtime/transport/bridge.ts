// A node on both an MQTT broker and a UDP LAN mesh (DESIGN §5): `createTransport("mqtt://... udp://...")`
// (URLs separated by spaces: a udp:// URL has commas in its `peers`).
// It is one transport to the core, and a bridge between the two networks: every header, birth, frontier
// and direct message seen on one side is republished on the other exactly once (a seen-cache keyed by
// the message's hash drops the echo when it comes back). Bodies do not cross by push (bodyless gossip):
// a node that misses a retained copy on its side asks the author directly, and that request and its
// answer cross the bridge as direct messages.
//
// What the core sees is what one broker connection would give it: each live message once, and each
// retained version (birth, frontier, body) once per subscription that covers it, even when the bridge
// had already forwarded that version before the core subscribed (a birth fetched for a new author).

import { createHash } from 'node:crypto';
import type { Channel } from '../../core/types.js';
import type { Transport, TransportState, TransportStats } from './types.js';

const FORWARD: ReadonlyArray<[Channel, string, boolean]> = [
  ['header', '+', false],
  ['birth', '+', true],
  ['frontier', '+/+', true],
  ['direct', '+', false],
];

/** Channels whose messages are retained (sent again on subscribe) by brokers and the mesh. */
const RETAINED: ReadonlySet<Channel> = new Set(['birth', 'frontier', 'body']);

const matches = (filter: string, name: string): boolean => {
  const f = filter.split('/');
  const n = name.split('/');
  return f.length === n.length && f.every((x, i) => x === '+' || x === n[i]);
};

type Forwarded = Record<'header' | 'birth' | 'frontier' | 'direct', number>;

/** What the bridge did: messages republished on the other side(s), per channel, and echoes dropped. */
export interface BridgeStats {
  readonly forwarded: Readonly<Forwarded>;
  /** Messages seen again (our own coming back, or a copy from the other side): not forwarded, not delivered twice. */
  readonly echoes: number;
  /** Each side's own counters, and what the bridge forwarded from that side (`forwardedFrom`). */
  readonly sides: ReadonlyArray<TransportStats & { readonly forwardedFrom: Readonly<Forwarded> }>;
}

export function createBridge(sides: readonly Transport[], seenCapacity = 16384): Transport & { stats(): BridgeStats & TransportStats } {
  if (sides.length < 2) throw new RangeError('bridge: needs at least two transports');
  const coreFilters = new Set<string>();
  const seen = new Map<string, true>();
  /** Retained name (`channel/key`) -> id of the version handed to the core since its subscribe covering it. */
  const handed = new Map<string, string>();
  const cbs: Array<(c: Channel, k: string, b: Uint8Array) => void> = [];
  const stateCbs: Array<(s: TransportState) => void> = [];
  const states = sides.map((): TransportState => 'down');
  const forwardedFrom: Forwarded[] = sides.map(() => ({ header: 0, birth: 0, frontier: 0, direct: 0 }));
  let echoes = 0;
  const bridge = {
    url: sides.map((s) => s.url).join(','),
    publish(channel: Channel, key: string, bytes: Uint8Array, opts: { retain: boolean; expiryMs?: number }) {
      markSeen(channel, key, bytes); // our own message coming back from one side is not forwarded again
      for (const s of sides) s.publish(channel, key, bytes, opts);
    },
    subscribe(channel: Channel, key: string) {
      const filter = `${channel}/${key}`;
      coreFilters.add(filter);
      // The sides send the retained versions again: each goes to the core once more.
      for (const name of [...handed.keys()]) if (matches(filter, name)) handed.delete(name);
      for (const s of sides) s.subscribe(channel, key);
    },
    unsubscribe(channel: Channel, key: string) {
      coreFilters.delete(`${channel}/${key}`);
      // The forwarding subscriptions stay: only the core's own ones go.
      if (!FORWARD.some(([c, f]) => c === channel && f === key)) for (const s of sides) s.unsubscribe(channel, key);
    },
    onMessage(cb: (c: Channel, k: string, b: Uint8Array) => void) {
      cbs.push(cb);
    },
    onState(cb: (s: TransportState) => void) {
      stateCbs.push(cb);
    },
    ready: () => Promise.all(sides.map((s) => s.ready())).then(() => undefined),
    async close() {
      await Promise.all(sides.map((s) => s.close()));
    },
    stats() {
      const forwarded: Forwarded = { header: 0, birth: 0, frontier: 0, direct: 0 };
      for (const f of forwardedFrom) for (const k of Object.keys(f) as Array<keyof Forwarded>) forwarded[k] += f[k];
      return { forwarded, echoes, sides: sides.map((s, i) => ({ ...(s.stats?.() ?? {}), forwardedFrom: { ...forwardedFrom[i]! } })) };
    },
  };

  /** The message's id, and whether the bridge sees it for the first time. */
  function markSeen(channel: Channel, key: string, bytes: Uint8Array): { id: string; fresh: boolean } {
    const id = createHash('sha256').update(channel).update('\0').update(key).update('\0').update(bytes).digest('base64');
    if (seen.has(id)) return { id, fresh: false };
    seen.set(id, true);
    if (seen.size > seenCapacity) seen.delete(seen.keys().next().value!);
    return { id, fresh: true };
  }

  /** Live messages: the first copy. Retained ones: each version once per covering subscription. */
  function toCore(channel: Channel, key: string, id: string, fresh: boolean): boolean {
    const name = `${channel}/${key}`;
    if (![...coreFilters].some((f) => matches(f, name))) return false;
    if (!RETAINED.has(channel)) return fresh;
    if (handed.get(name) === id) return false;
    handed.delete(name); // re-insert: the oldest hand-over is evicted first
    handed.set(name, id);
    if (handed.size > seenCapacity) handed.delete(handed.keys().next().value!);
    return true;
  }

  sides.forEach((side, i) => {
    side.onState((s) => {
      states[i] = s;
      const all: TransportState = states.some((x) => x === 'up') ? 'up' : 'down';
      for (const cb of stateCbs) cb(all);
    });
    side.onMessage((channel, key, bytes) => {
      const { id, fresh } = markSeen(channel, key, bytes);
      const rule = FORWARD.find(([c]) => c === channel);
      if (!fresh) echoes++;
      if (fresh && rule) {
        forwardedFrom[i]![rule[0] as keyof Forwarded]++;
        sides.forEach((other, j) => j !== i && other.publish(channel, key, bytes, { retain: rule[2] }));
      }
      if (toCore(channel, key, id, fresh)) for (const cb of cbs) cb(channel, key, bytes);
    });
    for (const [c, f] of FORWARD) side.subscribe(c, f);
  });
  return bridge;
}
