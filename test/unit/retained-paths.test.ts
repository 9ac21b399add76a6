// Retained paths and what is held (docs/reliability.md items 10-11), in the sans-I/O core on a TestNet:
// births and frontiers under another agent's or topic's path are refused `wrong_path`; a retained message
// refused for what it is counts once however often it is re-read; garbage on a node's own paths is
// replaced; held entries of a failed gap repair expire; an oversize object inside a message is `oversized`.

import { describe, expect, it } from 'vitest';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { decodeFrontier, encodeFrontier, frontierToBeSigned } from '../../src/core/codec/messages.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { makeSketch } from '../../src/core/gossip/sketch.js';
import { HeldEntries } from '../../src/core/log/held.js';
import { decodeEntry } from '../../src/core/codec/entry.js';
import type { Declaration } from '../../src/core/types.js';
import { crypto, hex, identity, T0 } from '../helpers.js';
import { TestNet } from '../harness.js';

const TOPIC = 'code_review_security';
const CAP: Declaration = { kind: 'capability', topic: TOPIC, tags: ['code.review.security'], text: 'reviews' };

function net2(o: { heartbeatMs?: number; resyncEvery?: number } = {}) {
  const net = new TestNet(T0);
  const alice = net.add(identity('alice'), o);
  const bob = net.add(identity('bob'), o);
  alice.follow(TOPIC);
  net.run();
  return { net, alice, bob };
}

const retainedFrontier = (net: TestNet, author: Uint8Array) =>
  net.retained.get(`frontier/${TOPIC}/${hex(author)}`, net.now)?.bytes;

describe('paths of births and frontiers', () => {
  it('a birth or frontier under another agent or topic is refused wrong_path, and each is counted once', () => {
    const { net, alice, bob } = net2();
    bob.announce(net.now, CAP);
    net.run();
    const carol = hex(identity('carol').agentKey);
    const bobBirth = net.retained.get(`birth/${hex(bob.agentKey)}`, net.now)!.bytes;
    const bobFrontier = retainedFrontier(net, bob.agentKey)!;
    alice.requestBinding(carol); // alice listens to carol's birth path
    net.run();
    net.inject('birth', carol, bobBirth, true);
    net.inject('frontier', `${TOPIC}/${carol}`, bobFrontier, true);
    net.inject('frontier', `other_topic/${hex(bob.agentKey)}`, bobFrontier, true); // not followed: never delivered
    expect(alice.status().rejected).toMatchObject({ wrong_path: 2 });
    // Re-read (a resync re-subscribes; a birth fetch re-subscribes): the same retained messages, not counted again.
    alice.requestBinding(carol);
    net.inject('frontier', `${TOPIC}/${carol}`, bobFrontier, true);
    net.inject('birth', carol, bobBirth, true);
    expect(alice.status().rejected['wrong_path']).toBe(2);
  });

  it('a retained forged frontier is counted once however often it is re-read', () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'), { heartbeatMs: 1000, resyncEvery: 2 });
    const bob = net.add(identity('bob')); // no heartbeat: bob does not republish its head on a schedule
    alice.follow(TOPIC);
    bob.announce(net.now, CAP);
    net.run();
    const path = `${TOPIC}/${hex(bob.agentKey)}`;
    const real = decodeFrontier(retainedFrontier(net, bob.agentKey)!, DEFAULT_LIMITS).frontier;
    const f = { ...real, seq: real.seq + 5 }; // claims bob's log is longer; signed by mallory
    const forged = encodeFrontier(f, crypto.signer.sign(identity('mallory').agentSecret, frontierToBeSigned(f)));
    const before = alice.status().rejected['bad_signature'] ?? 0;
    net.inject('frontier', path, forged, true);
    expect(alice.status().rejected['bad_signature']).toBe(before + 1);
    // bob put its own head back at once; the forgery is made the retained copy again, bob not hearing it.
    net.retained.put(`frontier/${path}`, forged, net.now);
    let reread = 0;
    net.intercept = (m) => {
      if (m.to === 0 && m.channel === 'frontier' && m.bytes === forged) reread++;
      return m.bytes;
    };
    net.advance(10_000); // five resync rounds of alice re-read it
    expect(reread).toBeGreaterThanOrEqual(4);
    expect(alice.status().rejected['bad_signature']).toBe(before + 1);
  });
});

