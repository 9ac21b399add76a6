// The core's heartbeat (anti-entropy that sends only changed frontier entries).

import { describe, expect, it } from 'vitest';
import { Heartbeat } from '../../src/core/gossip/heartbeat.js';
import type { Declaration } from '../../src/core/types.js';
import { identity, T0 } from '../helpers.js';
import { TestNet } from '../harness.js';

const TOPIC = 'code_review_security';
const CAP: Declaration = { kind: 'capability', topic: TOPIC, tags: ['code.review.security'], text: 'reviews' };

describe('Heartbeat', () => {
  it('rounds at the interval, no replay of missed rounds, resync rounds, misuse throws', () => {
    const h = new Heartbeat({ heartbeatMs: 1000, resyncEvery: 3 });
    expect(h.nextDeadline()).toBeUndefined();
    h.start(0);
    expect(h.due(999)).toBe(false);
    expect(h.due(1000)).toBe(true);
    expect(h.nextDeadline()).toBe(2000);
    expect(h.due(10_500)).toBe(true); // slept: one round, the next one interval later
    expect(h.nextDeadline()).toBe(11_500);
    expect(h.due(11_500) && h.round === 3 && h.resyncRound).toBe(true);
    expect(h.repeats).toBe(2);
    expect(new Heartbeat({}).repeats).toBe(0); // no heartbeat: no repeats
    expect(() => new Heartbeat({ heartbeatMs: 0 })).toThrow(RangeError);
    expect(() => new Heartbeat({ heartbeatMs: 10, frontierRepeats: -1 })).toThrow(RangeError);
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
});
