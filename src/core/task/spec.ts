// What a requester posts (RequesterEngine.post, requester.ts), and the checks of its values: a bad field is a
// FieldError naming it (the local API answers 400 with the field).

import type { AcceptCheck } from '../codec/task.js';
import { TOPIC_RE } from '../codec/limits.js';
import { FieldError } from '../codec/schema.js';
import { MAX_MONEY, type Mechanism } from '../market/mechanism.js';

export interface TaskSpec {
  readonly topic: string;
  /** Capability tags a worker must cover. */
  readonly tags: readonly string[];
  /** The task's specification. */
  readonly text: string;
  /** Most the requester pays, milli-credits (escrowed on posting). */
  readonly budget: number;
  /** The rules the requester commits to (signed with our key). */
  readonly mechanism: Mechanism;
  /** Bids close this long after posting; the awarded worker must deliver `deliverWindowMs` later; rating and co-signature `settleWindowMs` after that. */
  readonly bidWindowMs: number;
  readonly deliverWindowMs: number;
  readonly settleWindowMs: number;
  /** Tier a bidder must reach; at least the mechanism's and the policy's bid tier (T2). */
  readonly requiredTier?: number;
  /** What every delivered artefact must pass (codec/accept.ts); a failing one is rated 0 and proven bad on the wire. */
  readonly accept?: AcceptCheck;
}

const positive = (v: number, what: string) => {
  if (!Number.isSafeInteger(v) || v <= 0) throw new FieldError(what, 'must be a positive integer');
};

/** Throws a FieldError for the first field of `s` out of range (the mechanism is checked when it is signed). */
export function checkTaskSpec(s: TaskSpec): void {
  if (!TOPIC_RE.test(s.topic)) throw new FieldError('topic', `is not a topic name: ${JSON.stringify(s.topic)}`);
  if (!s.tags.length) throw new FieldError('tags', 'must name at least one capability');
  positive(s.bidWindowMs, 'bidWindowMs');
  positive(s.deliverWindowMs, 'deliverWindowMs');
  positive(s.settleWindowMs, 'settleWindowMs');
  if (!Number.isSafeInteger(s.budget) || s.budget < 0 || s.budget > MAX_MONEY)
    throw new FieldError('budget', `must be an integer 0..${MAX_MONEY} (milli-credits)`);
}
