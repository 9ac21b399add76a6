// Which log epochs of each author a node accepts (DESIGN §4).
//
//   epoch 0                                         -> accepted (every agent's first history)
//   epoch <= an epoch accepted before               -> accepted (a log head in our store at that
//                                                      epoch, or a continuation record seen this session)
//   epoch > that, and the author's current birth    -> wait: hold the entry, fetch the birth
//     not seen yet this session                        (the retained birth carries the record)
//   epoch > that, birth seen                        -> refuse: `no_continuation`
//
// A birth at epoch e > 0 counts only with a continuation record for e signed by the operator of the
// author's binding (identity/continuation.ts). Without one, a restored node that restarts its old epoch
// at seq 1 forks its own log (detected, proven, quarantined: gossip/fork-proofs.ts), and one that moves
// to a new epoch on its own authority is refused.

export type EpochDecision = 'accept' | 'wait' | 'refuse';

export class Epochs {
  private readonly accepted = new Map<string, number>();
  private readonly birthSeen = new Set<string>();

  /** A verified birth of `author` at `epoch`; `continued` = it carried a valid record for that epoch. */
  observeBirth(author: string, epoch: number, continued: boolean): void {
    this.birthSeen.add(author);
    if (epoch > 0 && continued && epoch > (this.accepted.get(author) ?? 0)) this.accepted.set(author, epoch);
  }

  /** `storedEpoch`: the epoch of the log head we already hold for this (author, topic), if any. */
  decide(author: string, epoch: number, storedEpoch: number | undefined): EpochDecision {
    if (epoch === 0 || epoch <= Math.max(this.accepted.get(author) ?? 0, storedEpoch ?? 0)) return 'accept';
    return this.birthSeen.has(author) ? 'refuse' : 'wait';
  }

  acceptedEpoch(author: string): number {
    return this.accepted.get(author) ?? 0;
  }
}
