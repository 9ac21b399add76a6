// Epochs and continuation records (docs/architecture.md §4): a node restored from backup that cannot learn
// its last seq starts a new epoch announced by a record its operator signs. Receivers accept the new
// epoch only with a valid record; a second history in the same epoch is a fork; a new epoch without a
// record is refused with `no_continuation`.

import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { birthToBeSigned, encodeBirth } from '../../src/core/codec/messages.js';
import { checkContinuation, makeContinuation } from '../../src/core/identity/continuation.js';
import { Epochs } from '../../src/core/log/epochs.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import type { Declaration } from '../../src/core/types.js';
import { crypto, DAY, identity, T0, type TestIdentity } from '../helpers.js';
import { TestNet } from '../harness.js';

const TOPIC = 'code_review_security';
const CAP: Declaration = { kind: 'capability', topic: TOPIC, tags: ['code.review.security'], text: 'reviews' };
const bindingOf = (id: TestIdentity) => decodeBinding(id.binding, DEFAULT_LIMITS).binding;

/** alice follows TOPIC; bob announces twice at epoch 0 on his first store. */
function before() {
  const net = new TestNet(T0);
  const bobId = identity('bob');
  const alice = net.add(identity('alice'));
  alice.follow(TOPIC);
  const bob = net.add(bobId);
  bob.announce(net.now, CAP);
  bob.announce(net.now, { ...CAP, text: 'reviews v2' });
  net.run();
  expect(net.stores[0]!.head(bobId.agentKey, TOPIC)).toMatchObject({ epoch: 0, seq: 2 });
  return { net, alice, bobId };
}

describe('continuation records', () => {
  it('bind the agent, its baid and the epoch, under the operator key', () => {
    const bob = identity('bob');
    const rec = makeContinuation(crypto, bob.operatorSecret, bindingOf(bob), 3, T0);
    expect(checkContinuation(crypto, rec, bindingOf(bob), 3)).toMatchObject({ ok: true, record: { epoch: 3 } });
    expect(checkContinuation(crypto, rec, bindingOf(bob), 2)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/epoch 3/),
    });
    expect(checkContinuation(crypto, rec, bindingOf(identity('carol')), 3)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/another agent/),
    });
    expect(checkContinuation(crypto, new Uint8Array([1, 2]), bindingOf(bob), 3)).toMatchObject({ ok: false });
    // signed by the agent key (not the operator): refused
    expect(() => makeContinuation(crypto, bob.agentSecret, bindingOf(bob), 3, T0)).toThrow(RangeError);
    const mallory = identity('mallory', { operatorLabel: 'bob' }); // same operator, another agent
    expect(
      checkContinuation(
        crypto,
        makeContinuation(crypto, bob.operatorSecret, bindingOf(mallory), 3, T0),
        bindingOf(bob),
        3,
      ).ok,
    ).toBe(false);
    expect(() => makeContinuation(crypto, bob.operatorSecret, bindingOf(bob), 0, T0)).toThrow(RangeError);
  });

  it('Epochs: accept, wait for the birth, refuse', () => {
    const e = new Epochs();
    expect(e.decide('a', 0, undefined)).toBe('accept');
    expect(e.decide('a', 1, undefined)).toBe('wait');
    expect(e.decide('a', 1, 1)).toBe('accept'); // a head at epoch 1 in our store was accepted before
    e.observeBirth('a', 0, false);
    expect(e.decide('a', 1, undefined)).toBe('wait'); // the birth we know is older: fetch the current one
    expect(e.decide('a', 1, undefined, true)).toBe('refuse'); // ...and it was just fetched
    e.observeBirth('a', 1, false);
    expect(e.decide('a', 1, undefined)).toBe('refuse');
    e.observeBirth('a', 2, true);
    expect(e.decide('a', 1, undefined)).toBe('accept');
    expect(e.decide('a', 2, undefined)).toBe('accept');
    expect(e.decide('a', 3, undefined)).toBe('wait');
    expect(e.decide('a', 3, undefined, true)).toBe('refuse');
  });
});

