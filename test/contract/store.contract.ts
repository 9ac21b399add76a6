// The LogStore contract, written once (docs/conventions.md §8) and run for every implementation.

import { describe, expect, it } from 'vitest';
import type { LogStore, StoredEntry } from '../../src/core/log/store.js';
import { AgentnetError } from '../../src/runtime/errors.js';

const b = (n: number, len = 32) => new Uint8Array(len).fill(n);
export const mk = (author: number, topic: string, epoch: number, seq: number): StoredEntry => ({
  id: b(author * 100 + seq + epoch * 1000),
  author: b(author),
  topic,
  epoch,
  seq,
  kind: 'capability',
  ts: 1000 + seq,
  expires: 5000 + seq,
  bodyHash: b(seq),
  bytes: b(seq, 100),
});

export function storeContract(
  name: string,
  open: () => { store: LogStore; reopen?: () => LogStore; cleanup?: () => void },
): void {
  describe(`LogStore contract: ${name}`, () => {
    it('appends in order and reports heads, ranges and logs', () => {
      const { store, cleanup } = open();
      for (let s = 1; s <= 5; s++) store.append(mk(1, 't', 0, s));
      store.append(mk(2, 't', 0, 1));
      expect(store.head(b(1), 't')).toMatchObject({ epoch: 0, seq: 5, ts: 1005 });
      expect(store.head(b(1), 'other')).toBeUndefined();
      expect(store.get(b(1), 't', 0, 3)?.bytes).toEqual(b(3, 100));
      expect(store.range(b(1), 't', 0, 2, 4).map((e) => e.seq)).toEqual([2, 3, 4]);
      expect(store.logs().length).toBe(2);
      expect(store.logs(b(2)).map((l) => l.head.seq)).toEqual([1]);
      expect(store.entryCount()).toBe(6);
      store.close();
      cleanup?.();
    });

    it('refuses a second entry at a position and an out-of-order append (no forks stored)', () => {
      const { store, cleanup } = open();
      store.append(mk(1, 't', 0, 1));
      expect(() => store.append({ ...mk(1, 't', 0, 1), id: b(99) })).toThrow(AgentnetError);
      expect(() => store.append(mk(1, 't', 0, 3))).toThrow(/LOG_CONFLICT/);
      expect(store.entryCount()).toBe(1);
      store.append(mk(1, 't', 1, 1)); // a new epoch
      expect(() => store.append(mk(1, 't', 0, 2))).toThrow(/LOG_CONFLICT/); // back into the old one
      expect(store.head(b(1), 't')).toMatchObject({ epoch: 1, seq: 1 });
      store.close();
      cleanup?.();
    });

    it('rolls back a failed transaction completely', () => {
      const { store, cleanup } = open();
      store.append(mk(1, 't', 0, 1));
      expect(() =>
        store.transaction(() => {
          store.append(mk(1, 't', 0, 2));
          store.putBody(b(7), b(7, 10), 10);
          store.putBinding(b(5), 1, b(5, 10));
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(store.head(b(1), 't')?.seq).toBe(1);
      expect(store.getBody(b(7))).toBeUndefined();
      expect(store.bindings()).toEqual([]);
      expect(store.entryCount()).toBe(1);
      store.close();
      cleanup?.();
    });

    it('keeps the rest of a transaction when one append in it is refused, with heads that match', () => {
      const { store, reopen, cleanup } = open();
      store.transaction(() => {
        store.append(mk(1, 't', 0, 1));
        store.append(mk(1, 't', 0, 2));
        expect(() => store.append({ ...mk(1, 't', 0, 2), id: b(98) })).toThrow(/LOG_CONFLICT/);
        store.append(mk(1, 't', 0, 3));
      });
      expect(store.head(b(1), 't')?.seq).toBe(3);
      expect(store.range(b(1), 't', 0, 1, 9).map((e) => e.seq)).toEqual([1, 2, 3]);
      // heads of more logs than any in-memory cache holds stay right
      store.transaction(() => {
        for (let a = 10; a < 5010; a++)
          store.append({ ...mk(a % 250, `t${a}`, 0, 1), id: b(0).map((_, i) => (a >> (i % 2 ? 8 : 0)) & 255) });
      });
      expect(store.head(b(10), 't10')?.seq).toBe(1);
      store.append({ ...mk(10, 't10', 0, 2), id: b(201) });
      expect(store.head(b(10), 't10')?.seq).toBe(2);
      if (reopen) {
        store.close();
        const again = reopen();
        expect(again.head(b(10), 't10')?.seq).toBe(2);
        expect(again.head(b(1), 't')?.seq).toBe(3);
        again.close();
      } else store.close();
      cleanup?.();
    });

    it('keeps bodies by hash and the newest binding per agent', () => {
      const { store, cleanup } = open();
      store.putBody(b(1), b(1, 5), 100);
      store.putBody(b(1), b(1, 5), 50);
      expect(store.getBody(b(1))).toEqual(b(1, 5));
      store.putBinding(b(3), 2, b(2, 8));
      store.putBinding(b(3), 1, b(1, 8));
      expect(store.bindings()).toEqual([b(2, 8)]);
      store.close();
      cleanup?.();
    });

    it('prunes exactly the expired, old, non-head entries of other authors and unreferenced expired bodies (idempotent)', () => {
      const { store, cleanup } = open();
      // mk: ts = 1000 + seq, expires = 5000 + seq, body b(seq).
      for (let s = 1; s <= 6; s++) store.append(mk(1, 't', 0, s)); // another author
      for (let s = 1; s <= 3; s++) store.append(mk(2, 't', 0, s)); // our own log (keepAuthor b(2))
      store.append(mk(3, 'u', 0, 1)); // another author's one-entry log: its only entry is the head
      store.append({ ...mk(1, 't', 1, 1), expires: 9000, bodyHash: b(40) }); // author 1 moves to epoch 1 (head there)
      for (let s = 1; s <= 6; s++) store.putBody(b(s), b(s, 5), 5000 + s);
      store.putBody(b(40), b(40, 5), 9000);
      store.putBody(b(50), b(50, 5), 4000); // expired, referenced by nobody
      store.append({ ...mk(4, 'v', 0, 1), expires: 9999, bodyHash: b(60) });
      store.append({ ...mk(4, 'v', 0, 2), expires: 9999, bodyHash: b(61) });
      store.putBody(b(60), b(60, 5), 100); // expired itself, but an unexpired entry still announces it
      const total = store.entryCount();
      // now = 5005: author 1's seq 1..5 are expired; olderThanTs = 1004 keeps seq 4 and 5 (too recent).
      expect(store.prune(5005, 1004, b(2))).toEqual({ entries: 3, bodies: 6 }); // bodies b(1)..b(5) and b(50)
      expect(store.range(b(1), 't', 0, 1, 6).map((e) => e.seq)).toEqual([4, 5, 6]);
      expect(store.entryCount()).toBe(total - 3);
      expect(store.head(b(1), 't')).toMatchObject({ epoch: 1, seq: 1 });
      expect(store.range(b(2), 't', 0, 1, 3).map((e) => e.seq)).toEqual([1, 2, 3]); // own log untouched
      expect(store.get(b(3), 'u', 0, 1)).toBeDefined(); // a head is kept
      expect(store.getBody(b(50))).toBeUndefined();
      expect(store.getBody(b(60))).toEqual(b(60, 5)); // referenced by an unexpired entry
      expect(store.getBody(b(6))).toEqual(b(6, 5)); // not expired yet (expires 5006)
      expect(store.getBody(b(40))).toEqual(b(40, 5));
      expect(store.prune(5005, 1004, b(2))).toEqual({ entries: 0, bodies: 0 }); // idempotent
      // Much later, with a wide window: everything of other authors but heads goes; own log and heads stay.
      const later = store.prune(20_000, 20_000, b(2));
      expect(later).toEqual({ entries: 4, bodies: 3 }); // author 1 epoch 0 seq 4..6 (its head is in epoch 1), author 4 seq 1; b(6), b(40), b(60)
      expect(store.range(b(1), 't', 0, 1, 6)).toEqual([]);
      expect(store.get(b(1), 't', 1, 1)).toBeDefined();
      expect(store.range(b(4), 'v', 0, 1, 2).map((e) => e.seq)).toEqual([2]);
      expect(store.range(b(2), 't', 0, 1, 3).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(store.logs().length).toBe(4);
      store.close();
      cleanup?.();
    });

    it('rolls a prune back with its transaction', () => {
      const { store, cleanup } = open();
      for (let s = 1; s <= 3; s++) store.append(mk(1, 't', 0, s));
      store.putBody(b(9), b(9, 5), 1);
      expect(() =>
        store.transaction(() => {
          expect(store.prune(10_000, 10_000, b(2))).toEqual({ entries: 2, bodies: 1 });
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(store.range(b(1), 't', 0, 1, 3).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(store.entryCount()).toBe(3);
      expect(store.getBody(b(9))).toEqual(b(9, 5));
      store.close();
      cleanup?.();
    });

    it('survives close and reopen with everything committed', () => {
      const o = open();
      if (!o.reopen) return o.cleanup?.();
      for (let s = 1; s <= 3; s++) o.store.append(mk(4, 'x', 0, s));
      o.store.putBody(b(4), b(4, 3), 9);
      o.store.close();
      const again = o.reopen();
      expect(again.head(b(4), 'x')?.seq).toBe(3);
      expect(again.getBody(b(4))).toEqual(b(4, 3));
      again.close();
      o.cleanup?.();
    });

    it('keeps the live index by identity (topic, kind, key), however long the log', () => {
      const { store, cleanup } = open();
      const at = (seq: number, kind: StoredEntry['kind'], key?: string, expires = 9000, epoch = 0): StoredEntry => ({
        ...mk(1, 't', epoch, seq),
        kind,
        expires,
        ...(key !== undefined ? { key } : {}),
      });
      const live = (now = 1000) => store.live(b(1), now, 't').map((e) => [e.seq, e.kind, e.key ?? '']);
      store.append(at(1, 'capability', 'sql'));
      store.append(at(2, 'capability', 'csv'));
      store.append(at(3, 'intent', 'sql')); // another kind: its own identity
      for (let s = 4; s < 4 + 100; s++) store.append(at(s, 'state', 'receipt')); // a long run of states
      expect(live()).toEqual([
        [1, 'capability', 'sql'],
        [2, 'capability', 'csv'],
        [3, 'intent', 'sql'],
        [103, 'state', 'receipt'],
      ]);
      store.append(at(104, 'capability', 'sql', 1500)); // replaces seq 1; expires at 1500
      expect(live(2000)).toEqual([
        [2, 'capability', 'csv'],
        [3, 'intent', 'sql'],
        [103, 'state', 'receipt'],
      ]); // the replacement expired: the replaced one does not come back
      store.append(at(105, 'withdraw', 'sql')); // retires key sql of every kind
      expect(live()).toEqual([
        [2, 'capability', 'csv'],
        [103, 'state', 'receipt'],
      ]);
      store.append(at(106, 'capability')); // a keyless declaration
      expect(store.live(b(1), 1000).map((e) => e.key)).toEqual(['csv', 'receipt', undefined]);
      // One identity at a time: the same entry `live` lists, or nothing (retired, expired, another kind or author).
      const one = (kind: StoredEntry['kind'], key: string | undefined, now = 1000, author = 1, topic = 't') =>
        store.liveOne(b(author), topic, kind, key, now);
      expect(one('capability', 'csv')).toEqual(store.live(b(1), 1000).find((e) => e.key === 'csv'));
      expect(one('capability', 'csv')?.seq).toBe(2);
      expect(one('capability', undefined)).toEqual(store.live(b(1), 1000).find((e) => e.key === undefined));
      expect(one('capability', undefined)?.seq).toBe(106);
      expect(one('state', 'receipt')?.seq).toBe(103);
      expect(one('capability', 'sql')).toBeUndefined(); // withdrawn
      expect(one('intent', 'csv')).toBeUndefined();
      expect(one('capability', 'csv', 9000)).toBeUndefined(); // expired at 9000
      expect(one('capability', 'csv', 1000, 2)).toBeUndefined();
      expect(one('capability', 'csv', 1000, 1, 'other')).toBeUndefined();
      expect(store.live(b(2), 1000)).toEqual([]);
      expect(store.live(b(1), 1000, 'other')).toEqual([]);
      // A failed transaction leaves the index as it was.
      expect(() =>
        store.transaction(() => {
          store.append(at(107, 'withdraw'));
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(live()).toHaveLength(3);
      store.append(at(107, 'withdraw')); // no key: the whole topic
      expect(live()).toEqual([]);
      store.append(at(108, 'capability', 'sql'));
      store.append(at(1, 'capability', 'csv', 9000, 1)); // a new epoch starts the log again
      expect(live()).toEqual([[1, 'capability', 'csv']]);
      expect(store.live(b(1), 1000)[0]!.bytes).toEqual(b(1, 100));
      store.close();
      cleanup?.();
    });

    it('drops expired declarations from the live index when it prunes, and keeps the index across a reopen', () => {
      const o = open();
      o.store.append({ ...mk(1, 't', 0, 1), key: 'a', expires: 3000 });
      o.store.append({ ...mk(1, 't', 0, 2), key: 'b', expires: 9000 });
      o.store.prune(5000, 0, b(2));
      expect(o.store.live(b(1), 0).map((e) => e.key)).toEqual(['b']);
      if (o.reopen) {
        o.store.close();
        const again = o.reopen();
        expect(again.live(b(1), 0).map((e) => [e.seq, e.key])).toEqual([[2, 'b']]);
        again.close();
      } else o.store.close();
      o.cleanup?.();
    });

    it('finds the unexpired entries of a kind by expiry, leaving out one author', () => {
      const { store, cleanup } = open();
      store.append({ ...mk(1, 't', 0, 1), kind: 'state', expires: 3000 });
      store.append({ ...mk(1, 't', 0, 2), kind: 'state', expires: 9000 });
      store.append({ ...mk(1, 't', 0, 3), kind: 'capability', expires: 9000 });
      store.append({ ...mk(2, 'u', 0, 1), kind: 'state', expires: 9000 });
      store.append({ ...mk(3, 't', 0, 1), kind: 'state', expires: 9000 });
      expect(store.unexpired('state', 5000, b(3)).map((e) => [e.author[0], e.topic, e.seq])).toEqual([
        [1, 't', 2],
        [2, 'u', 1],
      ]);
      expect(store.unexpired('intent', 0, b(3))).toEqual([]);
      store.close();
      cleanup?.();
    });

    it('tests stored sketches against a mask, offering entries stored without a sketch to every mask', () => {
      const { store, reopen, cleanup } = open();
      const sk = (...bits: number[]) => {
        const s = new Uint8Array(32);
        for (const x of bits) s[x >> 3]! |= 1 << (x & 7);
        return s;
      };
      store.append({ ...mk(1, 't', 0, 1), kind: 'state', expires: 9000, sketch: sk(3, 70, 255) });
      store.append({ ...mk(1, 't', 0, 2), kind: 'state', expires: 9000, sketch: sk(3, 70) });
      store.append({ ...mk(1, 't', 0, 3), kind: 'state', expires: 9000 }); // no sketch known
      store.append({
        ...mk(2, 'u', 0, 1),
        kind: 'state',
        expires: 9000,
        sketch: sk(0, 63, 64, 127, 128, 191, 192, 255),
      });
      store.append({ ...mk(2, 'u', 0, 2), kind: 'state', expires: 3000, sketch: sk(3, 70, 255) }); // expired
      const seqs = (s: LogStore, mask: Uint8Array) =>
        s.unexpired('state', 5000, b(9), mask).map((e) => [e.author[0], e.seq]);
      expect(seqs(store, sk(3, 255))).toEqual([
        [1, 1],
        [1, 3],
      ]);
      expect(seqs(store, sk(63, 127, 191, 255))).toEqual([
        [1, 3],
        [2, 1],
      ]); // the sign bit of every 64-bit word
      expect(seqs(store, sk(70))).toEqual([
        [1, 1],
        [1, 2],
        [1, 3],
      ]);
      expect(store.unexpired('state', 5000, b(9)).length).toBe(4);
      expect(store.get(b(1), 't', 0, 1)?.sketch).toEqual(sk(3, 70, 255));
      expect(store.get(b(1), 't', 0, 3)?.sketch).toBeUndefined();
      if (reopen) {
        store.close();
        const again = reopen();
        expect(seqs(again, sk(3, 255))).toEqual([
          [1, 1],
          [1, 3],
        ]);
        again.close();
      } else store.close();
      cleanup?.();
    });

    it('refuses use after close with STORE_CLOSED', () => {
      const { store, cleanup } = open();
      store.close();
      expect(() => store.head(b(1), 't')).toThrow(/STORE_CLOSED/);
      cleanup?.();
    });
  });
}
