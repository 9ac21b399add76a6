import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/core/codec/entry.js';
import { decideReceive } from '../../src/core/log/rules.js';
import type { LogHead, StoredEntry } from '../../src/core/log/store.js';

const id = (n: number) => new Uint8Array(32).fill(n);
const entry = (epoch: number, seq: number, prev?: number): Entry => ({
  author: id(1),
  topic: 't',
  epoch,
  seq,
  ...(prev !== undefined ? { prev: id(prev) } : {}),
  kind: 'state',
  ts: 1,
  expires: 2,
  bodyHash: id(0),
  bodyLen: 1,
  sketch: id(0),
  tier: 2,
});
const head = (epoch: number, seq: number, idn: number): LogHead => ({ epoch, seq, id: id(idn), ts: 1 });
const stored = (idn: number) => ({ id: id(idn) }) as StoredEntry;

describe('sequential log receive rules (docs/architecture.md §4), one row per rule', () => {
  it.each<[string, LogHead | undefined, StoredEntry | undefined, Entry, number, string]>([
    ['same position, same id', head(0, 3, 3), stored(2), entry(0, 2, 1), 2, 'duplicate'],
    ['same position, other id', head(0, 3, 3), stored(2), entry(0, 2, 1), 9, 'fork'],
    ['empty log, seq 1', undefined, undefined, entry(0, 1), 5, 'append'],
    ['empty log, seq 4', undefined, undefined, entry(0, 4, 3), 5, 'gap'],
    ['older epoch', head(1, 3, 3), undefined, entry(0, 9, 8), 5, 'stale'],
    ['newer epoch, seq 1', head(0, 3, 3), undefined, entry(1, 1), 5, 'append'],
    ['newer epoch, seq 3', head(0, 3, 3), undefined, entry(1, 3, 2), 5, 'gap'],
    ['pruned old seq', head(0, 3, 3), undefined, entry(0, 2, 1), 5, 'stale'],
    ['next seq, prev = head', head(0, 3, 3), undefined, entry(0, 4, 3), 5, 'append'],
    ['next seq, prev != head', head(0, 3, 3), undefined, entry(0, 4, 7), 5, 'broken'],
    ['seq beyond next', head(0, 3, 3), undefined, entry(0, 6, 5), 5, 'gap'],
  ])('%s -> %s', (_name, h, at, e, idn, action) => {
    expect(decideReceive(h, at, e, id(idn)).action).toBe(action);
  });

  it('gaps name the missing range', () => {
    expect(decideReceive(head(0, 3, 3), undefined, entry(0, 6, 5), id(6))).toEqual({
      action: 'gap',
      fromSeq: 4,
      toSeq: 5,
    });
    expect(decideReceive(undefined, undefined, entry(0, 4, 3), id(6))).toEqual({ action: 'gap', fromSeq: 1, toSeq: 3 });
  });
});
