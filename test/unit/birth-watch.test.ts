// BirthWatch (src/core/gossip/birth-watch.ts): a node listens to the births and deaths of authors it
// fetches a binding of for a grace period, and for good only for authors it holds a candidate of.

import { describe, expect, it } from 'vitest';
import { BirthWatch } from '../../src/core/gossip/birth-watch.js';
import type { Outgoing } from '../../src/core/types.js';
import { TestNet } from '../harness.js';
import { identity, T0 } from '../helpers.js';

function watch(graceMs = 10_000) {
  const out: string[] = [];
  const w = new BirthWatch((o: Outgoing) => out.push(`${o.op} ${o.key}`), graceMs);
  return { w, out };
}

describe('BirthWatch', () => {
  it('a fetch lapses after the grace unless the author has a candidate or is still awaited', () => {
    const { w, out } = watch();
    w.fetch(0, 'a');
    w.fetch(1, 'b');
    w.fetch(2, 'c');
    w.fetch(3, 'a'); // subscribed again (the broker re-sends the retained birth); the grace starts again
    expect(out).toEqual(['subscribe a', 'subscribe b', 'subscribe c', 'subscribe a']);
    out.length = 3;
    w.sweep(
      9_999,
      () => false,
      () => false,
    );
    expect(out.length).toBe(3);
    w.sweep(
      10_002,
      (x) => x === 'b',
      (x) => x === 'c',
    );
    expect(out.slice(3)).toEqual([]); // b kept (candidate), c awaited (another grace), a not yet due (re-fetched at 3)
    w.sweep(
      10_003,
      () => false,
      () => false,
    );
    expect(out.slice(3)).toEqual(['unsubscribe a']);
    expect(w.isSubscribed('b')).toBe(true);
    w.sweep(
      20_002,
      () => false,
      () => false,
    );
    expect(out.slice(4)).toEqual(['unsubscribe c']);
    w.sweep(
      1e9,
      () => false,
      () => false,
    );
    expect(w.isSubscribed('b')).toBe(true); // kept for good
  });

  it('a candidate is subscribed (again) once; a retry re-subscribes; a clockless fetch starts its grace at the next sweep', () => {
    const { w, out } = watch();
    w.candidate('x');
    w.candidate('x');
    w.fetch(0, 'x', true); // a retry on a kept author: unsubscribe + subscribe, still kept
    expect(out).toEqual(['subscribe x', 'unsubscribe x', 'subscribe x']);
    w.fetch(undefined, 'y');
    w.sweep(
      50_000,
      () => false,
      () => false,
    );
    expect(w.isSubscribed('y')).toBe(true);
    w.sweep(
      59_999,
      () => false,
      () => false,
    );
    expect(w.isSubscribed('y')).toBe(true);
    w.sweep(
      60_000,
      () => false,
      () => false,
    );
    expect(w.isSubscribed('y')).toBe(false);
    w.sweep(
      1e9,
      () => false,
      () => false,
    );
    expect(w.isSubscribed('x')).toBe(true);
    expect(() => new BirthWatch(() => undefined, 0)).toThrow(RangeError);
  });
});

describe('AgentCore: births and deaths of non-candidates stop coming after the grace', () => {
  it("a follower without a matching interest stops getting an author's deaths; one with a candidate keeps them", () => {
    const net = new TestNet(T0);
    const opts = { heartbeatMs: 1_000, pullTimeoutMs: 1_000, maxAttempts: 2 }; // grace 2 × 2 × 1 s = 4 s
    const bob = net.add(identity('bob'), opts); // follows the topic, no interest in sql
    const dave = net.add(identity('dave'), opts); // needs sql: carol is its candidate
    const carol = net.add(identity('carol'), opts);
    bob.follow('data_analysis');
    dave.announce(net.now, {
      kind: 'intent',
      topic: 'data_analysis',
      tags: ['data.sql'],
      text: 'need sql',
      ttlMs: 3_600_000,
    });
    carol.announce(net.now, { kind: 'capability', topic: 'data_analysis', tags: ['data.sql'], text: 'sql' });
    net.run();
    net.advance(6_000);
    net.inject('birth', carol.agentHex, carol.willMessage(T0), true);
    expect(dave.isAlive(carol.agentHex)).toBe(false); // a candidate's death still arrives
    expect(dave.discover({ tags: ['data.sql'] })).toEqual([]);
    expect(bob.isAlive(carol.agentHex)).toBe(true); // bob unsubscribed: carol's death never reached him
  });
});
