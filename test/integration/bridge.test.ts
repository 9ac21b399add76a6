// The bridge transport (src/runtime/transport/bridge.ts) between two in-memory brokers, with an
// injected clock: what crosses, how often, and what the core behind it sees. The contract suite
// (test/contract/transport.test.ts) covers the bridge as a plain transport; the multi-process test
// covers it between a real broker and a real mesh.

import { describe, expect, it } from 'vitest';
import type { Channel } from '../../src/core/types.js';
import { createBridge, DUP_WINDOW_MS } from '../../src/runtime/transport/bridge.js';
import { createMemoryTransport, MemoryHub } from '../../src/runtime/transport/memory.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  let now = 1_000_000;
  const [hubA, hubB] = [new MemoryHub(), new MemoryHub()];
  const t = (hub: MemoryHub, id: string) => createMemoryTransport('memory://x', { network: 'n', clientId: id }, hub);
  const bridge = createBridge([t(hubA, 'bridge-a'), t(hubB, 'bridge-b')], { now: () => now });
  const [a, b] = [t(hubA, 'a'), t(hubB, 'b')]; // a plain node on each network
  const seen = { a: [] as string[], b: [] as string[], core: [] as string[] };
  const rec = (into: string[]) => (c: Channel, k: string, bytes: Uint8Array) =>
    into.push(`${c}/${k}=${Buffer.from(bytes).toString('hex')}`);
  a.onMessage(rec(seen.a));
  b.onMessage(rec(seen.b));
  bridge.onMessage(rec(seen.core));
  for (const x of [a, b]) for (const c of ['header', 'direct'] as const) x.subscribe(c, '+');
  return { bridge, a, b, seen, advance: (ms: number) => (now += ms) };
}

describe('bridge: each message crosses once, a re-sent one again', () => {
  it('forwards a header once to the other network and hands it to its core once', async () => {
    const { bridge, a, seen } = setup();
    bridge.subscribe('header', 'data_analysis');
    await tick();
    a.publish('header', 'data_analysis', new Uint8Array([1]), { retain: false });
    await tick();
    await tick();
    expect(seen.b).toEqual(['header/data_analysis=01']);
    expect(seen.a).toEqual(['header/data_analysis=01']); // a's own, from its broker; no copy came back
    expect(seen.core).toEqual(['header/data_analysis=01']);
    expect(bridge.stats().sides.map((s) => s.forwardedFrom.header)).toEqual([1, 0]);
  });

  it('forwards a revocation once to the other network, where it is retained for a node that subscribes r/+ later', async () => {
    const { bridge, a, b, seen } = setup();
    a.publish('revocation', 'ab'.repeat(32), new Uint8Array([9]), { retain: true });
    await tick();
    await tick();
    b.subscribe('revocation', '+');
    await tick();
    expect(seen.b).toEqual([`revocation/${'ab'.repeat(32)}=09`]);
    expect(bridge.stats().sides.map((s) => s.forwardedFrom.revocation)).toEqual([1, 0]);
  });

  it("does not forward its own publishes' echoes", async () => {
    const { bridge, seen } = setup();
    bridge.publish('header', 'data_analysis', new Uint8Array([2]), { retain: false });
    await tick();
    await tick();
    expect([seen.a, seen.b]).toEqual([['header/data_analysis=02'], ['header/data_analysis=02']]);
    expect(bridge.stats().forwarded.header).toBe(0);
    expect(bridge.stats().echoes).toBe(2);
  });

  it('forwards a retried request (byte-identical, after the duplicate window) again; a copy within the window once', async () => {
    // Found by the multi-process test: direct messages carry no nonce, so a gap-repair request retried
    // after a loss is the same bytes, and the bridge dropped every retry as "seen": a mesh author's log
    // never reached the MQTT nodes whose first request was lost.
    const { bridge, a, seen, advance } = setup();
    const req = new Uint8Array([3, 3, 3]);
    a.publish('direct', 'ab'.repeat(32), req, { retain: false });
    await tick();
    advance(DUP_WINDOW_MS / 5);
    a.publish('direct', 'ab'.repeat(32), req, { retain: false }); // a second copy of the same delivery
    await tick();
    advance(2000); // the core's retry, pullTimeoutMs later
    a.publish('direct', 'ab'.repeat(32), req, { retain: false });
    await tick();
    await tick();
    expect(seen.b).toEqual([`direct/${'ab'.repeat(32)}=030303`, `direct/${'ab'.repeat(32)}=030303`]);
    expect(bridge.stats().sides[0]!.forwardedFrom.direct).toBe(2);
  });

  it('hands a retained version to its core once per subscription, even one it forwarded before the core subscribed', async () => {
    const { bridge, a, seen } = setup();
    a.publish('birth', 'cd'.repeat(32), new Uint8Array([4]), { retain: true }); // forwarded to b's broker, retained there too
    await tick();
    await tick();
    expect(seen.core).toEqual([]);
    bridge.subscribe('birth', 'cd'.repeat(32)); // both brokers send their retained copy
    await tick();
    await tick();
    expect(seen.core).toEqual([`birth/${'cd'.repeat(32)}=04`]);
    bridge.unsubscribe('birth', 'cd'.repeat(32));
    bridge.subscribe('birth', 'cd'.repeat(32)); // again: once more, as from one broker
    await tick();
    await tick();
    expect(seen.core).toEqual([`birth/${'cd'.repeat(32)}=04`, `birth/${'cd'.repeat(32)}=04`]);
  });
});
