// In-memory transport: a hub with MQTT-like semantics (retained messages, wildcards: src/core/base/hub.ts;
// delivery in a later microtask) for tests and single-process use. `memory://name` picks a hub.

import { hubName, parseHubName, type Channel } from '../../core/channels.js';
import { RetainedTable, SubscriberIndex } from '../../core/base/hub.js';
import type { PublishOptions, Transport, TransportOptions, TransportState } from './types.js';

type Sub = (channel: Channel, key: string, bytes: Uint8Array) => void;

export class MemoryHub {
  private readonly retained = new RetainedTable();
  private readonly subs = new SubscriberIndex<Sub>();
  /** Each subscriber's filters, so that `detach` can remove them all. */
  private readonly filters = new Map<Sub, Set<string>>();
  /** Bytes delivered to subscribers (a transfer meter for tests). */
  delivered = 0;

  publish(name: string, bytes: Uint8Array, p: PublishOptions): void {
    if (p.retain) this.retained.put(name, bytes, Date.now(), p.expiryMs);
    for (const cb of this.subs.subscribers(name)) queueMicrotask(() => this.deliver(cb, name, bytes));
  }

  private deliver(cb: Sub, name: string, bytes: Uint8Array): void {
    const n = parseHubName(name);
    if (!n) return; // a name of no channel (the hub is keyed by hubName)
    this.delivered += bytes.length;
    cb(n.channel, n.key, bytes);
  }

  subscribe(cb: Sub, filter: string): void {
    let set = this.filters.get(cb);
    if (!set) this.filters.set(cb, (set = new Set()));
    set.add(filter);
    this.subs.add(cb, filter);
    // As an MQTT broker does (Retain Handling 0), a subscribe sends the matching retained messages
    // again even when the same filter is already subscribed (the bridge relies on it, bridge.ts).
    for (const [name, r] of this.retained.match(filter, Date.now()))
      queueMicrotask(() => this.deliver(cb, name, r.bytes));
  }

  unsubscribe(cb: Sub, filter: string): void {
    this.filters.get(cb)?.delete(filter);
    this.subs.delete(cb, filter);
  }

  detach(cb: Sub): void {
    for (const f of this.filters.get(cb) ?? []) this.subs.delete(cb, f);
    this.filters.delete(cb);
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
      if (open) hub.publish(hubName(channel, key), bytes, p);
    },
    subscribe(channel, key) {
      hub.subscribe(sub, hubName(channel, key));
    },
    unsubscribe(channel, key) {
      hub.unsubscribe(sub, hubName(channel, key));
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
