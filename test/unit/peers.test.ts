// AgentCore.peers / logHeads / declarations: what the local API's /peers, /logs and the MCP
// declarations resource read. Driven through the in-memory TestNet with its virtual clock.

import { describe, expect, it } from 'vitest';
import type { Declaration } from '../../src/core/types.js';
import { identity, T0 } from '../helpers.js';
import { TestNet } from '../harness.js';

const REVIEW: Declaration = {
  kind: 'capability',
  topic: 'code_review_security',
  tags: ['code.review.security'],
  text: 'security reviews',
};
const NEED_REVIEW: Declaration = {
  kind: 'intent',
  topic: 'code_review_security',
  tags: ['code.review'],
  text: 'need a review',
};

describe('AgentCore peer and log views', () => {
  it('lists verified peers with tier 2 and the time of their last verified message, never itself', () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'));
    const bob = net.add(identity('bob'));
    alice.announce(net.now, NEED_REVIEW);
    net.run();
    expect(alice.peers(net.now)).toEqual([]); // bob has sent nothing alice follows yet
    net.advance(1000);
    const at = net.now;
    bob.announce(net.now, REVIEW);
    net.run();
    const peers = alice.peers(net.now);
    expect(peers.map((p) => p.agent)).toEqual([bob.agentHex]);
    expect(peers[0]).toMatchObject({ tier: 2, quarantined: false, lastSeen: at, version: 1 });
    expect(peers.some((p) => p.agent === alice.agentHex)).toBe(false);
    // A peer whose binding window has passed is still listed, but at tier 0.
    const later = peers[0]!.notAfter + 1;
    expect(alice.peers(later)[0]!.tier).toBe(0);
  });

  it('reports every stored log head and only its own unexpired declarations', () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'));
    const bob = net.add(identity('bob'));
    alice.announce(net.now, NEED_REVIEW);
    bob.announce(net.now, REVIEW);
    bob.announce(net.now, { ...REVIEW, kind: 'state', text: 'busy' });
    net.run();
    const heads = alice.logHeads();
    expect(heads).toHaveLength(2);
    expect(heads.find((h) => h.author === bob.agentHex)).toMatchObject({ topic: REVIEW.topic, epoch: 0, seq: 2 });
    expect(heads.find((h) => h.author === alice.agentHex)).toMatchObject({ topic: REVIEW.topic, seq: 1 });
    const own = bob.declarations(net.now);
    expect(own.map((d) => [d.seq, d.kind, d.text])).toEqual([
      [1, 'capability', 'security reviews'],
      [2, 'state', 'busy'],
    ]);
    // Another declaration of alice's (its own key), expired by then; the first is still live.
    alice.announce(net.now, { ...NEED_REVIEW, key: 'brief', text: 'short-lived', ttlMs: 10 });
    expect(alice.declarations(net.now + 20).map((d) => d.text)).toEqual(['need a review']);
    // The same identity (topic, kind, key: here the first tag) replaces: the older one is no longer live.
    alice.announce(net.now, { ...NEED_REVIEW, text: 'replaced', ttlMs: 10 });
    expect(alice.declarations(net.now + 20)).toEqual([]);
  });

  it('announceOnce reuses an identical live declaration, but not across a withdraw', () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'));
    const bob = net.add(identity('bob'));
    alice.announce(net.now, NEED_REVIEW);
    expect(bob.announceOnce(net.now, REVIEW)).toMatchObject({ seq: 1, reused: false });
    expect(bob.announceOnce(net.now, REVIEW)).toMatchObject({ seq: 1, reused: true });
    bob.announce(net.now, { kind: 'withdraw', topic: REVIEW.topic, tags: [], text: '' });
    net.run();
    expect(alice.discover({ tags: ['code.review'] })).toEqual([]);
    expect(bob.announceOnce(net.now, REVIEW)).toMatchObject({ seq: 3, reused: false });
    net.run();
    expect(alice.discover({ tags: ['code.review'] }).map((c) => c.author)).toEqual([bob.agentHex]);
  });

  it('announceOnce never reuses an entry whose transaction rolled back', () => {
    const net = new TestNet(T0);
    const bob = net.add(identity('bob'));
    const store = net.stores[0]!;
    expect(bob.announceOnce(net.now, REVIEW)).toMatchObject({ seq: 1, reused: false }); // loads the topic's index
    const other = { ...REVIEW, key: 'other', text: 'rolled back' }; // a declaration of its own beside REVIEW
    // The driver's grouped commit: the group fails after the append, nothing of it is kept or sent.
    expect(() =>
      store.transaction(() => {
        bob.announceOnce(net.now, other);
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    bob.discardOutput();
    expect(bob.logHeads().find((h) => h.author === bob.agentHex)?.seq).toBe(1);
    expect(bob.announceOnce(net.now, other)).toMatchObject({ seq: 2, reused: false });
    expect(bob.announceOnce(net.now, REVIEW)).toMatchObject({ seq: 1, reused: true });
  });
});
