import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/scheduler.js';
import { Link, WIFI, publishSize } from '../../src/sim/net/links.js';
import { Rng } from '../../src/sim/rng.js';
import { meanCi, percentile } from '../../src/sim/discovery/stats.js';

describe('Rng (32-bit draws)', () => {
  it('replays a seed and separates forks', () => {
    const a = new Rng(7, { bits: 32 });
    const b = new Rng(7, { bits: 32 });
    const xs = Array.from({ length: 100 }, () => a.u32());
    expect(Array.from({ length: 100 }, () => b.u32())).toEqual(xs);
    expect(new Rng(7, { bits: 32 }).fork('x').u32()).not.toBe(new Rng(7, { bits: 32 }).fork('y').u32());
    expect(new Rng(8, { bits: 32 }).u32()).not.toBe(new Rng(7, { bits: 32 }).u32());
  });
  it('draws a lognormal whose median is the parameter', () => {
    const r = new Rng(1, { bits: 32 });
    const xs = Array.from({ length: 20000 }, () => r.lognormal(40, 0.5));
    expect(percentile(xs, 50)).toBeGreaterThan(38);
    expect(percentile(xs, 50)).toBeLessThan(42);
    const u = Array.from({ length: 20000 }, () => r.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });
});

describe('EventQueue', () => {
  it('pops by time, FIFO among equal times', () => {
    const q = new EventQueue();
    const out: string[] = [];
    const r = new Rng(3, { bits: 32 });
    const items = Array.from({ length: 500 }, (_, i) => ({ t: r.int(50), i }));
    for (const it of items) q.push(it.t, () => out.push(`${it.t}/${it.i}`));
    for (let e = q.pop(); e; e = q.pop()) e.value();
    const expected = [...items].sort((a, b) => a.t - b.t || a.i - b.i).map((x) => `${x.t}/${x.i}`);
    expect(out).toEqual(expected);
  });
});

describe('Link', () => {
  it('keeps messages in order and charges serialisation', () => {
    const l = new Link(WIFI, new Rng(5, { bits: 32 }), 1);
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      const t = l.send(i * 3, 200);
      expect(t).toBeGreaterThanOrEqual(last);
      expect(t).toBeGreaterThan(i * 3);
      last = t;
    }
    const big = new Link({ ...WIFI, stallsPerSec: 0, sigma: 0 }, new Rng(5, { bits: 32 }), 1);
    expect(big.send(0, 2_500_000)).toBeCloseTo(1000 + 40, 5); // 2.5 MB at 20 Mbit/s = 1 s, plus 40 ms
  });
  it('sizes MQTT packets from the topic name and payload', () => {
    expect(publishSize('header/x', 50)).toBe(1 + 1 + 2 + 'agentnet/v1/sim/header/x'.length + 2 + 1 + 50); // remaining length < 128: 1-byte varint
    expect(publishSize('body/x', 1000)).toBe(1 + 2 + 2 + 'agentnet/v1/sim/body/x'.length + 2 + 1 + 1000);
  });
});

