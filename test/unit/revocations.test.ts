// Revocations travel (docs/architecture.md §6): an operator-signed revocation published on one node reaches
// every node on the revocation channel; each checks it (operator signature; operator and baid of the
// binding it knows), refuses the key's later entries with `revoked` and drops its candidates. An
// unknown agent's revocation is kept and enforced when the binding arrives. Bad ones are typed rejections.

import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { encodeRevocation, revocationToBeSigned, type Revocation } from '../../src/core/codec/attest.js';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import type { Declaration } from '../../src/core/types.js';
import { crypto, identity, T0, type TestIdentity } from '../helpers.js';
import { fourNodes, TestNet } from '../harness.js';
import { driverRig, settle } from './driver-rig.js';

const TOPIC = 'code_review_security';
const OTHER = 'data_analysis';
const CAP: Declaration = { kind: 'capability', topic: TOPIC, tags: ['code.review.security'], text: 'reviews' };

function revocation(
  id: TestIdentity,
  ts: number,
  over: Partial<Revocation> = {},
  signer = id.operatorSecret,
): Uint8Array {
  const b = decodeBinding(id.binding, DEFAULT_LIMITS).binding;
  const r: Revocation = {
    operatorKey: b.operatorKey,
    baid: b.baid,
    agentKey: b.agentKey,
    reason: 'key leaked',
    ts,
    ...over,
  };
  return encodeRevocation(r, crypto.signer.sign(signer, revocationToBeSigned(r)));
}

/** alice wants code review and finds bob; carol follows only OTHER (never met bob); dave is a bystander. */
function world(o: { heartbeatMs?: number } = {}) {
  const { net, bobId, alice, bob, carol, dave } = fourNodes(o);
  alice.follow(TOPIC);
  carol.follow(OTHER);
  alice.announce(net.now, { kind: 'intent', topic: TOPIC, tags: ['code.review'], text: 'need' });
  bob.announce(net.now, CAP);
  net.run();
  return { net, alice, bob, carol, dave, bobId, bobHex: toHex(bobId.agentKey) };
}

