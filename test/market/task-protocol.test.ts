// The task protocol (src/core/task/) step by step, with its failures, between real engines (real
// AgentCores for the announce, real signatures, real verifiers) over an inspectable message queue.

import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/core/base/bytes.js';
import { decodeBody } from '../../src/core/codec/body.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeReceipt, signedReceiptFromBody } from '../../src/core/codec/receipt.js';
import { checkReceipt } from '../../src/core/identity/receipt.js';
import {
  decodeTaskMsg,
  decodeTerms,
  encodeTaskMsg,
  taskMsgToBeSigned,
  type TaskMsg,
} from '../../src/core/codec/task.js';
import { agentAccount, BURN, escrowAccount } from '../../src/core/task/ledger.js';
import { TaskConflictError } from '../../src/core/task/engine.js';
import { allowed, isTerminal, TRANSITIONS } from '../../src/core/task/protocol.js';
import { crypto, identity } from '../helpers.js';
import { SPEC, TaskWorld, testMechanism, type Party } from './task-world.js';

const artefact = utf8('42');
const auto = { bid: () => 3000, deliver: () => artefact };
const rater = { rate: () => 800 };

function setup(workers = 1, workerPolicy: Record<string, unknown> = auto, reqPolicy: Record<string, unknown> = rater) {
  const w = new TaskWorld();
  const req = w.add('req', { ...reqPolicy });
  const ws: Party[] = [];
  for (let i = 0; i < workers; i++) ws.push(w.add(`w${i}`, { ...workerPolicy }));
  w.candidates = ws.map((p) => p.hex);
  return { w, req, ws };
}
const typeOf = (b: Uint8Array) => decodeTaskMsg(b, DEFAULT_LIMITS).msg.type;
const stateOf = (p: Party, id: string) => p.engine.get(id)?.state;

describe('task protocol table', () => {
  it('every state named as a target exists, and terminal states accept nothing', () => {
    for (const [role, rows] of Object.entries(TRANSITIONS)) {
      for (const [, row] of Object.entries(rows))
        for (const tos of Object.values(row)) for (const to of tos as string[]) expect(Object.keys(rows)).toContain(to);
      for (const s of Object.keys(rows))
        if (isTerminal(role as 'worker', s as never))
          expect(allowed(role as 'worker', s as never, 'retry')).toBeUndefined();
    }
  });
});

