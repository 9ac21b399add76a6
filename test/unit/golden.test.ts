import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { decodeBody } from '../../src/core/codec/body.js';
import { decodeEntry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeContinuation, decodeForkProof } from '../../src/core/codec/fork-proof.js';
import { decodeBirth, decodeDirect, decodeFrontier } from '../../src/core/codec/messages.js';
import { decodeReceipt } from '../../src/core/codec/receipt.js';
import { decodeTaskMsg, decodeTerms } from '../../src/core/codec/task.js';
import { checkDisputeProof } from '../../src/core/identity/dispute.js';
import { decodeComplaint } from '../../src/core/task/complaint.js';
import { checkForkProof } from '../../src/core/identity/fraud.js';
import { generateGolden } from '../fixtures/generate.js';
import { crypto, hex, unhex } from '../helpers.js';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/golden.json'), 'utf8')) as Record<
  string,
  string
>;

describe('golden wire fixtures (field numbers and signed bytes are frozen)', () => {
  const now = generateGolden();
  for (const k of Object.keys(golden)) {
    it(`${k} is byte-identical to test/fixtures/golden.json`, () => expect(now[k]).toBe(golden[k]));
  }

  it('the frozen objects decode and their signatures verify', () => {
    const e = decodeEntry(unhex(golden['entry1']!), DEFAULT_LIMITS);
    expect(hex(e.entry.author)).toBe(golden['agentKey']);
    expect(hex(crypto.sha256(unhex(golden['entry1']!)))).toBe(golden['entry1Id']);
    expect(hex(e.toBeSigned)).toBe(golden['entry1ToBeSigned']);
    expect(crypto.verifier.verify(e.entry.author, e.toBeSigned, e.signature)).toBe(true);
    expect(decodeBody(unhex(golden['body']!), DEFAULT_LIMITS).tags).toEqual([
      'code.review.security',
      'code.review.style',
    ]);
    expect(decodeEntry(unhex(golden['entry2']!), DEFAULT_LIMITS).entry.prev).toEqual(unhex(golden['entry1Id']!));
    // A v2 entry carries the declaration key (field 13); v1 entries (entry1, entry2) have none.
    const k = decodeEntry(unhex(golden['entryKeyed']!), DEFAULT_LIMITS);
    expect(k.entry).toMatchObject({ seq: 3, kind: 'capability', key: 'code.review.security' });
    expect(crypto.verifier.verify(k.entry.author, k.toBeSigned, k.signature)).toBe(true);
    expect(decodeEntry(unhex(golden['entry1']!), DEFAULT_LIMITS).entry.key).toBeUndefined();
    const b = decodeBinding(unhex(golden['binding']!), DEFAULT_LIMITS);
    for (const s of b.signers) expect(crypto.verifier.verify(s.kid, s.toBeSigned, s.signature)).toBe(true);
    expect(decodeBirth(unhex(golden['birth']!), DEFAULT_LIMITS).birth.alive).toBe(true);
    expect(decodeFrontier(unhex(golden['frontier']!), DEFAULT_LIMITS).frontier.seq).toBe(2);
    expect(decodeDirect(unhex(golden['getEntries']!), DEFAULT_LIMITS).type).toBe('getEntries');
    const r = decodeReceipt(unhex(golden['receipt']!));
    expect(r.receipt.outcome).toBe(900);
    for (const s of r.signers) expect(crypto.verifier.verify(s.kid, s.toBeSigned, s.signature)).toBe(true);
    // task protocol: the announce body's terms, a bid and an award (COSE_Sign1 agentnet/task/1)
    expect(decodeTerms(decodeBody(unhex(golden['taskBody']!), DEFAULT_LIMITS))).toMatchObject({
      deliverBy: expect.any(Number),
      settleBy: expect.any(Number),
    });
    for (const k of ['taskBid', 'taskAward']) {
      const t = decodeTaskMsg(unhex(golden[k]!), DEFAULT_LIMITS);
      expect(crypto.verifier.verify(t.msg.signer, t.toBeSigned, t.signature)).toBe(true);
    }
    expect(decodeDirect(unhex(golden['directTask']!), DEFAULT_LIMITS)).toMatchObject({
      type: 'task',
      msg: new Uint8Array([0xd2]),
    });
    const [a, b2] = decodeForkProof(unhex(golden['forkProof']!), DEFAULT_LIMITS);
    expect(checkForkProof(crypto, DEFAULT_LIMITS, a, b2)).toMatchObject({
      ok: true,
      proof: { author: golden['agentKey'], seq: 1, epoch: 0 },
    });
    // a double award (identity/dispute.ts): verifies with alice's key alone
    expect(checkDisputeProof(crypto, DEFAULT_LIMITS, unhex(golden['disputeProof']!))).toMatchObject({
      ok: true,
      proof: { kind: 'double-award', author: golden['agentKey'], topic: 'code_review_security' },
    });
    // a complaint (COSE_Sign1 agentnet/complaint/1 by alice, carrying bob's signed delivery)
    const cp = decodeComplaint(unhex(golden['complaint']!));
    expect(cp.complaint.outcome).toBe(300);
    expect(crypto.verifier.verify(cp.complaint.requester, cp.toBeSigned, cp.signature)).toBe(true);
    const c = decodeContinuation(unhex(golden['continuation']!));
    expect(c.continuation.epoch).toBe(1);
    expect(crypto.verifier.verify(b.binding.operatorKey, c.toBeSigned, c.signature)).toBe(true);
    const b1 = decodeBirth(unhex(golden['birthEpoch1']!), DEFAULT_LIMITS).birth;
    expect(b1.epoch).toBe(1);
    expect(hex(b1.continuation!)).toBe(golden['continuation']);
    // A birth without a continuation encodes as before field 6 existed (the v1 bytes are unchanged).
    expect(decodeBirth(unhex(golden['birth']!), DEFAULT_LIMITS).birth.continuation).toBeUndefined();
    // A death names the binding it retires by hash (field 7) and carries no binding (field 4).
    const d = decodeBirth(unhex(golden['death']!), DEFAULT_LIMITS);
    expect(d.birth).toMatchObject({ alive: false, bindingHash: crypto.sha256(unhex(golden['binding']!)) });
    expect('binding' in d.birth).toBe(false);
    expect(crypto.verifier.verify(d.birth.author, d.toBeSigned, d.signature)).toBe(true);
    expect(golden['death']!.length / 2).toBeLessThan(200);
  });

  // docs/architecture.md §3 targets a typical entry <= 256 B. A first entry (no prev) meets it; with the 32-byte
  // prev hash an entry is 289 B (docs/wire-format.md explains where the bytes go and what would cut them).
  it('entry sizes stay within the measured budget', () => {
    expect(golden['entry1']!.length / 2).toBeLessThanOrEqual(256);
    expect(golden['entry2']!.length / 2).toBeLessThanOrEqual(290);
  });
});
