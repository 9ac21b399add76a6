// The Will Delay against the real broker (MQTT 5, MQTT_URL: Mosquitto in CI). A node's signed death is
// its connection's Will with a delay (src/runtime/node.ts: 30 s). What the delay is for: a connection
// that drops and comes back before it (a Wi-Fi blip, the broker's side of a NAT timeout) publishes no
// death, so peers do not see the node flap dead and alive; one that stays away is dead after the
// delay, not before. The transport reconnects on its own (backoff) under the same client id and a
// clean start; Mosquitto 2.0 then cancels the pending Will. MQTT 5 §3.1.3.2.2 can also be read as
// ending the session at a clean start, which would publish the Will at the reconnect: the simulator
// models that reading (docs/simulator.md), this test pins what the broker we ship against does.
// A TCP relay between the transport and the broker cuts the connection without the client's help.

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createMqttTransport } from '../../src/runtime/transport/mqtt.js';
import type { Transport } from '../../src/runtime/transport/types.js';

const MQTT_URL = process.env['MQTT_URL'];
const DELAY_S = 3;

/** A relay to the broker; `drop()` cuts every relayed connection at once, `close()` also stops accepting. */
async function relay(target: URL): Promise<{ url: string; drop: () => void; close: () => Promise<void> }> {
  const live = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 1883) });
    for (const s of [client, upstream]) {
      live.add(s);
      s.on('close', () => live.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const drop = () => live.forEach((s) => s.destroy());
  return {
    url: `mqtt://127.0.0.1:${port}`,
    drop,
    close: () =>
      new Promise((resolve) => {
        drop();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!MQTT_URL)('Will Delay on the real broker', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('a connection that drops and comes back within the delay publishes no death; one that stays away is dead after the delay', async () => {
    const network = `willdelay-${process.pid}`;
    const key = 'a'.repeat(64);
    const willTopic = `agentnet/v1/${network}/n/${key}`;
    const r = await relay(new URL(MQTT_URL!));
    cleanup.push(() => r.close());
    const deaths: number[] = [];
    const observer = mqtt.connect(MQTT_URL!, { protocolVersion: 5, clientId: `willdelay-observer-${process.pid}` });
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          // Leave no retained Will behind on the shared broker.
          observer.publish(willTopic, Buffer.alloc(0), { qos: 1, retain: true }, () =>
            observer.end(false, {}, () => resolve()),
          );
        }),
    );
    await new Promise((resolve) => observer.once('connect', resolve));
    observer.on('message', (_t, payload) => {
      if (payload.length) deaths.push(Date.now());
    });
    await observer.subscribeAsync(willTopic, { qos: 1 });

    const t: Transport = createMqttTransport(r.url, {
      network,
      clientId: `willdelay-${process.pid}`,
      will: { channel: 'birth', key, bytes: new TextEncoder().encode('death'), delayS: DELAY_S },
    });
    cleanup.push(() => t.close());
    const ups: number[] = [];
    t.onState((s) => {
      if (s === 'up') ups.push(Date.now());
    });
    await t.ready();

    // A blip: the relay cuts the connection, the transport reconnects through it after its backoff.
    r.drop();
    const dropped = Date.now();
    while (ups.length < 2 && Date.now() - dropped < 10_000) await new Promise((res) => setTimeout(res, 20));
    expect(ups.length).toBe(2);
    expect(ups[1]! - dropped).toBeLessThan(DELAY_S * 1000); // back in time: otherwise the death would be due
    await new Promise((res) => setTimeout(res, DELAY_S * 1000 + 1000));
    expect(deaths).toEqual([]);

    // Gone for good: the relay stops accepting, so every reconnect fails; the death comes after the delay.
    await r.close();
    const cut = Date.now();
    while (deaths.length === 0 && Date.now() - cut < DELAY_S * 1000 + 5000)
      await new Promise((res) => setTimeout(res, 20));
    expect(deaths).toHaveLength(1);
    expect(deaths[0]! - cut).toBeGreaterThanOrEqual(DELAY_S * 1000 - 500);
  }, 30_000);
});
