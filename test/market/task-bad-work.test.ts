// The mechanism's slash.bad_work between real task engines (src/core/task/): a delivered artefact that fails the
// task's acceptance check (core/codec/accept.ts) burns the clause's share of the worker's deposit. Both parties
// run the check on the same bytes, so their ledgers post the same burn whether the receipt is co-signed, the
// co-signature is withheld or the rating never arrives; an artefact that passes, or a mechanism without the
// clause, burns nothing.

import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/base/bytes.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeTaskMsg, type AcceptCheck } from '../../src/core/codec/task.js';
import { agentAccount, BURN, escrowAccount } from '../../src/core/task/ledger.js';
import { SPEC, TaskWorld, testMechanism, type Party } from './task-world.js';

const ACCEPT: AcceptCheck = { kind: 'json', members: [['rows', 'number']] };
const GOOD = utf8('{"rows": 12}');
const BAD = utf8('{"rows": "twelve"}');
const typeOf = (b: Uint8Array) => decodeTaskMsg(b, DEFAULT_LIMITS).msg.type;

/** One requester (rates 800 unless the check fails), one worker bidding 3000 and delivering `artefact`. */
function run(artefact: Uint8Array, slashing: Record<string, number>, drop?: string) {
  const w = new TaskWorld();
  const req = w.add('req', { rate: () => 800 });
  const worker = w.add('w', { bid: () => 3000, deliver: () => artefact });
  w.candidates = [worker.hex];
  if (drop) w.filter = (m) => typeOf(m.bytes) !== drop;
  const t = req.engine.post(w.now, { ...SPEC, accept: ACCEPT, mechanism: testMechanism({ slashing }) });
  w.advance(t.settleBy + 1);
  const postings = (p: Party) =>
    p.ledger
      .postings(t.id)
      .filter((x) => x.rule !== 'grant')
      .map(({ ts: _t, ...x }) => x);
  return { t, req, worker, postings };
}

describe('slash.bad_work on a delivery that fails the acceptance check', () => {
  it('co-signed 0 rating: the whole deposit burns on both ledgers, which agree posting for posting', () => {
    const { t, req, worker, postings } = run(BAD, { no_delivery: 5000, bad_work: 10_000 });
    expect(req.engine.get(t.id)).toMatchObject({
      state: 'settled',
      outcome: 0,
      acceptance: expect.stringMatching(/^failed/),
    });
    expect(worker.engine.get(t.id)).toMatchObject({
      state: 'settled',
      acceptance: 'failed: member "rows" is string, not number',
    });
    expect(req.engine.get(t.id)!.note).toMatch(/acceptance check: 2000 of the deposit burned/);
    expect(postings(worker)).toEqual(postings(req));
    expect(postings(req).filter((p) => p.rule === 'burn')).toEqual([
      { task: t.id, rule: 'burn', from: escrowAccount(t.id), to: BURN, amount: 2000 },
    ]);
    for (const p of [req, worker]) {
      expect(p.ledger.balance(agentAccount(worker.hex))).toBe(100_000 - 2000);
      expect(p.ledger.balance(agentAccount(req.hex))).toBe(100_000); // rated 0: paid nothing
      expect(p.ledger.balance(escrowAccount(t.id))).toBe(0);
      expect(p.ledger.totals()).toEqual({ issued: 200_000, burned: 2000, circulating: 198_000, sum: 0 });
    }
  });

  it('the clause burns its share, rounded down', () => {
    const { req, worker } = run(BAD, { bad_work: 3333 });
    for (const p of [req, worker]) expect(p.ledger.totals().burned).toBe(666); // floor(2000 × 0.3333)
  });

  it('a withheld co-signature does not save the deposit: the requester ends unsigned and burns the same', () => {
    const { t, req, worker, postings } = run(BAD, { bad_work: 10_000 }, 'cosign');
    expect(req.engine.get(t.id)!.state).toBe('unsigned');
    expect(worker.engine.get(t.id)!.state).toBe('settled'); // its engine co-signed; the message was lost
    expect(postings(worker)).toEqual(postings(req));
    for (const p of [req, worker]) expect(p.ledger.totals().burned).toBe(2000);
  });

  it('a rating that never arrives: the requester ends unsigned, the worker unrated, both burn', () => {
    const { t, req, worker, postings } = run(BAD, { bad_work: 10_000 }, 'rate');
    expect(req.engine.get(t.id)!.state).toBe('unsigned');
    expect(worker.engine.get(t.id)!.state).toBe('unrated');
    expect(worker.engine.get(t.id)!.note).toMatch(/no rating by settleBy; the artefact failed/);
    expect(postings(worker)).toEqual(postings(req));
    for (const p of [req, worker]) expect(p.ledger.totals().burned).toBe(2000);
  });

  it('an artefact that passes burns nothing and is paid by its rating; so is a mechanism without the clause', () => {
    const ok = run(GOOD, { bad_work: 10_000 });
    expect(ok.req.engine.get(ok.t.id)).toMatchObject({ state: 'settled', outcome: 800, acceptance: 'passed' });
    expect(ok.worker.engine.get(ok.t.id)!.acceptance).toBe('passed');
    for (const p of [ok.req, ok.worker]) {
      expect(p.ledger.totals().burned).toBe(0);
      expect(p.ledger.balance(agentAccount(ok.worker.hex))).toBe(100_000 + 2400); // 800/1000 of the 3000 bid
    }
    const none = run(BAD, { no_delivery: 5000 });
    expect(none.req.engine.get(none.t.id)!.state).toBe('settled');
    for (const p of [none.req, none.worker]) expect(p.ledger.totals().burned).toBe(0);
  });
});
