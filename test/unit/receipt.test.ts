import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { CONTENT_TYPES, encodeSign } from '../../src/core/codec/cose.js';
import {
  decodeReceipt,
  encodeReceipt,
  receiptBody,
  receiptPayload,
  receiptToBeSigned,
  signedReceiptFromBody,
  type Receipt,
} from '../../src/core/codec/receipt.js';
import { DecodeError } from '../../src/core/base/errors.js';
import { checkReceipt } from '../../src/core/identity/receipt.js';
import { IdentityTiers } from '../../src/core/identity/tiers.js';
import { crypto, identity, T0 } from '../helpers.js';

const alice = identity('alice');
const bob = identity('bob');
const mallory = identity('mallory');
const r: Receipt = {
  taskId: crypto.sha256(new Uint8Array([1])),
  topic: 'data_analysis',
  requester: alice.agentKey,
  worker: bob.agentKey,
  outcome: 750,
  ts: T0 + 10,
};

function cosign(x: Receipt, req = alice.agentSecret, wk = bob.agentSecret): Uint8Array {
  return encodeReceipt(
    x,
    crypto.signer.sign(req, receiptToBeSigned(x, x.requester)),
    crypto.signer.sign(wk, receiptToBeSigned(x, x.worker)),
  );
}

function verifier(): IdentityTiers {
  const v = new IdentityTiers(crypto, DEFAULT_LIMITS, 16);
  for (const id of [alice, bob, mallory]) expect(v.acceptBinding(id.binding, T0).ok).toBe(true);
  return v;
}

describe('co-signed receipt (COSE_Sign by requester and worker)', () => {
  it("round-trips and both signatures verify at T1 against the signers' bindings", () => {
    const sr = decodeReceipt(cosign(r));
    expect(sr.receipt).toEqual(r);
    expect(checkReceipt(verifier(), sr)).toEqual({ ok: true });
  });

  it('a receipt signed by someone other than the named worker is rejected as bad_signature', () => {
    const forged = decodeReceipt(cosign(r, alice.agentSecret, mallory.agentSecret));
    expect(checkReceipt(verifier(), forged)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('a receipt by an agent with no verified binding is unknown_author', () => {
    const v = new IdentityTiers(crypto, DEFAULT_LIMITS, 16);
    v.acceptBinding(alice.binding, T0);
    expect(checkReceipt(v, decodeReceipt(cosign(r)))).toMatchObject({ ok: false, reason: 'unknown_author' });
  });

  it('a one-sided receipt (one signature) or swapped signer order does not decode', () => {
    const one = encodeSign(CONTENT_TYPES.receipt, receiptPayload(r), [
      { kid: r.requester, signature: crypto.signer.sign(alice.agentSecret, receiptToBeSigned(r, r.requester)) },
    ]);
    expect(() => decodeReceipt(one)).toThrow(DecodeError);
    const swapped = encodeSign(CONTENT_TYPES.receipt, receiptPayload(r), [
      { kid: r.worker, signature: new Uint8Array(64) },
      { kid: r.requester, signature: new Uint8Array(64) },
    ]);
    expect(() => decodeReceipt(swapped)).toThrow(/signer kids/);
  });

  it('misuse throws and names the field; a self-receipt never decodes', () => {
    expect(() => cosign({ ...r, outcome: 1001 })).toThrow(RangeError);
    expect(() => cosign({ ...r, worker: r.requester })).toThrow(/differ/);
    const self = encodeSign(CONTENT_TYPES.receipt, receiptPayload({ ...r, worker: r.requester }), [
      { kid: r.requester, signature: new Uint8Array(64) },
      { kid: r.requester, signature: new Uint8Array(64) },
    ]);
    expect(() => decodeReceipt(self)).toThrow(DecodeError);
  });

  it('travels in a state body and comes back byte-identical; other bodies are typed errors', () => {
    const bytes = cosign({ ...r, deliveryHash: crypto.sha256(new Uint8Array([2])), amount: 12 });
    const body = receiptBody(bytes, r.topic);
    expect(signedReceiptFromBody(body)).toEqual(bytes);
    expect(() =>
      signedReceiptFromBody({ kind: 'state', tags: [], text: '', constraints: 'agentnet/receipt/1:zz' }),
    ).toThrow(DecodeError);
    expect(() => signedReceiptFromBody({ kind: 'capability', tags: [], text: '' })).toThrow(DecodeError);
    expect(DEFAULT_LIMITS.bodyBytes).toBeGreaterThan(body.constraints!.length);
  });
});
