// Receive rules of a sequential log (docs/architecture.md §4), as one pure decision over (stored state, entry).
//
//   stored at (epoch, seq), same id          -> duplicate  (replay: a no-op)
//   stored at (epoch, seq), other id         -> fork       (two signed entries at one position: proof)
//   no head, seq = 1                         -> append
//   no head, seq > 1                         -> gap 1..seq-1 (hold, ask for the missing entries)
//   epoch < head.epoch                       -> stale
//   epoch > head.epoch, seq = 1              -> append     (a new epoch; continuation records: later work)
//   epoch > head.epoch, seq > 1              -> gap in the new epoch
//   seq <= head.seq (not stored: pruned)     -> stale
//   seq = head.seq + 1, prev = head.id       -> append
//   seq = head.seq + 1, prev != head.id      -> broken    (the author signed another entry at head.seq)
//   seq > head.seq + 1                       -> gap head.seq+1..seq-1

import { equalBytes } from '../base/bytes.js';
import type { Entry } from '../codec/entry.js';
import type { LogHead, StoredEntry } from './store.js';

export type ReceiveDecision =
  | { readonly action: 'append' }
  | { readonly action: 'duplicate' }
  | { readonly action: 'stale' }
  | { readonly action: 'fork'; readonly existing: StoredEntry }
  | { readonly action: 'broken' }
  | { readonly action: 'gap'; readonly fromSeq: number; readonly toSeq: number };

export function decideReceive(
  head: LogHead | undefined,
  atPosition: StoredEntry | undefined,
  e: Entry,
  id: Uint8Array,
): ReceiveDecision {
  if (atPosition)
    return equalBytes(atPosition.id, id) ? { action: 'duplicate' } : { action: 'fork', existing: atPosition };
  if (!head || e.epoch > head.epoch)
    return e.seq === 1 ? { action: 'append' } : { action: 'gap', fromSeq: 1, toSeq: e.seq - 1 };
  if (e.epoch < head.epoch || e.seq <= head.seq) return { action: 'stale' };
  if (e.seq === head.seq + 1)
    return e.prev && equalBytes(e.prev, head.id) ? { action: 'append' } : { action: 'broken' };
  return { action: 'gap', fromSeq: head.seq + 1, toSeq: e.seq - 1 };
}
