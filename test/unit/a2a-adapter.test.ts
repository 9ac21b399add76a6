// The `a2a` worker adapter (docs/adapters.md "A2A agents as workers") against a real A2A agent built in the test with
// the official SDK's server side (test/a2a-agent.ts) on a loopback HTTP server: the agent answers the uppercase
// of the text as an artifact. The adapter gets the artefact through the node's Adapters (config tables
// included); every refusal is a typed failure with nothing delivered: an unreachable URL, a card with a bad
// signature, a card whose BAID extension binds another key, a FAILED task, a missing skill, a timeout, a bearer
// token checked.

import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAdapter } from '../../src/core/api/adapters.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { AdapterError } from '../../src/runtime/errors.js';
import { BAID_EXTENSION_URI, signCard } from '../../src/runtime/a2a/card.js';
import { Adapters, type TaskInput } from '../../src/runtime/adapters/index.js';
import { startUpperAgent, type UpperAgent } from '../a2a-agent.js';
import { DAY, identity } from '../helpers.js';

const NOW = Date.now();
const agent = identity('a2a-worker-agent', { notBefore: NOW - DAY, notAfter: NOW + DAY });
const other = identity('a2a-worker-other', { notBefore: NOW - DAY, notAfter: NOW + DAY });
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

const task = (text: string): TaskInput => ({
  id: 'c'.repeat(64),
  topic: 'text_upper',
  tags: ['text.upper'],
  text,
  budget: 100,
  requester: 'b'.repeat(64),
  deadline: Date.now() + 60_000,
});

async function failure(p: Promise<unknown>): Promise<{ failure: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AdapterError);
    return { failure: (e as AdapterError).failure, message: (e as Error).message };
  }
  throw new Error('the run succeeded');
}

describe('a2a worker adapter against an SDK-built A2A agent', () => {
  let ag: UpperAgent;
  const adapters = (a: Record<string, unknown>) =>
    new Adapters(
      { w: validateAdapter({ kind: 'a2a', url: ag.url, ...a }, DEFAULT_LIMITS, 'adapters.w.') },
      '/tmp',
      DEFAULT_LIMITS.bodyBytes,
    );

  beforeAll(async () => {
    ag = await startUpperAgent();
  });
  afterAll(() => ag.close());

  it('the config table takes an a2a adapter and refuses a bad one by field', () => {
    expect(validateAdapter({ kind: 'a2a', url: 'http://x' }, DEFAULT_LIMITS, 'adapters.w.')).toMatchObject({
      timeoutMs: 120_000,
      concurrency: 1,
      queue: 4,
    });
    expect(() => validateAdapter({ kind: 'a2a', url: 'ftp://x' }, DEFAULT_LIMITS, 'adapters.w.')).toThrow(
      'adapters.w.url: must be an absolute http:// or https:// URL',
    );
    expect(() =>
      validateAdapter({ kind: 'a2a', url: 'http://x', token: 'a', tokenFile: '/f' }, DEFAULT_LIMITS, 'adapters.w.'),
    ).toThrow('adapters.w.token: give token or tokenFile, not both');
  });

  it('delivers the artifact text of an unsigned card and of a card signed with its BAID binding', async () => {
    ag.served = ag.plain;
    expect(new TextDecoder().decode(await adapters({ skill: 'upper' }).work('w', task('hello a2a')))).toBe('HELLO A2A');
    const card = {
      ...ag.plain,
      capabilities: {
        ...(ag.plain['capabilities'] as object),
        extensions: [
          { uri: BAID_EXTENSION_URI, params: { agent: hexOf(agent.agentKey), binding: b64u(agent.binding) } },
        ],
      },
    };
    ag.served = await signCard(card, agent.agentSecret, agent.agentKey);
    const a = adapters({});
    expect(new TextDecoder().decode(await a.work('w', task('signed')))).toBe('SIGNED');
    expect(a.stats()[0]!.runs['ok']).toBe(1);
  });

  it('refuses a card with a bad signature or a binding for another key, sending nothing', async () => {
    const signed = await signCard(ag.plain, agent.agentSecret, agent.agentKey);
    ag.served = { ...signed, description: 'changed after signing' };
    const n = ag.sends;
    const bad = await failure(adapters({}).work('w', task('x')));
    expect(bad.failure).toBe('malformed');
    expect(bad.message).toMatch(/card refused: bad signature/);
    const card = {
      ...ag.plain,
      capabilities: {
        ...(ag.plain['capabilities'] as object),
        extensions: [
          { uri: BAID_EXTENSION_URI, params: { agent: hexOf(agent.agentKey), binding: b64u(other.binding) } },
        ],
      },
    };
    ag.served = await signCard(card, agent.agentSecret, agent.agentKey);
    const forOther = await failure(adapters({}).work('w', task('x')));
    expect(forOther.failure).toBe('malformed');
    expect(forOther.message).toMatch(/binding for another key/);
    ag.served = ag.plain;
    const noSkill = await failure(adapters({ skill: 'lower' }).work('w', task('x')));
    expect(noSkill.message).toMatch(/no skill "lower"/);
    expect(ag.sends).toBe(n);
  });

  it('maps a FAILED task to tool_error, an unreachable URL to unreachable, a slow agent to timeout', async () => {
    ag.served = ag.plain;
    const failed = await failure(adapters({}).work('w', task('fail: please')));
    expect(failed).toMatchObject({ failure: 'tool_error' });
    expect(failed.message).toMatch(/FAILED: cannot uppercase that/);
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const port = (gone.address() as { port: number }).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const unreachable = await failure(
      new Adapters(
        { w: validateAdapter({ kind: 'a2a', url: `http://127.0.0.1:${port}` }, DEFAULT_LIMITS, 'adapters.w.') },
        '/tmp',
        DEFAULT_LIMITS.bodyBytes,
      ).work('w', task('x')),
    );
    expect(unreachable.failure).toBe('unreachable');
    expect(unreachable.message).toMatch(/ECONNREFUSED/);
    const slow = await failure(adapters({ timeoutMs: 300 }).work('w', task('sleep: a while')));
    expect(slow).toMatchObject({ failure: 'timeout' });
  });

  it('ag.sends the bearer token; without it the agent answers 401 (status)', async () => {
    ag.served = ag.plain;
    ag.requiredToken = 'sesame';
    try {
      expect(await failure(adapters({}).work('w', task('x')))).toMatchObject({ failure: 'status' });
      expect(new TextDecoder().decode(await adapters({ token: 'sesame' }).work('w', task('open')))).toBe('OPEN');
    } finally {
      ag.requiredToken = undefined;
    }
  });
});
