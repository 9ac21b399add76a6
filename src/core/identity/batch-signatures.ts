// The entry signatures of one received batch, verified together (docs/architecture.md §6: verification is batched
// where messages arrive in bursts). The node core gathers the entries of the batch whose authors it holds a binding
// for and verifies them in one `verifyBatch` call of the crypto port; the flood gate and the receive path then read
// each answer by the decoded entry object itself. The answers live as long as the batch: no digest-keyed cache, so
// no answer can be mistaken for another message's. An entry not in the batch (its binding arrived in the same
// batch) is verified on demand, once.
//
// T0 comes first: an entry that carries its id (codec/parsed.ts) and whose id passed T1 before (`seenBefore`, the
// identity tiers' cache) is a known duplicate; it is not verified again, and its answer is true (the id is the hash
// of the very bytes, signature included, that verified then). The T0 answer is asked once per entry object and
// kept for the batch, and the receive path reads it from here (`known`) rather than asking again.

import { toHex } from '../base/bytes.js';
import type { SignedEntry } from '../codec/entry.js';
import type { SigVerifier } from '../base/ports.js';

export class BatchSignatures {
  private readonly answers = new Map<SignedEntry, boolean>();
  private readonly t0 = new Map<SignedEntry, boolean>();

  /** `seenBefore`: T0 by id hex (identity/tiers.ts); without it no entry counts as known. */
  constructor(
    private readonly verifier: SigVerifier,
    private readonly seenBefore?: (idHex: string) => boolean,
  ) {}

  /**
   * T0 for an entry of this batch: its id passed T1 before. Asked of `seenBefore` once per entry object (which
   * counts the hit and refreshes it in the cache); `idHex` saves converting the id again when the caller has it.
   */
  known(se: SignedEntry, idHex?: string): boolean {
    let k = this.t0.get(se);
    if (k === undefined) {
      k = se.id !== undefined && this.seenBefore !== undefined && this.seenBefore(idHex ?? toHex(se.id));
      this.t0.set(se, k);
    }
    return k;
  }

  /** Verifies `ses` in one batch call (those not answered yet nor known); returns how many it verified. */
  verifyAll(ses: readonly SignedEntry[]): number {
    const todo = ses.filter((se) => !this.answers.has(se) && !this.known(se));
    if (todo.length === 0) return 0;
    const r = this.verifier.verifyBatch(
      todo.map((se) => ({ pub: se.entry.author, msg: se.toBeSigned, sig: se.signature })),
    );
    todo.forEach((se, i) => this.answers.set(se, r[i]!));
    return todo.length;
  }

  /** Does the entry's signature verify under its author's key? */
  valid(se: SignedEntry): boolean {
    if (this.known(se)) return true;
    const a = this.answers.get(se);
    if (a !== undefined) return a;
    const v = this.verifier.verify(se.entry.author, se.toBeSigned, se.signature);
    this.answers.set(se, v);
    return v;
  }
}