describe('restore from backup', () => {
  it('with a continuation record: the new epoch is accepted and the log goes on in it', () => {
    const { net, alice, bobId } = before();
    const rec = makeContinuation(crypto, bobId.operatorSecret, bindingOf(bobId), 1, net.now);
    // bob restored on an empty store: his last seq is unknown, so he starts epoch 1
    const bob2 = net.add(bobId, { store: new MemoryStore(), epoch: 1, continuation: rec });
    bob2.announce(net.now, { ...CAP, text: 'after restore' });
    net.run();
    expect(net.stores[0]!.head(bobId.agentKey, TOPIC)).toMatchObject({ epoch: 1, seq: 1 });
    expect(net.rejected(0)).toEqual([]);
    expect(alice.verifier.isQuarantined(toHex(bobId.agentKey))).toBe(false);
  });

  it('an entry of the new epoch that arrives before the birth waits for it, and the birth is fetched', () => {
    const { net, bobId } = before();
    const rec = makeContinuation(crypto, bobId.operatorSecret, bindingOf(bobId), 1, net.now);
    const birth = {
      author: bobId.agentKey,
      epoch: 1,
      ts: net.now + 1,
      binding: bobId.binding,
      alive: true as const,
      continuation: rec,
    };
    // the broker holds the new birth, but alice has not received it (she knows bob's epoch-0 birth)
    net.retained.put(
      `birth/${toHex(bobId.agentKey)}`,
      encodeBirth(birth, crypto.signer.sign(bobId.agentSecret, birthToBeSigned(birth))),
      net.now,
    );
    let fetched = 0;
    net.intercept = (m) => {
      if (m.channel === 'birth') fetched++;
      return m.bytes;
    };
    const e: Entry = {
      author: bobId.agentKey,
      topic: TOPIC,
      epoch: 1,
      seq: 1,
      kind: 'capability',
      ts: net.now + 1,
      expires: net.now + DAY,
      bodyHash: new Uint8Array(32),
      bodyLen: 3,
      sketch: new Uint8Array(32),
      tier: 2,
    };
    net.inject('header', TOPIC, encodeEntry(e, crypto.signer.sign(bobId.agentSecret, entryToBeSigned(e))));
    expect(fetched).toBe(1);
    expect(net.stores[0]!.head(bobId.agentKey, TOPIC)).toMatchObject({ epoch: 1, seq: 1 });
    expect(net.rejected(0)).toEqual([]);
  });

  it('without a record, a new epoch is refused with no_continuation', () => {
    const { net, alice, bobId } = before();
    // the core refuses to start itself in a new epoch without the record
    expect(() => net.add(bobId, { store: new MemoryStore(), epoch: 1 })).toThrow(/continuation/);
    // a peer that does it anyway (hand-made birth and entry at epoch 1)
    const birth = { author: bobId.agentKey, epoch: 1, ts: net.now + 1, binding: bobId.binding, alive: true as const };
    net.inject(
      'birth',
      toHex(bobId.agentKey),
      encodeBirth(birth, crypto.signer.sign(bobId.agentSecret, birthToBeSigned(birth))),
      true,
    );
    const e: Entry = {
      author: bobId.agentKey,
      topic: TOPIC,
      epoch: 1,
      seq: 1,
      kind: 'capability',
      ts: net.now + 1,
      expires: net.now + DAY,
      bodyHash: new Uint8Array(32),
      bodyLen: 3,
      sketch: new Uint8Array(32),
      tier: 2,
    };
    net.inject('header', TOPIC, encodeEntry(e, crypto.signer.sign(bobId.agentSecret, entryToBeSigned(e))));
    expect(net.rejected(0)).toEqual(['no_continuation', 'no_continuation']); // the birth, then the entry
    expect(net.events[0]!.find((x) => x.type === 'rejected' && x.channel === 'header')).toMatchObject({
      detail: expect.stringMatching(/epoch 1 .* no continuation record signed by its operator/),
    });
    expect(net.stores[0]!.head(bobId.agentKey, TOPIC)).toMatchObject({ epoch: 0, seq: 2 });
    expect(alice.isAlive(toHex(bobId.agentKey))).toBe(true); // a birth without its record does not count
  });

  it('without a record, restarting the same epoch is a fork: proven and quarantined', () => {
    const { net, alice, bobId } = before();
    const bob2 = net.add(bobId, { store: new MemoryStore() }); // epoch 0 again, from seq 1
    bob2.announce(net.now, { ...CAP, text: 'a second history' });
    net.run();
    expect(net.rejected(0)).toContain('fork');
    expect(alice.verifier.isQuarantined(toHex(bobId.agentKey))).toBe(true);
    expect(net.retained.has(`fraud/${toHex(bobId.agentKey)}`)).toBe(true);
  });
});

describe('a fork hidden behind a broken chain', () => {
  it("an entry whose prev is not our head makes us ask for the author's entry there: a fork proof", () => {
    const { net, alice, bobId } = before(); // alice holds bob's epoch-0 seq 1 and 2
    const bob2 = net.add(bobId, { store: new MemoryStore() }); // restored on an empty store, same epoch
    let dropped = 0;
    net.intercept = (m) => {
      if (m.channel === 'header' && m.key === TOPIC && m.from === 2 && dropped < 3) {
        dropped++; // alice never sees bob's new seq 1, 2, 3 live
        return undefined;
      }
      return m.bytes;
    };
    for (const t of ['one', 'two', 'three']) bob2.announce(net.now, { ...CAP, text: t });
    net.run();
    expect(net.stores[0]!.head(bobId.agentKey, TOPIC)?.seq).toBe(2);
    // the new seq 3 arrives (say, through another path): its prev is bob's new seq 2, not ours
    const seq3 = net.stores[2]!.get(bobId.agentKey, TOPIC, 0, 3)!.bytes;
    net.intercept = undefined;
    net.inject('header', TOPIC, seq3);
    expect(net.rejected(0)).toEqual(expect.arrayContaining(['broken_chain', 'fork']));
    expect(alice.verifier.isQuarantined(toHex(bobId.agentKey))).toBe(true);
  });
});
