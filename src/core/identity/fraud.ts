// T4: fraud proofs (docs/architecture.md §4, §6). A fork proof is two entries signed by the same author at the same
// (topic, epoch, seq) with different ids: it verifies with the author's public key alone, so any node
// can check it without trusting whoever forwarded it. Verified proofs go to trust (slashing, §7).

import { equalBytes, toHex } from '../base/bytes.js';
import { decodeEntry } from '../codec/entry.js';
import type { Limits } from '../codec/limits.js';
import { DecodeError } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';

export interface ForkProof {
  readonly kind: 'fork';
  readonly author: string;
  readonly topic: string;
  readonly epoch: number;
  readonly seq: number;
  /** The two conflicting entries, as signed. */
  readonly evidence: readonly [Uint8Array, Uint8Array];
}

/**
 * A double award (identity/dispute.ts): two awards for one task, both signed by the requester, naming different
 * workers. It verifies with the requester's key alone, like a fork proof.
 */
export interface DoubleAwardProof {
  readonly kind: 'double-award';
  readonly author: string;
  /** The task's topic, from the requester-signed announce the proof carries. */
  readonly topic: string;
  readonly task: string;
  readonly workers: readonly [string, string];
  /** The dispute proof, as published. */
  readonly evidence: Uint8Array;
}

/**
 * A bad delivery (identity/bad-delivery.ts): the worker signed the delivery of an artefact that fails its task's
 * acceptance check. It verifies with the worker's and requester's keys and the check alone.
 */
export interface BadDeliveryProof {
  readonly kind: 'bad-delivery';
  /** The worker (the culprit). */
  readonly author: string;
  readonly topic: string;
  readonly task: string;
  readonly requester: string;
  /** Which condition of the check the artefact fails. */
  readonly failure: string;
  /** The proof, as published. */
  readonly evidence: Uint8Array;
}

export type FraudProof = ForkProof | DoubleAwardProof | BadDeliveryProof;

export type ForkCheck =
  { readonly ok: true; readonly proof: ForkProof } | { readonly ok: false; readonly detail: string };

export function checkForkProof(c: CryptoPort, limits: Limits, a: Uint8Array, b: Uint8Array): ForkCheck {
  let ea, eb;
  try {
    ea = decodeEntry(a, limits);
    eb = decodeEntry(b, limits);
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, detail: e.message };
    throw e;
  }
  const x = ea.entry;
  const y = eb.entry;
  if (!equalBytes(x.author, y.author) || x.topic !== y.topic || x.epoch !== y.epoch || x.seq !== y.seq)
    return { ok: false, detail: 'entries are not at the same log position' };
  if (equalBytes(c.sha256(a), c.sha256(b))) return { ok: false, detail: 'the two entries are the same entry' };
  const r = c.verifier.verifyBatch([
    { pub: x.author, msg: ea.toBeSigned, sig: ea.signature },
    { pub: y.author, msg: eb.toBeSigned, sig: eb.signature },
  ]);
  if (!r[0] || !r[1]) return { ok: false, detail: 'an entry of the proof is not signed by the author' };
  return {
    ok: true,
    proof: { kind: 'fork', author: toHex(x.author), topic: x.topic, epoch: x.epoch, seq: x.seq, evidence: [a, b] },
  };
}
