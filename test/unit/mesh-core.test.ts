// The UDP mesh's sans-I/O gossip core (src/core/mesh/mesh.ts) driven directly: nodes are MeshCores joined by a
// synchronous datagram loop (test/mesh-lan.ts: no sockets, virtual time) with a real HMAC cookie MAC.

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COOKIE_BUCKET_MS, Cookies, VALIDATED_MS } from '../../src/core/mesh/cookies.js';
import { NEIGHBOUR_TIMEOUT_MS } from '../../src/core/mesh/mesh.js';
import { Lan } from '../mesh-lan.js';
import {
  COOKIE,
  HEADER,
  T_BEACON,
  T_CHALLENGE,
  T_PULL,
  T_PUSH,
  decodeFrame,
  encodeFrames,
  encodeMessage,
} from '../../src/core/mesh/wire.js';

const A = '10.0.0.1:7000';
const B = '10.0.0.2:7000';
const C = '10.0.0.3:7000';
const bytes = (s: string) => new TextEncoder().encode(s);

/** A, B and C, each seeded with the next one, after the handshakes and a validated beacon each way. */
function threeNodes(): Lan {
  const lan = new Lan();
  lan.add(A, [B], { channel: 'birth', key: 'aa' });
  lan.add(B, [C], { channel: 'birth', key: 'bb' });
  lan.add(C, [A], { channel: 'birth', key: 'cc' });
  lan.beat();
  lan.beat();
  lan.beat();
  return lan;
}

