// Which log epochs of each author a node accepts (docs/architecture.md §4).
//
//   epoch 0                                         -> accepted (every agent's first history)
//   epoch <= an epoch accepted before               -> accepted (a log head in our store at that
//                                                      epoch, or a continuation record seen this session)
//   epoch > that, and no birth of the author at     -> wait: hold the entry, fetch the birth (the
//     that epoch or later seen this session            retained birth carries the record); if the
//                                                      birth that comes is older still: refuse
//   epoch > that, a birth at that epoch or later    -> refuse: `no_continuation`
//     seen (without a valid record for it)
//
// A birth at epoch e > 0 counts only with a continuation record for e signed by the operator of the
// author's binding (identity/continuation.ts). Without one, a restored node that restarts its old epoch
// at seq 1 forks its own log (detected, proven, quarantined: gossip/fork-proofs.ts), and one that moves
// to a new epoch on its own authority is refused.

export type EpochDecision = 'accept' | 'wait' | 'refuse';

export class Epochs {
  private readonly accepted = new Map<string, number>();
  /** Highest epoch of a verified birth per author, this session. */
  private readonly birthEpoch = new Map<string, number>();

  /** A verified birth of `author` at `epoch`; `continued` = it carried a valid record for that epoch. */
  observeBirth(author: string, epoch: number, continued: boolean): void {
    if (epoch > (this.birthEpoch.get(author) ?? -1)) this.birthEpoch.set(author, epoch);
    if (epoch > 0 && continued && epoch > (this.accepted.get(author) ?? 0)) this.accepted.set(author, epoch);
  }

  /**
   * `storedEpoch`: the epoch of the log head we already hold for this (author, topic), if any.
   * `birthFetched`: the author's current birth has just been handled for this entry (no second wait).
   */
  decide(author: string, epoch: number, storedEpoch: number | undefined, birthFetched = false): EpochDecision {
    if (epoch === 0 || epoch <= Math.max(this.accepted.get(author) ?? 0, storedEpoch ?? 0)) return 'accept';
    return birthFetched || (this.birthEpoch.get(author) ?? -1) >= epoch ? 'refuse' : 'wait';
  }

  acceptedEpoch(author: string): number {
    return this.accepted.get(author) ?? 0;
  }
}