describe('task protocol, happy path', () => {
  it('announce -> invite -> bid -> award -> delivery by hash -> co-signed receipt -> settlement on both ledgers', () => {
    const { w, req, ws } = setup(2);
    ws[1]!.policy.bid = () => 2500; // the lower bid wins under lowest_bid
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    // The announce is a real intent entry whose body carries the documented fields.
    const body = decodeBody(
      req.logStore.getBody(req.logStore.range(req.id.agentKey, SPEC.topic, 0, 1, 1)[0]!.bodyHash)!,
      DEFAULT_LIMITS,
    );
    expect(body).toMatchObject({ kind: 'intent', price: 10_000, deadline: t.bidDeadline, requiredTier: 2 });
    expect(decodeTerms(body)).toMatchObject({ deliverBy: t.deliverBy, settleBy: t.settleBy });
    expect(w.queue.map((m) => typeOf(m.bytes))).toEqual(['invite', 'invite']);
    w.pump();
    expect(
      req.engine
        .get(t.id)!
        .bids.map((b) => b.price)
        .sort(),
    ).toEqual([2500, 3000]);
    w.advance(t.bidDeadline);
    const winner = ws[1]!;
    expect(stateOf(req, t.id)).toBe('settled');
    expect(stateOf(winner, t.id)).toBe('settled');
    expect(stateOf(ws[0]!, t.id)).toBe('bidding');
    w.advance(t.deliverBy);
    expect(stateOf(ws[0]!, t.id)).toBe('lost');
    // The receipt is published in the requester's log as a state declaration and verifies.
    const head = req.logStore.head(req.id.agentKey, SPEC.topic)!;
    const entry = req.logStore.get(req.id.agentKey, SPEC.topic, 0, head.seq)!;
    const sr = decodeReceipt(signedReceiptFromBody(decodeBody(req.logStore.getBody(entry.bodyHash)!, DEFAULT_LIMITS)));
    expect(sr.receipt).toMatchObject({ topic: SPEC.topic, outcome: 800, amount: 2000 });
    expect(toHex(sr.receipt.worker)).toBe(winner.hex);
    expect(toHex(sr.receipt.deliveryHash!)).toBe(toHex(crypto.sha256(artefact)));
    expect(checkReceipt(winner.core.verifier, sr)).toEqual({ ok: true });
    expect(winner.published.get(toHex(crypto.sha256(artefact)))).toEqual(artefact);
    // Both ledgers: the same postings for this task, escrow closed, credits conserved.
    const strip = (p: Party) =>
      p.ledger
        .postings(t.id)
        .filter((x) => x.rule !== 'grant')
        .map(({ ts: _t, ...x }) => x);
    expect(strip(winner)).toEqual(strip(req));
    for (const p of [req, winner]) {
      expect(p.ledger.balance(escrowAccount(t.id))).toBe(0);
      expect(p.ledger.balance(agentAccount(winner.hex))).toBe(100_000 + 2000);
      expect(p.ledger.balance(agentAccount(req.hex))).toBe(100_000 - 2000);
      expect(p.ledger.totals()).toMatchObject({ sum: 0, burned: 0 });
    }
    expect(w.rejects(req)).toEqual([]);
  });

  it('a lost message is re-sent on retry and the task still settles', () => {
    const { w, req, ws } = setup(1);
    const dropped = new Set<string>();
    w.filter = (m) => {
      const t = typeOf(m.bytes);
      if (dropped.has(t)) return true;
      dropped.add(t); // drop the first of every message type
      return false;
    };
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.advance(t.settleBy);
    expect(stateOf(req, t.id)).toBe('settled');
    expect(stateOf(ws[0]!, t.id)).toBe('settled');
    expect([...dropped].sort()).toEqual(['artefact', 'award', 'bid', 'cosign', 'delivery', 'fetch', 'invite', 'rate']);
  });
});

describe('replayed fetches', () => {
  it('a fetch copied off the wire and sent again is `replayed`: the worker sends the artefact once', () => {
    const { w, req, ws } = setup(1);
    let fetches = 0;
    let artefacts = 0;
    w.filter = (m) => {
      const t = typeOf(m.bytes);
      if (t === 'fetch' && fetches++ === 0) for (let i = 0; i < 5; i++) w.queue.push({ ...m }); // copies, right behind it
      if (t === 'artefact') artefacts++;
      return true;
    };
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.advance(t.settleBy);
    expect(stateOf(ws[0]!, t.id)).toBe('settled');
    expect([fetches, artefacts]).toEqual([6, 1]);
    expect(w.rejects(ws[0]!)).toEqual(['replayed', 'replayed', 'replayed', 'replayed', 'replayed']);
  });
});

