import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { encodeCbor } from '../../src/core/codec/cbor.js';
import { decodeEntry, encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { FieldError } from '../../src/core/codec/schema.js';
import { birthToBeSigned, encodeBirth } from '../../src/core/codec/messages.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import type { Declaration } from '../../src/core/types.js';
import { AgentCore } from '../../src/core/agent.js';
import { crypto, DAY, identity, T0 } from '../helpers.js';
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

function twoAgents() {
  const net = new TestNet(T0);
  const alice = net.add(identity('alice'));
  const bob = net.add(identity('bob'));
  return { net, alice, bob };
}

describe('AgentCore: announce and discover', () => {
  it('discovers a matching capability announced after the intent (live header path)', () => {
    const { net, alice, bob } = twoAgents();
    alice.announce(net.now, NEED_REVIEW);
    net.run();
    bob.announce(net.now, REVIEW);
    net.run();
    expect(net.discovered(0)).toEqual([bob.agentHex]);
    expect(alice.discover({ tags: ['code.review'] }).map((c) => c.author)).toEqual([bob.agentHex]);
    expect(alice.status().verified.T2).toBeGreaterThanOrEqual(2); // own + bob's binding
  });

  it('discovers a capability announced before the intent (retained frontier + gap repair path)', () => {
    const { net, alice, bob } = twoAgents();
    bob.announce(net.now, REVIEW);
    net.run();
    alice.announce(net.now, NEED_REVIEW);
    net.run();
    expect(net.discovered(0)).toEqual([bob.agentHex]);
    expect(alice.status().gapRepairs.requested).toBe(1);
  });

  it('does not pull bodies that do not match the interest sketch (bodyless gossip)', () => {
    const { net, alice, bob } = twoAgents();
    alice.announce(net.now, NEED_REVIEW);
    bob.announce(net.now, { ...REVIEW, tags: ['writing.fiction'] });
    net.run();
    expect(net.discovered(0)).toEqual([]);
    expect(alice.status().pulls.requested).toBe(0);
    expect(alice.status().entries).toBe(2); // the header is in the log, the body was never fetched
  });

  it('a withdraw removes the candidate', () => {
    const { net, alice, bob } = twoAgents();
    alice.announce(net.now, NEED_REVIEW);
    bob.announce(net.now, REVIEW);
    net.run();
    bob.announce(net.now, { kind: 'withdraw', topic: REVIEW.topic, tags: REVIEW.tags, text: '' });
    net.run();
    expect(alice.discover({ tags: ['code.review'] })).toEqual([]);
  });

  it('repairs a gap when early headers were lost', () => {
    const { net, alice, bob } = twoAgents();
    alice.announce(net.now, NEED_REVIEW);
    net.run();
    let dropped = 0;
    net.intercept = (m) => {
      if (m.channel !== 'header' || m.from !== 1 || dropped >= 2) return m.bytes;
      dropped++;
      return undefined;
    };
    bob.announce(net.now, { ...REVIEW, kind: 'state', text: 'one' });
    bob.announce(net.now, { ...REVIEW, kind: 'state', text: 'two' });
    bob.announce(net.now, REVIEW);
    net.run();
    expect(dropped).toBe(2);
    expect(net.stores[0]!.head(bob.agentKey, REVIEW.topic)?.seq).toBe(3);
    expect(net.discovered(0)).toEqual([bob.agentHex]);
  });

  it('a restarted node continues its log and does not re-announce the same declaration', () => {
    const store = new MemoryStore();
    const id = identity('carol');
    const net = new TestNet(T0);
    const c1 = net.add(id, { store });
    c1.announceOnce(net.now, REVIEW);
    net.run();
    const c2 = new AgentCore({ crypto, store, agentSecret: id.agentSecret, binding: id.binding });
    c2.start(net.now + 1000);
    expect(c2.announceOnce(net.now + 1000, REVIEW).reused).toBe(true);
    expect(c2.announce(net.now + 1000, { ...REVIEW, text: 'updated' }).seq).toBe(2);
    expect(store.head(id.agentKey, REVIEW.topic)?.seq).toBe(2);
  });

  it('misuse throws a FieldError (a RangeError) naming the field, and nothing is signed or stored', () => {
    const { net, alice } = twoAgents();
    const field = (d: Declaration) => {
      try {
        alice.announce(net.now, d);
      } catch (e) {
        expect(e).toBeInstanceOf(FieldError);
        expect(e).toBeInstanceOf(RangeError);
        return (e as FieldError).field;
      }
      return 'accepted';
    };
    expect(field({ ...REVIEW, topic: 'Bad Topic' })).toBe('topic');
    expect(field({ ...REVIEW, tags: ['ok', 'UPPER'] })).toBe('tags[1]');
    expect(field({ ...REVIEW, text: 'x'.repeat(70_000) })).toBe('text');
    expect(field({ ...REVIEW, price: -5 })).toBe('price');
    expect(field({ ...REVIEW, requiredTier: 9 })).toBe('requiredTier');
    expect(field({ ...REVIEW, ttlMs: 1e300 })).toBe('ttlMs');
    expect(field({ ...REVIEW, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) })).toBe('tags');
    expect(alice.logHeads()).toEqual([]);
    expect(() => alice.start(net.now)).toThrow(RangeError);
  });
});

