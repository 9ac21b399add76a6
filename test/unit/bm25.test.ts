// Free-text discovery's ranking (src/core/gossip/bm25.ts): Okapi BM25 over a declaration's text and tag parts.
import { describe, expect, it } from 'vitest';
import { bm25, terms, words } from '../../src/core/gossip/bm25.js';

describe('BM25 over declarations', () => {
  const docs = [
    { text: 'SQL analytics over Postgres', tags: ['data.analysis.sql'] },
    { text: 'CSV statistics: mean, median, standard deviation', tags: ['data.analysis.csv'] },
    { text: 'security review of Python code', tags: ['code.review.security'] },
    { text: 'poems and short stories', tags: ['writing.fiction'] },
  ].map(terms);

  it('splits text and tags into lowercase words', () => {
    expect(words('Mean, MEDIAN & std-dev 2x')).toEqual(['mean', 'median', 'std', 'dev', '2x']);
    expect(terms({ text: 'Review', tags: ['code.review.security'] })).toEqual(['review', 'code', 'review', 'security']);
  });

  it('ranks the declarations that use the query words, rarer words weigh more, others score 0', () => {
    const s = bm25('csv statistics', docs);
    expect(s[1]).toBeGreaterThan(0);
    expect([s[0], s[2], s[3]]).toEqual([0, 0, 0]);
    const a = bm25('analysis of sql', docs); // "analysis" is in two documents, "sql" in one
    expect(a[0]).toBeGreaterThan(a[1]!);
    expect(a[1]).toBeGreaterThan(0);
    expect(bm25('code review', docs).indexOf(Math.max(...bm25('code review', docs)))).toBe(2);
    expect(bm25('', docs)).toEqual([0, 0, 0, 0]);
    expect(bm25('x', [])).toEqual([]);
  });
});