describe('stats', () => {
  it('gives a t-interval around the mean', () => {
    const r = meanCi([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.hi - r.mean).toBeCloseTo(3.182 * (Math.sqrt(5 / 3) / 2), 6);
    expect(meanCi([5])).toEqual({ mean: 5, lo: 5, hi: 5 });
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
  });
});

describe('memoized verification', () => {
  it('answers from the memo only for the very same bytes, and never accepts a forgery', async () => {
    const { memoizedCrypto } = await import('../../src/sim/net/memo-crypto.js');
    const { crypto, seed } = await import('../helpers.js');
    const { crypto: c, stats } = memoizedCrypto(crypto);
    const sk = seed('memo');
    const pub = c.signer.publicKey(sk);
    const msg = new TextEncoder().encode('hello');
    const sig = c.signer.sign(sk, msg);
    expect(c.verifier.verify(pub, msg, sig)).toBe(true);
    expect(c.verifier.verify(pub, msg, sig)).toBe(true);
    expect(stats).toEqual({ verified: 1, memoHits: 1 });
    const bad = sig.slice();
    bad[0]! ^= 1;
    expect(c.verifier.verify(pub, msg, bad)).toBe(false);
    expect(c.verifier.verify(pub, new TextEncoder().encode('hellO'), sig)).toBe(false);
    expect(c.verifier.verify(c.signer.publicKey(seed('other')), msg, sig)).toBe(false);
    expect(stats.verified).toBe(4);
  });
});

describe('shared immutable data across simulated nodes', () => {
  it('the binding decoder returns one object per distinct bytes, and does not cache failures', async () => {
    const { sharedBindingDecoder } = await import('../../src/sim/net/intern.js');
    const { decodeBinding } = await import('../../src/core/codec/binding.js');
    const { DEFAULT_LIMITS } = await import('../../src/core/codec/limits.js');
    const { DecodeError } = await import('../../src/core/base/errors.js');
    const { crypto, identity } = await import('../helpers.js');
    const d = sharedBindingDecoder(crypto, 2);
    const a = identity('alice').binding;
    const first = d(a, DEFAULT_LIMITS);
    expect(d(new Uint8Array(a), DEFAULT_LIMITS)).toBe(first); // other buffer, same bytes: same object
    expect(first).toEqual(decodeBinding(a, DEFAULT_LIMITS));
    expect(d(identity('bob').binding, DEFAULT_LIMITS)).not.toBe(first);
    for (let i = 0; i < 2; i++) expect(() => d(new Uint8Array([1, 2, 3]), DEFAULT_LIMITS)).toThrow(DecodeError);
  });

  it('log entries are one object across the nodes that store them; a forged copy is refused and never shared', async () => {
    const { SharedEntries, SharedEntryStore } = await import('../../src/sim/net/intern.js');
    const { agentWorld, TOPIC } = await import('./net.js');
    const { hubName } = await import('../../src/core/channels.js');
    const shared = new SharedEntries();
    const stores = [0, 1, 2].map(() => new SharedEntryStore(shared));
    const w = agentWorld(3, 31, { lossP: 0 }, {}, stores);
    for (let i = 0; i < 3; i++) w.world.join(i);
    w.world.run(1000);
    w.announce(0, 'intent', ['data.analysis']);
    w.announce(1, 'intent', ['data.analysis']);
    w.world.run(2000);
    w.announce(2, 'capability', ['data.analysis']);
    w.world.run(4000);
    const author = w.ids[2]!.agentKey;
    const head = stores[0]!.head(author, TOPIC)!;
    const at = (i: number) => stores[i]!.get(author, TOPIC, head.epoch, head.seq);
    expect(at(0)).toBeDefined();
    expect(at(1)).toBe(at(0)); // the same object, bytes included
    expect(at(2)).toBe(at(0)); // the author's own entry is the one the others share
    expect(shared.shared).toBeGreaterThan(0);
    // The store keeps its own object when other bytes come under a stored id (it does not trust the caller's id).
    const e = at(0)!;
    const forgedBytes = new Uint8Array(e.bytes);
    forgedBytes[forgedBytes.length - 1]! ^= 1;
    const own = new SharedEntryStore(shared);
    own.append({ ...e, bytes: forgedBytes });
    expect(own.get(author, TOPIC, head.epoch, head.seq)!.bytes).toBe(forgedBytes);
    // A forged copy of the author's next entry (its signature altered) reaching node 0 is refused by node 0's own
    // check and stored nowhere.
    w.announce(2, 'capability', ['data.analysis.v2']);
    const next = stores[2]!.head(author, TOPIC)!;
    const real = stores[2]!.get(author, TOPIC, next.epoch, next.seq)!;
    const forged = new Uint8Array(real.bytes);
    forged[forged.length - 1]! ^= 1;
    const before = w.events[0]!.length;
    w.world.act(0, (p) => p.deliver(w.world.now, hubName('header', TOPIC), forged));
    expect(w.events[0]!.slice(before).some((x) => x.type === 'rejected')).toBe(true);
    expect(stores[0]!.get(author, TOPIC, next.epoch, next.seq)).toBeUndefined();
    w.world.run(6000);
    expect(stores[0]!.get(author, TOPIC, next.epoch, next.seq)).toBe(real); // the genuine one arrives and is shared
  });

  it('the shared parser returns one record per message object and name; other bytes are parsed on their own', async () => {
    const { sharedParser } = await import('../../src/sim/net/intern.js');
    const { parseMessage } = await import('../../src/core/codec/parsed.js');
    const { DEFAULT_LIMITS } = await import('../../src/core/codec/limits.js');
    const { agentWorld, TOPIC } = await import('./net.js');
    const w = agentWorld(2, 32, { lossP: 0 });
    w.world.join(0);
    w.world.join(1);
    w.world.run(1000);
    w.announce(1, 'capability', ['data.analysis']);
    const head = w.stores[1]!.head(w.ids[1]!.agentKey, TOPIC)!;
    const bytes = w.stores[1]!.get(w.ids[1]!.agentKey, TOPIC, head.epoch, head.seq)!.bytes;
    const parse = sharedParser();
    const hashA = (b: Uint8Array) => w.crypto.sha256(b);
    const hashB = (b: Uint8Array) => w.crypto.sha256(b); // another node's entry hash: the same function
    const first = parse('header', TOPIC, bytes, DEFAULT_LIMITS, hashA);
    expect(first).toEqual(parseMessage('header', TOPIC, bytes, DEFAULT_LIMITS, hashA));
    expect(parse('header', TOPIC, bytes, DEFAULT_LIMITS, hashB)).toBe(first);
    expect(parse('header', 'other_topic', bytes, DEFAULT_LIMITS, hashB)).not.toBe(first); // another name
    const copy = new Uint8Array(bytes);
    copy[copy.length - 1]! ^= 1; // other bytes (a forged signature): their own record
    const forged = parse('header', TOPIC, copy, DEFAULT_LIMITS, hashA);
    expect(forged).not.toBe(first);
    expect(forged.kind === 'header' && forged.se.signature).not.toEqual(first.kind === 'header' && first.se.signature);
  });

  it('toHex is exact for every byte value (the flat-string build)', async () => {
    const { toHex, fromHex } = await import('../../src/core/base/bytes.js');
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe(Buffer.from(all).toString('hex'));
    expect(fromHex(toHex(all))).toEqual(all);
    expect(toHex(new Uint8Array(0))).toBe('');
    expect(fromHex('0aFf')).toEqual(new Uint8Array([10, 255]));
    for (const bad of ['0', 'gg', '0x', ' 1', '１２', '0a:b']) expect(() => fromHex(bad)).toThrow(TypeError);
  });
});
