// The driver's grouped commit (runtime/driver.ts, profile commitWindowMs): entries that trickle in share one store
// transaction, no message waits longer than the window, and a batch whose transaction fails stores and sends nothing
// and is handled again once the store takes writes. Time is the test's (vitest's fake timers drive the driver's
// clock and timers), so the bounds are checked exactly, not timed.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentCore } from '../../src/core/agent.js';
import { toHex } from '../../src/core/base/bytes.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { encodeForkProof } from '../../src/core/codec/fork-proof.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { NodeCore } from '../../src/core/node/node-core.js';
import type { CoreEvent, Declaration } from '../../src/core/types.js';
import { Driver, type DriverOptions } from '../../src/runtime/driver.js';
import { ERR } from '../../src/runtime/errors.js';
import { MemoryHub, createMemoryTransport } from '../../src/runtime/transport/memory.js';
import { crypto, DAY, identity, T0 } from '../helpers.js';

const TOPIC = 'swarm.state';
const state = (n: number): Declaration => ({ kind: 'state', topic: TOPIC, tags: ['s'], text: `reading ${n}` });

/** A real MemoryStore that counts outermost transactions and, while `full`, fails each one after its writes. */
class CountingStore extends MemoryStore {
  transactions = 0;
  full = false;
  private depth = 0;
  override transaction<T>(fn: () => T): T {
    if (this.depth === 0) this.transactions++;
    this.depth++;
    try {
      return super.transaction(() => {
        const r = fn();
        if (this.full && this.depth === 1) throw ERR.storeFull('injected: disk full at commit');
        return r;
      });
    } finally {
      this.depth--;
    }
  }
}

/** alice (the observer, with the options under test) follows TOPIC; bob announces into it through his own driver. */
function rig(o: DriverOptions) {
  const hub = new MemoryHub();
  const node = (name: string, store: MemoryStore, opts: DriverOptions) => {
    const id = identity(name);
    const core = new AgentCore({ crypto, store, agentSecret: id.agentSecret, binding: id.binding });
    const transport = createMemoryTransport('memory://c', { network: 'c', clientId: name }, hub);
    const driver = new Driver(
      new NodeCore({ agent: core, verifier: crypto.verifier, flood: false }),
      transport,
      store,
      {
        ...opts,
      },
    );
    driver.start();
    return { id, core, store, driver };
  };
  const events: CoreEvent[] = [];
  const alice = node('alice', new CountingStore(), { ...o, onEvent: (e) => events.push(e), onError: () => {} });
  const bob = node('bob', new MemoryStore(), {});
  alice.driver.call(() => alice.core.follow(TOPIC));
  const aliceStore = alice.store as CountingStore;
  const announce = (n: number) => bob.driver.call((now) => bob.core.announce(now, state(n)));
  // Bob's entry 0 (seq 1) makes alice fetch his birth; the entries under test are 1.. (seq 2..).
  const seq = (): number => (aliceStore.head(bob.id.agentKey, TOPIC)?.seq ?? 0) - 1;
  const warm = async () => {
    announce(0);
    await vi.advanceTimersByTimeAsync(3000);
    expect(seq()).toBe(0);
  };
  return { hub, alice, bob, aliceStore, events, seq, announce, warm };
}

