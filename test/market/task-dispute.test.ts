// Disputes of the task protocol (src/core/identity/dispute.ts): a requester's double award (two awards
// for one task naming different workers) is a proof any third party checks with public keys alone; the
// worker voids the task (everything refunded), publishes the proof, and trust slashes the requester.
// Forged or malformed proofs are typed rejections (bad_dispute_proof), never slashing.

import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/base/bytes.js';
import { encodeCbor } from '../../src/core/codec/cbor.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { AgentCore } from '../../src/core/agent.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { DecodeError } from '../../src/core/base/errors.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { encodeTaskMsg, taskMsgToBeSigned, type TaskMsg } from '../../src/core/codec/task.js';
import {
  checkDisputeProof,
  decodeDisputeProof,
  disputeKey,
  encodeDisputeProof,
} from '../../src/core/identity/dispute.js';
import { agentAccount, escrowAccount } from '../../src/core/task/ledger.js';
import { NodeTrust } from '../../src/core/trust/node-trust.js';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import { crypto, DAY, identity, T0, type TestIdentity } from '../helpers.js';
import { SPEC, TaskWorld, testMechanism, type Party } from './task-world.js';

const TOPIC = 'data_analysis';
const alice = identity('alice');
const bob = identity('bob');
const carol = identity('carol');

function announce(id: TestIdentity, over: Partial<Entry> = {}): Uint8Array {
  const e: Entry = {
    author: id.agentKey,
    topic: TOPIC,
    epoch: 0,
    seq: 1,
    kind: 'intent',
    ts: T0,
    expires: T0 + DAY,
    bodyHash: new Uint8Array(32),
    bodyLen: 3,
    sketch: new Uint8Array(32),
    tier: 2,
    ...over,
  };
  return encodeEntry(e, crypto.signer.sign(id.agentSecret, entryToBeSigned(e)));
}
function award(by: TestIdentity, task: Uint8Array, worker: Uint8Array, over: Partial<TaskMsg> = {}): Uint8Array {
  const m = { type: 'award', task, signer: by.agentKey, ts: T0 + 3000, worker, price: 1000, ...over } as TaskMsg;
  return encodeTaskMsg(m, crypto.signer.sign(by.agentSecret, taskMsgToBeSigned(m)));
}
/** A valid double award by alice: bob and carol both awarded her task. */
function doubleAward() {
  const entry = announce(alice);
  const task = crypto.sha256(entry);
  return { entry, task, a: award(alice, task, bob.agentKey), b: award(alice, task, carol.agentKey) };
}

describe('dispute-proof codec', () => {
  it('one encoding per proof whatever the order of the awards; decoding checks order, version and size', () => {
    const { entry, a, b } = doubleAward();
    const p = encodeDisputeProof(entry, a, b);
    expect(encodeDisputeProof(entry, b, a)).toEqual(p);
    const d = decodeDisputeProof(p, DEFAULT_LIMITS);
    expect(d.announce).toEqual(entry);
    expect(new Set(d.awards.map(toHex))).toEqual(new Set([toHex(a), toHex(b)]));
    const [lo, hi] = d.awards;
    const m = (v: number, x: Uint8Array, y: Uint8Array) =>
      encodeCbor(
        new Map<number, Uint8Array | number>([
          [0, v],
          [1, entry],
          [2, x],
          [3, y],
        ]),
      );
    expect(() => decodeDisputeProof(m(1, hi, lo), DEFAULT_LIMITS)).toThrow(/NON_CANONICAL/);
    expect(() => decodeDisputeProof(m(1, lo, lo), DEFAULT_LIMITS)).toThrow(/NON_CANONICAL/);
    expect(() => decodeDisputeProof(m(2, lo, hi), DEFAULT_LIMITS)).toThrow(/BAD_VERSION/);
    expect(() => decodeDisputeProof(new Uint8Array(DEFAULT_LIMITS.headerBytes + 2 * 256 + 33), DEFAULT_LIMITS)).toThrow(
      DecodeError,
    );
    expect(p.length).toBeLessThan(DEFAULT_LIMITS.headerBytes + 2 * 256);
  });
});

