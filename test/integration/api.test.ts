// The local API against its OpenAPI 3.1 document (src/runtime/api/openapi.json): two real nodes on an
// embedded broker; every route the server has is in the document and vice versa; every response's
// status is documented for its operation and its JSON body validates (ajv, JSON Schema 2020-12, the
// dialect of OpenAPI 3.1) against the documented schema; every operation is exercised.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../src/runtime/api/server.js';
import { ROUTES } from '../../src/runtime/api/routes.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';
import doc from '../../src/runtime/api/openapi.json' with { type: 'json' };
import { encodeRevocation, revocationToBeSigned, type Revocation } from '../../src/core/codec/attest.js';
import { decodeBinding } from '../../src/core/codec/binding.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { crypto, identity } from '../helpers.js';

const quiet = createLogger({ level: 'error' });
const paths = doc.paths as Record<
  string,
  Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }> }>
>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ ...doc, $id: 'openapi.json' });

/** The documented response for (template, method, status), with $ref to components resolved. */
function documented(template: string, method: string, status: number) {
  const ops = paths[template] ?? {};
  // A method the path does not have is answered 405, which each of the path's operations documents.
  const op = ops[method] ?? (status === 405 ? Object.values(ops)[0] : undefined);
  let r = op?.responses[String(status)];
  if (r?.$ref) r = (doc.components.responses as Record<string, typeof r>)[r.$ref.split('/').pop()!];
  return r;
}

const exercised = new Set<string>();

async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Calls the API and checks the answer against the document; returns status and parsed body. */
async function call(
  n: AgentNode,
  method: string,
  path: string,
  template: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`http://127.0.0.1:${n.apiPort}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const m = method.toLowerCase();
  const d = documented(template, m, res.status);
  expect(d, `${method} ${template} answered ${res.status}, which the document does not list`).toBeDefined();
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  const media = Object.keys(d!.content ?? {});
  expect(
    media.some((mt) => type.startsWith(mt)),
    `${method} ${template} ${res.status}: content-type ${type} not in ${media.join(', ')}`,
  ).toBe(true);
  let json: unknown;
  if (type.startsWith('application/json')) {
    json = JSON.parse(text);
    const pointer =
      res.status === 200
        ? `openapi.json#/paths/${template.replace(/~/g, '~0').replace(/\//g, '~1')}/${m}/responses/200/content/application~1json/schema`
        : 'openapi.json#/components/schemas/Error';
    const ok = ajv.validate({ $ref: pointer }, json);
    expect(ok, `${method} ${template} ${res.status}: ${ajv.errorsText()}`).toBe(true);
  }
  if (res.status === 200) exercised.add(`${method} ${template}`);
  return { status: res.status, json: json as Record<string, any>, text, headers: res.headers };
}