describe('AgentCore: bad input is rejected with a typed reason, counted, and never corrupts the store', () => {
  function entryFor(
    author: ReturnType<typeof identity>,
    over: Partial<Entry>,
    signer = author.agentSecret,
  ): Uint8Array {
    const e: Entry = {
      author: author.agentKey,
      topic: REVIEW.topic,
      epoch: 0,
      seq: 1,
      kind: 'capability',
      ts: T0,
      expires: T0 + DAY,
      bodyHash: new Uint8Array(32),
      bodyLen: 3,
      sketch: new Uint8Array(32),
      tier: 2,
      ...over,
    };
    return encodeEntry(e, crypto.signer.sign(signer, entryToBeSigned(e)));
  }

  function setup() {
    const t = twoAgents();
    t.alice.announce(t.net.now, NEED_REVIEW);
    t.bob.announce(t.net.now, REVIEW);
    t.net.run();
    return t;
  }

  it('malformed CBOR and non-canonical encodings', () => {
    const { net, alice } = setup();
    net.inject('header', REVIEW.topic, new Uint8Array([0xd2, 0x84, 0x40]));
    net.inject('header', REVIEW.topic, new Uint8Array([0x18, 0x01]));
    net.inject(
      'direct',
      alice.agentHex,
      encodeCbor(
        new Map([
          [0, 1],
          [1, 99],
        ]),
      ),
    );
    expect(net.rejected(0)).toEqual(['malformed', 'malformed', 'malformed']);
    expect(alice.status().rejected).toEqual({ malformed: 3 });
  });

  it('a forged signature', () => {
    const { net, bob } = setup();
    const bobId = identity('bob');
    const forged = entryFor(
      bobId,
      { seq: 2, prev: net.stores[0]!.head(bob.agentKey, REVIEW.topic)!.id },
      identity('mallory').agentSecret,
    );
    net.inject('header', REVIEW.topic, forged);
    expect(net.rejected(0)).toContain('bad_signature');
    expect(net.stores[0]!.head(bob.agentKey, REVIEW.topic)?.seq).toBe(1);
  });

  it('a binding from an operator the node does not accept', () => {
    const net = new TestNet(T0);
    const bobOp = toHex(crypto.signer.publicKey(identity('bob').operatorSecret));
    const alice = net.add(identity('alice'), {
      operators: new Set([toHex(crypto.signer.publicKey(identity('alice').operatorSecret))]),
    });
    net.add(identity('bob')).announce(net.now, REVIEW);
    alice.announce(net.now, NEED_REVIEW);
    net.run();
    net.advance(20_000);
    expect(bobOp).not.toBe('');
    expect(net.rejected(0)).toContain('binding_invalid');
    expect(net.discovered(0)).toEqual([]);
    expect(alice.status().pending).toMatchObject({ births: 0, held: 0 });
  });

  it('an expired binding', () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'));
    alice.announce(net.now, NEED_REVIEW);
    const old = identity('old', { notBefore: T0 - 10 * DAY, notAfter: T0 - DAY });
    const birth = { author: old.agentKey, epoch: 0, ts: T0, binding: old.binding, alive: true as const };
    net.inject(
      'birth',
      toHex(old.agentKey),
      encodeBirth(birth, crypto.signer.sign(old.agentSecret, birthToBeSigned(birth))),
      true,
    );
    net.inject('header', REVIEW.topic, entryFor(old, {}));
    expect(net.rejected(0)).toContain('binding_expired');
  });

  it('an oversized message and a body whose hash does not match its header', () => {
    const { net, alice } = twoAgents();
    alice.announce(net.now, NEED_REVIEW);
    net.run();
    net.inject('header', REVIEW.topic, new Uint8Array(DEFAULT_LIMITS.messageBytes + 1));
    net.intercept = (m) => (m.channel === 'body' && m.from === -2 ? new Uint8Array(m.bytes.length).fill(1) : m.bytes);
    net.cores[1]!.announce(net.now, REVIEW);
    net.run();
    expect(net.rejected(0)).toEqual(['oversized', 'body_hash_mismatch']);
    expect(net.discovered(0)).toEqual([]);
    net.intercept = undefined;
    net.advance(10_000); // the retry asks the author directly and gets the real body
    expect(net.discovered(0)).toEqual([net.cores[1]!.agentHex]);
  });

  it('a second entry claiming an existing seq is a fork; the first entry stays', () => {
    const { net, alice, bob } = setup();
    const stored = net.stores[0]!.get(bob.agentKey, REVIEW.topic, 0, 1)!;
    const bobId = identity('bob');
    const second = entryFor(bobId, { text: 'x' } as never as Partial<Entry>);
    expect(toHex(stored.id)).not.toBe(toHex(crypto.sha256(second)));
    net.inject('header', REVIEW.topic, second);
    expect(net.rejected(0)).toContain('fork');
    expect(alice.pollEvent()).toBeUndefined();
    expect(net.events[0]!.some((e) => e.type === 'fork')).toBe(true);
    expect(toHex(net.stores[0]!.get(bob.agentKey, REVIEW.topic, 0, 1)!.id)).toBe(toHex(stored.id));
  });

  it('an entry on the wrong topic channel, from the future, and a replay', () => {
    const { net, alice, bob } = setup();
    const bobId = identity('bob');
    const head = net.stores[0]!.head(bob.agentKey, REVIEW.topic)!;
    alice.handleMessage(net.now, 'header', 'data_analysis', entryFor(bobId, { seq: 2, prev: head.id }));
    net.run();
    net.inject(
      'header',
      REVIEW.topic,
      entryFor(bobId, { seq: 2, prev: head.id, ts: T0 + 10 * 60_000, expires: T0 + DAY }),
    );
    const replay = net.stores[0]!.get(bob.agentKey, REVIEW.topic, 0, 1)!.bytes;
    const before = alice.status().entries;
    net.inject('header', REVIEW.topic, replay);
    expect(net.rejected(0)).toEqual(['wrong_topic', 'future']);
    expect(alice.status().entries).toBe(before);
    expect(decodeEntry(replay, DEFAULT_LIMITS).entry.seq).toBe(1);
  });
});
