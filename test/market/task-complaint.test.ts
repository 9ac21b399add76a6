// Complaints (src/core/task/complaint.ts): a task that ends without a co-signed receipt although the worker
// delivered (it withheld its co-signature or the artefact) leaves a requester-signed complaint in the task
// topic's log, carrying the worker's signed delivery. A third node's trust takes it as a rating — never as
// slashing — once per (task, requester, worker); forged or mismatched complaints are typed rejections.

import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../src/core/codec/body.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { CONTENT_TYPES } from '../../src/core/codec/cose.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { decodeTaskMsg } from '../../src/core/codec/task.js';
import {
  complaintBody,
  complaintFromBody,
  complaintToBeSigned,
  decodeComplaint,
  encodeComplaint,
  type Complaint,
} from '../../src/core/task/complaint.js';
import { NodeTrust } from '../../src/core/trust/node-trust.js';
import { powerIterate } from '../../src/core/trust/eigentrust.js';
import { crypto, identity } from '../helpers.js';
import { SPEC, TaskWorld, testMechanism, type Party } from './task-world.js';
import { utf8 } from '../../src/core/base/bytes.js';

const typeOf = (b: Uint8Array) => decodeTaskMsg(b, DEFAULT_LIMITS).msg.type;
const stateOf = (p: Party, id: string) => p.engine.get(id)?.state;

function run(drop: 'cosign' | 'artefact') {
  const w = new TaskWorld();
  const req = w.add('req', { rate: () => 300 });
  const worker = w.add('w0', { bid: () => 1000, deliver: () => utf8('42') });
  w.candidates = [worker.hex];
  w.filter = (m) => typeOf(m.bytes) !== drop;
  const t = req.engine.post(w.now, { ...SPEC, mechanism: testMechanism() });
  w.pump();
  w.advance(t.settleBy + 1);
  const head = req.logStore.head(req.id.agentKey, SPEC.topic)!;
  const e = req.logStore.range(req.id.agentKey, SPEC.topic, 0, head.seq, head.seq)[0]!;
  const body = decodeBody(req.logStore.getBody(e.bodyHash)!, DEFAULT_LIMITS);
  return { w, req, worker, t, body };
}
/** A third node's trust that knows both parties' bindings. */
function thirdTrust(...ps: Party[]) {
  const v = new IdentityTiers(crypto, DEFAULT_LIMITS);
  for (const p of ps) expect(v.acceptBinding(p.id.binding, p.engine.list()[0]!.createdAt).ok).toBe(true);
  return new NodeTrust({ verifier: v, recomputeMs: 1000 });
}

describe('complaints: a signed rating without a co-signed receipt', () => {
  it('a withheld co-signature: the requester publishes its rating as a complaint; a third node rates, does not slash', () => {
    const { w, req, worker, t, body } = run('cosign');
    expect(stateOf(req, t.id)).toBe('unsigned');
    expect(body.tags).toEqual(['receipt', 'receipt.complaint']);
    const d = decodeComplaint(complaintFromBody(body));
    expect(d.complaint).toMatchObject({ topic: SPEC.topic, outcome: 300 });
    expect(decodeTaskMsg(d.complaint.delivery, DEFAULT_LIMITS).msg).toMatchObject({
      type: 'delivery',
      signer: worker.id.agentKey,
    });
    const trust = thirdTrust(req, worker);
    trust.handleDeclared(w.now, { topic: SPEC.topic, body });
    trust.handleDeclared(w.now, { topic: SPEC.topic, body }); // once
    expect(trust.status()).toMatchObject({ complaints: 1, slashed: 0, fraudProofs: 0, receipts: { duplicates: 1 } });
    expect(trust.pollEvent()).toBeUndefined();
    trust.setTopics([{ name: SPEC.topic, tags: [] }]);
    trust.recompute(w.now, powerIterate);
    expect(
      trust
        .view(SPEC.topic)
        .map((e) => e.agent)
        .sort(),
    ).toEqual([req.hex, worker.hex].sort()); // the rating is in C
  });

  it('a withheld artefact: the complaint rates 0', () => {
    const { req, t, body } = run('artefact');
    expect(stateOf(req, t.id)).toBe('defaulted');
    expect(decodeComplaint(complaintFromBody(body)).complaint.outcome).toBe(0);
  });

  it('a forged complaint (signed by another key, or naming a worker that did not deliver) is rejected', () => {
    const { w, req, worker, body } = run('cosign');
    const d = decodeComplaint(complaintFromBody(body)).complaint;
    const mallory = identity('mallory');
    const trust = thirdTrust(req, worker);
    // signed by mallory in req's name
    const forged = encodeComplaint(d, crypto.signer.sign(mallory.agentSecret, complaintToBeSigned(d)));
    trust.handleDeclared(w.now, { topic: SPEC.topic, body: complaintBody(forged) });
    expect(trust.pollEvent()).toMatchObject({ type: 'rejected', reason: 'bad_signature' });
    // req complains about mallory with worker's delivery: not mallory's delivery
    const other: Complaint = { ...d, worker: mallory.agentKey };
    trust.handleDeclared(w.now, {
      topic: SPEC.topic,
      body: complaintBody(encodeComplaint(other, crypto.signer.sign(req.id.agentSecret, complaintToBeSigned(other)))),
    });
    expect(trust.pollEvent()).toMatchObject({ type: 'rejected', reason: 'malformed' });
    // in another topic's log
    trust.handleDeclared(w.now, { topic: 'other_topic', body });
    expect(trust.pollEvent()).toMatchObject({ type: 'rejected', reason: 'wrong_topic' });
    expect(trust.status()).toMatchObject({ complaints: 0, slashed: 0 });
    expect(CONTENT_TYPES.complaint).toBe('agentnet/complaint/1');
  });
});
