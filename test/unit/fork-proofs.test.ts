// Fork proofs (docs/architecture.md §4): a node holding two entries one author signed at one log position
// builds a proof, publishes it on the fraud channel, and every node that checks it quarantines the
// author in every topic. Proofs verify with the author's key alone; bad ones are typed rejections.

import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { encodeCbor } from '../../src/core/codec/cbor.js';
import { decodeForkProof, encodeForkProof } from '../../src/core/codec/fork-proof.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { DecodeError } from '../../src/core/base/errors.js';
import type { Declaration } from '../../src/core/types.js';
import { crypto, DAY, identity, T0, type TestIdentity } from '../helpers.js';
import { fourNodes, TestNet } from '../harness.js';
import { driverRig, settle } from './driver-rig.js';

const TOPIC = 'code_review_security';
const OTHER = 'data_analysis';
const CAP: Declaration = { kind: 'capability', topic: TOPIC, tags: ['code.review.security'], text: 'reviews' };

function entryFor(id: TestIdentity, over: Partial<Entry>): Uint8Array {
  const e: Entry = {
    author: id.agentKey,
    topic: TOPIC,
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
  return encodeEntry(e, crypto.signer.sign(id.agentSecret, entryToBeSigned(e)));
}

/** alice and dave follow TOPIC, carol only OTHER; bob announces in TOPIC. */
function world(o: { heartbeatMs?: number } = {}) {
  const { net, bobId, alice, bob, carol, dave } = fourNodes(o);
  alice.follow(TOPIC);
  dave.follow(TOPIC);
  carol.follow(OTHER);
  bob.announce(net.now, CAP);
  net.run();
  return { net, alice, bob, carol, dave, bobId };
}

describe('fork-proof codec', () => {
  it('one encoding per pair, whatever the order; decoding checks order and distinctness', () => {
    const a = entryFor(identity('bob'), {});
    const b = entryFor(identity('bob'), { kind: 'state' });
    expect(encodeForkProof(a, b)).toEqual(encodeForkProof(b, a));
    const [x, y] = decodeForkProof(encodeForkProof(a, b), DEFAULT_LIMITS);
    expect(new Set([toHex(x), toHex(y)])).toEqual(new Set([toHex(a), toHex(b)]));
    const [lo, hi] = [x, y];
    expect(() =>
      decodeForkProof(
        encodeCbor(
          new Map<number, Uint8Array | number>([
            [0, 1],
            [1, hi],
            [2, lo],
          ]),
        ),
        DEFAULT_LIMITS,
      ),
    ).toThrow(DecodeError);
    expect(() =>
      decodeForkProof(
        encodeCbor(
          new Map<number, Uint8Array | number>([
            [0, 1],
            [1, lo],
            [2, lo],
          ]),
        ),
        DEFAULT_LIMITS,
      ),
    ).toThrow(DecodeError);
    expect(() =>
      decodeForkProof(
        encodeCbor(
          new Map<number, Uint8Array | number>([
            [0, 2],
            [1, lo],
            [2, hi],
          ]),
        ),
        DEFAULT_LIMITS,
      ),
    ).toThrow(DecodeError);
    expect(() => decodeForkProof(new Uint8Array(2 * DEFAULT_LIMITS.headerBytes + 17), DEFAULT_LIMITS)).toThrow(
      /TOO_LARGE/,
    );
  });
});

describe('fork proofs travel and quarantine the author in every topic', () => {
  it('a detector publishes the proof; a node of another topic quarantines the author and refuses its entries', () => {
    const { net, alice, carol, bobId } = world();
    const bobHex = toHex(bobId.agentKey);
    expect(alice.discover({ tags: ['code.review'] })).toEqual([]); // no interest: body not pulled; log has the entry
    expect(net.stores[0]!.head(bobId.agentKey, TOPIC)?.seq).toBe(1);
    // bob signs a second entry at seq 1; only alice and dave (TOPIC followers) can see the fork
    net.inject('header', TOPIC, entryFor(bobId, { kind: 'state', ts: T0 + 1 }));
    expect(net.rejected(0)).toContain('fork');
    expect(net.retained.has(`fraud/${bobHex}`)).toBe(true);
    for (const i of [0, 2, 3])
      expect(net.events[i]!.filter((e) => e.type === 'fork').map((e) => (e as { author: string }).author)).toEqual([
        bobHex,
      ]);
    expect(carol.verifier.isQuarantined(bobHex)).toBe(true);
    expect(carol.verifier.pollFraud()).toMatchObject({ kind: 'fork', author: bobHex, topic: TOPIC, epoch: 0, seq: 1 });
    // in another topic bob's entries are refused; a frontier of his is ignored
    carol.handleMessage(net.now, 'header', OTHER, entryFor(bobId, { topic: OTHER }));
    net.run();
    expect(net.rejected(2)).toContain('quarantined');
    expect(net.stores[2]!.head(bobId.agentKey, OTHER)).toBeUndefined();
    // without a heartbeat there is no hold-off: both detectors (alice, dave) published, once each
    expect(net.cores.map((c) => c.status().forkProofs.published)).toEqual([1, 0, 0, 1]);
  });

  it('discover() drops a quarantined author that it had found before', () => {
    const net = new TestNet(T0);
    const bobId = identity('bob');
    const alice = net.add(identity('alice'));
    const bob = net.add(bobId);
    alice.announce(net.now, { kind: 'intent', topic: TOPIC, tags: ['code.review'], text: 'need' });
    bob.announce(net.now, CAP);
    net.run();
    expect(alice.discover({ tags: ['code.review'] }).map((c) => c.author)).toEqual([toHex(bobId.agentKey)]);
    net.inject(
      'fraud',
      toHex(bobId.agentKey),
      encodeForkProof(net.stores[0]!.get(bobId.agentKey, TOPIC, 0, 1)!.bytes, entryFor(bobId, { ts: T0 + 9 })),
    );
    expect(alice.discover({ tags: ['code.review'] })).toEqual([]);
    expect(alice.peers(net.now).find((p) => p.agent === toHex(bobId.agentKey))).toMatchObject({
      tier: 0,
      quarantined: true,
    });
  });

  it('a proof that proves nothing is a typed rejection and quarantines no one', () => {
    const { net, carol, bobId } = world();
    const bobHex = toHex(bobId.agentKey);
    const rejectedBefore = net.rejected(2).length;
    net.inject(
      'fraud',
      bobHex,
      encodeForkProof(entryFor(bobId, { seq: 1 }), entryFor(bobId, { seq: 2, prev: new Uint8Array(32) })),
    );
    const mallory = identity('mallory');
    const forged = encodeEntry(
      {
        author: bobId.agentKey,
        topic: TOPIC,
        epoch: 0,
        seq: 1,
        kind: 'state',
        ts: T0,
        expires: T0 + DAY,
        bodyHash: new Uint8Array(32),
        bodyLen: 3,
        sketch: new Uint8Array(32),
        tier: 2,
      },
      crypto.signer.sign(mallory.agentSecret, new Uint8Array(8)),
    );
    net.inject('fraud', bobHex, encodeForkProof(entryFor(bobId, {}), forged));
    net.inject(
      'fraud',
      toHex(mallory.agentKey),
      encodeForkProof(entryFor(bobId, {}), entryFor(bobId, { kind: 'state' })),
    ); // valid, but filed against another key
    net.inject('fraud', bobHex, new Uint8Array([0xa1, 0x00]));
    expect(net.rejected(2).slice(rejectedBefore)).toEqual([
      'bad_fork_proof',
      'bad_fork_proof',
      'bad_fork_proof',
      'malformed',
    ]);
    expect(carol.verifier.isQuarantined(bobHex)).toBe(false);
    expect(carol.verifier.isQuarantined(toHex(mallory.agentKey))).toBe(false);
  });

  it('with a heartbeat: one detector publishes after its hold-off, the other stays silent, repeats cover loss', () => {
    const { net, alice, dave, carol, bobId } = world({ heartbeatMs: 1000 });
    const bobHex = toHex(bobId.agentKey);
    const fork = entryFor(bobId, { kind: 'state', ts: T0 + 1 });
    net.inject('header', TOPIC, fork);
    expect(alice.verifier.isQuarantined(bobHex) && dave.verifier.isQuarantined(bobHex)).toBe(true);
    expect(carol.verifier.isQuarantined(bobHex)).toBe(false); // nothing published before a hold-off
    let copies = 0;
    net.intercept = (m) => {
      if (m.channel === 'fraud' && m.from >= 0) copies++;
      return m.bytes;
    };
    net.advance(1000);
    expect(carol.verifier.isQuarantined(bobHex)).toBe(true);
    net.advance(5000);
    const s = [alice, dave].map((c) => c.status().forkProofs);
    expect(s.map((x) => x.published).sort()).toEqual([0, 1]);
    expect(s.map((x) => x.suppressed).sort()).toEqual([0, 1]);
    expect(copies).toBe(3 * 4); // first publication + 2 heartbeat repeats, each delivered to the 4 subscribers
  });

  it("two publishers: one that heard the other's copy after its own stops repeating; everyone still gets the proof", () => {
    const { net, alice, dave, carol, bobId } = world({ heartbeatMs: 1000 });
    const bobHex = toHex(bobId.agentKey);
    let copies = 0;
    // Both detectors' first publications are lost (no suppression, so both publish), later ones arrive.
    net.intercept = (m) => {
      if (m.channel !== 'fraud' || m.from < 0) return m.bytes;
      if (net.now < T0 + 1000) return undefined;
      copies++;
      return m.bytes;
    };
    net.inject('header', TOPIC, entryFor(bobId, { kind: 'state', ts: T0 + 1 }));
    net.advance(6000);
    const s = [alice, dave].map((c) => c.status().forkProofs);
    expect(s.map((x) => x.published)).toEqual([1, 1]);
    expect(s.reduce((a, x) => a + x.repeatsSkipped, 0)).toBe(1); // the earlier one heard its echo and the other's copy
    expect(copies).toBe(3 * 4); // 4 repeats would have been sent without the rule, 3 were
    expect(carol.verifier.isQuarantined(bobHex)).toBe(true);
  });
});

describe('priority in the daemon driver', () => {
  it(
    'a fork proof queued behind an entry of the forked author is handled first: the entry is refused',
    { timeout: 30_000 },
    async () => {
      const { core, store, driver, bob, bobId, bobHex, rejected } = driverRig(T0, 'p', OTHER);
      expect(core.verifier.bindingOf(bobHex)).toBeDefined();
      // one burst: bob's entry in OTHER, then a proof that bob forked in TOPIC
      bob.publish('header', OTHER, entryFor(bobId, { topic: OTHER }), { retain: false });
      bob.publish('fraud', bobHex, encodeForkProof(entryFor(bobId, {}), entryFor(bobId, { kind: 'state' })), {
        retain: true,
      });
      await settle(() => core.verifier.isQuarantined(bobHex));
      expect(core.verifier.isQuarantined(bobHex)).toBe(true);
      expect(rejected).toContain('quarantined');
      expect(store.head(bobId.agentKey, OTHER)).toBeUndefined();
      await driver.close();
    },
  );
});
