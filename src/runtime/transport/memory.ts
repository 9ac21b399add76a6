// In-memory transport: a hub with MQTT-like semantics (retained messages, one-level `+` wildcard,
// delivery in a later microtask) for tests and single-process use. `memory://name` picks a hub.

import type { Channel } from '../../core/types.js';
import type { PublishOptions, Transport, TransportOptions, TransportState } from './types.js';

type Sub = (channel: Channel, key: string, bytes: Uint8Array) => void;

export class MemoryHub {
  private readonly retained = new Map<string, { bytes: Uint8Array; expiresAt: number }>();
  private readonly subs = new Map<Sub, Set<string>>();
  /** Bytes delivered to subscribers (a transfer meter for tests). */
  delivered = 0;

  /** MQTT-style match: `+` stands for exactly one level. */
  private static matches(filter: string, name: string): boolean {
    const f = filter.split('/');
    const n = name.split('/');
    return f.length === n.length && f.every((x, i) => x === '+' || x === n[i]);
  }

  publish(name: string, bytes: Uint8Array, p: PublishOptions): void {
    if (p.retain) {
      if (bytes.length === 0) this.retained.delete(name);
      else this.retained.set(name, { bytes, expiresAt: p.expiryMs === undefined ? Infinity : Date.now() + p.expiryMs });
    }
    for (const [cb, filters] of this.subs) {
      for (const f of filters) {
        if (!MemoryHub.matches(f, name)) continue;
        queueMicrotask(() => this.deliver(cb, name, bytes));
        break;
      }
    }
  }

  private deliver(cb: Sub, name: string, bytes: Uint8Array): void {
    const i = name.indexOf('/');
    this.delivered += bytes.length;
    cb(name.slice(0, i) as Channel, name.slice(i + 1), bytes);
  }

  subscribe(cb: Sub, filter: string): void {
    let set = this.subs.get(cb);
    if (!set) this.subs.set(cb, (set = new Set()));
    // As an MQTT broker does (Retain Handling 0), a subscribe sends the matching retained messages
    // again even when the same filter is already subscribed (the bridge relies on it, bridge.ts).
    set.add(filter);
    const now = Date.now();
    for (const [name, r] of this.retained) {
      if (r.expiresAt <= now) this.retained.delete(name);
      else if (MemoryHub.matches(filter, name)) queueMicrotask(() => this.deliver(cb, name, r.bytes));
    }
  }

  unsubscribe(cb: Sub, filter: string): void {
    this.subs.get(cb)?.delete(filter);
  }

  detach(cb: Sub): void {
    this.subs.delete(cb);
  }
}

const hubs = new Map<string, MemoryHub>();
export function memoryHub(name: string): MemoryHub {
  let h = hubs.get(name);
  if (!h) hubs.set(name, (h = new MemoryHub()));
  return h;
}

export function createMemoryTransport(
  url: string,
  o: TransportOptions,
  hub = memoryHub(`${new URL(url).host || 'default'}/${o.network}`),
): Transport {
  const cbs: Sub[] = [];
  const stateCbs: Array<(s: TransportState) => void> = [];
  let open = true;
  const sub: Sub = (c, k, b) => {
    if (open) for (const cb of cbs) cb(c, k, b);
  };
  return {
    url,
    publish(channel, key, bytes, p) {
      if (open) hub.publish(`${channel}/${key}`, bytes, p);
    },
    subscribe(channel, key) {
      hub.subscribe(sub, `${channel}/${key}`);
    },
    unsubscribe(channel, key) {
      hub.unsubscribe(sub, `${channel}/${key}`);
    },
    onMessage(cb) {
      cbs.push(cb);
    },
    onState(cb) {
      stateCbs.push(cb);
      queueMicrotask(() => cb('up'));
    },
    ready: () => Promise.resolve(),
    async close() {
      open = false;
      hub.detach(sub);
    },
  };
}