describe('dispute-proof verification (public keys only)', () => {
  it('a real double award verifies and names the requester, the topic, the task and both workers', () => {
    const { entry, task, a, b } = doubleAward();
    const r = checkDisputeProof(crypto, DEFAULT_LIMITS, encodeDisputeProof(entry, a, b));
    expect(r).toMatchObject({
      ok: true,
      proof: { kind: 'double-award', author: toHex(alice.agentKey), topic: TOPIC, task: toHex(task) },
    });
    if (r.ok) expect(new Set(r.proof.workers)).toEqual(new Set([toHex(bob.agentKey), toHex(carol.agentKey)]));
  });

  it('forgeries and non-proofs are refused with the reason', () => {
    const { entry, task, a } = doubleAward();
    const bad = (x: Uint8Array, y: Uint8Array, e = entry) => {
      const r = checkDisputeProof(crypto, DEFAULT_LIMITS, encodeDisputeProof(e, x, y));
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.detail;
    };
    // bob forges an award "by alice" with his own key: alice's key does not verify it
    const forged = encodeTaskMsg(
      { type: 'award', task, signer: alice.agentKey, ts: T0 + 3000, worker: carol.agentKey, price: 1000 },
      crypto.signer.sign(
        bob.agentSecret,
        taskMsgToBeSigned({
          type: 'award',
          task,
          signer: alice.agentKey,
          ts: T0 + 3000,
          worker: carol.agentKey,
          price: 1000,
        }),
      ),
    );
    expect(bad(a, forged)).toMatch(/not signed by the requester/);
    expect(bad(a, award(alice, task, bob.agentKey, { price: 900 }))).toMatch(/same worker/);
    expect(bad(a, award(alice, crypto.sha256(announce(alice, { seq: 2 })), carol.agentKey))).toMatch(/different tasks/);
    expect(bad(a, award(bob, task, carol.agentKey))).toMatch(/different signers/);
    // a task announced by someone else, or an announce that is not this task's entry
    const bobTask = announce(bob);
    expect(
      bad(
        award(alice, crypto.sha256(bobTask), bob.agentKey),
        award(alice, crypto.sha256(bobTask), carol.agentKey),
        bobTask,
      ),
    ).toMatch(/another agent/);
    expect(bad(a, award(alice, task, carol.agentKey), announce(alice, { ts: T0 + 1 }))).toMatch(/not the awarded task/);
    const cap = announce(alice, { kind: 'capability' });
    expect(
      bad(award(alice, crypto.sha256(cap), bob.agentKey), award(alice, crypto.sha256(cap), carol.agentKey), cap),
    ).toMatch(/not an intent/);
    // a tampered announce signature
    const t = announce(alice).slice();
    t[t.length - 1]! ^= 1;
    expect(
      bad(award(alice, crypto.sha256(t), bob.agentKey), award(alice, crypto.sha256(t), carol.agentKey), t),
    ).toMatch(/announce is not signed/);
    expect(checkDisputeProof(crypto, DEFAULT_LIMITS, new Uint8Array([0xa0]))).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/malformed/),
    });
  });

  it("the verifier queues a proof once per (requester, task) and refuses one sent under another author's key", () => {
    const { entry, a, b } = doubleAward();
    const p = encodeDisputeProof(entry, a, b);
    const v = new IdentityTiers(crypto, DEFAULT_LIMITS);
    expect(v.intakeDisputeProof(p, toHex(bob.agentKey))).toMatchObject({ ok: false, reason: 'bad_dispute_proof' });
    expect(v.pollFraud()).toBeUndefined();
    expect(v.intakeDisputeProof(p, toHex(alice.agentKey))).toMatchObject({ ok: true, fresh: true });
    expect(v.intakeDisputeProof(p)).toMatchObject({ ok: true, fresh: false });
    expect(v.pollFraud()).toMatchObject({ kind: 'double-award', author: toHex(alice.agentKey), topic: TOPIC });
    expect(v.pollFraud()).toBeUndefined();
    expect(v.isQuarantined(toHex(alice.agentKey))).toBe(false); // slashed in trust; the logs are intact
  });
});

