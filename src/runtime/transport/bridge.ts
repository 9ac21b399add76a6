// A node on both an MQTT broker and a UDP LAN mesh (DESIGN §5): `createTransport("mqtt://...,udp://...")`.
// It is one transport to the core, and a bridge between the two networks: every header, birth, frontier
// and direct message seen on one side is republished on the other exactly once (a seen-cache keyed by
// the message's hash drops the echo when it comes back). Bodies do not cross by push (bodyless gossip):
// a node that misses a retained copy on its side asks the author directly, and that request and its
// answer cross the bridge as direct messages.

import { createHash } from 'node:crypto';
import type { Channel } from '../../core/types.js';
import type { Transport, TransportState } from './types.js';

const FORWARD: ReadonlyArray<[Channel, string, boolean]> = [
  ['header', '+', false],
  ['birth', '+', true],
  ['frontier', '+/+', true],
  ['direct', '+', false],
  ['fraud', '+', true],
];

const matches = (filter: string, name: string): boolean => {
  const f = filter.split('/');
  const n = name.split('/');
  return f.length === n.length && f.every((x, i) => x === '+' || x === n[i]);
};

export function createBridge(sides: readonly Transport[], seenCapacity = 16384): Transport & { forwarded: number } {
  if (sides.length < 2) throw new RangeError('bridge: needs at least two transports');
  const coreFilters = new Set<string>();
  const seen = new Map<string, true>();
  const cbs: Array<(c: Channel, k: string, b: Uint8Array) => void> = [];
  const stateCbs: Array<(s: TransportState) => void> = [];
  const states = sides.map((): TransportState => 'down');
  const bridge = {
    forwarded: 0,
    url: sides.map((s) => s.url).join(','),
    publish(channel: Channel, key: string, bytes: Uint8Array, opts: { retain: boolean; expiryMs?: number }) {
      markSeen(channel, key, bytes); // our own message coming back from one side is not forwarded again
      for (const s of sides) s.publish(channel, key, bytes, opts);
    },
    subscribe(channel: Channel, key: string) {
      coreFilters.add(`${channel}/${key}`);
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
  };

  function markSeen(channel: Channel, key: string, bytes: Uint8Array): boolean {
    const id = createHash('sha256').update(channel).update('\0').update(key).update('\0').update(bytes).digest('base64');
    if (seen.has(id)) return false;
    seen.set(id, true);
    if (seen.size > seenCapacity) seen.delete(seen.keys().next().value!);
    return true;
  }

  sides.forEach((side, i) => {
    side.onState((s) => {
      states[i] = s;
      const all: TransportState = states.some((x) => x === 'up') ? 'up' : 'down';
      for (const cb of stateCbs) cb(all);
    });
    side.onMessage((channel, key, bytes) => {
      const fresh = markSeen(channel, key, bytes);
      const rule = FORWARD.find(([c]) => c === channel);
      if (fresh && rule) {
        bridge.forwarded++;
        sides.forEach((other, j) => j !== i && other.publish(channel, key, bytes, { retain: rule[2] }));
      }
      // The core sees each distinct message once, and only what it subscribed to.
      if ((fresh || channel === 'body') && [...coreFilters].some((f) => matches(f, `${channel}/${key}`))) for (const cb of cbs) cb(channel, key, bytes);
    });
    for (const [c, f] of FORWARD) side.subscribe(c, f);
  });
  return bridge;
}
