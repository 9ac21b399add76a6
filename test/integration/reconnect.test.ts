import { createConnection, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../src/runtime/broker.js';
import { createMqttTransport, RECONNECT_BACKOFF, reconnectDelay } from '../../src/runtime/transport/mqtt.js';

describe('MQTT reconnect backoff', () => {
  it('doubles per failed attempt up to the cap, with jitter in [0.5, 1)', () => {
    expect([0, 1, 2, 3].map((n) => reconnectDelay(n, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect(reconnectDelay(3, () => 0.999999)).toBe(4000);
    expect(reconnectDelay(50, () => 0)).toBe(RECONNECT_BACKOFF.cap / 2);
    expect(reconnectDelay(50, () => 0.999999)).toBe(RECONNECT_BACKOFF.cap);
    expect(() => reconnectDelay(-1, Math.random)).toThrow(RangeError);
  });

  it('a client whose broker is gone retries with growing delays, and stops when closed', async () => {
    // A port nobody listens on: every attempt fails at once.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const t = createMqttTransport(`mqtt://127.0.0.1:${port}`, {
      network: 'backoff',
      clientId: 'backoff-test',
      connectTimeoutMs: 2000,
    });
    const delays: number[] = [];
    const deadline = Date.now() + 30_000;
    while (delays.length < 4 && Date.now() < deadline) {
      const s = t.stats!() as { reconnectAttempts: number; reconnectDelayMs: number };
      if (s.reconnectAttempts > delays.length) delays.push(s.reconnectDelayMs);
      await new Promise((r) => setTimeout(r, 20));
    }
    await t.close();
    expect(delays.length).toBeGreaterThanOrEqual(4);
    // Attempt n waits between base·2^n/2 and base·2^n: each range lies above the previous one's start.
    delays.slice(0, 4).forEach((d, n) => {
      expect(d).toBeGreaterThanOrEqual((RECONNECT_BACKOFF.base * 2 ** n) / 2);
      expect(d).toBeLessThanOrEqual(RECONNECT_BACKOFF.base * 2 ** n);
    });
    const after = (t.stats!() as { reconnectAttempts: number }).reconnectAttempts;
    await new Promise((r) => setTimeout(r, 1500));
    expect((t.stats!() as { reconnectAttempts: number }).reconnectAttempts).toBe(after);
  }, 60_000);

  it('a clean stop with a publish in flight to a broker that stopped answering still finishes', async () => {
    const broker = await startEmbeddedBroker();
    // A relay that can stall: connections stay open but nothing more is forwarded (a hung broker).
    const live = new Set<Socket>();
    const relay = createServer((c) => {
      const up = createConnection({ host: '127.0.0.1', port: Number(new URL(broker.url).port) });
      for (const s of [c, up]) (live.add(s), s.on('error', () => s.destroy()));
      c.pipe(up).pipe(c);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as { port: number }).port;
    const t = createMqttTransport(`mqtt://127.0.0.1:${port}?mqtt=4`, {
      network: 'stall',
      clientId: 'stall-test',
      will: { channel: 'birth', key: 'aa'.repeat(32), bytes: new Uint8Array([1, 2, 3]), delayS: 30 },
    });
    await t.ready();
    for (const s of live) (s.unpipe(), s.pause());
    t.publish('header', 'topic', new Uint8Array(64), { retain: false }); // QoS 1: never acknowledged now
    // The death's acknowledgement (3 s) and the in-flight wait (3 s) are bounded; unbounded, mqtt.js's
    // graceful end waits for the acknowledgement for good. The bound checked is of timers, not of speed.
    const t0 = Date.now();
    await t.close();
    expect(Date.now() - t0).toBeLessThan(15_000);
    for (const s of live) s.destroy();
    await new Promise<void>((r) => relay.close(() => r()));
    await broker.close();
  }, 60_000);
});
