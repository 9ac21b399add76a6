// Capabilities already in the store are matched against a new interest, and against the restored
// interests of a restarted node, by each log's current capability (src/core/gossip/latest.ts), not by
// its head. Found by the multi-process test: each node announced a capability and then an intent, so
// every log's head was an intent, and a node restarted after a kill never discovered again the peers
// that announced nothing new meanwhile.

import { describe, expect, it } from 'vitest';
import { AgentCore } from '../../src/core/agent.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import type { Declaration } from '../../src/core/types.js';
import { crypto, identity, T0 } from '../helpers.js';
import { TestNet } from '../harness.js';

const TOPIC = 'code_review_security';
const NEED: Declaration = { kind: 'intent', topic: TOPIC, tags: ['code.review'], text: 'need a review' };
const cap = (text: string, ttlMs = 86_400_000): Declaration => ({
  kind: 'capability',
  topic: TOPIC,
  tags: ['code.review.security'],
  text,
  ttlMs,
});

describe('stored capabilities: the latest per log, not the head', () => {
  it('a new interest discovers a peer whose log ends with an intent after its capability', () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'));
    const bob = net.add(identity('bob'));
    alice.follow(TOPIC); // headers only: no interest yet, so no body is pulled
    bob.announce(net.now, cap('bob'));
    bob.announce(net.now, { ...NEED, text: 'bob needs one too' });
    net.run();
    expect(alice.status().pulls.requested).toBe(0);
    alice.announce(net.now, NEED);
    net.run();
    expect(net.discovered(0)).toEqual([bob.agentHex]);
    expect(alice.discover({ tags: ['code.review'] }).map((c) => c.text)).toEqual(['bob']);
  });

  it('a restarted node discovers again, from its store alone, each peer current capability: not withdrawn, not expired', () => {
    const net = new TestNet(T0);
    const store = new MemoryStore();
    const aliceId = identity('alice');
    const alice = net.add(aliceId, { store });
    const [bob, carol, dave] = ['bob', 'carol', 'dave'].map((n) => net.add(identity(n)));
    alice.announce(net.now, NEED);
    bob!.announce(net.now, cap('bob v1'));
    bob!.announce(net.now, cap('bob v2'));
    bob!.announce(net.now, { ...NEED, text: 'bob needs one too' });
    carol!.announce(net.now, cap('carol, briefly', 60_000));
    dave!.announce(net.now, cap('dave'));
    net.run();
    dave!.announce(net.now, { kind: 'withdraw', topic: TOPIC, tags: [], text: '' });
    net.run();
    expect(
      alice
        .discover({ tags: ['code.review'] })
        .map((c) => c.text)
        .sort(),
    ).toEqual(['bob v2', 'carol, briefly']);

    // A new process on the same store, an hour later, connected to nothing.
    const later = T0 + 3_600_000;
    const again = new AgentCore({ crypto, store, agentSecret: aliceId.agentSecret, binding: aliceId.binding });
    again.start(later);
    const found = again.discover({ tags: ['code.review'] }, later);
    expect(found.map((c) => [c.author, c.text, c.seq])).toEqual([[bob!.agentHex, 'bob v2', 2]]);
    expect(found[0]!.verifiedTier).toBe(2);
  });
});
