// Free-text discovery through the embedder port (docs/adapters.md "Discovery by meaning"). No embeddings
// service is reachable from the machines these tests run on, so test/openai-compat.ts implements the
// protocol's counterpart (POST /v1/embeddings over a small concept space: "database questions" is near "SQL
// analytics" though they share no word). Four nodes on an embedded broker: a requester whose config names the
// embedder, and three workers. A query with no word in common with any declaration finds the right one by
// meaning where BM25 alone finds nothing; then each failure of the endpoint (HTTP error, not JSON, no data,
// too few vectors, not numbers, no answer in time, nothing listening) falls back to BM25 with its typed
// reason in the answer and in /metrics, and the node goes on answering.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import type { AgentNode } from '../../src/runtime/node.js';
import { Embedder } from '../../src/runtime/embedder.js';
import { startOpenAiServer, type OpenAiServer } from '../openai-compat.js';
import { api, NodeFleet, until } from './node-kit.js';

const TOPIC = 'services';
const WORKERS = {
  sql: { tags: ['svc.sql'], text: 'SQL analytics over Postgres tables' },
  review: { tags: ['svc.review'], text: 'code review for security bugs' },
  images: { tags: ['svc.images'], text: 'photo resizing and thumbnails' },
};

type Answer = {
  candidates: Array<{ author: string; tags: string[]; score: number }>;
  ranking: { method: string; model?: string; fallback?: { reason: string; message: string } };
};

