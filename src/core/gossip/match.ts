// Semantic match of a pulled body against an interest (docs/architecture.md §5 discover()).
//
// A capability tag covers an interest tag when it equals it or extends it by dotted segments
// (`code.review.security` covers `code.review`). An interest matches a body when every interest tag is
// covered. The score ranks matches: tag coverage, plus a small bonus for shared words of free text.

import type { Body } from '../codec/body.js';

export interface Interest {
  readonly topic: string;
  readonly tags: readonly string[];
  readonly text?: string;
}

export function covers(capTag: string, wanted: string): boolean {
  return capTag === wanted || capTag.startsWith(wanted + '.');
}

export function matches(interest: Interest, body: Body): boolean {
  return interest.tags.length > 0 && interest.tags.every((t) => body.tags.some((c) => covers(c, t)));
}

const words = (s: string) =>
  new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2),
  );

/** 0..1: fraction of interest tags covered, with up to 0.1 for text overlap (Jaccard of words). */
export function matchScore(interest: Interest, body: Body): number {
  if (interest.tags.length === 0) return 0;
  const covered = interest.tags.filter((t) => body.tags.some((c) => covers(c, t))).length / interest.tags.length;
  if (!interest.text) return covered;
  const a = words(interest.text);
  const b = words(body.text);
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  const union = a.size + b.size - inter;
  return Math.min(1, 0.9 * covered + (union > 0 ? (0.1 * inter) / union : 0));
}
