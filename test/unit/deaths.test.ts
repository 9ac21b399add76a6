// Deaths without the binding (codec/messages.ts field 7): a death names the binding it retires by hash,
// the decoder keeps births and deaths apart, and a receiver accepts a death only against the binding it
// holds for that author (identity/births.ts).

import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../src/core/codec/cbor.js';
import { CONTENT_TYPES, encodeSign1 } from '../../src/core/codec/cose.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { birthToBeSigned, decodeBirth, encodeBirth, type Birth } from '../../src/core/codec/messages.js';
import { TestNet } from '../harness.js';
import { crypto, decodeCode, identity, T0 } from '../helpers.js';

const alice = identity('alice');
const sign = (b: Birth) => encodeBirth(b, crypto.signer.sign(alice.agentSecret, birthToBeSigned(b)));
const death = (o: Partial<Birth> = {}): Birth =>
  ({
    author: alice.agentKey,
    epoch: 0,
    ts: T0,
    alive: false,
    bindingHash: crypto.sha256(alice.binding),
    ...o,
  }) as Birth;
const codeOf = (f: () => unknown) => decodeCode(f);
/** A birth payload with arbitrary fields (what a broken or hostile encoder might send). */
const raw = (fields: Array<[number, unknown]>) =>
  encodeSign1(CONTENT_TYPES.birth, encodeCbor(new Map(fields) as never), new Uint8Array(64));

describe('death codec', () => {
  it('round-trips, carries no binding and is a fraction of a birth', () => {
    const d = death();
    const bytes = sign(d);
    expect(decodeBirth(bytes, DEFAULT_LIMITS).birth).toEqual(d);
    const birth = sign({ author: alice.agentKey, epoch: 0, ts: T0, alive: true, binding: alice.binding });
    expect(bytes.length).toBeLessThan(200);
    expect(birth.length - bytes.length).toBeGreaterThan(alice.binding.length - 40);
  });

  it('births must carry a binding and no hash; deaths a 32-byte hash and no binding', () => {
    const base: Array<[number, unknown]> = [
      [0, 1],
      [1, alice.agentKey],
      [2, 0],
      [3, T0],
    ];
    const hash = crypto.sha256(alice.binding);
    expect(codeOf(() => decodeBirth(raw([...base, [4, alice.binding], [5, false], [7, hash]]), DEFAULT_LIMITS))).toBe(
      'UNKNOWN_FIELD',
    );
    expect(codeOf(() => decodeBirth(raw([...base, [4, alice.binding], [5, false]]), DEFAULT_LIMITS))).toBe(
      'UNKNOWN_FIELD',
    );
    expect(codeOf(() => decodeBirth(raw([...base, [5, false]]), DEFAULT_LIMITS))).toBe('MISSING_FIELD');
    expect(codeOf(() => decodeBirth(raw([...base, [5, false], [7, hash.subarray(0, 31)]]), DEFAULT_LIMITS))).toBe(
      'BAD_VALUE',
    );
    expect(codeOf(() => decodeBirth(raw([...base, [4, alice.binding], [5, true], [7, hash]]), DEFAULT_LIMITS))).toBe(
      'UNKNOWN_FIELD',
    );
    expect(codeOf(() => decodeBirth(raw([...base, [5, true], [7, hash]]), DEFAULT_LIMITS))).toBe('UNKNOWN_FIELD');
    expect(codeOf(() => decodeBirth(raw([...base, [5, true]]), DEFAULT_LIMITS))).toBe('MISSING_FIELD');
    expect(codeOf(() => decodeBirth(raw([...base, [5, false], [7, hash]]), DEFAULT_LIMITS))).toBe('none');
  });
});

