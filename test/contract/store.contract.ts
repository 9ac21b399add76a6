// The LogStore contract, written once (STYLE 8) and run for every implementation.

import { describe, expect, it } from 'vitest';
import type { LogStore, StoredEntry } from '../../src/core/log/store.js';
import { AgentnetError } from '../../src/core/errors.js';

const b = (n: number, len = 32) => new Uint8Array(len).fill(n);
export const mk = (author: number, topic: string, epoch: number, seq: number): StoredEntry => ({
  id: b(author * 100 + seq + epoch * 1000), author: b(author), topic, epoch, seq, kind: 'capability', ts: 1000 + seq, expires: 5000 + seq, bodyHash: b(seq), bytes: b(seq, 100),
});

export function storeContract(name: string, open: () => { store: LogStore; reopen?: () => LogStore; cleanup?: () => void }): void {
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

    it('refuses use after close with STORE_CLOSED', () => {
      const { store, cleanup } = open();
      store.close();
      expect(() => store.head(b(1), 't')).toThrow(/STORE_CLOSED/);
      cleanup?.();
    });
  });
}