describe('discovery by meaning: an OpenAI-compatible embeddings endpoint, BM25 on its failure', () => {
  const fleet = new NodeFleet('embed');
  const dir = fleet.dir;
  let broker: EmbeddedBroker;
  let llm: OpenAiServer;
  let req: AgentNode;
  const agents: Record<string, string> = {};

  const start = (name: string, file: Record<string, unknown>) => fleet.start(name, file);
  const ask = async (text: string) => {
    const r = await api(req, `/discover?topic=${TOPIC}&text=${encodeURIComponent(text)}`);
    expect(r.status).toBe(200);
    return r.json as Answer;
  };
  const metric = async (line: RegExp) =>
    (await fetch(`http://127.0.0.1:${req.apiPort}/metrics`).then((r) => r.text()))
      .split('\n')
      .find((l) => line.test(l));

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    fleet.brokerUrl = broker.url;
    llm = await startOpenAiServer();
    writeFileSync(join(dir, 'key'), 'embed-key\n');
    for (const [name, w] of Object.entries(WORKERS)) {
      const n = await start(name, {
        follow: [TOPIC],
        declarations: [{ kind: 'capability', topic: TOPIC, ...w }],
      });
      agents[name] = n.status().agent;
    }
    req = await start('req', {
      declarations: [{ kind: 'intent', topic: TOPIC, tags: ['svc'], text: 'any service' }],
      embedder: { baseUrl: llm.baseUrl, model: 'concepts', apiKeyFile: join(dir, 'key'), timeoutMs: 1500 },
    });
    await until(async () => (await api(req, `/discover?topic=${TOPIC}&tags=svc`)).json.candidates.length === 3, 60_000);
  }, 90_000);

  afterAll(async () => {
    await fleet.close();
    await llm.close();
    await broker.close();
  });

  it('a query sharing no word with a declaration finds it by meaning; BM25 alone finds nothing', async () => {
    const a = await ask('database questions');
    expect(a.ranking).toEqual({ method: 'embedding', model: 'concepts' });
    expect(a.candidates.map((c) => c.author)).toEqual([agents['sql']]);
    const last = llm.embeddings.at(-1)!;
    expect(last).toMatchObject({ model: 'concepts', auth: 'Bearer embed-key' });
    // Lexical ranking of the same pool (a node without an embedder answers this): no word in common.
    const tags = await api(req, `/discover?topic=${TOPIC}&tags=svc`);
    expect(tags.json.ranking).toEqual({ method: 'tags' });
    // A word that occurs still counts: "review" ranks the reviewer first, by both measures.
    expect((await ask('please review my source')).candidates[0]!.author).toBe(agents['review']);
  });

  it('declaration vectors are cached by text: a second query sends only the query', async () => {
    const before = llm.embeddings.length;
    await ask('resize my pictures');
    const sent = llm.embeddings.slice(before).flatMap((r) => r.input);
    expect(sent).toEqual(['resize my pictures']);
    expect(Number((await metric(/^agentnet_embedder_cache_hits_total /))!.split(' ')[1])).toBeGreaterThanOrEqual(3);
    expect(await metric(/^agentnet_embedder_cache_entries /)).toBeDefined();
  });

  it.each([
    ['status', 'status', /HTTP 503: .*--embeddings/],
    ['garbage', 'malformed', /reply is not JSON/],
    ['malformed', 'malformed', /no data list/],
    ['short', 'malformed', /vectors for \d+ inputs/],
    ['nan', 'malformed', /not a list of numbers/],
    ['slow', 'timeout', /no response within 1500 ms/],
  ])(
    'an endpoint answering as %s falls back to BM25 with reason %s',
    async (mode, reason, message) => {
      llm.embeddingsMode = mode;
      try {
        const a = await ask(`review code ${mode}`); // a new query text: never in the cache
        expect(a.ranking.method).toBe('bm25');
        expect(a.ranking.fallback!.reason).toBe(reason);
        expect(a.ranking.fallback!.message).toMatch(message);
        expect(a.candidates.map((c) => c.author)).toEqual([agents['review']]); // BM25's answer
        expect(
          await metric(new RegExp(`^agentnet_discover_fallbacks_total\\{reason="${reason}"\\} [1-9]`)),
        ).toBeDefined();
      } finally {
        delete llm.embeddingsMode;
      }
    },
    20_000,
  );

  it('an unreachable endpoint falls back too, and the node keeps answering', async () => {
    await llm.close();
    const a = await ask('database questions again');
    expect(a.ranking.fallback).toMatchObject({
      reason: 'unreachable',
      message: expect.stringContaining('/v1/embeddings'),
    });
    expect(a.candidates).toEqual([]); // no word in common: BM25 has nothing to offer
    expect(await metric(/^agentnet_embedder_requests_total\{result="unreachable"\} [1-9]/)).toBeDefined();
    expect((await api(req, '/status')).status).toBe(200);
  });

  it('a bad embedder config is refused by field name', () => {
    const validEmbedder = {
      baseUrl: 'http://x/v1',
      model: 'm',
      timeoutMs: 1,
      cacheEntries: 1,
      weight: 0,
      minSimilarity: 0,
    };
    const bad = (embedder: unknown) => {
      const path = join(dir, 'bad.json');
      writeFileSync(path, JSON.stringify({ embedder }));
      return () => loadConfig({ file: path, env: {} });
    };
    expect(bad({ baseUrl: 'ftp://x', model: 'm' })).toThrow(/"embedder\.baseUrl" must be an absolute http/);
    expect(bad({ baseUrl: 'http://x/v1' })).toThrow(/"embedder\.model"/);
    expect(bad({ baseUrl: 'http://x/v1', model: 'm', weight: 1.5 })).toThrow(
      /"embedder\.weight" must be a number 0\.\.1/,
    );
    expect(bad({ baseUrl: 'http://x/v1', model: 'm', apiKey: 'a', apiKeyFile: 'f' })).toThrow(/not both/);
    expect(() => new Embedder({ ...validEmbedder, apiKeyFile: join(dir, 'no-such-key') })).toThrow(
      /CONFIG_INVALID.*embedder\.apiKeyFile: cannot read/,
    );
  });

  it('the cache is bounded: the least recently used vector goes first', async () => {
    const server = await startOpenAiServer();
    try {
      const e = new Embedder({
        baseUrl: server.baseUrl,
        model: 'm',
        timeoutMs: 2000,
        cacheEntries: 2,
        weight: 0.7,
        minSimilarity: 0.3,
      });
      await e.embed(['a sql table', 'code review']);
      await e.embed(['a sql table']); // hit: now the most recent
      await e.embed(['photo resize']); // evicts "code review"
      expect(e.stats().cacheEntries).toBe(2);
      const before = server.embeddings.length;
      await e.embed(['a sql table', 'code review']);
      expect(server.embeddings.slice(before).flatMap((r) => r.input)).toEqual(['code review']);
    } finally {
      await server.close();
    }
  });
});