describe('driver: commits grouped by a commit window', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('entries trickling in within the window share one transaction; none waits beyond the window', async () => {
    const r = rig({ verifyBatchSize: 64, verifyFlushMs: 5, commitWindowMs: 50 });
    await r.warm(); // bob's birth reaches alice
    const before = r.aliceStore.transactions;
    r.announce(1);
    await vi.advanceTimersByTimeAsync(20);
    r.announce(2);
    await vi.advanceTimersByTimeAsync(20);
    r.announce(3);
    await vi.advanceTimersByTimeAsync(9); // 49 ms after the first arrived: still held
    expect(r.seq()).toBe(0);
    expect(r.aliceStore.transactions).toBe(before);
    await vi.advanceTimersByTimeAsync(1); // 50 ms: the window closes, all three in one transaction
    expect(r.seq()).toBe(3);
    expect(r.aliceStore.transactions).toBe(before + 1);
    // A lone entry later waits exactly the window too, counted from its own arrival.
    r.announce(4);
    await vi.advanceTimersByTimeAsync(49);
    expect(r.seq()).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.seq()).toBe(4);
    await r.alice.driver.close();
    await r.bob.driver.close();
  });

  it('without a window each trickling entry is a transaction of its own (the verifyFlushMs deadline alone)', async () => {
    const r = rig({ verifyBatchSize: 64, verifyFlushMs: 5 });
    await r.warm();

    const before = r.aliceStore.transactions;
    for (let n = 1; n <= 3; n++) {
      r.announce(n);
      await vi.advanceTimersByTimeAsync(5);
      expect(r.seq()).toBe(n);
    }
    expect(r.aliceStore.transactions - before).toBeGreaterThanOrEqual(3);
    await r.alice.driver.close();
    await r.bob.driver.close();
  });

  it('a full verification batch is not held for the window', async () => {
    const r = rig({ verifyBatchSize: 2, verifyFlushMs: 5, commitWindowMs: 1000 });
    await r.warm();
    r.announce(1);
    r.announce(2); // two headers queued: the batch is full, it drains on the next turn
    await vi.advanceTimersByTimeAsync(1);
    expect(r.seq()).toBe(2);
    await r.alice.driver.close();
    await r.bob.driver.close();
  });

  it('a fork proof is not held for the window', async () => {
    const r = rig({ verifyBatchSize: 64, verifyFlushMs: 5, commitWindowMs: 1000 });
    await r.warm();
    const signed = (kind: Entry['kind']) => {
      const e: Entry = {
        ...{ author: r.bob.id.agentKey, topic: 'elsewhere', epoch: 0, seq: 1, kind, ts: T0, expires: T0 + DAY },
        ...{ bodyHash: new Uint8Array(32), bodyLen: 3, sketch: new Uint8Array(32), tier: 2 },
      };
      return encodeEntry(e, crypto.signer.sign(r.bob.id.agentSecret, entryToBeSigned(e)));
    };
    const eve = createMemoryTransport('memory://c', { network: 'c', clientId: 'eve' }, r.hub);
    const bobHex = toHex(r.bob.id.agentKey);
    eve.publish('fraud', bobHex, encodeForkProof(signed('capability'), signed('state')), { retain: true });
    await vi.advanceTimersByTimeAsync(1);
    expect(r.alice.core.verifier.isQuarantined(bobHex)).toBe(true);
    await eve.close();
    await r.alice.driver.close();
    await r.bob.driver.close();
  });

  it('a batch whose transaction fails stores and emits nothing and is handled again when the store takes writes', async () => {
    const r = rig({ verifyBatchSize: 64, verifyFlushMs: 5, commitWindowMs: 50, storeRetryMs: 1000 });
    await r.warm();
    r.events.length = 0;
    r.aliceStore.full = true;
    r.announce(1);
    r.announce(2);
    await vi.advanceTimersByTimeAsync(50); // the window closes; the commit fails
    expect(r.alice.driver.storeError?.code).toBe('STORE_FULL');
    expect(r.seq()).toBe(0);
    expect(r.aliceStore.range(r.bob.id.agentKey, TOPIC, 0, 2, 3)).toEqual([]);
    expect(r.events.filter((e) => e.type !== 'rejected')).toEqual([]); // nothing reported of what was not stored
    await vi.advanceTimersByTimeAsync(1000); // a retry while still full: still nothing
    expect(r.seq()).toBe(0);
    r.aliceStore.full = false;
    await vi.advanceTimersByTimeAsync(1000); // the next retry goes through
    expect(r.alice.driver.storeError).toBeUndefined();
    expect(r.seq()).toBe(2);
    expect(r.aliceStore.range(r.bob.id.agentKey, TOPIC, 0, 2, 3).map((e) => e.seq)).toEqual([2, 3]);
    await r.alice.driver.close();
    await r.bob.driver.close();
  });
});
