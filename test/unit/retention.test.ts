// Log retention (docs/decisions.md "Logs and gossip"): a node prunes the expired, old entries of other
// authors' logs but keeps every log's head and its own logs in full; a node joining later still gets
// the full history by gap repair from the author, and the pruning node's chain stays anchored.

import { describe, expect, it } from 'vitest';
import { encodeDirect } from '../../src/core/codec/messages.js';
import type { Declaration } from '../../src/core/types.js';
import { identity, T0 } from '../helpers.js';
import { TestNet } from '../harness.js';

const TOPIC = 'code_review_security';
const STATE = (text: string, ttlMs = 60_000): Declaration => ({
  kind: 'state',
  topic: TOPIC,
  tags: ['code.review.security'],
  text,
  ttlMs,
});
const NEED: Declaration = { kind: 'intent', topic: TOPIC, tags: ['code.review'], text: 'need a review', ttlMs: 60_000 };
const HOUR = 3_600_000;

describe('log retention', () => {
  it("prunes a peer's expired entries but keeps its head and our own log; a later node repairs the full log from the author", () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice')); // the pruning node, retention 1 h
    const bob = net.add(identity('bob')); // the author
    alice.announce(net.now, NEED);
    alice.announce(net.now, { ...NEED, text: 'still need a review' });
    net.run();
    for (let i = 1; i <= 4; i++) {
      bob.announce(net.now, STATE(`state ${i}`));
      net.run();
      net.advance(1000);
    }
    const aStore = net.stores[0]!;
    expect(aStore.range(bob.agentKey, TOPIC, 0, 1, 4).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const old2 = aStore.get(bob.agentKey, TOPIC, 0, 2)!.bytes;

    // Within the retention window no entry goes, even though everything has expired; expired bodies
    // that no unexpired entry announces do go (alice's own intents' bodies among them).
    net.advance(10 * 60_000);
    const early = aStore.prune(net.now, net.now - HOUR, alice.agentKey);
    expect(early.entries).toBe(0);
    expect(early.bodies).toBeGreaterThanOrEqual(2);
    expect(aStore.prune(net.now, net.now - HOUR, alice.agentKey)).toEqual({ entries: 0, bodies: 0 });
    // Two hours on: bob's seq 1..3 go, its head (seq 4) stays, alice's own log stays whole.
    net.advance(2 * HOUR);
    const before = aStore.entryCount();
    expect(aStore.prune(net.now, net.now - HOUR, alice.agentKey).entries).toBe(3);
    expect(aStore.entryCount()).toBe(before - 3);
    expect(aStore.range(bob.agentKey, TOPIC, 0, 1, 4).map((e) => e.seq)).toEqual([4]);
    expect(aStore.head(bob.agentKey, TOPIC)?.seq).toBe(4);
    expect(aStore.range(alice.agentKey, TOPIC, 0, 1, 2).map((e) => e.seq)).toEqual([1, 2]);
    expect(aStore.prune(net.now, net.now - HOUR, alice.agentKey)).toEqual({ entries: 0, bodies: 0 });

    // A pruned entry that comes back (a repair reply replayed) is stale: not stored again, no gap asked.
    const repairsBefore = alice.status().gapRepairs.requested;
    net.inject('direct', alice.agentHex, encodeDirect({ type: 'entries', from: bob.agentKey, entries: [old2] }));
    expect(net.rejected(0)).toContain('stale');
    expect(aStore.get(bob.agentKey, TOPIC, 0, 2)).toBeUndefined();

    // Bob goes on: the kept head anchors the chain, seq 5 appends at alice without any gap repair.
    bob.announce(net.now, STATE('state 5', 24 * HOUR));
    net.run();
    expect(aStore.head(bob.agentKey, TOPIC)?.seq).toBe(5);
    expect(alice.status().gapRepairs.requested).toBe(repairsBefore);

    // Carol joins later: the retained frontier names seq 5, gap repair asks bob (the author) and gets
    // the whole log, including what alice pruned.
    const carol = net.add(identity('carol'));
    carol.announce(net.now, NEED);
    net.run();
    const cStore = net.stores[2]!;
    expect(carol.status().gapRepairs.requested).toBeGreaterThanOrEqual(1);
    expect(cStore.range(bob.agentKey, TOPIC, 0, 1, 5).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(cStore.get(bob.agentKey, TOPIC, 0, 2)!.bytes).toEqual(old2);
    // Bob's own prune keeps its log whole: it stays the source of its history.
    const bStore = net.stores[1]!;
    bStore.prune(net.now + 48 * HOUR, net.now + 48 * HOUR, bob.agentKey);
    expect(bStore.range(bob.agentKey, TOPIC, 0, 1, 5).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