describe('bid revision and state conflicts', () => {
  it("under the reputation rule the requester's own choice names the worker; no choice awards none", () => {
    const { w, req, ws } = setup(3);
    const seen: string[][] = [];
    w.choose = (_t, bidders) => {
      seen.push([...bidders]);
      return bidders.includes(ws[2]!.hex) ? ws[2]!.hex : undefined;
    };
    req.engine = w.engineFor(req);
    const mech = testMechanism({ alloc: { rule: 'reputation', teamSize: 1 } });
    const t = req.engine.post(w.now, { ...SPEC, mechanism: mech });
    w.pump();
    w.advance(t.bidDeadline);
    expect(seen).toEqual([[...ws.map((p) => p.hex)].sort()]); // equal scores and prices: every valid bid, by agent
    expect(req.engine.get(t.id)).toMatchObject({ worker: ws[2]!.hex });
    w.advance(t.settleBy);
    expect(stateOf(req, t.id)).toBe('settled');
    // A choice of nobody: the task expires with its budget back, as with no valid bid.
    w.choose = () => undefined;
    req.engine = w.engineFor(req);
    const u = req.engine.post(w.now, { ...SPEC, mechanism: mech });
    w.pump();
    w.advance(u.bidDeadline);
    expect(stateOf(req, u.id)).toBe('expired');
    // Another rule ignores the choice (lowest_bid awards the cheapest).
    w.choose = () => ws[2]!.hex;
    req.engine = w.engineFor(req);
    ws[0]!.policy.bid = () => 1000;
    const v = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    w.advance(v.bidDeadline);
    expect(req.engine.get(v.id)).toMatchObject({ worker: ws[0]!.hex });
  });

  it('a worker revises its bid until the bid window closes; the requester awards its latest bid', () => {
    const { w, req, ws } = setup(1, { deliver: () => artefact });
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    ws[0]!.engine.bidFor(w.now, t.id, 3000);
    w.pump();
    w.now += 10;
    expect(ws[0]!.engine.bidFor(w.now, t.id, 2500)).toMatchObject({
      state: 'bidding',
      myBid: 2500,
      myBids: [3000, 2500],
    });
    w.pump();
    expect(req.engine.get(t.id)!.bids.map((b) => b.price)).toEqual([2500]);
    w.advance(t.bidDeadline);
    expect(req.engine.get(t.id)).toMatchObject({ price: 2500, worker: ws[0]!.hex });
    expect(() => ws[0]!.engine.bidFor(w.now, t.id, 2000)).toThrow(TaskConflictError); // awarded: too late
    w.advance(t.settleBy);
    expect([stateOf(req, t.id), stateOf(ws[0]!, t.id)]).toEqual(['settled', 'settled']);
    expect(w.rejects(req)).toEqual([]);
  });

  it('an older bid arriving after a revision does not undo it; a revision that arrives late leaves the earlier one binding', () => {
    const { w, req, ws } = setup(1, { deliver: () => artefact });
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    ws[0]!.engine.bidFor(w.now, t.id, 3000);
    const first = w.queue.splice(0); // held back (another path)
    w.now += 10;
    ws[0]!.engine.bidFor(w.now, t.id, 2000);
    w.pump();
    w.queue.push(...first);
    w.pump();
    expect(req.engine.get(t.id)!.bids.map((b) => b.price)).toEqual([2000]);
    // A revision the requester gets only after its deadline: it awards the earlier price, which the worker accepts.
    const { w: w2, req: r2, ws: ws2 } = setup(1, { deliver: () => artefact });
    const t2 = r2.engine.post(w2.now, { ...SPEC, mechanism: testMechanism() });
    w2.pump();
    ws2[0]!.engine.bidFor(w2.now, t2.id, 3000);
    w2.pump();
    w2.now = t2.bidDeadline - 1;
    const late: Array<(typeof w2.queue)[number]> = [];
    w2.filter = (m) => (typeOf(m.bytes) === 'bid' && w2.now <= t2.bidDeadline ? (late.push(m), false) : true);
    ws2[0]!.engine.bidFor(w2.now, t2.id, 1500); // this bid and its re-sends reach the requester only after the deadline
    w2.advance(t2.bidDeadline);
    w2.now += 1;
    w2.queue.push(...late);
    w2.pump();
    expect(w2.rejects(r2)).toContain('late_bid');
    w2.advance(t2.settleBy);
    expect(r2.engine.get(t2.id)).toMatchObject({ state: 'settled', price: 3000 });
    expect(stateOf(ws2[0]!, t2.id)).toBe('settled');
  });

  it('calls the task state does not allow throw TaskConflictError (the API answers 409); bad arguments stay RangeError', () => {
    const { w, req, ws } = setup(1, {}, {});
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    expect(() => req.engine.bidFor(w.now, t.id, 1000)).toThrow(TaskConflictError); // our own task
    expect(() => ws[0]!.engine.deliver(w.now, t.id, artefact)).toThrow(TaskConflictError); // not awarded
    expect(() => req.engine.rateFor(w.now, t.id, 500)).toThrow(TaskConflictError); // nothing delivered
    expect(() => ws[0]!.engine.bidFor(w.now, t.id, 10 ** 9)).toThrow(RangeError); // above the budget
    expect(() => ws[0]!.engine.bidFor(w.now, t.id, 10 ** 9)).not.toThrow(TaskConflictError);
    expect(() => ws[0]!.engine.bidFor(t.bidDeadline + 1, t.id, 1000)).toThrow(/bid window has closed/);
    expect(() => req.engine.post(w.now, { ...SPEC, budget: 10 ** 9, mechanism: testMechanism() })).toThrow(
      TaskConflictError,
    ); // above our balance
  });
});