describe('revocations travel on their own channel', () => {
  it('published on one node: every node refuses the key, its later entries are refused with `revoked`, discover drops it', () => {
    const { net, alice, bob, dave, bobId, bobHex } = world();
    expect(alice.discover({ tags: ['code.review'] }).map((c) => c.author)).toEqual([bobHex]);
    net.advance(1000);
    const r = dave.revocations.publish(net.now, revocation(bobId, net.now));
    expect(r).toMatchObject({ ok: true, agent: bobHex, at: net.now, fresh: true });
    net.run();
    expect(net.retained.has(`revocation/${bobHex}`)).toBe(true);
    for (const i of [0, 1, 2, 3])
      expect(net.events[i]!.filter((e) => e.type === 'revoked').map((e) => (e as { agent: string }).agent)).toEqual([
        bobHex,
      ]);
    expect(alice.discover({ tags: ['code.review'] })).toEqual([]);
    expect(alice.peers(net.now).find((p) => p.agent === bobHex)?.tier).toBe(0);
    // history stays: bob's first entry (signed before the revocation) is still in alice's log
    expect(net.stores[0]!.head(bobId.agentKey, TOPIC)?.seq).toBe(1);
    const before = net.rejected(0).length;
    bob.announce(net.now, { ...CAP, text: 'reviews, still' });
    net.run();
    expect(net.rejected(0).slice(before)).toContain('revoked');
    expect(net.stores[0]!.head(bobId.agentKey, TOPIC)?.seq).toBe(1);
    // each node handled it once: the echo and the other copies are dropped by the seen-cache
    expect(alice.status().revocations).toMatchObject({ kept: 1, published: 0 });
    expect(dave.status().revocations).toMatchObject({ kept: 1, published: 1 });
  });

  it("an unknown agent's revocation is kept and enforced when its binding arrives; one by another operator is not", () => {
    const { net, bob, carol, bobId, bobHex } = world();
    const mallory = identity('mallory');
    // carol never met bob: she cannot check the operator yet, and keeps both revocations
    const forged = revocation(
      bobId,
      net.now,
      { operatorKey: crypto.signer.publicKey(mallory.operatorSecret) },
      mallory.operatorSecret,
    );
    net.inject('revocation', bobHex, forged, true);
    expect(carol.verifier.bindingOf(bobHex)).toBeUndefined();
    expect(net.rejected(2)).toEqual([]);
    // the forged one alone does not keep bob out: carol accepts his binding and his entry in OTHER
    bob.announce(net.now, { ...CAP, topic: OTHER });
    net.run();
    expect(carol.verifier.bindingOf(bobHex)).toBeDefined();
    expect(net.stores[2]!.head(bobId.agentKey, OTHER)?.seq).toBe(1);
    // dave never met bob either; the operator's real revocation reaches him first, then bob's binding
    const net2 = new TestNet(T0);
    const bob2 = net2.add(bobId);
    const dave2 = net2.add(identity('dave'));
    dave2.follow(OTHER);
    net2.inject('revocation', bobHex, revocation(bobId, T0), true);
    expect(dave2.verifier.bindingOf(bobHex)).toBeUndefined();
    expect(dave2.revocations.size).toBe(1);
    bob2.announce(net2.now, { ...CAP, topic: OTHER });
    net2.run();
    expect(net2.rejected(1)).toContain('revoked'); // the birth's binding is refused: the key is revoked
    expect(net2.stores[1]!.head(bobId.agentKey, OTHER)).toBeUndefined();
  });

  it('forged, mismatched, misfiled and malformed revocations are typed rejections and revoke nothing', () => {
    const { net, alice, dave, bobId, bobHex } = world();
    const mallory = identity('mallory');
    const before = net.rejected(0).length;
    net.inject('revocation', bobHex, revocation(bobId, net.now, {}, mallory.operatorSecret)); // bob's operator key, mallory's signature
    net.inject(
      'revocation',
      bobHex,
      revocation(
        bobId,
        net.now,
        { operatorKey: crypto.signer.publicKey(mallory.operatorSecret) },
        mallory.operatorSecret,
      ),
    ); // alice knows bob's operator
    net.inject('revocation', bobHex, revocation(bobId, net.now, { baid: new Uint8Array(32) })); // the right operator, another baid
    net.inject('revocation', toHex(mallory.agentKey), revocation(bobId, net.now)); // valid, filed under another key
    net.inject('revocation', bobHex, new Uint8Array([0xa1, 0x00]));
    expect(net.rejected(0).slice(before)).toEqual([
      'bad_signature',
      'binding_invalid',
      'binding_invalid',
      'binding_invalid',
      'malformed',
    ]);
    expect(alice.verifier.isRevoked(bobHex, net.now + 1)).toBe(false);
    expect(alice.discover({ tags: ['code.review'] }).map((c) => c.author)).toEqual([bobHex]);
    // the local API path refuses a forged one and sends nothing
    expect(dave.revocations.publish(net.now, revocation(bobId, net.now, {}, mallory.operatorSecret))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(dave.pollTransmit()).toBeUndefined();
    expect(net.retained.has(`revocation/${bobHex}`)).toBe(false);
  });

  it('goes first in the output queue, repeats in the next heartbeat rounds, and one node restores a lost retained copy on republish', () => {
    const { net, alice, bob, carol, dave, bobId, bobHex } = world({ heartbeatMs: 1000 });
    net.advance(500);
    let copies = 0;
    const fromDave: string[] = [];
    net.intercept = (m) => {
      if (m.channel === 'revocation' && m.from >= 0) copies++;
      if (m.from === 3) fromDave.push(m.channel);
      return m.bytes;
    };
    dave.announce(net.now, { kind: 'state', topic: OTHER, tags: ['status'], text: 'busy' });
    dave.revocations.publish(net.now, revocation(bobId, net.now));
    net.run();
    expect(fromDave[0]).toBe('revocation'); // published after the announce, sent before its header
    expect(fromDave).toContain('header');
    net.advance(5000);
    expect(copies).toBe(3 * 4); // first publication + 2 heartbeat repeats, each delivered to the 4 subscribers
    expect(dave.status().revocations.published).toBe(3);
    // the broker lost its retained messages; every node republishes after a hold-off, the first copy silences the rest
    net.retained.clear();
    copies = 0;
    for (const c of [alice, bob, carol, dave]) c.republish(net.now);
    net.run();
    net.advance(3000);
    expect(net.retained.has(`revocation/${bobHex}`)).toBe(true);
    const s = [alice, bob, carol, dave].map((c) => c.status().revocations);
    // carol never met bob: she keeps his revocation but does not re-publish what she cannot check
    expect(s[2]).toMatchObject({ kept: 1, published: 0, suppressed: 0 });
    expect(s.reduce((a, x) => a + x.suppressed, 0)).toBe(2);
    expect(copies).toBe(4);
  });
});

describe('priority in the daemon driver', () => {
  it(
    'a revocation queued behind an entry of the revoked agent is handled first: the entry is refused',
    { timeout: 30_000 },
    async () => {
      const { encodeEntry, entryToBeSigned } = await import('../../src/core/codec/entry.js');
      const { core, store, driver, bob, bobId, bobHex, rejected } = driverRig(T0 + 10, 'r', OTHER);
      expect(core.verifier.bindingOf(bobHex)).toBeDefined();
      // one burst: bob's entry (signed at T0 + 5), then his operator's revocation from T0
      const e = {
        author: bobId.agentKey,
        topic: OTHER,
        epoch: 0,
        seq: 1,
        kind: 'capability' as const,
        ts: T0 + 5,
        expires: T0 + 86_400_000,
        bodyHash: new Uint8Array(32),
        bodyLen: 3,
        sketch: new Uint8Array(32),
        tier: 2,
      };
      bob.publish('header', OTHER, encodeEntry(e, crypto.signer.sign(bobId.agentSecret, entryToBeSigned(e))), {
        retain: false,
      });
      bob.publish('revocation', bobHex, revocation(bobId, T0), { retain: true });
      await settle(() => core.verifier.isRevoked(bobHex, T0 + 10));
      expect(core.verifier.isRevoked(bobHex, T0 + 10)).toBe(true);
      expect(rejected).toContain('revoked');
      expect(store.head(bobId.agentKey, OTHER)).toBeUndefined();
      await driver.close();
    },
  );
});