describe('own retained paths', () => {
  it('garbage or another agent’s frontier on our own path is replaced by ours, at once and by the resync schedule', () => {
    const { net, bob } = net2({ heartbeatMs: 1000, resyncEvery: 5 });
    bob.announce(net.now, CAP);
    net.run();
    const path = `${TOPIC}/${hex(bob.agentKey)}`;
    const mine = retainedFrontier(net, bob.agentKey)!;
    net.inject('frontier', path, new TextEncoder().encode('garbage'), true);
    expect(retainedFrontier(net, bob.agentKey)).toEqual(mine);
    expect(bob.status().ownPathsRestored).toBe(1);
    // Replaced again within the same heartbeat: put back at the next round, not at once.
    net.inject('frontier', path, new TextEncoder().encode('garbage 2'), true);
    expect(new TextDecoder().decode(retainedFrontier(net, bob.agentKey)!)).toBe('garbage 2');
    net.advance(1000);
    expect(retainedFrontier(net, bob.agentKey)).toEqual(mine);
    // Garbage on the birth path as well.
    net.inject('birth', hex(bob.agentKey), new Uint8Array([0xa0]), true);
    expect(net.retained.get(`birth/${hex(bob.agentKey)}`, net.now)!.bytes[0]).not.toBe(0xa0);
    // A copy bob does not hear (dropped on the way to it) is replaced by the scheduled republish (resync round).
    net.intercept = (m) => (m.to === 1 && m.channel === 'frontier' ? undefined : m.bytes);
    net.inject('frontier', path, new TextEncoder().encode('unseen'), true);
    net.advance(5000);
    expect(decodeFrontier(retainedFrontier(net, bob.agentKey)!, DEFAULT_LIMITS).frontier.seq).toBe(1);
  });

  it('a node joining after garbage was retained on a frontier finds the author’s log', () => {
    const net = new TestNet(T0);
    const bob = net.add(identity('bob'));
    bob.announce(net.now, CAP);
    net.run();
    net.inject('frontier', `${TOPIC}/${hex(bob.agentKey)}`, new TextEncoder().encode('garbage'), true);
    const carol = net.add(identity('carol'));
    carol.follow(TOPIC);
    net.run();
    expect(net.stores[1]!.head(bob.agentKey, TOPIC)?.seq).toBe(1);
    expect(carol.status().rejected['malformed'] ?? 0).toBe(0);
  });
});

describe('held entries', () => {
  function entryOf(seq: number, author = identity('bob')) {
    const e: Entry = {
      author: author.agentKey,
      topic: TOPIC,
      epoch: 0,
      seq,
      ...(seq > 1 ? { prev: crypto.sha256(new Uint8Array([seq])) } : {}),
      kind: 'capability',
      ts: T0,
      expires: T0 + 3_600_000,
      bodyHash: crypto.sha256(new Uint8Array([1])),
      bodyLen: 1,
      sketch: makeSketch(crypto, ['x']),
      tier: 2,
    };
    return decodeEntry(encodeEntry(e, crypto.signer.sign(author.agentSecret, entryToBeSigned(e))), DEFAULT_LIMITS);
  }

  it('HeldEntries: bounded per log and overall, dropped by log epoch and by age', () => {
    const h = new HeldEntries(2, 3, 1000);
    const id = new Uint8Array(32);
    expect(h.hold(entryOf(3), id, 0) && h.hold(entryOf(4), id, 10)).toBe(true);
    expect(h.hold(entryOf(5), id, 20)).toBe(false); // 2 per log
    expect(h.hold(entryOf(3, identity('carol')), id, 500)).toBe(true);
    expect(h.hold(entryOf(4, identity('carol')), id, 500)).toBe(false); // 3 overall
    expect(h.nextDeadline()).toBe(1000);
    expect(h.expire(1005)).toBe(1);
    expect(h.size).toBe(2);
    expect(h.dropLog(identity('bob').agentKey, TOPIC, 1)).toBe(0); // another epoch
    expect(h.dropLog(identity('bob').agentKey, TOPIC, 0)).toBe(1);
    expect(h.expire(1500)).toBe(1);
    expect(h.size).toBe(0);
    expect(h.nextDeadline()).toBeUndefined();
  });

  it('an entry held for a gap nobody repairs is dropped when the repair fails, counted `gap`', () => {
    const { net, alice, bob } = net2();
    const bobId = identity('bob');
    bob.announce(net.now, CAP);
    net.run();
    // seq 3 of bob's log, which bob never wrote: alice holds it and asks bob for seq 2, which never comes.
    const e = entryOf(3, bobId);
    net.inject('header', TOPIC, e.bytes);
    expect(alice.status().pending.held).toBe(1);
    net.advance(60_000);
    expect(alice.status().pending).toMatchObject({ held: 0, gaps: 0 });
    expect(alice.status().gapRepairs.failed).toBeGreaterThan(0);
    expect(alice.status().rejected['gap']).toBe(1);
  });
});

describe('one reason for oversize', () => {
  it('a header over the header limit (inside the message limit) is `oversized`, as a message over the message limit', () => {
    const { net, alice } = net2();
    const big = new Uint8Array(DEFAULT_LIMITS.headerBytes + 10);
    big[0] = 0xd2; // COSE_Sign1 tag, then nothing valid: the size check comes first
    net.inject('header', TOPIC, big);
    net.inject('header', TOPIC, new Uint8Array(DEFAULT_LIMITS.messageBytes + 1));
    expect(alice.status().rejected).toMatchObject({ oversized: 2 });
    expect(alice.status().rejected['malformed']).toBeUndefined();
  });
});
