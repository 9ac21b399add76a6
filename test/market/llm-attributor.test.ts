// The LLM adapter against a local HTTP server that speaks the chat-completions API and returns
// canned critiques: a valid edit, a slow reply, malformed content, an HTTP error and an invalid edit.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAttributor, type AttributionInput } from '../../src/core/market/attribution.js';
import { naiveMechanism } from '../../src/core/market/mechanism.js';
import { llmAttributor, parseReply } from '../../src/runtime/llm-attributor.js';
import { evolveMechanism } from '../../src/sim/market/evolve.js';

/** ms a client waits for a reply the test server sends at once. */
const REPLY_MS = 10_000;
type Canned = { status?: number; delayMs?: number; content?: string; raw?: string };
let next: Canned[] = [];
const requests: { model: string; messages: { role: string; content: string }[] }[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push(JSON.parse(body));
      const c = next.shift() ?? { content: '{}' };
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(c.status ?? 200, { 'content-type': 'application/json' });
        res.end(
          c.raw ??
            JSON.stringify({
              id: 'x',
              object: 'chat.completion',
              choices: [{ index: 0, message: { role: 'assistant', content: c.content }, finish_reason: 'stop' }],
            }),
        );
      };
      if (c.delayMs) setTimeout(reply, c.delayMs);
      else reply();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const input: AttributionInput = {
  mechanism: naiveMechanism(),
  trajectories: [
    {
      kind: 'ic',
      family: 'withhold',
      description: 'agent 0 takes the award and never delivers',
      instance: 0,
      agent: 0,
      gain: 1.5,
      onTeam: true,
      teamSize: 4,
      pay: 2.4,
      slash: 0,
      bondLoss: 0,
      effortCost: 0,
      badProb: 1,
      sybilTiers: [],
      targetGoodProb: 0,
    },
  ],
  systemLoss: 1,
  taskValue: 12,
  rejected: [],
};

describe('LLM attributor (OpenAI-compatible chat completions)', () => {
  it('turns a JSON critique into an edit, and shows the model the clauses and trajectories', async () => {
    next = [
      {
        content:
          'Here is my edit:\n```json\n{"attribution": "withhold exploits reward.basis=award", "ops": [{"clause": "reward", "field": "basis", "value": "delivery"}]}\n```',
      },
    ];
    const r = await llmAttributor({ url, model: 'test-model' }).propose(input);
    expect(r).toEqual({
      ok: true,
      proposals: [
        {
          edit: { ops: [{ clause: 'reward', field: 'basis', value: 'delivery' }] },
          clauses: ['reward'],
          attribution: 'withhold exploits reward.basis=award',
        },
      ],
    });
    const req = requests.at(-1)!;
    expect(req.model).toBe('test-model');
    expect(req.messages[1]!.content).toContain('reward: rule=equal basis=award poolBp=8000');
    expect(req.messages[1]!.content).toContain('"family":"withhold"');
    expect(req.messages[1]!.content).toContain('slash.bad_work: bp in 0..10000');
  });

  it('reports a timeout, a malformed reply, an HTTP error and an invalid edit as typed failures', async () => {
    // Replies are expected within REPLY_MS (generous: a loaded machine); the timeout case has its own client
    // with a short limit against a server that answers later than that.
    const att = llmAttributor({ url, timeoutMs: REPLY_MS });
    next = [{ delayMs: 1000, content: '{}' }];
    expect(await llmAttributor({ url, timeoutMs: 150 }).propose(input)).toMatchObject({
      ok: false,
      failure: { code: 'TIMEOUT' },
    });
    next = [{ content: 'You should probably raise the deposit.' }];
    expect(await att.propose(input)).toMatchObject({ ok: false, failure: { code: 'MALFORMED' } });
    next = [{ content: '{"ops": [{"clause": "deposit", "field": "amount", "value": 5000},]}' }];
    expect(await att.propose(input)).toMatchObject({ ok: false, failure: { code: 'MALFORMED' } });
    next = [{ raw: '{"choices": []}' }];
    expect(await att.propose(input)).toMatchObject({ ok: false, failure: { code: 'MALFORMED' } });
    next = [{ status: 500, raw: 'overloaded' }];
    expect(await att.propose(input)).toMatchObject({ ok: false, failure: { code: 'HTTP' } });
    next = [{ content: '{"ops": [{"clause": "escrow", "field": "amount", "value": 1}]}' }];
    expect(await att.propose(input)).toMatchObject({ ok: false, failure: { code: 'INVALID_EDIT' } });
    next = [{ content: '{"ops": [{"clause": "deposit", "field": "amount", "value": -1}]}' }];
    expect(await att.propose(input)).toMatchObject({ ok: false, failure: { code: 'INVALID_EDIT' } });
    expect(
      await llmAttributor({ url: 'http://127.0.0.1:1/v1/chat/completions', timeoutMs: 2000 }).propose(input),
    ).toMatchObject({ ok: false, failure: { code: 'NETWORK' } });
    next = [{ content: '{"ops": 3}' }];
    expect(await att.propose(input)).toMatchObject({ ok: false, failure: { code: 'INVALID_EDIT' } });
    expect(parseReply('no braces here')).toEqual({ error: 'no JSON object in the reply' });
  });

  it('in the loop: a failed round falls back to the built-in attributor, or leaves the mechanism as it was', async () => {
    const llm = llmAttributor({ url, timeoutMs: REPLY_MS });
    next = [
      { content: 'not json' },
      {
        content: '{"attribution": "sybils pass tier 0", "ops": [{"clause": "tier", "field": "required", "value": 2}]}',
      },
    ];
    const withFallback = await evolveMechanism({ rounds: 2, seed: 5, attributor: llm, fallback: builtinAttributor() });
    expect(withFallback.rounds[0]!.failure).toMatch(/^MALFORMED/);
    expect(withFallback.rounds[0]!.attributor).toBe('builtin');
    expect(withFallback.rounds[0]!.accepted).toBe(true);
    expect(withFallback.rounds[1]!.failure).toBeUndefined();
    expect(withFallback.rounds[1]!.attribution).toBe('sybils pass tier 0');
    expect(withFallback.rounds[1]!.attributor).toMatch(/^llm/);

    next = [{ delayMs: 1000, content: '{}' }];
    const alone = await evolveMechanism({ rounds: 1, seed: 5, attributor: llmAttributor({ url, timeoutMs: 150 }) });
    expect(alone.rounds[0]).toMatchObject({ accepted: false, edit: '', version: 1 });
    expect(alone.rounds[0]!.failure).toMatch(/^TIMEOUT/);
    expect(alone.mechanism).toEqual(naiveMechanism());
  });
});
