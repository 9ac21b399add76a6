// Received QoS 0 publishes read by the transport's packet bound instead of mqtt.js (runtime/transport/mqtt-bound.ts,
// mqtt-publish.ts), end to end over real brokers: the embedded one (MQTT 3.1.1) and Mosquitto (MQTT 5, which
// forwards a retained message's remaining expiry as a property). Every message arrives once, in order, with its
// bytes, whatever its size relative to the socket's 64 KiB reads (the read buffer is reused, so a payload that
// were a view of it would be overwritten by later messages).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../src/runtime/broker.js';
import { createMqttTransport } from '../../src/runtime/transport/mqtt.js';
import { startMosquitto } from '../multiprocess/mosquitto.js';
import { mosquittoAvailable } from '../reliability/mosquitto.js';

/** Message i: its index in the first 4 bytes, then a pattern of its own; sizes from 5 bytes to 100 KiB. */
function message(i: number): Uint8Array {
  const size = [5, 300, 4000, 70_000, 100_000, 17][i % 6]!;
  const m = new Uint8Array(size);
  new DataView(m.buffer).setUint32(0, i);
  for (let k = 4; k < size; k++) m[k] = (k * 31 + i) & 0xff;
  return m;
}

async function roundTrip(url: string, n: number): Promise<void> {
  const opts = { network: 'p0', maxMessageBytes: 128 * 1024 };
  const sub = createMqttTransport(url, { ...opts, clientId: 'p0-sub' });
  const pub = createMqttTransport(url, { ...opts, clientId: 'p0-pub' });
  try {
    await Promise.all([sub.ready(), pub.ready()]);
    // A retained message with an expiry, published before the subscription: the broker sends it on subscribe.
    pub.publish('birth', 'aa', message(999), { retain: true, expiryMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    const got: Array<{ channel: string; key: string; bytes: Uint8Array }> = [];
    sub.onMessage((channel, key, bytes) => got.push({ channel, key, bytes }));
    sub.subscribe('birth', 'aa');
    sub.subscribe('header', 'topic-é');
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < n; i++) pub.publish('header', 'topic-é', message(i), { retain: false });
    const deadline = Date.now() + 20_000;
    while (got.length < n + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got.length).toBe(n + 1);
    expect(got[0]!.channel).toBe('birth');
    expect(Buffer.from(got[0]!.bytes).equals(Buffer.from(message(999)))).toBe(true);
    got.slice(1).forEach((m, i) => {
      expect([m.channel, m.key]).toEqual(['header', 'topic-é']);
      expect(Object.getPrototypeOf(m.bytes)).toBe(Uint8Array.prototype);
      expect(Buffer.from(m.bytes).equals(Buffer.from(message(i)))).toBe(true);
    });
  } finally {
    await Promise.all([sub.close(), pub.close()]);
  }
}

describe('QoS 0 publishes read by the packet bound', () => {
  it('arrive whole and in order over the embedded broker (MQTT 3.1.1)', async () => {
    const broker = await startEmbeddedBroker();
    try {
      await roundTrip(broker.url, 60);
    } finally {
      await broker.close();
    }
  }, 60_000);

  it.skipIf(!mosquittoAvailable())(
    'arrive whole and in order over Mosquitto (MQTT 5)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'p0-mosq-'));
      const m = await startMosquitto(dir, 'p0');
      try {
        await roundTrip(m.url, 60);
      } finally {
        await m.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
