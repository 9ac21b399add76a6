// Checking a birth (docs/architecture.md §5-6): the signed message that carries an agent's binding, its epoch and,
// from epoch 1 on, its operator's continuation record (docs/architecture.md §4). Pure checks; AgentCore does the
// bookkeeping (store the binding, liveness, epochs, release held messages).
//
//   birth: decode -> under its own path n/{author} (else wrong_path) -> binding at T2 (an older version:
//          stale) -> binding is for the birth's
//          author -> T1 signature by the author -> epoch > 0: continuation record signed by the
//          binding's operator
//   death: decode -> the binding we hold for the author (none: unknown_author, it cannot mark anyone
//          dead) -> its SHA-256 is the death's bindingHash (else death_mismatch) -> T1 and continuation
//          as for a birth. A death carries no binding, so only a node that met the author can use it.

import { equalBytes, toHex } from '../base/bytes.js';
import type { Binding } from '../codec/binding.js';
import type { Limits } from '../codec/limits.js';
import { decodeBirth, type Birth } from '../codec/messages.js';
import type { RejectReason } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';
import { checkContinuation } from './continuation.js';
import type { IdentityTiers } from './tiers.js';

export type BirthCheck =
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string }
  | {
      readonly ok: true;
      readonly birth: Birth;
      readonly author: string;
      readonly binding: Binding;
      readonly epochOk: true;
    }
  | {
      readonly ok: true;
      readonly birth: Birth;
      readonly author: string;
      readonly binding: Binding;
      readonly epochOk: false;
      readonly detail: string;
    };

/**
 * DecodeError propagates (the caller's `malformed` or `oversized`). `path`: the key of the birth channel it
 * came on (`n/{path}`), which must be its author's hex (a birth under another agent's path would replace
 * that agent's retained birth).
 */
export function checkBirth(
  c: CryptoPort,
  verifier: IdentityTiers,
  bytes: Uint8Array,
  now: number,
  limits: Limits,
  path?: string,
): BirthCheck {
  const { birth, signature, toBeSigned } = decodeBirth(bytes, limits);
  const author = toHex(birth.author);
  if (path !== undefined && path !== author)
    return {
      ok: false,
      reason: 'wrong_path',
      detail: `${birth.alive ? 'birth' : 'death'} of ${author.slice(0, 12)} under n/${path.slice(0, 64)}`,
    };
  let binding: Binding;
  if (birth.alive) {
    const acc = verifier.acceptBinding(birth.binding, now);
    if (!acc.ok) return { ok: false, reason: acc.reason, detail: acc.detail };
    binding = acc.binding!;
    if (toHex(binding.agentKey) !== author)
      return { ok: false, reason: 'binding_invalid', detail: 'binding is for another agent key' };
  } else {
    const held = verifier.bindingOf(author);
    if (!held)
      return { ok: false, reason: 'unknown_author', detail: 'death of an author whose binding we do not hold' };
    if (!equalBytes(verifier.bindingHashOf(author)!, birth.bindingHash))
      return { ok: false, reason: 'death_mismatch', detail: 'death names another binding than the one held' };
    binding = held;
  }
  const t1 = verifier.checkSigned(birth.author, toBeSigned, signature, birth.ts);
  if (!t1.ok) return { ok: false, reason: t1.reason, detail: t1.detail };
  if (birth.epoch === 0) return { ok: true, birth, author, binding, epochOk: true };
  const cont = birth.continuation
    ? checkContinuation(c, birth.continuation, binding, birth.epoch)
    : { ok: false as const, detail: 'no continuation record' };
  return cont.ok
    ? { ok: true, birth, author, binding, epochOk: true }
    : { ok: true, birth, author, binding, epochOk: false, detail: `birth at epoch ${birth.epoch}: ${cont.detail}` };
}
