// The discovery index keeps the newest capability per (author, topic) whatever order bodies complete
// in. Regression for a defect found by the broker-outage test (test/reliability/outage.test.ts): after
// the restart, gap repair delivered a run of entries at once, their body pulls completed out of order,
// and an older declaration's body replaced the newer candidate.

import { describe, expect, it } from 'vitest';
import type { Body } from '../../src/core/codec/body.js';
import type { Entry } from '../../src/core/codec/entry.js';
import { DiscoveryIndex } from '../../src/core/gossip/discovery.js';
import { makeSketch } from '../../src/core/gossip/sketch.js';
import { crypto, T0 } from '../helpers.js';

const TOPIC = 'data_analysis';
const author = new Uint8Array(32).fill(7);
const AUTHOR = 'a'.repeat(64);
const entry = (seq: number, epoch = 0): Entry => ({
  author,
  topic: TOPIC,
  epoch,
  seq,
  kind: 'capability',
  ts: T0 + seq,
  expires: T0 + 3600_000,
  bodyHash: new Uint8Array(32).fill(seq),
  bodyLen: 10,
  sketch: makeSketch(crypto, ['data.sql']),
  tier: 2,
});
const body = (text: string): Body => ({ kind: 'capability', tags: ['data.sql'], text });

function index(): DiscoveryIndex {
  const ix = new DiscoveryIndex(crypto);
  ix.addInterest('intent-1', { topic: TOPIC, tags: ['data'] }, T0);
  return ix;
}

describe('DiscoveryIndex: bodies completing out of order', () => {
  it('an older body completing after a newer one does not replace the newer candidate', () => {
    const ix = index();
    expect(ix.addBody(T0, entry(3), AUTHOR, 'id3', body('third'))).toHaveLength(1);
    expect(ix.addBody(T0, entry(2), AUTHOR, 'id2', body('second'))).toEqual([]);
    expect(ix.discover({ tags: ['data'] }).map((c) => [c.seq, c.text])).toEqual([[3, 'third']]);
    ix.addBody(T0, entry(4), AUTHOR, 'id4', body('fourth'));
    expect(ix.discover({ tags: ['data'] }).map((c) => c.seq)).toEqual([4]);
  });

  it('a body from an older seq does not bring back a withdrawn candidate; a newer one does', () => {
    const ix = index();
    ix.addBody(T0, entry(1), AUTHOR, 'id1', body('first'));
    expect(ix.withdraw(AUTHOR, TOPIC, { epoch: 0, seq: 3 })).toBe(true);
    ix.addBody(T0, entry(2), AUTHOR, 'id2', body('late'));
    expect(ix.discover({ tags: ['data'] })).toEqual([]);
    ix.addBody(T0, entry(4), AUTHOR, 'id4', body('again'));
    expect(ix.discover({ tags: ['data'] }).map((c) => c.seq)).toEqual([4]);
  });

  it('a newer epoch supersedes whatever seq the old epoch reached; the same entry may be offered again', () => {
    const ix = index();
    ix.addBody(T0, entry(9), AUTHOR, 'id9', body('old epoch'));
    ix.addBody(T0, entry(1, 1), AUTHOR, 'e1', body('new epoch'));
    expect(ix.discover({ tags: ['data'] }).map((c) => c.text)).toEqual(['new epoch']);
    ix.addBody(T0, entry(1, 1), AUTHOR, 'e1', body('new epoch'));
    expect(ix.discover({ tags: ['data'] })).toHaveLength(1);
  });
});
