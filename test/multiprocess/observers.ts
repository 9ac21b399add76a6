// Passive observers for the multi-process tests: they count every header that crosses a network, by
// content, so a header that reaches a network twice (a bridge forwarding it more than once) shows up.
// The MQTT one is a plain mqtt.js client on the network's topic root; the UDP one is a mesh member
// (the real UDP transport) that subscribes to every header.

import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import { toHex } from '../../src/core/base/bytes.js';
import { decodeEntry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { createUdpTransport, type UdpTransport } from '../../src/runtime/transport/udp.js';

export interface HeaderCounter {
  /** sha256 hex of the header bytes -> how many times it arrived. */
  readonly counts: Map<string, number>;
  /** sha256 hex of the header bytes -> its author (hex) and seq. */
  readonly entries: Map<string, { author: string; seq: number }>;
  close(): Promise<void>;
}

function counter(): Pick<HeaderCounter, 'counts' | 'entries'> & { add(bytes: Uint8Array): void } {
  const counts = new Map<string, number>();
  const entries = new Map<string, { author: string; seq: number }>();
  return {
    counts,
    entries,
    add(bytes) {
      const id = createHash('sha256').update(bytes).digest('hex');
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (!entries.has(id)) {
        const e = decodeEntry(bytes, DEFAULT_LIMITS).entry; // headers come from our own nodes: well-formed
        entries.set(id, { author: toHex(e.author), seq: e.seq });
      }
    },
  };
}

/** Counts headers (`h/...`) on `agentnet/v1/{network}/`; remembers retained topics to clear them at the end. */
export async function mqttHeaderCounter(
  url: string,
  network: string,
): Promise<HeaderCounter & { clearRetained(): Promise<void> }> {
  const root = `agentnet/v1/${network}/`;
  const u = new URL(url);
  const version = u.searchParams.get('mqtt') === '4' ? 4 : 5;
  u.searchParams.delete('mqtt');
  const client = await mqtt.connectAsync(u.toString().replace(/\?$/, ''), {
    protocolVersion: version,
    clean: true,
    reconnectPeriod: 500,
  });
  const c = counter();
  const retained = new Set<string>();
  client.on('message', (topic, payload, packet) => {
    const rest = topic.slice(root.length);
    if (rest.startsWith('h/')) c.add(new Uint8Array(payload));
    else if (packet.retain || rest.startsWith('n/') || rest.startsWith('f/') || rest.startsWith('b/'))
      retained.add(topic);
  });
  await client.subscribeAsync(`${root}#`, { qos: 1 });
  return {
    counts: c.counts,
    entries: c.entries,
    /** The system broker outlives the test: leave no retained births, frontiers or bodies behind. */
    async clearRetained() {
      for (const t of retained) await client.publishAsync(t, Buffer.alloc(0), { qos: 1, retain: true });
    },
    close: () => client.endAsync(),
  };
}

/** A mesh member seeded with `peers` (host:port) that counts every header pushed to it. */
export async function udpHeaderCounter(peers: readonly string[]): Promise<HeaderCounter & { transport: UdpTransport }> {
  const t = createUdpTransport(`udp://127.0.0.1:0?peers=${peers.join(',')}`, {
    network: 'observer',
    clientId: 'observer',
  });
  const c = counter();
  t.onMessage((channel, _key, bytes) => {
    if (channel === 'header') c.add(bytes);
  });
  await t.ready();
  t.subscribe('header', '+');
  return { counts: c.counts, entries: c.entries, transport: t, close: () => t.close() };
}

/** Copies beyond the first, summed over all headers (0 when every header arrived at most once). */
export function duplicates(c: HeaderCounter): number {
  let n = 0;
  for (const v of c.counts.values()) if (v > 1) n += v - 1;
  return n;
}

/** Headers seen whose author is in `authors`, optionally only from seq `minSeq` on. */
export function headersBy(c: HeaderCounter, authors: ReadonlySet<string>, minSeq = 1): number {
  let n = 0;
  for (const e of c.entries.values()) if (authors.has(e.author) && e.seq >= minSeq) n++;
  return n;
}

/** The latest message per topic under `agentnet/v1/{network}/` on one broker (retained ones included). */
export async function topicWatcher(
  url: string,
  network: string,
): Promise<{ last: Map<string, Buffer>; client: mqtt.MqttClient; close(): Promise<void> }> {
  const root = `agentnet/v1/${network}/`;
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, reconnectPeriod: 500 });
  const last = new Map<string, Buffer>();
  client.on('message', (topic, payload) => last.set(topic.slice(root.length), payload));
  await client.subscribeAsync(`${root}#`, { qos: 1 });
  return { last, client, close: () => client.endAsync() };
}

/** The retained messages a new subscriber to `filter` gets from the broker now (topic -> payload; `expiry`: seconds left). */
export async function retainedNow(
  url: string,
  filter: string,
  expiry?: Map<string, number | undefined>,
): Promise<Map<string, Buffer>> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
  const got = new Map<string, Buffer>();
  client.on('message', (topic, payload, packet) => {
    if (!packet.retain || payload.length === 0) return;
    got.set(topic, payload);
    expiry?.set(topic, packet.properties?.messageExpiryInterval); // seconds left, when the broker keeps an expiry
  });
  await client.subscribeAsync(filter, { qos: 1 });
  // The broker sends retained messages right after the SUBACK and handles packets in order: once a
  // later publish is acknowledged, they are all in (the topic is outside any bridged pattern).
  await client.publishAsync('agentnet-test/ping', Buffer.from('1'), { qos: 1 });
  await client.endAsync();
  return got;
}
