// The property test of "one source for every limit", against real nodes (SQLite, driver, MQTT, HTTP API):
// requests generated from the request tables (valid and with one defect each) go to an author's local API.
// Whatever it accepts it can read back (GET /declarations, field for field) and a peer decodes (no
// `malformed` rejection; each live capability is discovered there by its id); whatever it refuses is a 400
// naming the broken field. The author runs the rpi-zero2w profile, whose lower body limit applies.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DECLARATION,
  DISCOVER,
  MAX_TTL_MS,
  TASK_POST,
  WITHDRAW,
  type RequestSpec,
} from '../../src/core/api/requests.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import { invalidRequest, validRequest } from '../request-arb.js';
import { until } from './node-kit.js';

const quiet = createLogger({ level: 'error' });
const TOPICS = ['prop_a', 'prop_b'];
const opts = { topics: TOPICS, tagRoot: 'p' };
const LONG = fc.integer({ min: 600_000, max: MAX_TTL_MS });

type Reply = { status: number; json: any };
const call = (n: AgentNode, path: string, body?: unknown): Promise<Reply> =>
  fetch(`http://127.0.0.1:${n.apiPort}${path}`, {
    ...(body !== undefined
      ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
    signal: AbortSignal.timeout(10_000),
  }).then(async (r) => ({ status: r.status, json: await r.json() }));

/** A refusal names the field: 400 BAD_REQUEST, `error.field` as expected, the message starting with it. */
function expectRefused(r: Reply, field: string | RegExp): void {
  expect(r.status, JSON.stringify(r.json)).toBe(400);
  expect(r.json.error.code).toBe('BAD_REQUEST');
  if (typeof field === 'string') expect(r.json.error.field).toBe(field);
  else expect(r.json.error.field).toMatch(field);
  expect(r.json.error.message.startsWith(`${r.json.error.field}: `)).toBe(true);
}

describe('API property: accepted requests read back and decode on a peer; refused ones name the field', () => {
  let broker: EmbeddedBroker;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-props-'));
  let author: AgentNode;
  let peer: AgentNode;

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    const network = `props-${process.pid}`;
    const cfg = (n: string, extra: Record<string, unknown> = {}) =>
      loadConfig({ env: {}, flags: { dataDir: join(dir, n), network, broker: broker.url, ...extra } });
    author = await startNode(cfg('author', { profile: 'rpi-zero2w' }), { logger: quiet });
    peer = await startNode(cfg('peer'), { logger: quiet });
    // The peer wants every `p.*` capability in both topics: it pulls and decodes every such body.
    for (const topic of TOPICS)
      expect((await call(peer, '/announce', { kind: 'intent', topic, tags: ['p'], text: 'any' })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await author?.close();
    await peer?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('POST /announce', async () => {
    const limits = author.profile.limits;
    expect(limits.bodyBytes).toBe(32_768);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // Valid for long enough to be read back and discovered.
          validRequest(DECLARATION, limits, { ...opts, fixed: { ttlMs: LONG } }).map((request) => ({
            request,
            field: undefined,
          })),
          invalidRequest(DECLARATION, limits, opts),
        ),
        async ({ request, field }) => {
          const r = await call(author, '/announce', request);
          if (field !== undefined) {
            expectRefused(r, field);
            return;
          }
          if (r.status === 400) {
            // A request whose every field is valid is refused only for the size of its whole body.
            expectRefused(r, /^(text|constraints|skills|tools|sla|tags)$/);
            expect(r.json.error.message).toMatch(/the body would encode to \d+ bytes, over the limit of 32768/);
            return;
          }
          expect(r.status, JSON.stringify(r.json)).toBe(200);
          const own = (await call(author, '/declarations')).json.declarations.find(
            (d: { id: string }) => d.id === r.json.id,
          );
          const { ttlMs: _ttl, key, ...fields } = request;
          expect(own).toMatchObject(fields);
          expect(own.key).toBe(key ?? (request['tags'] as string[])[0]);
        },
      ),
      { numRuns: 120 },
    );
  }, 120_000);

  it('the peer decoded everything the author signed, and discovers each live capability by its id', async () => {
    const live = (await call(author, '/declarations')).json.declarations as Array<{
      id: string;
      kind: string;
      topic: string;
      tags: string[];
    }>;
    const caps = live.filter((d) => d.kind === 'capability' && d.tags.length > 0);
    expect(caps.length).toBeGreaterThan(3);
    await until(async () => {
      for (const c of caps) {
        const q = `/discover?tags=${c.tags[0]}&topic=${c.topic}&limit=500`;
        const found = (await call(peer, q)).json.candidates as Array<{ entryId: string }>;
        if (!found.some((x) => x.entryId === c.id)) return false;
      }
      return true;
    }, 60_000);
    const st = (await call(peer, '/status')).json;
    expect(st.rejected.malformed ?? 0).toBe(0);
    expect((await call(author, '/status')).json.storeUndecodable ?? 0).toBe(0);
  }, 90_000);
  it('POST /withdraw and POST /tasks', async () => {
    const limits = author.profile.limits;
    const cases: Array<[RequestSpec, string, Record<string, unknown>]> = [
      [WITHDRAW, '/withdraw', {}],
      [
        TASK_POST,
        '/tasks',
        {
          omit: ['mechanism'],
          // rater names an adapter of the node's config: the table checks its form, the node whether it exists
          fixed: { budget: fc.integer({ min: 0, max: 1000 }), rater: fc.constantFrom('auto', 'manual') },
        },
      ],
    ];
    for (const [spec, path, extra] of cases) {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            validRequest(spec, limits, { ...opts, ...extra }).map((request) => ({ request, field: undefined })),
            invalidRequest(spec, limits, { ...opts, ...extra }),
          ),
          async ({ request, field }) => {
            const r = await call(author, path, request);
            if (field === undefined) expect(r.status, `${path} ${JSON.stringify(r.json)}`).toBe(200);
            else expectRefused(r, field);
          },
        ),
        { numRuns: spec === TASK_POST ? 40 : 80 },
      );
    }
  }, 180_000);

  it('GET /discover: a query string that breaks its table is a 400 naming the parameter (tags=UPPER is no empty list)', async () => {
    const limits = author.profile.limits;
    // What a query string can carry: text. Each defect breaks one parameter of a valid query.
    const defects: Array<[string, string, string]> = [
      ['tags', 'UPPER', 'tags[0]'],
      ['tags', 'p.ok,a..b', 'tags[1]'],
      ['tags', 'p.ok,', 'tags[1]'],
      ['tags', Array.from({ length: limits.maxTags + 1 }, (_, i) => `t${i}`).join(','), 'tags'],
      ['topic', 'Bad Topic', 'topic'],
      ['text', 'x'.repeat(4097), 'text'],
      ['minTier', '9', 'minTier'],
      ['minTier', '1.5', 'minTier'],
      ['minTier', 'two', 'minTier'],
      ['limit', '0', 'limit'],
      ['limit', '501', 'limit'],
      ['minTrust', '-1', 'minTrust'],
      ['minTrust', 'Infinity', 'minTrust'],
      ['bogus', '1', 'bogus'],
    ];
    await fc.assert(
      fc.asyncProperty(
        validRequest(DISCOVER, limits, opts),
        fc.option(fc.constantFrom(...defects), { nil: undefined }),
        async (valid, defect) => {
          const q = new URLSearchParams();
          for (const [k, v] of Object.entries(valid)) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
          if (defect) q.set(defect[0], defect[1]);
          const r = await call(author, `/discover?${q}`);
          // Tags, a text with words, or both: a query with neither is refused naming tags.
          const empty = valid['tags'] === undefined && !/[\p{L}\p{N}]/u.test(String(valid['text'] ?? ''));
          if (defect) expectRefused(r, defect[2]);
          else if (empty) expectRefused(r, 'tags');
          else if (r.status === 404)
            expect(r.json.error).toMatchObject({ field: 'topic' }); // a topic not followed
          else expect(r.status, JSON.stringify(r.json)).toBe(200);
        },
      ),
      { numRuns: 80 },
    );
  }, 60_000);

  it('after the withdraws, the peer holds exactly the live capabilities of the author', async () => {
    const liveIds = async () =>
      new Set(
        ((await call(author, '/declarations')).json.declarations as Array<{ id: string; kind: string; tags: string[] }>)
          .filter((d) => d.kind === 'capability' && d.tags.length > 0)
          .map((d) => d.id),
      );
    const held = async () =>
      new Set(
        ((await call(peer, '/discover?tags=p&limit=500')).json.candidates as Array<{ author: string; entryId: string }>)
          .filter((c) => c.author === author.core.agentHex)
          .map((c) => c.entryId),
      );
    await until(async () => {
      const [a, b] = [await liveIds(), await held()];
      return a.size === b.size && [...a].every((x) => b.has(x));
    }, 60_000);
    expect((await call(peer, '/status')).json.rejected.malformed ?? 0).toBe(0);
  }, 90_000);
});