describe('task protocol failures (typed rejections)', () => {
  it('a bid after the deadline is late_bid', () => {
    const { w, req, ws } = setup(1, {});
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    w.now = t.bidDeadline - 1;
    ws[0]!.engine.bidFor(w.now, t.id, 1000);
    w.now = t.bidDeadline + 1; // the bid arrives after the deadline
    w.pump();
    expect(w.rejects(req)).toContain('late_bid');
    w.advance(t.bidDeadline + 10);
    expect(stateOf(req, t.id)).toBe('expired');
    expect(req.ledger.balance(agentAccount(req.hex))).toBe(100_000);
  });

  it('the requester cancels an open task: budget back, later bids late, the worker ends lost; an awarded task cannot be canceled', () => {
    const { w, req, ws } = setup(1);
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump(); // invited, and the worker bid
    expect(req.ledger.balance(agentAccount(req.hex))).toBe(100_000 - t.budget);
    expect(req.engine.cancel(w.now, t.id).state).toBe('canceled');
    expect(req.ledger.balance(agentAccount(req.hex))).toBe(100_000);
    expect(req.ledger.balance(escrowAccount(t.id))).toBe(0);
    ws[0]!.engine.bidFor(w.now, t.id, 1000); // a revision after the cancel
    w.pump();
    expect(w.rejects(req)).toContain('late_bid');
    w.advance(t.deliverBy + 10);
    expect(stateOf(req, t.id)).toBe('canceled');
    expect(stateOf(ws[0]!, t.id)).toBe('lost');
    expect(() => req.engine.cancel(w.now, t.id)).toThrow(TaskConflictError);

    const t2 = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    w.advance(t2.bidDeadline);
    expect(stateOf(req, t2.id)).not.toBe('open');
    expect(() => req.engine.cancel(w.now, t2.id)).toThrow(/not an open task of ours/);
    expect(() => ws[0]!.engine.cancel(w.now, t2.id)).toThrow(TaskConflictError); // the worker's record
  });

  it('a bidder below the required tier is wrong_tier', () => {
    const { w, req } = setup(1);
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism(), requiredTier: 3 }); // T3 needs attestation
    w.pump();
    expect(w.rejects(req)).toEqual(['wrong_tier']);
    w.advance(t.bidDeadline);
    expect(stateOf(req, t.id)).toBe('expired');
  });

  it('a bid above the budget is over_budget', () => {
    const { w, req, ws } = setup(1, { bid: () => 10_000 });
    const t = req.engine.post(w.now, { ...SPEC, budget: 5000, mechanism: testMechanism() });
    w.pump();
    expect(ws[0]!.engine.get(t.id)!.myBid).toBe(5000); // the policy's price is capped at the budget
    expect(w.rejects(req)).toEqual([]);
    const m: TaskMsg = {
      type: 'bid',
      task: fromHex(t.id),
      signer: ws[0]!.id.agentKey,
      ts: w.now,
      price: 6000,
      binding: ws[0]!.id.binding,
    };
    req.engine.handleMessage(w.now, encodeTaskMsg(m, crypto.signer.sign(ws[0]!.id.agentSecret, taskMsgToBeSigned(m))));
    w.drain();
    expect(w.rejects(req)).toEqual(['over_budget']);
  });

  it('bad signatures: a tampered bid, an award signed by another key, a forged receipt half', () => {
    const { w, req, ws } = setup(1, {}, {});
    const worker = ws[0]!;
    const mallory = identity('mallory');
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    worker.engine.bidFor(w.now, t.id, 1000);
    // flip a bit in the price: the signature no longer covers it
    const bid = w.queue.shift()!;
    const d = decodeTaskMsg(bid.bytes, DEFAULT_LIMITS);
    const tampered = encodeTaskMsg({ ...(d.msg as TaskMsg & { type: 'bid' }), price: 1 }, d.signature);
    req.engine.handleMessage(w.now, tampered);
    w.drain();
    expect(w.rejects(req)).toEqual(['bad_signature']);
    // a bid signed by a key that is not the one its binding binds
    const m: TaskMsg = {
      type: 'bid',
      task: fromHex(t.id),
      signer: mallory.agentKey,
      ts: w.now,
      price: 1,
      binding: worker.id.binding,
    };
    req.engine.handleMessage(w.now, encodeTaskMsg(m, crypto.signer.sign(mallory.agentSecret, taskMsgToBeSigned(m))));
    w.drain();
    expect(w.rejects(req)).toEqual(['bad_signature', 'binding_invalid']);
    req.engine.handleMessage(w.now, bid.bytes);
    w.advance(t.bidDeadline);
    expect(stateOf(worker, t.id)).toBe('awarded');
    // an award for the same task signed by mallory, claiming to be the requester
    const fake: TaskMsg = {
      type: 'award',
      task: fromHex(t.id),
      signer: req.id.agentKey,
      ts: w.now,
      worker: worker.id.agentKey,
      price: 1000,
    };
    worker.engine.handleMessage(
      w.now,
      encodeTaskMsg(fake, crypto.signer.sign(mallory.agentSecret, taskMsgToBeSigned(fake))),
    );
    w.drain();
    expect(w.rejects(worker)).toEqual(['bad_signature']);
    worker.engine.deliver(w.now, t.id, artefact);
    w.pump();
    // the rate message carries a receipt signature by the wrong key
    req.engine.rateFor(w.now, t.id, 900);
    const rate = w.queue.shift()!;
    const rd = decodeTaskMsg(rate.bytes, DEFAULT_LIMITS).msg as TaskMsg & { type: 'rate' };
    const bad: TaskMsg = { ...rd, sig: crypto.signer.sign(mallory.agentSecret, new Uint8Array(8)) };
    worker.engine.handleMessage(
      w.now,
      encodeTaskMsg(bad, crypto.signer.sign(req.id.agentSecret, taskMsgToBeSigned(bad))),
    );
    w.drain();
    expect(w.rejects(worker)).toEqual(['bad_signature', 'bad_signature']);
    expect(stateOf(worker, t.id)).toBe('delivering');
    worker.engine.handleMessage(w.now, rate.bytes);
    w.pump();
    expect(stateOf(req, t.id)).toBe('settled');
  });

  it('a second, different award signed by the requester is double_award, kept as evidence', () => {
    const { w, req, ws } = setup(1, { bid: () => 1000 });
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    w.advance(t.bidDeadline);
    const worker = ws[0]!;
    expect(stateOf(worker, t.id)).toBe('awarded');
    const second: TaskMsg = {
      type: 'award',
      task: fromHex(t.id),
      signer: req.id.agentKey,
      ts: w.now + 1,
      worker: worker.id.agentKey,
      price: 1000,
    };
    worker.engine.handleMessage(
      w.now,
      encodeTaskMsg(second, crypto.signer.sign(req.id.agentSecret, taskMsgToBeSigned(second))),
    );
    w.drain();
    expect(w.rejects(worker)).toEqual(['double_award']);
    expect(worker.engine.get(t.id)!.evidence).toBe(1);
    expect(stateOf(worker, t.id)).toBe('awarded');
  });

  it('withheld delivery: at deliverBy the deposit is slashed per mechanism on both sides', () => {
    const { w, req, ws } = setup(1, { bid: () => 1000 }); // bids, never delivers
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.advance(t.deliverBy);
    const worker = ws[0]!;
    for (const p of [req, worker]) {
      expect(stateOf(p, t.id)).toBe('defaulted');
      expect(p.ledger.balance(BURN)).toBe(1000); // 50% of a 2000 deposit
      expect(p.ledger.balance(agentAccount(worker.hex))).toBe(100_000 - 1000);
      expect(p.ledger.balance(agentAccount(req.hex))).toBe(100_000);
      expect(p.ledger.balance(escrowAccount(t.id))).toBe(0);
      expect(p.ledger.totals()).toEqual({ issued: 200_000, burned: 1000, circulating: 199_000, sum: 0 });
    }
  });

  it('a delivered hash whose artefact never comes defaults at settleBy; a wrong artefact is bad_delivery', () => {
    const { w, req, ws } = setup(1);
    w.filter = (m) => typeOf(m.bytes) !== 'artefact';
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    w.advance(t.bidDeadline);
    expect(stateOf(req, t.id)).toBe('fetching');
    const worker = ws[0]!;
    const bad: TaskMsg = {
      type: 'artefact',
      task: fromHex(t.id),
      signer: worker.id.agentKey,
      ts: w.now,
      artefact: utf8('43'),
    };
    req.engine.handleMessage(
      w.now,
      encodeTaskMsg(bad, crypto.signer.sign(worker.id.agentSecret, taskMsgToBeSigned(bad))),
    );
    w.drain();
    expect(w.rejects(req)).toEqual(['bad_delivery']);
    w.advance(t.settleBy);
    expect(stateOf(req, t.id)).toBe('defaulted');
    expect(stateOf(worker, t.id)).toBe('unrated');
  });

  it('no co-signature by settleBy: nothing paid, budget and deposit go back', () => {
    const { w, req, ws } = setup(1);
    w.filter = (m) => typeOf(m.bytes) !== 'rate';
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.advance(t.settleBy);
    expect(stateOf(req, t.id)).toBe('unsigned');
    expect(stateOf(ws[0]!, t.id)).toBe('unrated');
    for (const p of [req, ws[0]!])
      for (const who of [req, ws[0]!]) expect(p.ledger.balance(agentAccount(who.hex))).toBe(100_000);
  });

  it('messages for unknown tasks, from non-parties, out of order and malformed are typed rejections', () => {
    const { w, req, ws } = setup(1, {});
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    const worker = ws[0]!;
    const sign = (m: TaskMsg, who = worker) =>
      encodeTaskMsg(m, crypto.signer.sign(who.id.agentSecret, taskMsgToBeSigned(m)));
    req.engine.handleMessage(
      w.now,
      sign({
        type: 'delivery',
        task: crypto.sha256(utf8('x')),
        signer: worker.id.agentKey,
        ts: w.now,
        hash: crypto.sha256(artefact),
        length: 2,
      }),
    );
    req.engine.handleMessage(
      w.now,
      sign({
        type: 'delivery',
        task: fromHex(t.id),
        signer: worker.id.agentKey,
        ts: w.now,
        hash: crypto.sha256(artefact),
        length: 2,
      }),
    );
    req.engine.handleMessage(w.now, new Uint8Array([1, 2, 3]));
    w.drain();
    expect(w.rejects(req)).toEqual(['unknown_task', 'unexpected', 'malformed']);
    expect(() => worker.engine.deliver(w.now, t.id, artefact)).toThrow(TaskConflictError); // not awarded: misuse throws
    expect(() => req.engine.post(w.now, { ...SPEC, budget: 10 ** 6, mechanism: testMechanism() })).toThrow(/balance/);
  });

  it('an invitation whose announce was tampered with is refused', () => {
    const { w, req, ws } = setup(1, {});
    req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    const inv = w.queue.shift()!;
    const m = decodeTaskMsg(inv.bytes, DEFAULT_LIMITS).msg as TaskMsg & { type: 'invite' };
    const body = m.body.slice();
    body[body.length - 1] = body[body.length - 1]! ^ 1;
    const forged: TaskMsg = { ...m, body };
    ws[0]!.engine.handleMessage(
      w.now,
      encodeTaskMsg(forged, crypto.signer.sign(req.id.agentSecret, taskMsgToBeSigned(forged))),
    );
    w.drain();
    expect(w.rejects(ws[0]!)).toEqual(['malformed']);
    expect(ws[0]!.engine.list()).toEqual([]);
  });
});

