// Free-text ranking of candidates (docs/decisions.md "Work adapters, task tools and free-text discovery"): Okapi BM25 over each declaration's text and
// tags, computed on the node over the candidates it holds (bodies it pulled: bodyless gossip pulls a body only
// when an interest of ours matches its sketch, so a text query ranks what this node knows, it does not reach
// further). Words are lowercase runs of letters and digits; a tag contributes its dotted parts
// (`code.review.security` -> code, review, security). k1 = 1.2, b = 0.75 (Robertson and Zaragoza's usual values).

const K1 = 1.2;
const B = 0.75;

export function words(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The terms of a declaration: its text's words and its tags' parts. */
export function terms(d: { readonly text: string; readonly tags: readonly string[] }): string[] {
  return [...words(d.text), ...d.tags.flatMap((t) => words(t))];
}

/** BM25 score of `query` for each document (same order); 0 where no query term occurs. */
export function bm25(query: string, docs: ReadonlyArray<readonly string[]>): number[] {
  const q = [...new Set(words(query))];
  const n = docs.length;
  if (n === 0 || q.length === 0) return docs.map(() => 0);
  const avg = docs.reduce((s, d) => s + d.length, 0) / n || 1;
  const df = new Map<string, number>();
  const tf = docs.map((d) => {
    const m = new Map<string, number>();
    for (const w of d) m.set(w, (m.get(w) ?? 0) + 1);
    for (const w of m.keys()) df.set(w, (df.get(w) ?? 0) + 1);
    return m;
  });
  return docs.map((d, i) => {
    let s = 0;
    for (const w of q) {
      const f = tf[i]!.get(w) ?? 0;
      if (f === 0) continue;
      const nq = df.get(w) ?? 0;
      const idf = Math.log(1 + (n - nq + 0.5) / (nq + 0.5));
      s += (idf * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * d.length) / avg));
    }
    return s;
  });
}
