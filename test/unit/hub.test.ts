// src/core/base/hub.ts: MQTT filter matching (MQTT 3.1.1 §4.7.3 examples), retained messages with expiry, and
// the subscriber index, checked against a plain scan over random names and filters.

import { describe, expect, it } from 'vitest';
import { RetainedTable, SubscriberIndex, topicMatches } from '../../src/core/base/hub.js';

describe('hub', () => {
  it('matches filters as MQTT does', () => {
    const yes: Array<[string, string]> = [
      ['a/b/c', 'a/b/c'],
      ['a/+/c', 'a/b/c'],
      ['a/b/+', 'a/b/c'],
      ['a/b/+', 'a/b/'],
      ['a/#', 'a'],
      ['a/#', 'a/b/c'],
      ['#', 'a/b'],
      ['+/+', '/b'],
    ];
    const no: Array<[string, string]> = [
      ['a/b/+', 'a/b'],
      ['a/b/+', 'a/b/c/d'],
      ['a/+', 'b/c'],
      ['a/b', 'a/b/c'],
      ['a/#/c', 'a/b/c'],
      ['+', 'a/b'],
    ];
    for (const [f, n] of yes) expect(topicMatches(f, n), `${f} ~ ${n}`).toBe(true);
    for (const [f, n] of no) expect(topicMatches(f, n), `${f} !~ ${n}`).toBe(false);
  });

  it('keeps retained messages until they expire, in first-retained order; empty bytes delete', () => {
    const t = new RetainedTable();
    const b = (x: number) => new Uint8Array([x]);
    t.put('h/x/1', b(1), 0, 1000);
    t.put('h/x/2', b(2), 0);
    t.put('h/y/1', b(3), 0);
    t.put('h/x/1', b(4), 10, 1000); // replaced, keeps its position
    expect(t.match('h/x/+', 500).map(([n, r]) => [n, r.bytes[0]])).toEqual([
      ['h/x/1', 4],
      ['h/x/2', 2],
    ]);
    expect(t.match('h/#', 500).map(([n]) => n)).toEqual(['h/x/1', 'h/x/2', 'h/y/1']);
    expect(t.match('h/x/+', 1010).map(([n]) => n)).toEqual(['h/x/2']); // h/x/1 expired and is gone
    expect(t.has('h/x/1')).toBe(false);
    t.put('h/x/2', new Uint8Array(0), 1100);
    expect(t.get('h/x/2', 1100)).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it('finds the same subscribers as a scan over every filter', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const level = () => ['a', 'b', 'c', ''][rnd(4)]!;
    const name = () => Array.from({ length: 1 + rnd(3) }, level).join('/');
    const filter = () => {
      const l = Array.from({ length: 1 + rnd(3) }, () => (rnd(4) === 0 ? '+' : level()));
      if (rnd(5) === 0) l.push('#');
      return l.join('/');
    };
    const idx = new SubscriberIndex<number>();
    const held: Array<Set<string>> = Array.from({ length: 8 }, () => new Set());
    for (let k = 0; k < 400; k++) {
      const s = rnd(8);
      const f = filter();
      if (rnd(4) === 0) {
        const g = [...held[s]!][0];
        if (g !== undefined) (idx.delete(s, g), held[s]!.delete(g));
      } else (idx.add(s, f), held[s]!.add(f));
      const n = name();
      const want = held.flatMap((fs, i) => ([...fs].some((x) => topicMatches(x, n)) ? [i] : []));
      expect(
        [...idx.subscribers(n)].sort((a, b) => a - b),
        `${n}`,
      ).toEqual(want);
    }
  });
});