describe('restart mid-task', () => {
  // k = how many messages were handled before both processes restart (losing what was in flight).
  it.each(Array.from({ length: 10 }, (_, k) => k))(
    'both parties resume from their stores after %i messages and the task settles',
    (k) => {
      const { w, req, ws } = setup(1);
      const worker = ws[0]!;
      const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
      w.pump(Math.min(k, 2)); // invite, bid
      if (k > 2) {
        w.now = t.bidDeadline; // the award is made; then the next k-2 messages (award, delivery, fetch, ...)
        for (const p of [req, worker]) p.engine.handleTimeout(w.now);
        w.pump(k - 2);
      }
      const before = [stateOf(req, t.id), stateOf(worker, t.id)];
      w.queue.length = 0;
      for (const p of [req, worker]) w.restart(p);
      expect([stateOf(req, t.id), stateOf(worker, t.id)]).toEqual(before);
      w.advance(t.settleBy);
      expect(stateOf(req, t.id)).toBe('settled');
      expect(stateOf(worker, t.id)).toBe('settled');
      for (const p of [req, worker]) {
        expect(p.ledger.totals().sum).toBe(0);
        expect(p.ledger.balance(agentAccount(worker.hex))).toBe(100_000 + 2400); // 3000 at outcome 800
      }
    },
  );
});

