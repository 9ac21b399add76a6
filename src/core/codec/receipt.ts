// `receipt`: the co-signed record that a task was delivered (DESIGN §3, §7, §8), a COSE_Sign signed by
// the requester and by the worker (in that order), so neither can claim a task the other did not agree
// to: a one-sided receipt does not decode. Local trust in MG-EigenTrust is computed from receipts only.
//
//  0 v             uint   1
//  1 taskId        bstr32 id of the task's announce entry (SHA-256 of its COSE_Sign1 bytes)
//  2 topic         text   the task's topic (trust is per topic)
//  3 requester     bstr32 requester agent key
//  4 worker        bstr32 worker agent key (≠ requester)
//  5 outcome       uint   0..1000, the requester's rating of the delivery (1000 = fully satisfied)
//  6 ts            uint   ms since the Unix epoch, when the requester signed
//  7 deliveryHash  bstr32 optional: SHA-256 of the delivered artefact, so a bad delivery is provable
//  8 amount        uint   optional: credits settled to the worker under the task's mechanism
//
// Receipts travel in logs as `state` declarations whose body carries the signed bytes (receiptBody).

import { equalBytes, fromHex, toHex } from '../bytes.js';
import { decodeError } from '../errors.js';
import type { Body } from './body.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { CONTENT_TYPES, decodeSign, encodeSign, signToBeSigned, type CoseSigner } from './cose.js';
import { asMap, bytes, mapOf, onlyKeys, optBytes, optUint, text, uint } from './fields.js';
import { TOPIC_RE } from './limits.js';

export interface Receipt {
  readonly taskId: Uint8Array;
  readonly topic: string;
  readonly requester: Uint8Array;
  readonly worker: Uint8Array;
  readonly outcome: number;
  readonly ts: number;
  readonly deliveryHash?: Uint8Array;
  readonly amount?: number;
}

export interface SignedReceipt {
  readonly receipt: Receipt;
  readonly bytes: Uint8Array;
  /** [requester, worker] signatures with the bytes each must cover. */
  readonly signers: ReadonlyArray<CoseSigner & { readonly toBeSigned: Uint8Array }>;
}

const CT = CONTENT_TYPES.receipt;
const FIELDS = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** Two signatures, 32-byte keys and ids, a topic: well under 512 bytes. */
export const MAX_RECEIPT_BYTES = 512;
/** Prefix of Body.constraints that carries a co-signed receipt as hex. */
export const RECEIPT_PREFIX = 'agentnet/receipt/1:';

export function receiptPayload(r: Receipt): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, r.taskId],
      [2, r.topic],
      [3, r.requester],
      [4, r.worker],
      [5, r.outcome],
      [6, r.ts],
      [7, r.deliveryHash],
      [8, r.amount],
    ]),
  );
}

/** What the requester and the worker each sign (STYLE 4). */
export function receiptToBeSigned(r: Receipt, signerKey: Uint8Array): Uint8Array {
  return signToBeSigned(CT, signerKey, receiptPayload(r));
}

export function encodeReceipt(r: Receipt, requesterSig: Uint8Array, workerSig: Uint8Array): Uint8Array {
  checkReceipt(r);
  return encodeSign(CT, receiptPayload(r), [
    { kid: r.requester, signature: requesterSig },
    { kid: r.worker, signature: workerSig },
  ]);
}

function checkReceipt(r: Receipt): void {
  if (!Number.isSafeInteger(r.outcome) || r.outcome < 0 || r.outcome > 1000)
    throw new RangeError(`receipt: outcome must be an integer 0..1000, got ${r.outcome}`);
  if (!TOPIC_RE.test(r.topic)) throw new TypeError(`receipt: invalid topic ${JSON.stringify(r.topic)}`);
  if (equalBytes(r.requester, r.worker)) throw new RangeError('receipt: requester and worker must differ');
}

/** Structure only: the caller verifies each signer's signature over its `toBeSigned` (identity layer). */
export function decodeReceipt(b: Uint8Array): SignedReceipt {
  const s = decodeSign(b, CT, MAX_RECEIPT_BYTES, 2);
  const m = asMap(decodeCbor(s.payload, { maxBytes: MAX_RECEIPT_BYTES, maxDepth: 2 }), 'receipt');
  onlyKeys(m, FIELDS, 'receipt');
  if (uint(m, 0, 'receipt') !== 1) throw decodeError('BAD_VERSION', 'receipt: unknown version');
  const deliveryHash = optBytes(m, 7, 'receipt', 32);
  const amount = optUint(m, 8, 'receipt');
  const receipt: Receipt = {
    taskId: bytes(m, 1, 'receipt', 32),
    topic: text(m, 2, 'receipt', 64, TOPIC_RE),
    requester: bytes(m, 3, 'receipt', 32),
    worker: bytes(m, 4, 'receipt', 32),
    outcome: uint(m, 5, 'receipt', 1000),
    ts: uint(m, 6, 'receipt'),
    ...(deliveryHash ? { deliveryHash } : {}),
    ...(amount !== undefined ? { amount } : {}),
  };
  if (equalBytes(receipt.requester, receipt.worker))
    throw decodeError('BAD_VALUE', 'receipt: requester and worker must differ');
  if (s.signers.length !== 2)
    throw decodeError('BAD_COSE', 'receipt: exactly two signatures (requester, worker) required');
  const [rq, wk] = s.signers as [(typeof s.signers)[0], (typeof s.signers)[0]];
  if (!equalBytes(rq.kid, receipt.requester) || !equalBytes(wk.kid, receipt.worker)) {
    throw decodeError('BAD_COSE', 'receipt: signer kids must be [requester, worker]');
  }
  return { receipt, bytes: b, signers: s.signers };
}

/** The `state` declaration body that publishes a receipt in the task topic's log. */
export function receiptBody(signed: Uint8Array, topic: string): Body {
  return {
    kind: 'state',
    tags: ['receipt', `receipt.${topic.replace(/[^a-z0-9_-]/g, '_')}`],
    text: 'task receipt',
    constraints: RECEIPT_PREFIX + toHex(signed),
  };
}

/** The signed receipt bytes carried by a body from receiptBody (typed DecodeError otherwise). */
export function signedReceiptFromBody(b: Body): Uint8Array {
  if (b.kind !== 'state' || !b.constraints?.startsWith(RECEIPT_PREFIX))
    throw decodeError('BAD_VALUE', 'body does not carry a receipt');
  const hex = b.constraints.slice(RECEIPT_PREFIX.length);
  if (hex.length > MAX_RECEIPT_BYTES * 2 || !/^(?:[0-9a-f]{2})+$/.test(hex))
    throw decodeError('BAD_VALUE', 'receipt constraint is not hex of a receipt');
  return fromHex(hex);
}
