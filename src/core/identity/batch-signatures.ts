// The entry signatures of one received batch, verified together (docs/architecture.md §6: verification is batched
// where messages arrive in bursts). The node core gathers the entries of the batch whose authors it holds a binding
// for and verifies them in one `verifyBatch` call of the crypto port; the flood gate and the receive path then read
// each answer by the decoded entry object itself. The answers live as long as the batch: no digest-keyed cache, so
// no answer can be mistaken for another message's. An entry not in the batch (its binding arrived in the same
// batch) is verified on demand, once.

import type { SignedEntry } from '../codec/entry.js';
import type { SigVerifier } from '../base/ports.js';

export class BatchSignatures {
  private readonly answers = new Map<SignedEntry, boolean>();

  constructor(private readonly verifier: SigVerifier) {}

  /** Verifies `ses` in one batch call (those not answered yet); returns how many it verified. */
  verifyAll(ses: readonly SignedEntry[]): number {
    const todo = ses.filter((se) => !this.answers.has(se));
    if (todo.length === 0) return 0;
    const r = this.verifier.verifyBatch(
      todo.map((se) => ({ pub: se.entry.author, msg: se.toBeSigned, sig: se.signature })),
    );
    todo.forEach((se, i) => this.answers.set(se, r[i]!));
    return todo.length;
  }

  /** Does the entry's signature verify under its author's key? */
  valid(se: SignedEntry): boolean {
    const a = this.answers.get(se);
    if (a !== undefined) return a;
    const v = this.verifier.verify(se.entry.author, se.toBeSigned, se.signature);
    this.answers.set(se, v);
    return v;
  }
}
