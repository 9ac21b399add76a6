import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
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
});
