// The order in which a node handles and sends the channels of one burst, decided here only (docs/architecture.md §4
// "at priority", §9): fork proofs and revocations first, so an author is quarantined or its key refused before its
// other messages of the same burst are handled, and so a proof leaves before the node's ordinary traffic. Lower
// numbers go first; within one priority, arrival order is kept. A table of channels can take this over as a column.

import type { Channel } from './types.js';

export const CHANNEL_PRIORITY: Readonly<Record<Channel, number>> = {
  fraud: 0,
  revocation: 0,
  header: 1,
  body: 1,
  birth: 1,
  frontier: 1,
  direct: 1,
};

/** The messages in handling order: by CHANNEL_PRIORITY, arrival order within one priority (a stable sort). */
export function byPriority<T extends { readonly channel: Channel }>(xs: readonly T[]): T[] {
  return xs
    .map((x, i) => ({ x, i }))
    .sort((a, b) => CHANNEL_PRIORITY[a.x.channel] - CHANNEL_PRIORITY[b.x.channel] || a.i - b.i)
    .map((y) => y.x);
}

/** Inserts `x` into a queue kept in handling order: after every item of its priority or a more urgent one. */
export function enqueueByPriority<T extends { readonly channel: Channel }>(queue: T[], x: T): void {
  const p = CHANNEL_PRIORITY[x.channel];
  if (queue.length === 0 || CHANNEL_PRIORITY[queue[queue.length - 1]!.channel] <= p) {
    queue.push(x);
    return;
  }
  let i = 0;
  while (i < queue.length && CHANNEL_PRIORITY[queue[i]!.channel] <= p) i++;
  queue.splice(i, 0, x);
}
