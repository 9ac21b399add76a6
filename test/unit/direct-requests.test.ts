// Signed direct requests (docs/spec/protocol.md "Direct requests") and the sketch's fill bound
// (docs/spec/sketch.md "Fill"), on the core alone: what is answered, to whom, and the reason each refusal
// is counted with. test/multiprocess/amplification.test.ts drives the same over Mosquitto and the mesh.

import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/base/bytes.js';
import { encodeBody } from '../../src/core/codec/body.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import {
  decodeDirect,
  decodeRequest,
  encodeDirect,
  encodeRequest,
  requestToBeSigned,
  type SignedRequest,
} from '../../src/core/codec/messages.js';
import { encodeSign1 } from '../../src/core/codec/cose.js';
import { DecodeError } from '../../src/core/base/errors.js';
import { Freshness } from '../../src/core/gossip/direct.js';
import { MAX_SKETCH_BITS, makeSketch, sketchFill, sketchItems } from '../../src/core/gossip/sketch.js';
import type { Outgoing } from '../../src/core/types.js';
import { TestNet } from '../harness.js';
import { crypto, directRequest, identity, T0 } from '../helpers.js';

const TOPIC = 'code_review';
const CAP = { kind: 'capability', topic: TOPIC, tags: ['code.review'], text: 'reviews' } as const;

/** Alice with a 3-entry log; `out` collects what she publishes on the direct channel. */
function aliceWithLog() {
  const net = new TestNet(T0);
  const alice = net.add(identity('alice'));
  for (let i = 0; i < 3; i++) alice.announce(net.now, { ...CAP, text: `reviews ${i}` });
  net.run();
  const out: Array<Extract<Outgoing, { op: 'publish' }>> = [];
  net.intercept = (m) => m.bytes;
  const send = (bytes: Uint8Array) => {
    alice.handleMessage(net.now, 'direct', alice.agentHex, bytes);
    for (let o = alice.pollTransmit(); o; o = alice.pollTransmit())
      if (o.op === 'publish' && o.channel === 'direct') out.push(o);
    const reasons: string[] = [];
    for (let e = alice.pollEvent(); e; e = alice.pollEvent()) if (e.type === 'rejected') reasons.push(e.reason);
    return reasons;
  };
  return { net, alice, out, send };
}

/** The signed request inside a direct `request`. */
const reqOf = (direct: Uint8Array): Uint8Array => (decodeDirect(direct, DEFAULT_LIMITS) as { req: Uint8Array }).req;

const range = (author: Uint8Array) =>
  ({ type: 'getEntries', author, topic: TOPIC, epoch: 0, fromSeq: 1, toSeq: 3 }) as const;

describe('signed requests: the codec', () => {
  it('round-trips, and refuses another content type, a bad range and unknown fields', () => {
    const bob = identity('bob');
    const r: SignedRequest = { ...range(bob.agentKey), from: bob.agentKey, to: bob.agentKey, ts: T0 };
    const sig = crypto.signer.sign(bob.agentSecret, requestToBeSigned(r));
    const bytes = encodeRequest(r, sig);
    const back = decodeRequest(bytes, DEFAULT_LIMITS);
    expect(back.request).toEqual(r);
    expect(crypto.verifier.verify(bob.agentKey, back.toBeSigned, back.signature)).toBe(true);
    const asEntry = encodeSign1('agentnet/entry/1', decodeRequest(bytes, DEFAULT_LIMITS).toBeSigned, sig);
    expect(() => decodeRequest(asEntry, DEFAULT_LIMITS)).toThrow(/BAD_COSE/);
    const wide = { ...r, toSeq: 64 + 1 };
    expect(() =>
      decodeRequest(encodeRequest(wide, crypto.signer.sign(bob.agentSecret, requestToBeSigned(wide))), DEFAULT_LIMITS),
    ).toThrow(DecodeError);
    const env = decodeDirect(encodeDirect({ type: 'request', from: bob.agentKey, req: bytes }), DEFAULT_LIMITS);
    expect(env).toEqual({ type: 'request', from: bob.agentKey, req: bytes });
  });
});

