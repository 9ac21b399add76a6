// Dispute proofs of the task protocol (docs/mechanisms.md "Disputes"). Only what a third party can
// check with public keys alone is a proof:
//
//   double award   two `award` task messages (COSE_Sign1 agentnet/task/1, codec.ts) for the same task, signed
//                  by the same requester, naming different workers. Task protocol v1 awards exactly one
//                  worker per task and signs its award once (a re-send is byte-identical), so an honest
//                  requester never signs two. The proof also carries the task's announce entry (signed by
//                  the requester, its id is the task id): it proves the task's topic, where trust slashes.
//
// Bad delivery is not provable in the current task format: the spec is free text and commits to no output
// hash or format, so whether an artefact "fails the spec" is the requester's judgement (its rating in the
// co-signed receipt), never a proof (docs/decisions.md).
//
// Bytes (unsigned, self-verifying, canonical like the fork proof: the two awards sorted bytewise): the
// table DISPUTE_PROOF.
// It travels on the `fraud` channel, retained, key `{requester hex}.award` (every node subscribes `x/+`),
// beside the fork-proof slot `{author hex}`.

import { compareBytes, equalBytes, toHex } from '../base/bytes.js';
import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { decodeEntry } from '../codec/entry.js';
import { asMap, mapOf } from '../codec/fields.js';
import { readObject, type FieldSpec, type ObjectSpec } from '../codec/schema.js';
import type { Limits } from '../codec/limits.js';
import { DecodeError, decodeError } from '../base/errors.js';
import type { DoubleAwardProof } from './fraud.js';
import type { CryptoPort } from '../base/ports.js';
import { decodeTaskMsg } from '../codec/task.js';

export const DISPUTE_KEY_SUFFIX = '.award';
/** The `fraud` channel key of a double-award proof against `author` (hex). */
export const disputeKey = (author: string): string => `${author}${DISPUTE_KEY_SUFFIX}`;
export const isDisputeKey = (key: string): boolean => key.endsWith(DISPUTE_KEY_SUFFIX);

/** The largest award message: head, worker, price, signature, COSE framing (well under 256 B). */
const AWARD_MAX = 256;

/** Field 1 of the task-protocol proofs (this one, bad-delivery.ts): the announce entry, which proves the topic. */
export const ANNOUNCE_FIELD: FieldSpec = {
  key: 1,
  name: 'announce',
  type: { t: 'bytes', maxLen: 'headerBytes' },
  doc: "the task's announce entry (its id is the task id)",
};

export const DISPUTE_PROOF: ObjectSpec = {
  name: 'dispute proof',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    ANNOUNCE_FIELD,
    { key: 2, name: 'a', type: { t: 'bytes', maxLen: AWARD_MAX }, doc: 'an award message, the bytewise lower' },
    { key: 3, name: 'b', type: { t: 'bytes', maxLen: AWARD_MAX }, doc: 'the other award message, the bytewise higher' },
  ],
};

/** Canonical dispute-proof bytes (awards in any order in, sorted out). */
export function encodeDisputeProof(announce: Uint8Array, a: Uint8Array, b: Uint8Array): Uint8Array {
  const [x, y] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, announce],
      [2, x],
      [3, y],
    ]),
  );
}

export function decodeDisputeProof(
  b: Uint8Array,
  limits: Limits,
): { announce: Uint8Array; awards: readonly [Uint8Array, Uint8Array] } {
  const max = limits.headerBytes + 2 * AWARD_MAX + 32;
  if (b.length > max) throw decodeError('TOO_LARGE', `dispute proof of ${b.length} bytes > ${max}`);
  const m = asMap(decodeCbor(b, { maxBytes: max, maxDepth: 1 }), 'dispute proof');
  const { announce, a: x, b: y } = readObject(m, DISPUTE_PROOF, limits) as Record<'announce' | 'a' | 'b', Uint8Array>;
  if (compareBytes(x, y) >= 0)
    throw decodeError('NON_CANONICAL', 'dispute proof: awards must be distinct and sorted bytewise');
  return { announce, awards: [x, y] };
}

export type DisputeCheck =
  { readonly ok: true; readonly proof: DoubleAwardProof } | { readonly ok: false; readonly detail: string };

/** Everything a receiver checks, with public keys alone: structure, same task and signer, different workers, three signatures. */
export function checkDisputeProof(c: CryptoPort, limits: Limits, proof: Uint8Array): DisputeCheck {
  try {
    const d = decodeDisputeProof(proof, limits);
    const [a, b] = d.awards.map((x) => decodeTaskMsg(x, limits));
    if (a!.msg.type !== 'award' || b!.msg.type !== 'award')
      return { ok: false, detail: 'both messages must be awards' };
    const ma = a!.msg;
    const mb = b!.msg;
    if (!equalBytes(ma.task, mb.task)) return { ok: false, detail: 'the awards are for different tasks' };
    if (!equalBytes(ma.signer, mb.signer)) return { ok: false, detail: 'the awards have different signers' };
    if (equalBytes(ma.worker, mb.worker)) return { ok: false, detail: 'both awards name the same worker' };
    const se = decodeEntry(d.announce, limits);
    if (!equalBytes(c.sha256(d.announce), ma.task))
      return { ok: false, detail: 'the announce is not the awarded task (entry id != task id)' };
    if (!equalBytes(se.entry.author, ma.signer))
      return { ok: false, detail: "the task was announced by another agent than the awards' signer" };
    if (se.entry.kind !== 'intent') return { ok: false, detail: 'the announce is not an intent' };
    const r = c.verifier.verifyBatch([
      { pub: ma.signer, msg: a!.toBeSigned, sig: a!.signature },
      { pub: mb.signer, msg: b!.toBeSigned, sig: b!.signature },
      { pub: se.entry.author, msg: se.toBeSigned, sig: se.signature },
    ]);
    if (!r[0] || !r[1]) return { ok: false, detail: 'an award of the proof is not signed by the requester' };
    if (!r[2]) return { ok: false, detail: 'the announce is not signed by the requester' };
    const author = toHex(ma.signer);
    return {
      ok: true,
      proof: {
        kind: 'double-award',
        author,
        topic: se.entry.topic,
        task: toHex(ma.task),
        workers: [toHex(ma.worker), toHex(mb.worker)],
        evidence: proof,
      },
    };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, detail: `malformed: ${e.message}` };
    throw e;
  }
}