describe('local API vs its OpenAPI document', () => {
  let broker: EmbeddedBroker;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-api-'));
  const network = `api-${process.pid}-${Date.now() % 1e6}`;
  let alice: AgentNode;
  let bob: AgentNode;
  const start = (n: string, extra: Record<string, unknown> = {}) =>
    startNode(loadConfig({ env: {}, flags: { dataDir: join(dir, n), network, broker: broker.url, ...extra } }), {
      logger: quiet,
    });

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    alice = await start('alice');
    bob = await start('bob');
  });
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the route table and the document name the same operations', () => {
    const fromServer = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    const fromDoc = Object.entries(paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(fromServer).toEqual(fromDoc);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('announce, discover, peers, logs, declarations, verify and withdraw answer as documented', async () => {
    const cap = await call(bob, 'POST', '/announce', '/announce', {
      kind: 'capability',
      topic: 'data_analysis',
      tags: ['data.analysis.sql'],
      text: 'SQL analytics',
    });
    expect(cap.json).toMatchObject({ seq: 1, reused: false });
    await call(alice, 'POST', '/announce', '/announce', {
      kind: 'intent',
      topic: 'data_analysis',
      tags: ['data.analysis'],
      text: 'need SQL',
    });
    await until(
      async () =>
        (await call(alice, 'GET', '/discover?tags=data.analysis', '/discover')).json['candidates'].length === 1,
    );
    const peers = (await call(alice, 'GET', '/peers', '/peers')).json['peers'] as Array<Record<string, unknown>>;
    expect(peers.map((p) => p['agent'])).toEqual([bob.core.agentHex]);
    expect(peers[0]!['tier']).toBe(2);
    expect(typeof peers[0]!['lastSeen']).toBe('number');
    expect(peers[0]!['liveness']).toMatchObject({ state: 'online', since: expect.any(Number) });
    const logs = (await call(alice, 'GET', '/logs', '/logs')).json['logs'] as Array<Record<string, unknown>>;
    expect(
      logs
        .map((l) => `${(l['author'] as string) === bob.core.agentHex ? 'bob' : 'alice'}/${l['topic']}/${l['seq']}`)
        .sort(),
    ).toEqual(['alice/data_analysis/1', 'bob/data_analysis/1']);
    const decl = (await call(bob, 'GET', '/declarations', '/declarations')).json['declarations'] as Array<
      Record<string, unknown>
    >;
    expect(decl.map((d) => d['text'])).toEqual(['SQL analytics']);

    const v2 = await call(alice, 'GET', `/verify/${bob.core.agentHex}?tier=2`, '/verify/{agentKey}');
    expect(v2.json).toMatchObject({ known: true, tier: 2, meets: true, required: 2 });
    const v3 = await call(alice, 'GET', `/verify/${bob.core.agentHex}?tier=3`, '/verify/{agentKey}');
    expect(v3.json).toMatchObject({ tier: 2, meets: false });
    const unknown = await call(alice, 'GET', `/verify/${'ab'.repeat(32)}`, '/verify/{agentKey}');
    expect(unknown.json).toMatchObject({ known: false, tier: 0, meets: false });

    // Alice's event stream must carry the withdraw as it happens.
    const ac = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${alice.apiPort}/events`, { signal: ac.signal });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    const w = await call(bob, 'POST', '/withdraw', '/withdraw', { topic: 'data_analysis' });
    expect(w.json['seq']).toBe(2);
    let buf = '';
    while (!/event: withdrawn\n/.test(buf)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
    }
    ac.abort();
    expect(JSON.parse(/event: withdrawn\ndata: (.*)\n/.exec(buf)![1]!)).toEqual({
      type: 'withdrawn',
      author: bob.core.agentHex,
      topic: 'data_analysis',
    });
    expect((await call(alice, 'GET', '/discover?tags=data.analysis', '/discover')).json['candidates']).toEqual([]);
  });

  it('status, openapi, metrics and the status page answer as documented', async () => {
    const st = await call(alice, 'GET', '/status', '/status');
    expect(st.json['link'].state).toBe('up');
    const o = await call(alice, 'GET', '/openapi.json', '/openapi.json');
    expect(o.json).toEqual(doc);
    const m = await call(alice, 'GET', '/metrics', '/metrics', undefined, { accept: 'application/openmetrics-text' });
    expect(m.text).toMatch(/^agentnet_verifications_total\{tier="T2"\} \d+$/m);
    expect(m.text.endsWith('# EOF\n')).toBe(true);
    const plain = await call(alice, 'GET', '/metrics', '/metrics');
    expect([plain.headers.get('content-type'), plain.text.includes('# EOF')]).toEqual([
      'text/plain; version=0.0.4; charset=utf-8',
      false,
    ]);
    const tr = await call(alice, 'GET', '/trust?topic=data_analysis', '/trust');
    expect(tr.json).toMatchObject({ topic: 'data_analysis', status: { epochs: 0 } });
    expect((await call(alice, 'GET', '/trust', '/trust')).json['entries']).toBeUndefined();
    expect((await call(alice, 'GET', '/trust?topic=Bad!', '/trust')).status).toBe(400);
    const page = await call(alice, 'GET', '/', '/');
    expect(page.text).toContain('<table id="peers">');
  });

  it('streams core events over SSE', async () => {
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${bob.apiPort}/events`, { signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    exercised.add('GET /events');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    bob.announce({ kind: 'state', topic: 'data_analysis', tags: ['data.analysis.sql'], text: 'busy' });
    let buf = '';
    while (!/event: appended\ndata: .*"own":true/.test(buf)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
    }
    ac.abort();
    const data = JSON.parse(/event: appended\ndata: (.*)\n/.exec(buf)![1]!);
    expect(data).toMatchObject({ type: 'appended', author: bob.core.agentHex, topic: 'data_analysis', own: true });
  });

  it('errors carry stable codes and documented statuses', async () => {
    expect(
      (await call(alice, 'POST', '/announce', '/announce', '{"kind":"capability","topic":"BAD"}')).json['error'].code,
    ).toBe('BAD_REQUEST');
    expect((await call(alice, 'POST', '/announce', '/announce', 'not json')).json['error'].code).toBe('BAD_REQUEST');
    expect((await call(alice, 'POST', '/announce', '/announce', 'x'.repeat(200 * 1024))).json['error'].code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect((await call(alice, 'POST', '/withdraw', '/withdraw', { topic: 'Nope!' })).status).toBe(400);
    expect((await call(alice, 'GET', '/discover', '/discover')).status).toBe(400);
    expect((await call(alice, 'GET', '/discover?tags=a&minTier=9', '/discover')).status).toBe(400);
    expect((await call(alice, 'GET', '/verify/xyz', '/verify/{agentKey}')).status).toBe(400);
    expect((await call(alice, 'GET', `/verify/${'ab'.repeat(32)}?tier=7`, '/verify/{agentKey}')).status).toBe(400);
    const del = await call(alice, 'DELETE', '/status', '/status');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    const nf = await fetch(`http://127.0.0.1:${alice.apiPort}/reputation`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('HEAD answers wherever GET does, with its status and headers and no body; //status is not the page', async () => {
    const base = `http://127.0.0.1:${alice.apiPort}`;
    for (const p of ['/', '/status', '/peers', '/metrics', '/openapi.json', '/events', '/tasks', '/ledger']) {
      const [g, h] = [
        await fetch(`${base}${p}`, { signal: AbortSignal.timeout(2000) }),
        await fetch(`${base}${p}`, { method: 'HEAD' }),
      ];
      expect([p, h.status, h.headers.get('content-type')]).toEqual([p, g.status, g.headers.get('content-type')]);
      expect(await h.text()).toBe('');
      await g.body?.cancel();
    }
    expect((await fetch(`${base}/nope`, { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${base}/announce`, { method: 'HEAD' })).status).toBe(405);
    // A path starting with // is a path, not a host: nothing lives there.
    for (const p of ['//status', '//', '//evil.example/status']) {
      const r = await fetch(`${base}${p}`);
      expect([p, r.status, r.headers.get('content-type')]).toEqual([p, 404, 'application/json']);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
  });

  it('task and ledger routes answer as documented (an agent layer posting, bidding, delivering and rating)', async () => {
    const manual = { tasks: { worker: 'manual', rate: 'manual', retryMs: 200 } };
    const carol = await start('carol', manual);
    const dave = await start('dave', {
      ...manual,
      declarations: [
        { kind: 'capability', topic: 'code_review_security', tags: ['code.review.security'], text: 'audits' },
      ],
    });
    try {
      await call(carol, 'POST', '/announce', '/announce', {
        kind: 'intent',
        topic: 'code_review_security',
        tags: ['code.review'],
        text: 'need a review',
      });
      await until(() => carol.discover({ tags: ['code.review'] }).length === 1);
      // An agent layer learns of invitations from the event stream.
      const ac = new AbortController();
      const stream = await fetch(`http://127.0.0.1:${dave.apiPort}/events`, { signal: ac.signal });
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      const t = await call(carol, 'POST', '/tasks', '/tasks', {
        topic: 'code_review_security',
        tags: ['code.review'],
        text: 'review this diff',
        budget: 3000,
        bidWindowMs: 4000, // room for the steps below (SSE, two 409s, two bids) on a loaded machine
      });
      const id = t.json['id'] as string;
      expect(t.json).toMatchObject({ state: 'open', role: 'requester', deposit: 300 });
      let buf = '';
      while (!/event: task\ndata: .*"state":"invited"/.test(buf)) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
      }
      ac.abort();
      expect(JSON.parse(/event: task\ndata: (.*)\n/.exec(buf)![1]!)).toEqual({
        type: 'task',
        id,
        role: 'worker',
        state: 'invited',
        topic: 'code_review_security',
      });
      expect((await call(dave, 'GET', '/tasks', '/tasks')).json['tasks'].length).toBe(1);
      // Delivering before the award is a state conflict (409), as is rating a task that is not ours.
      const early = await call(dave, 'POST', `/tasks/${id}/deliver`, '/tasks/{id}/deliver', { artefact: 'x' });
      expect([early.status, early.json['error'].code]).toEqual([409, 'CONFLICT']);
      expect((await call(dave, 'POST', `/tasks/${id}/rate`, '/tasks/{id}/rate', { outcome: 1 })).status).toBe(409);
      expect((await call(dave, 'POST', `/tasks/${id}/bid`, '/tasks/{id}/bid', { price: 1500 })).json['state']).toBe(
        'bidding',
      );
      // A bid is revised until the bid window closes; the requester keeps the latest.
      expect((await call(dave, 'POST', `/tasks/${id}/bid`, '/tasks/{id}/bid', { price: 1200 })).json).toMatchObject({
        state: 'bidding',
        myBid: 1200,
        myBids: [1500, 1200],
      });
      await until(async () => (await call(dave, 'GET', `/tasks/${id}`, '/tasks/{id}')).json['state'] === 'awarded');
      expect((await call(carol, 'GET', `/tasks/${id}`, '/tasks/{id}')).json).toMatchObject({ price: 1200 });
      const late = await call(dave, 'POST', `/tasks/${id}/bid`, '/tasks/{id}/bid', { price: 1000 });
      expect([late.status, late.json['error'].code]).toEqual([409, 'CONFLICT']);
      expect(
        (await call(dave, 'POST', `/tasks/${id}/deliver`, '/tasks/{id}/deliver', { artefact: 'LGTM' })).json['state'],
      ).toBe('delivering');
      await until(async () => (await call(carol, 'GET', `/tasks/${id}`, '/tasks/{id}')).json['state'] === 'delivered');
      expect((await call(carol, 'GET', `/tasks/${id}/artefact`, '/tasks/{id}/artefact')).text).toBe('LGTM');
      expect((await call(carol, 'POST', `/tasks/${id}/rate`, '/tasks/{id}/rate', { outcome: 500 })).json['state']).toBe(
        'rated',
      );
      // The long poll answers with the next state (settled once dave co-signs), or unchanged at its timeout.
      const next = await call(carol, 'GET', `/tasks/${id}/next?after=rated&timeoutMs=60000`, '/tasks/{id}/next');
      expect(next.json).toMatchObject({ changed: true, task: { id, state: 'settled' } });
      const still = await call(carol, 'GET', `/tasks/${id}/next?timeoutMs=100`, '/tasks/{id}/next');
      expect(still.json).toMatchObject({ changed: false, task: { state: 'settled' } });
      expect((await call(carol, 'GET', `/tasks/${id}/next?timeoutMs=x`, '/tasks/{id}/next')).json.error).toMatchObject({
        code: 'BAD_REQUEST',
        field: 'timeoutMs',
      });
      // Filters and the compact view.
      const compact = await call(carol, 'GET', '/tasks?state=settled&role=requester&view=compact', '/tasks');
      expect(compact.json['tasks']).toEqual([
        {
          id,
          role: 'requester',
          state: 'settled',
          topic: 'code_review_security',
          text: 'review this diff',
          budget: 3000,
          price: 1200,
          outcome: 500,
          worker: dave.core.agentHex,
        },
      ]);
      expect((await call(carol, 'GET', '/tasks?role=worker', '/tasks')).json['tasks']).toEqual([]);
      expect((await call(carol, 'GET', '/tasks?state=nope', '/tasks', undefined)).status).toBe(400);
      // Topics followed at runtime.
      expect((await call(carol, 'POST', '/follow', '/follow', { topic: 'creative_writing' })).json).toMatchObject({
        changed: true,
      });
      const un = await call(carol, 'POST', '/unfollow', '/unfollow', { topic: 'creative_writing' });
      expect(un.json).toMatchObject({ changed: true });
      expect(un.json['followed']).not.toContain('creative_writing');
      expect((await call(carol, 'POST', '/follow', '/follow', { topic: 'Bad Topic' })).status).toBe(400);
      const l = await call(dave, 'GET', '/ledger', '/ledger');
      expect(l.json).toMatchObject({ self: dave.core.agentHex, balance: 100_000 + 600, totals: { sum: 0, burned: 0 } });
      // bad requests: codes and documented statuses
      expect(
        (await call(carol, 'POST', '/tasks', '/tasks', { topic: 'code_review_security', tags: ['x'] })).status,
      ).toBe(400);
      expect(
        (
          await call(carol, 'POST', '/tasks', '/tasks', {
            topic: 'code_review_security',
            tags: ['x'],
            budget: 5,
            mechanism: { version: 0 },
          })
        ).status,
      ).toBe(400);
      expect((await call(carol, 'POST', `/tasks/${id}/rate`, '/tasks/{id}/rate', { outcome: 500 })).status).toBe(409); // settled already
      expect((await call(carol, 'POST', `/tasks/${id}/rate`, '/tasks/{id}/rate', { outcome: 5000 })).status).toBe(400); // out of range
      expect((await call(carol, 'GET', `/tasks/${'ab'.repeat(32)}`, '/tasks/{id}')).status).toBe(404);
      expect((await call(carol, 'GET', '/tasks/xyz', '/tasks/{id}')).status).toBe(400);
    } finally {
      await carol.close();
      await dave.close();
    }
  }, 60_000);

  it('POST /revocations checks a revocation, publishes it, and refuses a forged one', async () => {
    const zed = identity('zed'); // an agent neither node has met: its revocation is kept and travels
    const b = decodeBinding(zed.binding, DEFAULT_LIMITS).binding;
    const r: Revocation = {
      operatorKey: b.operatorKey,
      baid: b.baid,
      agentKey: b.agentKey,
      reason: 'key leaked',
      ts: Date.now(),
    };
    const sign = (secret: Uint8Array) =>
      Buffer.from(encodeRevocation(r, crypto.signer.sign(secret, revocationToBeSigned(r)))).toString('hex');
    const forged = await call(alice, 'POST', '/revocations', '/revocations', {
      revocation: sign(identity('mallory').operatorSecret),
    });
    expect(forged.status).toBe(400);
    expect(forged.json['error'].message).toMatch(/bad_signature/);
    expect((await call(alice, 'POST', '/revocations', '/revocations', { revocation: 'xyz' })).status).toBe(400);
    const ok = await call(alice, 'POST', '/revocations', '/revocations', { revocation: sign(zed.operatorSecret) });
    expect(ok.json).toEqual({
      agent: b.agentKey.reduce((h, x) => h + x.toString(16).padStart(2, '0'), ''),
      at: r.ts,
      fresh: true,
    });
    await until(() => bob.core.revocations.size === 1);
    expect((await call(alice, 'GET', '/status', '/status')).json['revocations']).toMatchObject({
      kept: 1,
      published: 1,
    });
  });

  it('A2A: the card, the directory and the JSON-RPC endpoint answer as documented', async () => {
    await call(bob, 'POST', '/announce', '/announce', {
      kind: 'capability',
      topic: 'a2a_doc',
      tags: ['a2a.doc'],
      text: 'documented',
    });
    await call(alice, 'POST', '/announce', '/announce', {
      kind: 'intent',
      topic: 'a2a_doc',
      tags: ['a2a'],
      text: 'need',
    });
    const card = await call(bob, 'GET', '/.well-known/agent-card.json', '/.well-known/agent-card.json');
    expect(card.json['skills'].map((k: { id: string }) => k.id)).toContain('a2a_doc/a2a.doc');
    expect(card.headers.get('cache-control')).toMatch(/max-age/);
    await until(async () => {
      const r = await call(alice, 'GET', '/a2a/agents?tags=a2a', '/a2a/agents');
      return r.json['agents'].some((a: { agent: string }) => a.agent === bob.core.agentHex);
    });
    const bad = await call(alice, 'GET', '/a2a/agents?tags=UPPER', '/a2a/agents');
    expect(bad.json['error']).toMatchObject({ code: 'BAD_REQUEST', field: 'tags[0]' });
    const rpc = await call(
      alice,
      'POST',
      '/a2a',
      '/a2a',
      { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: '00'.repeat(32) } },
      { 'content-type': 'application/json', 'a2a-version': '1.0' },
    );
    expect(rpc.json['error']).toMatchObject({ code: -32001 });
  });

  it('every documented operation was exercised with a 200', () => {
    const all = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(all.filter((o) => !exercised.has(o))).toEqual([]);
  });
});

describe('API access control', () => {
  // A node that is never reached: these tests are about binding and the token, decided before any route.
  const idleNode = {
    logger: quiet,
    status: () => ({}),
    announceGrouped: async () => ({ id: '', seq: 1, bodyHash: '', reused: false }),
    withdraw: () => ({ id: '', seq: 1, bodyHash: '' }),
    limits: DEFAULT_LIMITS,
    discover: () => [],
    discoverRanked: async () => ({ candidates: [], ranking: { method: 'bm25' } }),
    peers: () => [],
    logs: () => [],
    declarations: () => [],
    verifiedTier: () => ({ known: false, tier: 0, quarantined: false }),
    publishRevocation: () => ({ ok: false as const, reason: 'malformed', detail: 'unused' }),
    trust: () => ({}),
    metrics: () => {
      throw new Error('unused');
    },
    tasks: undefined as never, // never reached either
    follow: () => ({ followed: [], changed: false }),
    followed: () => [],
  };

  it('refuses to bind off loopback without a token', async () => {
    await expect(startApi(idleNode, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/CONFIG_INVALID.*not loopback/);
  });

  it('requires the bearer token when one is configured, comparing it exactly', async () => {
    const token = 'x'.repeat(12) + 'secret-token';
    const api = await startApi(idleNode, { host: '127.0.0.1', port: 0, token });
    try {
      const url = `http://127.0.0.1:${api.port}/logs`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ logs: [] });
    } finally {
      await api.close();
    }
  });

  it('reads the token from AGENTNET_API_TOKEN and rejects short ones', () => {
    expect(loadConfig({ env: { AGENTNET_API_TOKEN: 'a-long-enough-token' } }).apiToken).toBe('a-long-enough-token');
    expect(() => loadConfig({ env: { AGENTNET_API_TOKEN: 'short' } })).toThrow(/apiToken/);
  });
});