describe('signed requests: who gets an answer', () => {
  it('an authenticated request is answered once, to its signer; unauthenticated ones get nothing, each counted', () => {
    const { net, alice, out, send } = aliceWithLog();
    const bob = identity('bob');
    const carol = identity('carol');
    const A = alice.agentKey;
    expect(send(directRequest(bob, A, net.now, range(A)))).toEqual([]);
    expect(out.map((o) => o.key)).toEqual([toHex(bob.agentKey)]);
    const reply = decodeDirect(out[0]!.bytes, DEFAULT_LIMITS);
    expect(reply.type === 'entries' && reply.entries.length).toBe(3);
    out.length = 0;

    const refused = [
      // replayed
      send(directRequest(bob, A, net.now, range(A))),
      // claiming bob, signed by carol
      send(directRequest(bob, A, net.now + 1, range(A), carol.agentSecret)),
      // for another node
      send(directRequest(bob, carol.agentKey, net.now + 2, range(A))),
      // outside the 5-minute window, either way
      send(directRequest(bob, A, net.now - 300_001, range(A))),
      send(directRequest(bob, A, net.now + 300_001, range(A))),
      // unsigned, naming carol as the one to answer
      send(encodeDirect({ ...range(A), from: carol.agentKey })),
      send(encodeDirect({ type: 'getBody', from: carol.agentKey, bodyHash: new Uint8Array(32) })),
      // an envelope naming another sender than the signed request
      send(
        encodeDirect({
          type: 'request',
          from: carol.agentKey,
          req: reqOf(directRequest(bob, A, net.now + 3, range(A))),
        }),
      ),
    ];
    expect(refused).toEqual([
      ['replayed_request'],
      ['bad_signature'],
      ['misaddressed'],
      ['expired'],
      ['future'],
      ['unsigned_request'],
      ['unsigned_request'],
      ['malformed'],
    ]);
    expect(out).toEqual([]); // nothing sent for any of them
    expect(alice.status().rejected).toMatchObject({
      replayed_request: 1,
      bad_signature: 1,
      misaddressed: 1,
      expired: 1,
      future: 1,
      unsigned_request: 2,
      malformed: 1,
    });
    // A newer request from bob is answered again; so is a getBody for a body alice stores.
    expect(send(directRequest(bob, A, net.now + 10, range(A)))).toEqual([]);
    const own = alice.declarations(net.now)[0]!;
    const body = encodeBody({ kind: 'capability', tags: own.tags, text: own.text });
    expect(send(directRequest(bob, A, net.now + 11, { type: 'getBody', bodyHash: crypto.sha256(body) }))).toEqual([]);
    expect(out.map((o) => [o.key, decodeDirect(o.bytes, DEFAULT_LIMITS).type])).toEqual([
      [toHex(bob.agentKey), 'entries'],
      [toHex(bob.agentKey), 'body'],
    ]);
  });

  it('gap repair and body pulls between cores go through signed requests', () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'));
    for (let i = 0; i < 5; i++) alice.announce(net.now, { ...CAP, text: `reviews ${i}` });
    net.run();
    const seen: string[] = [];
    net.intercept = (m) => {
      if (m.channel === 'direct') seen.push(decodeDirect(m.bytes, DEFAULT_LIMITS).type);
      return m.bytes;
    };
    const bob = net.add(identity('bob'));
    bob.announce(net.now, { kind: 'intent', topic: TOPIC, tags: ['code'], text: 'need a review' });
    net.run();
    net.advance(3000);
    expect(bob.logHeads().find((h) => h.author === alice.agentHex)?.seq).toBe(5);
    expect(seen).toContain('request');
    expect(seen).not.toContain('getEntries');
    expect(alice.status().rejected).toEqual({});
  });
});

describe('Freshness: the replay table is bounded', () => {
  it('remembers each requester while its last ts is in the window, then forgets it; refuses new ones when full of recent ones', () => {
    const f = new Freshness(1000, 2);
    expect(f.check(T0, 'a', T0, 'x')).toBeUndefined();
    f.answered(T0, 'a', T0);
    f.answered(T0, 'b', T0 + 10);
    expect(f.check(T0, 'a', T0, 'x')?.reason).toBe('replayed_request');
    expect(f.check(T0, 'c', T0, 'x')?.reason).toBe('rate_limited'); // a and b are both recent
    expect(f.check(T0 + 1001, 'c', T0 + 1001, 'x')).toBeUndefined(); // a's last ts has left the window
    f.answered(T0 + 1001, 'c', T0 + 1001);
    expect(f.size).toBe(2);
    expect(f.check(T0 + 1001, 'a', T0, 'x')?.reason).toBe('expired'); // forgotten, but its old ts is out of the window
  });
});

describe('the sketch fill bound', () => {
  it('32 items always fit under 128 bits; an all-ones sketch is refused and its body not pulled', () => {
    const tags = Array.from({ length: 32 }, (_, i) => `t${i}`);
    expect(sketchItems(tags)).toBe(32);
    expect(sketchFill(makeSketch(crypto, tags))).toBeLessThanOrEqual(MAX_SKETCH_BITS);
    expect(sketchItems(['a.b.c', 'a.b.d'])).toBe(4);
    expect(sketchFill(new Uint8Array(32).fill(0xff))).toBe(256);

    const net = new TestNet(T0);
    const mallory = identity('mallory');
    const bob = net.add(identity('bob'));
    bob.announce(net.now, { kind: 'intent', topic: TOPIC, tags: ['code.review'], text: 'need a review' });
    net.run();
    expect(bob.verifier.acceptBinding(mallory.binding, net.now).ok).toBe(true);
    const body = encodeBody({ kind: 'capability', tags: ['anything'], text: 'pull me' });
    const entry = (seq: number, sketch: Uint8Array, prev?: Uint8Array): Uint8Array => {
      const e: Entry = {
        author: mallory.agentKey,
        topic: TOPIC,
        epoch: 0,
        seq,
        ...(prev ? { prev } : {}),
        kind: 'capability',
        ts: net.now,
        expires: net.now + 3_600_000,
        bodyHash: crypto.sha256(body),
        bodyLen: body.length,
        sketch,
        tier: 2,
      };
      return encodeEntry(e, crypto.signer.sign(mallory.agentSecret, entryToBeSigned(e)));
    };
    const pulls = bob.status().pulls.requested;
    const full = entry(1, new Uint8Array(32).fill(0xff));
    net.inject('header', TOPIC, full);
    expect(net.rejected(0)).toEqual(['sketch_overfull']);
    expect(bob.status().pulls.requested).toBe(pulls);
    expect(bob.logHeads().find((h) => h.author === toHex(mallory.agentKey))?.seq).toBe(1); // kept in the log
    // 128 bits set is still within the bound (the body is pulled: its sketch may match).
    const half = new Uint8Array(32).fill(0x0f);
    expect(sketchFill(half)).toBe(MAX_SKETCH_BITS);
    net.inject('header', TOPIC, entry(2, half, crypto.sha256(full)));
    expect(net.rejected(0)).toEqual(['sketch_overfull']);
  });
});
