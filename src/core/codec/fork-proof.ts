// `fork-proof` (docs/architecture.md §3-4) and the `continuation` record of a new log epoch (docs/architecture.md §4).
//
// fork-proof  unsigned, self-verifying: two entries signed by one author at the same (topic, epoch, seq)
//             with different ids. The pair is sorted bytewise, so a proof of one pair has exactly one
//             encoding (and one hash for seen-caches) whoever built it. Travels on the `fraud` channel,
//             retained per author (MQTT `x/{author}`), every node subscribes `x/+`. Table FORK_PROOF.
// continuation COSE_Sign1 by the OPERATOR key of the agent's binding (content type
//             `agentnet/continuation/1`): a node restored from backup that cannot learn its last seq
//             starts epoch `epoch`; receivers accept a log epoch > 0 only with this record. Table
//             CONTINUATION. It rides in the agent's birth (birth field 6).

import { compareBytes } from '../base/bytes.js';
import { decodeError } from '../base/errors.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned } from './cose.js';
import { asMap, mapOf } from './fields.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { readObject, type ObjectSpec } from './schema.js';

// ---------------------------------------------------------------- fork proof

export const FORK_PROOF: ObjectSpec = {
  name: 'fork proof',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    {
      key: 1,
      name: 'a',
      type: { t: 'bytes', maxLen: 'headerBytes' },
      doc: 'entry bytes, the bytewise lower of the two',
    },
    { key: 2, name: 'b', type: { t: 'bytes', maxLen: 'headerBytes' }, doc: 'entry bytes, the bytewise higher' },
  ],
};

/** Canonical fork-proof bytes for two entries (any order in, sorted out). */
export function encodeForkProof(a: Uint8Array, b: Uint8Array): Uint8Array {
  const [x, y] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, x],
      [2, y],
    ]),
  );
}

/** Decodes the pair; checking it (same position, both signatures) is identity/fraud.ts's job. */
export function decodeForkProof(b: Uint8Array, limits: Limits): readonly [Uint8Array, Uint8Array] {
  const max = 2 * limits.headerBytes + 16;
  if (b.length > max) throw decodeError('TOO_LARGE', `fork proof of ${b.length} bytes > ${max}`);
  const m = asMap(decodeCbor(b, { maxBytes: max, maxDepth: 1 }), 'fork proof');
  const { a: x, b: y } = readObject(m, FORK_PROOF, limits) as { a: Uint8Array; b: Uint8Array };
  if (compareBytes(x, y) >= 0)
    throw decodeError('NON_CANONICAL', 'fork proof: entries must be distinct and sorted bytewise');
  return [x, y];
}

// ---------------------------------------------------------------- continuation

export interface Continuation {
  readonly agent: Uint8Array;
  readonly baid: Uint8Array;
  readonly epoch: number;
  readonly ts: number;
}

function continuationPayload(c: Continuation): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, c.agent],
      [2, c.baid],
      [3, c.epoch],
      [4, c.ts],
    ]),
  );
}
/** What the operator signs (docs/conventions.md §4). */
export const continuationToBeSigned = (c: Continuation): Uint8Array =>
  sign1ToBeSigned(sign1Protected(CONTENT_TYPES.continuation), continuationPayload(c));
export const encodeContinuation = (c: Continuation, sig: Uint8Array): Uint8Array =>
  encodeSign1(CONTENT_TYPES.continuation, continuationPayload(c), sig);

export const CONTINUATION_MAX_BYTES = 256;

export const CONTINUATION: ObjectSpec = {
  name: 'continuation',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    { key: 1, name: 'agent', type: { t: 'bytes', len: 32 }, doc: 'the agent key starting the epoch' },
    { key: 2, name: 'baid', type: { t: 'bytes', len: 32 }, doc: "the agent's binding's baid" },
    { key: 3, name: 'epoch', type: { t: 'uint', min: 1 }, doc: 'the new epoch' },
    { key: 4, name: 'ts', type: { t: 'uint' }, doc: 'ms' },
  ],
};

export function decodeContinuation(b: Uint8Array) {
  const s = decodeSign1(b, CONTENT_TYPES.continuation, CONTINUATION_MAX_BYTES);
  const m = asMap(decodeCbor(s.payload, { maxBytes: CONTINUATION_MAX_BYTES, maxDepth: 1 }), 'continuation');
  const { v: _v, ...c } = readObject(m, CONTINUATION, DEFAULT_LIMITS);
  const continuation = c as unknown as Continuation;
  return { continuation, signature: s.signature, toBeSigned: s.toBeSigned };
}
