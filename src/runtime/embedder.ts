// The embedder port of free-text discovery (docs/adapters.md "Discovery by meaning"): when the config names an
// OpenAI-compatible embeddings endpoint (llama.cpp's server started with --embeddings, Ollama, vLLM, a hosted
// API), a text query ranks candidates by the cosine similarity of its vector to each declaration's vector,
// combined with the node's BM25 ranking (src/core/gossip/bm25.ts). Vectors of declaration texts are cached by
// hash of the text (bounded, least recently used dropped first), so a query costs one request for the query
// and one for declarations not seen before. Any failure of the endpoint (unreachable, timeout, HTTP error,
// a reply that is not vectors of the right count) is a typed reason, counted, and named in the answer: the
// ranking falls back to BM25 alone and discovery goes on.

import { createHash } from 'node:crypto';
import type { EmbedderConfig } from '../core/api/adapters.js';
import { AdapterError } from './errors.js';
import type { Candidate } from '../core/types.js';
import { readSecret } from './adapters/index.js';
import { postJson } from './adapters/run.js';

/** Why a query was ranked by BM25 alone: the failures of ADAPTER_FAILURES an HTTP call can have. */
export const EMBEDDER_FAILURES = ['unreachable', 'timeout', 'status', 'malformed', 'oversize'] as const;
export type EmbedderFailure = (typeof EMBEDDER_FAILURES)[number];

/** How a discover answer was ranked (the `ranking` field of GET /discover). */
export type Ranking =
  | { readonly method: 'tags' | 'bm25' }
  | { readonly method: 'embedding'; readonly model: string }
  | {
      readonly method: 'bm25';
      readonly fallback: { readonly reason: EmbedderFailure; readonly message: string };
    };

export interface EmbedderStats {
  /** Requests to the endpoint by result: ok or the failure. */
  readonly requests: Readonly<Record<string, number>>;
  /** Queries ranked by BM25 alone because the endpoint failed, by reason. */
  readonly fallbacks: Readonly<Record<string, number>>;
  readonly cacheEntries: number;
  readonly cacheHits: number;
}

/** Inputs per request: a first query over a large pool is split so no request grows without bound. */
const BATCH = 64;
/** The largest reply read: 64 vectors of 4096 numbers written as JSON stay far below this. */
const REPLY_BYTES = 32 * 1024 * 1024;