describe('a core on the fraud channel', () => {
  it('a forged proof is rejected as bad_dispute_proof; a valid one is a `dispute` event and slashes in trust', () => {
    const dave = identity('dave');
    const core = new AgentCore({
      crypto,
      store: new MemoryStore(),
      agentSecret: dave.agentSecret,
      binding: dave.binding,
    });
    core.start(T0);
    while (core.pollTransmit());
    const events = () => {
      const out = [];
      for (let e = core.pollEvent(); e; e = core.pollEvent()) out.push(e);
      return out;
    };
    events();
    const { entry, task, a, b } = doubleAward();
    const forged = encodeDisputeProof(entry, a, award(bob, task, carol.agentKey));
    core.handleMessage(T0, 'fraud', disputeKey(toHex(alice.agentKey)), forged);
    expect(events()).toEqual([
      expect.objectContaining({ type: 'rejected', reason: 'bad_dispute_proof', channel: 'fraud' }),
    ]);
    core.handleMessage(T0, 'fraud', disputeKey(toHex(alice.agentKey)), new Uint8Array([1, 2, 3]));
    expect(events()).toEqual([expect.objectContaining({ type: 'rejected', reason: 'bad_dispute_proof' })]);
    const trust = new NodeTrust({ verifier: core.verifier, recomputeMs: 1000 });
    expect(trust.pollFraudFrom(T0)).toBe(0);
    core.handleMessage(T0, 'fraud', disputeKey(toHex(alice.agentKey)), encodeDisputeProof(entry, a, b));
    expect(events()).toEqual([{ type: 'dispute', author: toHex(alice.agentKey), topic: TOPIC, task: toHex(task) }]);
    core.handleMessage(T0, 'fraud', disputeKey(toHex(alice.agentKey)), encodeDisputeProof(entry, b, a)); // again: once
    expect(events()).toEqual([]);
    expect(trust.pollFraudFrom(T0)).toBe(1);
    trust.setTopics([{ name: TOPIC, tags: [] }]);
    trust.recompute(T0, powerIterate);
    expect(trust.view(TOPIC).find((e) => e.agent === toHex(alice.agentKey))).toMatchObject({
      slashed: true,
      gate: 0,
      trust: 0,
    });
    expect(trust.status().fraudProofs).toBe(1);
  });
});

describe('the worker side of a double award', () => {
  const stateOf = (p: Party, id: string) => p.engine.get(id)?.state;
  function awarded() {
    const w = new TaskWorld();
    const req = w.add('req', {});
    const worker = w.add('w0', { bid: () => 1000 });
    const other = w.add('w1', {});
    w.candidates = [worker.hex];
    const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
    w.pump();
    w.advance(t.bidDeadline);
    expect(stateOf(worker, t.id)).toBe('awarded');
    return { w, req, worker, other, t };
  }
  const secondAward = (req: Party, task: string, to: Party, ts: number) => {
    const m: TaskMsg = {
      type: 'award',
      task: fromHex(task),
      signer: req.id.agentKey,
      ts,
      worker: to.id.agentKey,
      price: 1000,
    };
    return encodeTaskMsg(m, crypto.signer.sign(req.id.agentSecret, taskMsgToBeSigned(m)));
  };

  it('an award naming another worker: proof published, task disputed, deposit and budget refunded, credits conserved', () => {
    const { w, req, worker, other, t } = awarded();
    worker.engine.handleMessage(w.now, secondAward(req, t.id, other, w.now + 1));
    w.drain();
    expect(w.rejects(worker)).toEqual(['double_award']);
    expect(stateOf(worker, t.id)).toBe('disputed');
    expect(worker.engine.get(t.id)!.evidence).toBe(1);
    const proof = worker.published.get(`dispute:${req.hex}`)!;
    expect(checkDisputeProof(crypto, DEFAULT_LIMITS, proof)).toMatchObject({
      ok: true,
      proof: { author: req.hex, task: t.id, topic: SPEC.topic },
    });
    const l = worker.ledger;
    expect(l.balance(escrowAccount(t.id))).toBe(0);
    expect(l.balance(agentAccount(worker.hex))).toBe(100_000);
    expect(l.balance(agentAccount(req.hex))).toBe(100_000);
    expect(l.totals()).toEqual({ issued: 200_000, burned: 0, circulating: 200_000, sum: 0 });
    // the task is over here: timers do nothing, the worker never delivers
    w.advance(t.settleBy + 1);
    expect(stateOf(worker, t.id)).toBe('disputed');
  });

  it('a second award naming us again (other price) is evidence but no proof: the task goes on', () => {
    const { w, req, worker, t } = awarded();
    worker.engine.handleMessage(w.now, secondAward(req, t.id, worker, w.now + 1));
    w.drain();
    expect(w.rejects(worker)).toEqual(['double_award']);
    expect(stateOf(worker, t.id)).toBe('awarded');
    expect(worker.published.has(`dispute:${req.hex}`)).toBe(false);
  });
});
