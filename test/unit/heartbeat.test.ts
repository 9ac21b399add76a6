// The core's heartbeat (anti-entropy that sends only changed frontier entries).

import { describe, expect, it } from 'vitest';
import { Heartbeat } from '../../src/core/gossip/heartbeat.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeFrontier } from '../../src/core/codec/messages.js';
import type { Declaration } from '../../src/core/types.js';
import { identity, T0 } from '../helpers.js';
import { TestNet } from '../harness.js';

const TOPIC = 'code_review_security';
const CAP: Declaration = { kind: 'capability', topic: TOPIC, tags: ['code.review.security'], text: 'reviews' };

describe('Heartbeat', () => {
  it('rounds at the interval, missed rounds counted but not replayed, resync rounds, misuse throws', () => {
    const h = new Heartbeat({ heartbeatMs: 1000, resyncEvery: 3 });
    expect(h.nextDeadline()).toBeUndefined();
    h.start(0);
    expect(h.due(999)).toBe(false);
    expect(h.due(1000)).toBe(true);
    expect(h.round).toBe(1);
    expect(h.nextDeadline()).toBe(2000);
    expect(h.due(10_500)).toBe(true); // slept: one round of work, the next one interval later
    expect(h.round).toBe(10); // rounds 2..10 passed while asleep: a resync boundary (9) was crossed
    expect(h.resyncRound).toBe(true);
    expect(h.nextDeadline()).toBe(11_500);
    expect(h.due(11_500) && h.round === 11 && !h.resyncRound).toBe(true);
    expect(h.due(12_500) && h.round === 12 && h.resyncRound).toBe(true);
    expect(h.repeats).toBe(2);
    expect(new Heartbeat({}).repeats).toBe(0); // no heartbeat: no repeats
    expect(() => new Heartbeat({ heartbeatMs: 0 })).toThrow(RangeError);
    expect(() => new Heartbeat({ heartbeatMs: 10, frontierRepeats: -1 })).toThrow(RangeError);
  });

  it('a round without work is not woken for: the deadline is the next resync round, or none', () => {
    const h = new Heartbeat({ heartbeatMs: 1000, resyncEvery: 5 });
    h.start(0);
    expect(h.nextDeadline(false, 0)).toBe(5000); // rounds 1..4 idle, round 5 resyncs
    expect(h.due(5000) && h.round === 5 && h.resyncRound).toBe(true);
    expect(h.nextDeadline(false, 5000)).toBe(10_000);
    const plain = new Heartbeat({ heartbeatMs: 1000 });
    plain.start(0);
    expect(plain.nextDeadline(false, 0)).toBeUndefined(); // no work, no resync: no wake-up at all
    expect(plain.nextDeadline(true, 0)).toBe(1000);
  });

  it('a round that gets work after idle rounds comes one interval later on the grid, not at once', () => {
    const h = new Heartbeat({ heartbeatMs: 1000, resyncEvery: 10 });
    h.start(0);
    expect(h.nextDeadline(false, 0)).toBe(10_000);
    // Idle until 3,400, when work arrives (a changed frontier): round 1's deadline (1,000) is long past.
    expect(h.nextDeadline(true, 3400)).toBe(4000);
    expect(h.round).toBe(3); // rounds 1..3 passed idle
    expect(h.nextDeadline(true, 3600)).toBe(4000); // asked again: the same round
    expect(h.due(4000) && h.round === 4 && !h.resyncRound).toBe(true);
    // A round due while busy is never moved: a late timer still runs it.
    expect(h.nextDeadline(true, 6000)).toBe(5000);
  });
});

describe('anti-entropy in the core', () => {
  function lossy(o: { heartbeatMs?: number; frontierRepeats?: number; resyncEvery?: number }) {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'), o);
    const bob = net.add(identity('bob'), o);
    alice.follow(TOPIC);
    net.run();
    // bob's header and the first frontier that follows it are lost on the way to alice
    let lost = 0;
    net.intercept = (m) => {
      if (m.from === 1 && (m.channel === 'header' || m.channel === 'frontier') && lost < 2) {
        lost++;
        return undefined;
      }
      return m.bytes;
    };
    bob.announce(net.now, CAP);
    net.run();
    expect(lost).toBe(2);
    return { net, alice, bob };
  }

  it('without a heartbeat a head whose header and frontier were lost stays unknown', () => {
    const { net } = lossy({});
    net.advance(10_000);
    expect(net.stores[0]!.head(identity('bob').agentKey, TOPIC)).toBeUndefined();
  });

  it('a changed frontier is sent again in the next heartbeat rounds, then no more', () => {
    const { net } = lossy({ heartbeatMs: 1000 });
    let frontiers = 0;
    const inner = net.intercept!;
    net.intercept = (m) => {
      if (m.channel === 'frontier' && m.from === 1 && m.to === 0) frontiers++; // to alice (bob hears its own too)
      return inner(m);
    };
    net.advance(1000);
    expect(net.stores[0]!.head(identity('bob').agentKey, TOPIC)?.seq).toBe(1);
    net.advance(10_000);
    expect(frontiers).toBe(2); // repeats 2, then the log is unchanged and nothing is sent
  });

  it('resync rounds re-read the retained heads (a head lost more often than the repeats cover)', () => {
    const { net } = lossy({ heartbeatMs: 1000, frontierRepeats: 0, resyncEvery: 5 });
    net.advance(4000);
    expect(net.stores[0]!.head(identity('bob').agentKey, TOPIC)).toBeUndefined();
    net.advance(1000);
    expect(net.stores[0]!.head(identity('bob').agentKey, TOPIC)?.seq).toBe(1);
  });

  it('with frontierEveryMs a stream of appends sends its first frontier at once and the newest head once per round', () => {
    const bobKey = identity('bob').agentKey;
    const run = (o: { heartbeatMs: number; frontierEveryMs?: number }) => {
      const net = new TestNet(T0);
      net.add(identity('alice'), o).follow(TOPIC);
      const bob = net.add(identity('bob'), o);
      net.run();
      const seqs: number[] = [];
      let headers = 0;
      net.intercept = (m) => {
        if (m.from !== 1 || m.to !== 0) return m.bytes;
        if (m.channel === 'frontier') seqs.push(decodeFrontier(m.bytes, DEFAULT_LIMITS).frontier.seq);
        // the last header of the stream is lost: only a frontier tells alice of that head
        if (m.channel === 'header' && ++headers === 5) return undefined;
        return m.bytes;
      };
      for (let i = 0; i < 5; i++) {
        bob.announce(net.now, { ...CAP, key: `k${i}`, text: `reading ${i}` });
        net.run();
        net.advance(100);
      }
      const beforeRound = net.stores[0]!.head(bobKey, TOPIC)?.seq;
      net.advance(1000);
      const afterRound = net.stores[0]!.head(bobKey, TOPIC)?.seq;
      net.advance(10_000);
      return { seqs, beforeRound, afterRound };
    };
    // Every append its own frontier (the lost header is learnt at once), then two repeats of the newest.
    expect(run({ heartbeatMs: 1000 })).toEqual({ seqs: [1, 2, 3, 4, 5, 5, 5], beforeRound: 5, afterRound: 5 });
    // One frontier for the first append, the newest head at the next round, then its two repeats: the lost header's
    // entry is repaired within one round.
    expect(run({ heartbeatMs: 1000, frontierEveryMs: 1000 })).toEqual({
      seqs: [1, 5, 5, 5],
      beforeRound: 4,
      afterRound: 5,
    });
  });
});