/** The text of a declaration that is embedded: its text and its tags. */
export const embedText = (c: { readonly text: string; readonly tags: readonly string[] }) =>
  `${c.text}\n${c.tags.join(' ')}`;

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export class Embedder {
  private readonly cache = new Map<string, Float32Array>();
  private readonly requests: Record<string, number> = { ok: 0 };
  private readonly fallbacks: Record<string, number> = {};
  private hits = 0;
  private readonly headers: Record<string, string>;
  readonly url: string;

  constructor(readonly cfg: EmbedderConfig) {
    for (const f of EMBEDDER_FAILURES) this.requests[f] = this.fallbacks[f] = 0;
    const key = cfg.apiKey ?? (cfg.apiKeyFile ? readSecret(cfg.apiKeyFile, 'embedder.apiKeyFile') : undefined);
    this.headers = key ? { authorization: `Bearer ${key}` } : {};
    this.url = `${cfg.baseUrl.replace(/\/+$/, '')}/embeddings`;
  }

  stats(): EmbedderStats {
    return {
      requests: { ...this.requests },
      fallbacks: { ...this.fallbacks },
      cacheEntries: this.cache.size,
      cacheHits: this.hits,
    };
  }

  /** Vectors of `texts` (same order), from the cache or the endpoint; throws AdapterError. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const keys = texts.map((t) => createHash('sha256').update(this.cfg.model).update('\0').update(t).digest('hex'));
    const missing = [...new Set(keys.filter((k) => !this.cache.has(k)))];
    const textOf = new Map(keys.map((k, i) => [k, texts[i]!]));
    for (let i = 0; i < missing.length; i += BATCH) {
      const part = missing.slice(i, i + BATCH);
      const vs = await this.request(part.map((k) => textOf.get(k)!));
      part.forEach((k, j) => this.remember(k, vs[j]!));
    }
    return keys.map((k) => {
      const v = this.cache.get(k)!;
      if (!missing.includes(k)) this.hits++;
      this.cache.delete(k); // most recently used last
      this.cache.set(k, v);
      return v;
    });
  }

  private remember(k: string, v: Float32Array): void {
    this.cache.set(k, v);
    while (this.cache.size > this.cfg.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
  }

  private async request(input: string[]): Promise<Float32Array[]> {
    try {
      const l = { timeoutMs: this.cfg.timeoutMs, maxOutputBytes: REPLY_BYTES };
      const r = await postJson(this.url, { model: this.cfg.model, input }, this.headers, l);
      const out = parseVectors(this.url, Buffer.from(r.body).toString('utf8'), input.length);
      this.requests['ok']!++;
      return out;
    } catch (e) {
      if (e instanceof AdapterError) this.requests[e.failure] = (this.requests[e.failure] ?? 0) + 1;
      throw e;
    }
  }

  /**
   * Ranks `pool` (candidates with their BM25 score, 0 where no query word occurs) for `query`: score =
   * weight × cosine + (1 − weight) × BM25 / best BM25; kept when a query word occurs or the cosine reaches
   * minSimilarity. On a failure of the endpoint, the BM25 ranking alone and the reason.
   */
  async rank(query: string, pool: readonly Candidate[]): Promise<{ candidates: Candidate[]; ranking: Ranking }> {
    let vs: Float32Array[];
    try {
      vs = await this.embed([query, ...pool.map(embedText)]);
    } catch (e) {
      const err = e instanceof AdapterError ? e : new AdapterError('malformed', String(e));
      const reason = (EMBEDDER_FAILURES as readonly string[]).includes(err.failure)
        ? (err.failure as EmbedderFailure)
        : 'malformed';
      this.fallbacks[reason]!++;
      return { candidates: lexical(pool), ranking: { method: 'bm25', fallback: { reason, message: err.message } } };
    }
    const best = Math.max(0, ...pool.map((c) => c.score));
    const { weight, minSimilarity } = this.cfg;
    const candidates = pool
      .map((c, i) => ({ c, cos: cosine(vs[0]!, vs[i + 1]!) }))
      .filter(({ c, cos }) => c.score > 0 || cos >= minSimilarity)
      .map(({ c, cos }) => ({
        ...c,
        score: weight * Math.max(0, cos) + (1 - weight) * (best > 0 ? c.score / best : 0),
      }))
      .sort((a, b) => b.score - a.score || b.ts - a.ts);
    return { candidates, ranking: { method: 'embedding', model: this.cfg.model } };
  }
}

/** The BM25 ranking as the core gives it: candidates a query word occurs in, best first. */
export const lexical = (pool: readonly Candidate[]): Candidate[] =>
  pool.filter((c) => c.score > 0).sort((a, b) => b.score - a.score || b.ts - a.ts);

/** `{data: [{index, embedding: number[]}]}` with `n` vectors of one dimension, in index order. */
function parseVectors(url: string, text: string, n: number): Float32Array[] {
  const bad = (why: string) => new AdapterError('malformed', `POST ${url}: ${why}`);
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw bad(`reply is not JSON: ${text.slice(0, 80)}`);
  }
  const data = (j as { data?: unknown })?.data;
  if (!Array.isArray(data)) throw bad('reply has no data list');
  if (data.length !== n) throw bad(`reply has ${data.length} vectors for ${n} inputs`);
  const out = new Array<Float32Array>(n);
  let dim = -1;
  data.forEach((d: { index?: unknown; embedding?: unknown }, i) => {
    const e = d?.embedding;
    const at = typeof d?.index === 'number' ? d.index : i;
    if (!Array.isArray(e) || e.length === 0 || e.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
      throw bad(`vector ${i} is not a list of numbers`);
    if (dim >= 0 && e.length !== dim) throw bad(`vectors of ${dim} and ${e.length} dimensions`);
    if (!Number.isInteger(at) || at < 0 || at >= n || out[at]) throw bad(`vector ${i} has index ${String(at)}`);
    dim = e.length;
    out[at] = Float32Array.from(e as number[]);
  });
  return out;
}