describe('a step whose store transaction fails', () => {
  it('leaves nothing behind once the engine reloads from its store, and the step succeeds later', () => {
    const { w, req, ws } = setup(1);
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    // the deposit posting at the award fails (a full disk, say): the runtime rolls back and reloads
    const real = req.ledger;
    let fail = true;
    req.ledger = Object.assign(Object.create(real), {
      post: (p: Parameters<typeof real.post>[0]) => {
        if (fail && p.rule === 'escrow' && p.from === agentAccount(ws[0]!.hex)) throw new Error('SQLITE_FULL');
        real.post(p);
      },
    });
    req.engine = w.engineFor(req);
    w.now = t.bidDeadline;
    expect(() => req.engine.handleTimeout(w.now)).toThrow('SQLITE_FULL');
    req.engine.reload();
    expect(req.engine.get(t.id)).toMatchObject({ state: 'open' });
    expect(req.engine.get(t.id)!.worker).toBeUndefined();
    expect(w.queue).toHaveLength(0); // no award left
    fail = false;
    w.advance(t.settleBy);
    expect(stateOf(req, t.id)).toBe('settled');
    expect(stateOf(ws[0]!, t.id)).toBe('settled');
  });
});

describe('ended tasks', () => {
  it('only the most recent keepEnded are kept; the ledger keeps every posting', () => {
    const w = new TaskWorld();
    w.keepEnded = 2;
    const req = w.add('req', {});
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(req.engine.post(w.now, { ...SPEC, text: `task ${i}`, mechanism: testMechanism() }).id);
      w.now += 10;
    }
    w.advance(w.now + SPEC.bidWindowMs + 100); // no bidders: all four expire
    expect(req.engine.list().map((t) => t.id)).toEqual(ids.slice(2));
    expect(
      req.store
        .tasks()
        .map((t) => t.id)
        .sort(),
    ).toEqual(ids.slice(2).sort());
    expect(new Set(req.ledger.postings().map((p) => p.task)).size).toBe(4);
    expect(req.ledger.totals()).toMatchObject({ sum: 0, circulating: 100_000 });
  });
});
