// The order in which a node handles and sends the channels of one burst (docs/architecture.md §4 "at priority", §9):
// the `priority` column of the channel table (channels.ts), applied here for the driver's input queue, the node
// core's batches and the agent core's output. Fork proofs and revocations go first, so an author is quarantined or
// its key refused before its other messages of the same burst are handled, and a proof leaves before the node's
// ordinary traffic. Lower numbers go first; within one priority, arrival order is kept.

import { CHANNEL_PRIORITY, type Channel } from './channels.js';

export { CHANNEL_PRIORITY } from './channels.js';

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