describe('AgentCore: deaths are checked against the binding held for their author', () => {
  function met() {
    const net = new TestNet(T0);
    const bob = net.add(identity('bob'));
    const carol = net.add(identity('carol'));
    bob.follow('data_analysis');
    carol.announce(net.now, { kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'sql' });
    net.run(); // bob fetched carol's birth (and stays subscribed to her birth topic)
    return { net, bob, carol };
  }

  it("the Will names the author's binding and marks it dead at a node that holds it", () => {
    const { net, bob, carol } = met();
    const will = carol.willMessage(T0);
    const d = decodeBirth(will, DEFAULT_LIMITS).birth;
    expect(d.alive).toBe(false);
    expect(!d.alive && d.bindingHash).toEqual(crypto.sha256(identity('carol').binding));
    net.inject('birth', carol.agentHex, will, true);
    expect(bob.isAlive(carol.agentHex)).toBe(false);
    expect(net.rejected(0)).toEqual([]);
  });

  it('a death naming another binding is rejected (death_mismatch) and marks no one dead', () => {
    const { net, bob, carol } = met();
    const other = identity('carol', { notAfter: T0 + 86_400_000 * 30 }); // same key, another binding
    const carolId = identity('carol');
    expect(other.agentKey).toEqual(carolId.agentKey);
    const b: Birth = {
      author: carolId.agentKey,
      epoch: 0,
      ts: T0 + 1,
      alive: false,
      bindingHash: crypto.sha256(other.binding),
    };
    net.inject(
      'birth',
      carol.agentHex,
      encodeBirth(b, crypto.signer.sign(carolId.agentSecret, birthToBeSigned(b))),
      true,
    );
    expect(bob.isAlive(carol.agentHex)).toBe(true);
    expect(net.rejected(0)).toEqual(['death_mismatch']);
  });

  it('a death of an author we never met is rejected (unknown_author); a forged one fails its signature', () => {
    const { net, bob, carol } = met();
    const dave = identity('dave');
    const b: Birth = {
      author: dave.agentKey,
      epoch: 0,
      ts: T0,
      alive: false,
      bindingHash: crypto.sha256(dave.binding),
    };
    bob.requestBinding(Buffer.from(dave.agentKey).toString('hex')); // bob listens on dave's birth topic
    net.run();
    net.inject(
      'birth',
      Buffer.from(dave.agentKey).toString('hex'),
      encodeBirth(b, crypto.signer.sign(dave.agentSecret, birthToBeSigned(b))),
      true,
    );
    expect(net.rejected(0)).toEqual(['unknown_author']);
    // carol's death signed by dave's key: the hash matches, the signature does not
    const forged: Birth = {
      author: identity('carol').agentKey,
      epoch: 0,
      ts: T0 + 1,
      alive: false,
      bindingHash: crypto.sha256(identity('carol').binding),
    };
    net.inject(
      'birth',
      carol.agentHex,
      encodeBirth(forged, crypto.signer.sign(dave.agentSecret, birthToBeSigned(forged))),
      true,
    );
    expect(bob.isAlive(carol.agentHex)).toBe(true);
    expect(net.rejected(0)).toEqual(['unknown_author', 'bad_signature']);
  });
});

describe('Liveness: the transport reachability hint', () => {
  it('keeps an author out until it is reachable again or a newer birth arrives; never outranks a death', async () => {
    const { Liveness } = await import('../../src/core/gossip/liveness.js');
    const l = new Liveness();
    const a = 'ab'.repeat(32);
    l.observe(a, 0, 100, true);
    l.reachable(a, false);
    expect(l.isAlive(a)).toBe(false);
    l.observe(a, 0, 100, true); // the same birth again (a retained copy): no evidence of a restart
    expect(l.isAlive(a)).toBe(false);
    l.observe(a, 0, 200, true); // a newer birth: the node restarted
    expect(l.isAlive(a)).toBe(true);
    l.reachable(a, false);
    l.reachable(a, true); // its beacons resumed
    expect(l.isAlive(a)).toBe(true);
    l.observe(a, 0, 300, false);
    l.reachable(a, true); // a hint never revives a signed death
    expect(l.isAlive(a)).toBe(false);
    l.reachable('not-a-key', false);
    expect(l.isAlive('not-a-key')).toBe(true);
  });
  it('states what "last seen" shows: online since the birth, left at the death, unreachable, unknown', async () => {
    const { Liveness } = await import('../../src/core/gossip/liveness.js');
    const l = new Liveness();
    const a = 'cd'.repeat(32);
    expect(l.state(a)).toEqual({ state: 'unknown', since: null });
    l.observe(a, 0, 100, true);
    expect(l.state(a)).toEqual({ state: 'online', since: 100 });
    l.reachable(a, false);
    expect(l.state(a)).toEqual({ state: 'unreachable', since: 100 });
    l.reachable(a, true);
    l.observe(a, 0, 250, false);
    expect(l.state(a)).toEqual({ state: 'left', since: 250 });
    l.observe(a, 1, 400, true); // reborn in a new epoch
    expect(l.state(a)).toEqual({ state: 'online', since: 400 });
  });
});
