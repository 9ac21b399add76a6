// Reputation exchange per epoch (docs/architecture.md §7: deltas / top-k, not whole vectors). Each node keeps a view of the
// published trust vectors; per epoch and topic the publisher sends only entries (node, topic, value) whose value
// moved by more than `deltaRel` relative to the published one (or 1/n, whichever is larger), at most `topK` of
// them, largest moves first. `full` sends every non-zero entry of every topic, as plain EigenTrust gossip would.

export interface ExchangeParams {
  /** Relative change (of max(published, 1/n)) below which an entry is not re-sent, ≥ 0. */
  readonly deltaRel: number;
  /** Cap on entries per topic per epoch, ≥ 1. */
  readonly topK: number;
}

/** Updates `view` in place toward `t`; returns the number of entries sent (their indices pushed to `sent`). */
export function exchangeDelta(
  view: Float64Array,
  t: Float64Array,
  nActive: number,
  p: ExchangeParams,
  sent?: number[],
): number {
  const floor = nActive > 0 ? 1 / nActive : 0;
  const moved: [number, number][] = [];
  for (let j = 0; j < t.length; j++) {
    const d = Math.abs((t[j] as number) - (view[j] as number));
    if (d > p.deltaRel * Math.max(view[j] as number, floor)) moved.push([d, j]);
  }
  moved.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const send = moved.slice(0, p.topK);
  for (const [, j] of send) {
    view[j] = t[j] as number;
    sent?.push(j);
  }
  return send.length;
}

/** Replaces `view` by `t`; returns the number of non-zero entries sent. */
export function exchangeFull(view: Float64Array, t: Float64Array): number {
  let k = 0;
  for (let j = 0; j < t.length; j++) {
    view[j] = t[j] as number;
    if ((t[j] as number) > 0) k++;
  }
  return k;
}
