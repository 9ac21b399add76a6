// Verification of the task protocol's untrusted inputs (docs/architecture.md §6 tiers), as values (docs/conventions.md §5): a failed
// check is a TaskReject with a detail, never an exception.

import { equalBytes, toHex } from '../base/bytes.js';
import { decodeBody, type Body } from '../codec/body.js';
import { decodeEntry } from '../codec/entry.js';
import type { Limits } from '../codec/limits.js';
import type { IdentityTiers } from '../identity/tiers.js';
import { decodeSignedMechanism } from '../market/signed.js';
import type { Mechanism } from '../market/mechanism.js';
import { DecodeError } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';
import { decodeTerms, type TaskMsg, type TaskTerms } from '../codec/task.js';
import type { TaskReject } from './protocol.js';
import { acceptFromJson, checkAcceptance } from '../codec/accept.js';
import type { TaskRecord } from './store.js';

export type Verdict<T = undefined> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: TaskReject; readonly detail: string };
export const fail = (reason: TaskReject, detail: string): Verdict<never> => ({ ok: false, reason, detail });
const ok = <T>(value: T): Verdict<T> => ({ ok: true, value });

/** T2 on a binding carried by the message: it must pass now and bind the signer's key. */
export function checkCarriedBinding(v: IdentityTiers, signer: Uint8Array, binding: Uint8Array, now: number): Verdict {
  const r = v.acceptBinding(binding, now);
  if (!r.ok && r.reason !== 'stale')
    return fail(r.reason === 'bad_signature' ? 'bad_signature' : 'binding_invalid', `T2: ${r.detail}`);
  const known = v.bindingOf(toHex(signer));
  if (!known || !equalBytes(known.agentKey, signer)) return fail('binding_invalid', 'binding is for another agent key');
  return ok(undefined);
}

/** T1: the message's signature by its signer, whose binding is known and valid at the message's ts. */
export function checkMsgSignature(v: IdentityTiers, msg: TaskMsg, toBeSigned: Uint8Array, sig: Uint8Array): Verdict {
  const c = v.checkSigned(msg.signer, toBeSigned, sig, msg.ts);
  if (c.ok) return ok(undefined);
  return fail(
    c.reason === 'bad_signature' ? 'bad_signature' : c.reason === 'unknown_author' ? 'not_party' : 'binding_invalid',
    c.detail,
  );
}

export interface Announce {
  readonly id: string;
  readonly body: Body;
  readonly terms: TaskTerms;
  readonly mechanism: Mechanism;
  readonly topic: string;
}

/**
 * An invite's announce: the entry is signed (T1) by the requester (the invite's signer, whose binding
 * passed T2), its id is the task id, it commits to the body by hash and length, the body is a task
 * announce, and its mechanism is signed by the requester and asks no more tier than the task does.
 */
export function checkAnnounce(
  c: CryptoPort,
  v: IdentityTiers,
  limits: Limits,
  msg: TaskMsg & { type: 'invite' },
): Verdict<Announce> {
  try {
    const se = decodeEntry(msg.entry, limits);
    const e = se.entry;
    if (!equalBytes(e.author, msg.signer)) return fail('not_party', "invite not signed by the task's requester");
    if (!equalBytes(c.sha256(msg.entry), msg.task)) return fail('malformed', 'task id is not the announce entry id');
    if (e.kind !== 'intent') return fail('malformed', 'announce is not an intent');
    const t1 = v.checkSigned(e.author, se.toBeSigned, se.signature, e.ts, e.topic);
    if (!t1.ok)
      return fail(t1.reason === 'bad_signature' ? 'bad_signature' : 'binding_invalid', `announce: ${t1.detail}`);
    if (msg.body.length !== e.bodyLen || !equalBytes(c.sha256(msg.body), e.bodyHash))
      return fail('malformed', "body does not match the announce's bodyHash");
    const body = decodeBody(msg.body, limits);
    const terms = decodeTerms(body);
    const sm = decodeSignedMechanism(terms.mechanism);
    if (!c.verifier.verify(msg.signer, sm.sign1.toBeSigned, sm.sign1.signature))
      return fail('bad_signature', 'mechanism not signed by the requester');
    if (sm.mechanism.requiredTier > body.requiredTier!)
      return fail('malformed', 'task asks less tier than its mechanism');
    return ok({ id: toHex(msg.task), body, terms, mechanism: sm.mechanism, topic: e.topic });
  } catch (err) {
    if (err instanceof DecodeError) return fail('malformed', err.message);
    throw err;
  }
}

/** What the worker is paid for a rating under the mechanism: its bid, scaled by outcome when pay is due on delivery. */
export function amountFor(m: Mechanism, price: number, outcome: number): number {
  return m.reward.basis === 'delivery' ? Math.floor((price * outcome) / 1000) : price;
}

/** Runs the task's acceptance check (if it names one) on an artefact and records the verdict in `r.acceptance`
 *  (`passed` / `failed: {why}`); true when the artefact failed. */
export function recordAcceptance(c: CryptoPort, r: TaskRecord, artefact: Uint8Array): boolean {
  if (!r.accept) return false;
  const v = checkAcceptance(c, acceptFromJson(r.accept), artefact);
  r.acceptance = v.ok ? 'passed' : `failed: ${v.detail}`;
  return !v.ok;
}