describe('MeshCore (the UDP mesh without sockets)', () => {
  it('answers an unvalidated beacon with one 30-byte challenge and nothing else; the echo validates', () => {
    const lan = new Lan();
    const a = lan.add(A, [B]);
    const b = lan.add(B, []);
    a.heartbeat(lan.now);
    const beacon = a.pollTransmit()!;
    expect(decodeFrame(beacon.frame)!.type).toBe(T_BEACON);
    b.handleDatagram(lan.now, A, beacon.frame);
    const reply = b.pollTransmit()!;
    expect(b.pollTransmit()).toBeUndefined();
    expect(reply.to).toBe(A);
    expect(decodeFrame(reply.frame)!.type).toBe(T_CHALLENGE);
    expect(reply.frame.length).toBe(HEADER + COOKIE);
    expect(b.neighbours()).toEqual([]);
    a.handleDatagram(lan.now, B, reply.frame); // A echoes the cookie
    lan.run();
    expect(b.neighbours()).toEqual([A]);
    // A cookie echoed from another address than the one challenged validates nothing.
    const lan2 = new Lan();
    const b2 = lan2.add(B, []);
    b2.handleDatagram(lan2.now, A, beacon.frame);
    const ch = b2.pollTransmit()!;
    const echo = encodeFrames(6, 1, new Uint8Array(8), decodeFrame(ch.frame)!.chunk)[0]!;
    b2.handleDatagram(lan2.now, C, echo);
    expect(b2.neighbours()).toEqual([]);
  });

  it('pushes a header to every node once, however many copies circulate (seen-cache by message id)', () => {
    const lan = threeNodes();
    expect(lan.nodes.get(A)!.neighbours().sort()).toEqual([B, C]);
    for (const n of [B, C]) lan.nodes.get(n)!.subscribe(lan.now, 'header', 'weather');
    lan.nodes.get(A)!.publish(lan.now, 'header', 'weather', bytes('entry-1'), false);
    lan.run();
    const pushes = lan.sent.filter((s) => decodeFrame(s.frame)!.type === T_PUSH);
    expect(pushes.length).toBeGreaterThan(2); // forwarded copies went round
    for (const n of [B, C])
      expect(lan.messages(n, 'header').map((m) => new TextDecoder().decode(m.bytes))).toEqual(['entry-1']);
    expect(lan.messages(A)).toEqual([]); // never handed back to its publisher
  });

  it('keeps a body with its publisher only (never pushed) and serves it to a pull', () => {
    const lan = threeNodes();
    lan.sent.length = 0;
    lan.nodes.get(A)!.publish(lan.now, 'body', 'ab'.repeat(32), bytes('the body'), true, 60_000);
    lan.run();
    expect(lan.sent).toEqual([]);
    lan.nodes.get(C)!.subscribe(lan.now, 'body', 'ab'.repeat(32));
    lan.run();
    expect(lan.sent.some((s) => s.from === C && decodeFrame(s.frame)!.type === T_PULL)).toBe(true);
    expect(lan.messages(C, 'body').map((m) => m.key)).toEqual(['ab'.repeat(32)]); // once, though two may hold it
  });

  it('hands a retained birth to a late subscriber from its cache, once per subscribe', () => {
    const lan = threeNodes();
    lan.nodes.get(A)!.publish(lan.now, 'birth', 'aa', bytes('birth-a'), true);
    lan.run();
    const c = lan.nodes.get(C)!;
    c.subscribe(lan.now, 'birth', '+');
    lan.run();
    expect(lan.messages(C, 'birth').filter((m) => m.key === 'aa')).toHaveLength(1);
    lan.beat(); // anti-entropy re-sends A's own items: no second hand-over
    lan.beat();
    lan.beat();
    expect(lan.messages(C, 'birth').filter((m) => m.key === 'aa')).toHaveLength(1);
    c.subscribe(lan.now, 'birth', '+');
    lan.run();
    expect(lan.messages(C, 'birth').filter((m) => m.key === 'aa')).toHaveLength(2);
  });

  it('stops relaying a direct message at the inbox it is addressed to', () => {
    const lan = threeNodes();
    const b = lan.nodes.get(B)!;
    b.subscribe(lan.now, 'direct', 'bb');
    lan.sent.length = 0;
    lan.nodes.get(A)!.publish(lan.now, 'direct', 'bb', bytes('hello b'), false);
    lan.run();
    expect(lan.messages(B, 'direct')).toHaveLength(1);
    expect(lan.sent.filter((s) => s.from === B && decodeFrame(s.frame)!.type === T_PUSH)).toEqual([]);
    expect(lan.sent.some((s) => s.from === C && decodeFrame(s.frame)!.type === T_PUSH)).toBe(true); // C relays
  });

  it('neither answers nor forwards a pull from an unvalidated address: it challenges, and answers after the echo', () => {
    const lan = threeNodes();
    lan.nodes.get(A)!.publish(lan.now, 'body', 'cd'.repeat(32), bytes('secret-ish body'), true);
    lan.run();
    const a = lan.nodes.get(A)!;
    const stranger = '10.0.0.9:7000';
    const pull = encodeFrames(
      T_PULL,
      4,
      new Uint8Array(8).fill(9),
      encodeMessage('body', 'cd'.repeat(32), new Uint8Array(0), 0),
    )[0]!;
    a.handleDatagram(lan.now, stranger, pull);
    const out: Uint8Array[] = [];
    for (let t = a.pollTransmit(); t; t = a.pollTransmit()) out.push(t.frame);
    expect(out.map((f) => decodeFrame(f)!.type)).toEqual([T_CHALLENGE]);
    expect(out[0]!.length).toBe(HEADER + COOKIE);
  });

  it('reports a neighbour silent for NEIGHBOUR_TIMEOUT_MS unreachable by its will name, and reachable again', () => {
    const lan = threeNodes();
    lan.down.add(B);
    for (let t = 0; t <= NEIGHBOUR_TIMEOUT_MS + 1000; t += 1000) lan.beat();
    const peers = (n: string) => lan.events.get(n)!.filter((e) => e.type === 'peer');
    expect(peers(A)).toEqual([{ type: 'peer', channel: 'birth', key: 'bb', reachable: false }]);
    lan.down.delete(B);
    lan.beat();
    lan.beat();
    expect(peers(A).at(-1)).toEqual({ type: 'peer', channel: 'birth', key: 'bb', reachable: true });
  });

  it('drops a frame announcing more chunks than the largest message, unbuffered, naming channel and key', () => {
    const lan = new Lan();
    const a = lan.add(A, []);
    const big = encodeFrames(
      T_PUSH,
      4,
      new Uint8Array(8).fill(1),
      encodeMessage('header', 'news', new Uint8Array(6000), 0),
    );
    a.handleDatagram(lan.now, B, big[0]!);
    expect(a.pollEvent()).toEqual({ type: 'oversize', channel: 'header', key: 'news', bytes: big.length * 1186 });
    for (const f of big.slice(1)) a.handleDatagram(lan.now, B, f);
    expect(a.pollEvent()).toBeUndefined();
  });

  it('reassembles a message of several chunks arriving out of order', () => {
    const lan = threeNodes();
    lan.nodes.get(B)!.subscribe(lan.now, 'header', 'big');
    const body = new Uint8Array(3000).map((_, i) => i % 251);
    const frames = encodeFrames(T_PUSH, 1, new Uint8Array(8).fill(7), encodeMessage('header', 'big', body, 0));
    expect(frames.length).toBe(3);
    const b = lan.nodes.get(B)!;
    for (const f of [frames[2]!, frames[0]!, frames[1]!]) b.handleDatagram(lan.now, A, f);
    lan.run();
    expect(lan.messages(B, 'header').map((m) => [...m.bytes])).toEqual([[...body]]);
  });
});

describe('Cookies (address validation)', () => {
  const mac = (addr: string, bucket: number) =>
    createHmac('sha256', 'k')
      .update(`${addr}|${bucket}`)
      .digest()
      .subarray(0, COOKIE - 4);

  it('validates an echo of this or the previous 60 s bucket, for the challenged address only', () => {
    const c = new Cookies(mac);
    const t = 1_800_000_000_000;
    const cookie = c.cookie(t, A);
    expect(cookie.length).toBe(COOKIE);
    expect(c.validate(t + 2 * COOKIE_BUCKET_MS, cookie, A)).toBe(false); // two buckets later: stale
    expect(c.validate(t, cookie, B)).toBe(false); // echoed from another address
    const flipped = cookie.slice();
    flipped[15]! ^= 1;
    expect(c.validate(t, flipped, A)).toBe(false);
    expect(c.isValidated(t, A)).toBe(false);
    expect(c.validate(t + COOKIE_BUCKET_MS, cookie, A)).toBe(true); // the previous bucket still counts
    expect(c.isValidated(t + COOKIE_BUCKET_MS + VALIDATED_MS - 1, A)).toBe(true);
    expect(c.isValidated(t + COOKIE_BUCKET_MS + VALIDATED_MS, A)).toBe(false);
  });
});
