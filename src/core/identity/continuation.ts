// Continuation records (docs/architecture.md §4): a node restored from backup that cannot learn its last seq starts a
// new log epoch, announced by a record its OPERATOR signs (the operator key of the agent's binding). The
// operator vouches that the agent abandons every earlier epoch; receivers accept entries of an epoch > 0
// only for an epoch such a record names, so a second history without the operator's word stays a fork
// (same epoch) or is refused (`no_continuation`, a new epoch without a record).

import { equalBytes } from '../base/bytes.js';
import type { Binding } from '../codec/binding.js';
import {
  continuationToBeSigned,
  decodeContinuation,
  encodeContinuation,
  type Continuation,
} from '../codec/fork-proof.js';
import { DecodeError } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';

/** Signs a continuation record for `binding`'s agent starting `epoch` (misuse throws). */
export function makeContinuation(
  c: CryptoPort,
  operatorSecret: Uint8Array,
  binding: Binding,
  epoch: number,
  ts: number,
): Uint8Array {
  if (!Number.isSafeInteger(epoch) || epoch < 1)
    throw new RangeError('makeContinuation: epoch must be an integer >= 1');
  if (!equalBytes(c.signer.publicKey(operatorSecret), binding.operatorKey))
    throw new RangeError("makeContinuation: operatorSecret is not the binding's operator key");
  const r: Continuation = { agent: binding.agentKey, baid: binding.baid, epoch, ts };
  return encodeContinuation(r, c.signer.sign(operatorSecret, continuationToBeSigned(r)));
}

export type ContinuationCheck =
  { readonly ok: true; readonly record: Continuation } | { readonly ok: false; readonly detail: string };

/** Checks that `bytes` is a record for `binding`'s agent and baid, naming `epoch`, signed by its operator. */
export function checkContinuation(
  c: CryptoPort,
  bytes: Uint8Array,
  binding: Binding,
  epoch: number,
): ContinuationCheck {
  let d;
  try {
    d = decodeContinuation(bytes);
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, detail: `continuation: ${e.message}` };
    throw e;
  }
  const r = d.continuation;
  if (!equalBytes(r.agent, binding.agentKey) || !equalBytes(r.baid, binding.baid))
    return { ok: false, detail: 'continuation is for another agent or baid' };
  if (r.epoch !== epoch)
    return { ok: false, detail: `continuation names epoch ${r.epoch}, birth is at epoch ${epoch}` };
  if (!c.verifier.verify(binding.operatorKey, d.toBeSigned, d.signature))
    return { ok: false, detail: "continuation is not signed by the binding's operator" };
  return { ok: true, record: r };
}
