// A peer's current capability in a topic (DESIGN §5 discover): the newest capability among the last
// MAX_RANGE entries of its log's current epoch, unless a later withdraw took it back, and unexpired.
// Not simply the log head: an author that announces an intent after its capability (the usual order
// for an agent that both offers and needs) has an intent at its head, and its capability still stands.

import { MAX_RANGE } from '../codec/messages.js';
import type { LogRef, LogStore, StoredEntry } from '../log/store.js';

export function latestCapability(store: LogStore, log: LogRef, now: number): StoredEntry | undefined {
  const recent = store.range(
    log.author,
    log.topic,
    log.head.epoch,
    Math.max(1, log.head.seq - MAX_RANGE + 1),
    log.head.seq,
  );
  for (let i = recent.length - 1; i >= 0; i--) {
    const e = recent[i]!;
    if (e.kind === 'withdraw') return undefined;
    if (e.kind === 'capability') return e.expires > now ? e : undefined;
  }
  return undefined;
}
