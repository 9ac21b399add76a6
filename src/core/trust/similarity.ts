// Topic similarity W for the cross-topic bridge of MG-EigenTrust (docs/architecture.md §7: B^τ_j = Σ_{τ'≠τ} W_{τ'τ}·t^{τ'}_j).
// Each topic declares a tag set of dotted paths; a tag also stands for all its prefixes (`software.code.python`
// ⊇ `software.code` ⊇ `software`), so two topics that share a domain but not a leaf still overlap. W is the Jaccard
// index of the expanded sets, zeroed below `threshold` so that unrelated topics import nothing, with a zero
// diagonal (a topic does not import from itself). Jaccard is symmetric, so W_{τ'τ} = W_{ττ'}.
import type { TopicSpec } from './types.js';

/** Tag set with every dotted prefix added. */
export function expandTags(tags: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const tag of tags) {
    const parts = tag.split('.');
    for (let k = 1; k <= parts.length; k++) out.add(parts.slice(0, k).join('.'));
  }
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 0 : inter / union;
}

/** W[from][to] ∈ [0,1]: Jaccard of the expanded tag sets, 0 below `threshold` (in [0,1]) and on the diagonal. */
export function topicSimilarity(topics: readonly TopicSpec[], threshold: number): number[][] {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold: ${threshold} not in [0,1]`);
  const sets = topics.map((t) => expandTags(t.tags));
  return sets.map((a, i) =>
    sets.map((b, j) => {
      if (i === j) return 0;
      const s = jaccard(a, b);
      return s >= threshold ? s : 0;
    }),
  );
}
