// Bad-delivery proofs (docs/spec/tasks.md "Bad-delivery proofs"): a worker signed the delivery of an artefact
// that fails the acceptance check its task's terms named (core/codec/accept.ts). What a third party checks,
// with public keys and the check alone:
//
//   the announce   an intent entry signed by its author (the requester); its id is the task id; its body (carried)
//                  matches the entry's body hash and length, and its terms name an acceptance check
//   the delivery   a `delivery` task message for that task id, signed by the worker: the hash and length of
//                  the artefact it delivered (a worker signs it only after it was awarded the task)
//   the artefact   bytes of exactly that hash and length, which fail the check
//
// So the requester cannot frame a worker (the check is rerun by every node, on the artefact the worker's own
// signature fixes), and the worker cannot deny it (its signed delivery names the artefact by hash). Whether
// work is good beyond the check stays the requester's rating (receipts, complaints).
//
// Bytes: the table BAD_DELIVERY_PROOF, unsigned and self-verifying. At most one message (`messageBytes`): an
// announce body and artefact too large to fit together are not proven on the wire (the rating stands).
// It travels on the `fraud` channel, retained, key `{worker hex}.delivery` (every node subscribes `x/+`).

import { equalBytes, toHex } from '../base/bytes.js';
import { DecodeError, decodeError } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';
import { decodeBody } from '../codec/body.js';
import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { decodeEntry } from '../codec/entry.js';
import { asMap, mapOf } from '../codec/fields.js';
import type { Limits } from '../codec/limits.js';
import { readObject, type ObjectSpec } from '../codec/schema.js';
import { decodeTaskMsg, decodeTerms } from '../codec/task.js';
import { checkAcceptance } from '../codec/accept.js';
import { ANNOUNCE_FIELD } from './dispute.js';
import type { BadDeliveryProof } from './fraud.js';

export const BAD_DELIVERY_KEY_SUFFIX = '.delivery';
/** The `fraud` channel key of a bad-delivery proof against `worker` (hex). */
export const badDeliveryKey = (worker: string): string => `${worker}${BAD_DELIVERY_KEY_SUFFIX}`;
export const isBadDeliveryKey = (key: string): boolean => key.endsWith(BAD_DELIVERY_KEY_SUFFIX);

/** The largest delivery message: head, hash, length, signature, COSE framing (well under 512 B). */
const DELIVERY_MAX = 512;

export const BAD_DELIVERY_PROOF: ObjectSpec = {
  name: 'bad-delivery proof',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    ANNOUNCE_FIELD,
    { key: 2, name: 'body', type: { t: 'bytes', maxLen: 'bodyBytes' }, doc: "the announce's body (the terms)" },
    {
      key: 3,
      name: 'delivery',
      type: { t: 'bytes', maxLen: DELIVERY_MAX },
      doc: "the worker's signed delivery message",
    },
    { key: 4, name: 'artefact', type: { t: 'bytes', maxLen: 'bodyBytes' }, doc: 'the delivered artefact' },
  ],
};

export interface BadDeliveryParts {
  readonly announce: Uint8Array;
  readonly body: Uint8Array;
  readonly delivery: Uint8Array;
  readonly artefact: Uint8Array;
}

export function encodeBadDeliveryProof(p: BadDeliveryParts): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, p.announce],
      [2, p.body],
      [3, p.delivery],
      [4, p.artefact],
    ]),
  );
}

export function decodeBadDeliveryProof(b: Uint8Array, limits: Limits): BadDeliveryParts {
  if (b.length > limits.messageBytes)
    throw decodeError('TOO_LARGE', `bad-delivery proof of ${b.length} bytes > ${limits.messageBytes}`);
  const m = asMap(decodeCbor(b, { maxBytes: limits.messageBytes, maxDepth: 1 }), 'bad-delivery proof');
  const { v: _v, ...p } = readObject(m, BAD_DELIVERY_PROOF, limits) as unknown as BadDeliveryParts & { v: number };
  return p;
}

/** The proof of these parts when it fits one message and proves a bad delivery (as every receiver checks it). */
export function proveBadDelivery(c: CryptoPort, limits: Limits, parts: BadDeliveryParts): Uint8Array | undefined {
  const proof = encodeBadDeliveryProof(parts);
  return proof.length <= limits.messageBytes && checkBadDeliveryProof(c, limits, proof).ok ? proof : undefined;
}

export type BadDeliveryCheck =
  { readonly ok: true; readonly proof: BadDeliveryProof } | { readonly ok: false; readonly detail: string };

/** Everything a receiver checks (see the head of this file); a proof whose artefact passes the check proves nothing. */
export function checkBadDeliveryProof(c: CryptoPort, limits: Limits, bytes: Uint8Array): BadDeliveryCheck {
  try {
    const p = decodeBadDeliveryProof(bytes, limits);
    const se = decodeEntry(p.announce, limits);
    const e = se.entry;
    if (e.kind !== 'intent') return { ok: false, detail: 'the announce is not an intent' };
    if (p.body.length !== e.bodyLen || !equalBytes(c.sha256(p.body), e.bodyHash))
      return { ok: false, detail: "the body does not match the announce's body hash" };
    const terms = decodeTerms(decodeBody(p.body, limits));
    if (!terms.accept) return { ok: false, detail: 'the task names no acceptance check' };
    const d = decodeTaskMsg(p.delivery, limits);
    if (d.msg.type !== 'delivery') return { ok: false, detail: 'the delivery is not a delivery message' };
    const m = d.msg;
    if (!equalBytes(c.sha256(p.announce), m.task))
      return { ok: false, detail: 'the announce is not the delivered task (entry id != task id)' };
    if (equalBytes(m.signer, e.author)) return { ok: false, detail: "the delivery is signed by the task's requester" };
    if (p.artefact.length !== m.length || !equalBytes(c.sha256(p.artefact), m.hash))
      return { ok: false, detail: 'the artefact is not the delivered one (hash or length)' };
    const verdict = checkAcceptance(c, terms.accept, p.artefact);
    if (verdict.ok) return { ok: false, detail: "the artefact passes the task's acceptance check" };
    const r = c.verifier.verifyBatch([
      { pub: m.signer, msg: d.toBeSigned, sig: d.signature },
      { pub: e.author, msg: se.toBeSigned, sig: se.signature },
    ]);
    if (!r[0]) return { ok: false, detail: 'the delivery is not signed by its worker' };
    if (!r[1]) return { ok: false, detail: 'the announce is not signed by its requester' };
    return {
      ok: true,
      proof: {
        kind: 'bad-delivery',
        author: toHex(m.signer),
        topic: e.topic,
        task: toHex(m.task),
        requester: toHex(e.author),
        failure: verdict.detail,
        evidence: bytes,
      },
    };
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, detail: `malformed: ${err.message}` };
    throw err;
  }
}
