// `receipt`: the co-signed record that a task was delivered (docs/architecture.md §3, §7, §8), a COSE_Sign signed by
// the requester and by the worker (in that order), so neither can claim a task the other did not agree
// to: a one-sided receipt does not decode. Local trust in MG-EigenTrust is computed from receipts only.
//
// Its CBOR map is the table RECEIPT below.
//
// Receipts travel in logs as `state` declarations whose body carries the signed bytes (receiptBody).

import { equalBytes, fromHex, toHex } from '../base/bytes.js';
import { decodeError } from '../base/errors.js';
import type { Body } from './body.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { CONTENT_TYPES, decodeSign, encodeSign, signToBeSigned, type CoseSigner } from './cose.js';
import { asMap, mapOf } from './fields.js';
import { DEFAULT_LIMITS, TOPIC_RE } from './limits.js';
import { readObject, type ObjectSpec } from './schema.js';

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
const H32 = { t: 'bytes', len: 32 } as const;

export const RECEIPT: ObjectSpec = {
  name: 'receipt',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    { key: 1, name: 'taskId', type: H32, doc: "id of the task's announce entry" },
    { key: 2, name: 'topic', type: { t: 'text', maxBytes: 64, pattern: 'topic' }, doc: "the task's topic" },
    { key: 3, name: 'requester', type: H32, doc: 'requester agent key (first signer)' },
    { key: 4, name: 'worker', type: H32, doc: 'worker agent key (second signer); differs from requester' },
    { key: 5, name: 'outcome', type: { t: 'uint', max: 1000 }, doc: "the requester's rating (1000 = fully satisfied)" },
    { key: 6, name: 'ts', type: { t: 'uint' }, doc: 'ms, when the requester signed' },
    { key: 7, name: 'deliveryHash', type: H32, optional: true, doc: 'SHA-256 of the delivered artefact' },
    { key: 8, name: 'amount', type: { t: 'uint' }, optional: true, doc: 'milli-credits settled to the worker' },
  ],
};
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

/** What the requester and the worker each sign (docs/conventions.md §4). */
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
  const { v: _v, ...r } = readObject(m, RECEIPT, DEFAULT_LIMITS);
  const receipt = r as unknown as Receipt;
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
