// NatsOutbox's retries against a JetStream client that refuses every put at once, as a draining or closed
// connection does: the outbox must neither give up values while it runs nor resend in a loop while it closes.

import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { NatsOutbox } from '../../src/runtime/transport/nats-outbox.js';

/** A client whose every put is refused at once; past `cap` puts it accepts, so a resend loop ends and is seen. */
function refusing(cap = 1000) {
  const calls = { n: 0 };
  const js = {
    publish: () => (++calls.n > cap ? Promise.resolve({}) : Promise.reject(new Error('connection draining'))),
  } as unknown as JetStreamClient;
  const nc = { publish: () => undefined } as unknown as NatsConnection;
  return { js, nc, calls };
}

describe('NatsOutbox', () => {
  it('a closing outbox whose puts are refused at once stops resending (no microtask loop)', async () => {
    const { js, nc, calls } = refusing();
    const out = new NatsOutbox('', () => undefined);
    out.attach(nc, js);
    out.up = true;
    out.put('$KV.b.n.k1', new Uint8Array([1]), undefined);
    out.put('$KV.b.n.k2', new Uint8Array([2]), undefined);
    // A newer value of k1 while its first put is in flight: it waits for that put to settle.
    out.put('$KV.b.n.k1', new Uint8Array([3]), undefined);
    await out.close();
    await new Promise((r) => setTimeout(r, 20));
    // k1, k2, then the newer k1 once k1's first put settled; nothing more once refused while closing.
    expect(calls.n).toBeLessThanOrEqual(3);
    expect(out.stats.retainedRetries).toBe(calls.n);
  });

  it('a running outbox keeps a refused value and retries it from its timer, not at once', async () => {
    const { js, nc, calls } = refusing();
    const out = new NatsOutbox('', () => undefined);
    out.attach(nc, js);
    out.up = true;
    out.put('$KV.b.n.k1', new Uint8Array([1]), undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.n).toBe(1); // the retry waits for its backoff
    expect(out.waiting).toBe(1); // and the value is kept for it
    await out.close();
  });
});
