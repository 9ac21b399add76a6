// The `a2a` worker adapter (docs/adapters.md "A2A agents as workers") against a real A2A agent built in the test with
// the official SDK's server side (@a2a-js/sdk/server: DefaultRequestHandler, InMemoryTaskStore,
// JsonRpcTransportHandler) on a loopback HTTP server: the agent answers the uppercase of the text as an
// artifact. The adapter gets the artefact through the node's Adapters (config tables included); every refusal
// is a typed failure with nothing delivered: an unreachable URL, a card with a bad signature, a card whose
// BAID extension binds another key, a FAILED task, a missing skill, a timeout, a bearer token checked.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { AgentCard, Role, TaskState, type Task } from '@a2a-js/sdk';
import {
  AgentEvent,
  DefaultRequestHandler,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  ServerCallContext,
  type AgentExecutor,
} from '@a2a-js/sdk/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAdapter } from '../../src/core/codec/adapters.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { AdapterError } from '../../src/core/errors.js';
import { BAID_EXTENSION_URI, signCard } from '../../src/runtime/a2a/card.js';
import { Adapters, type TaskInput } from '../../src/runtime/adapters/index.js';
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

/** The uppercase agent: "fail: ..." fails the task, "sleep: ..." takes 5 s, anything else is uppercased. */
const executor: AgentExecutor = {
  async execute(ctx, bus) {
    const text = ctx.userMessage.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
    const status = (state: TaskState, why = '') => ({
      state,
      message: why
        ? {
            messageId: `s-${Math.random()}`,
            contextId: ctx.contextId,
            taskId: ctx.taskId,
            role: Role.ROLE_AGENT,
            parts: [
              { content: { $case: 'text' as const, value: why }, metadata: undefined, filename: '', mediaType: '' },
            ],
            metadata: undefined,
            extensions: [],
            referenceTaskIds: [],
          }
        : undefined,
      timestamp: new Date().toISOString(),
    });
    const t: Task = {
      id: ctx.taskId,
      contextId: ctx.contextId,
      status: status(TaskState.TASK_STATE_WORKING),
      artifacts: [],
      history: [],
      metadata: undefined,
    };
    bus.publish(AgentEvent.task(t));
    if (text.startsWith('sleep:')) await new Promise((r) => setTimeout(r, 5000));
    if (text.startsWith('fail:')) {
      bus.publish(
        AgentEvent.statusUpdate({
          taskId: ctx.taskId,
          contextId: ctx.contextId,
          status: status(TaskState.TASK_STATE_FAILED, 'cannot uppercase that'),
          metadata: undefined,
        }),
      );
    } else {
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId: ctx.taskId,
          contextId: ctx.contextId,
          artifact: {
            artifactId: 'upper',
            name: 'upper',
            description: '',
            parts: [
              {
                content: { $case: 'text', value: text.toUpperCase() },
                metadata: undefined,
                filename: '',
                mediaType: 'text/plain',
              },
            ],
            metadata: undefined,
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }),
      );
      bus.publish(
        AgentEvent.statusUpdate({
          taskId: ctx.taskId,
          contextId: ctx.contextId,
          status: status(TaskState.TASK_STATE_COMPLETED),
          metadata: undefined,
        }),
      );
    }
    bus.finished();
  },
  async cancelTask() {},
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('a2a worker adapter against an SDK-built A2A agent', () => {
  let server: Server;
  let url: string;
  /** What the server serves as its card (changed per test). */
  let served: Record<string, unknown>;
  let plain: Record<string, unknown>;
  let requiredToken: string | undefined;
  let sends = 0;

  const adapters = (a: Record<string, unknown>) =>
    new Adapters(
      { w: validateAdapter({ kind: 'a2a', url, ...a }, DEFAULT_LIMITS, 'adapters.w.') },
      '/tmp',
      DEFAULT_LIMITS.bodyBytes,
    );

  beforeAll(async () => {
    server = createServer((req, res) => {
      void (async () => {
        if (requiredToken && req.headers.authorization !== `Bearer ${requiredToken}`) {
          res.writeHead(401).end();
          return;
        }
        if (req.method === 'GET' && req.url === '/.well-known/agent-card.json') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
          return;
        }
        if (req.method === 'POST' && req.url === '/a2a') {
          sends++;
          const handler = new DefaultRequestHandler(AgentCard.fromJSON(plain), new InMemoryTaskStore(), executor);
          const ctx = new ServerCallContext({ requestedVersion: (req.headers['a2a-version'] as string) ?? '' });
          const out = await new JsonRpcTransportHandler(handler).handle(JSON.parse(await body(req)), ctx);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
          return;
        }
        res.writeHead(404).end();
      })();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    url = `http://127.0.0.1:${port}`;
    plain = {
      name: 'uppercase agent',
      description: 'answers the uppercase of the text',
      version: '1.0.0',
      supportedInterfaces: [{ url: `${url}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      capabilities: { streaming: false, pushNotifications: false, extensions: [] },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [{ id: 'upper', name: 'upper', description: 'uppercase', tags: ['text.upper'] }],
    };
    served = plain;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

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
    served = plain;
    expect(new TextDecoder().decode(await adapters({ skill: 'upper' }).work('w', task('hello a2a')))).toBe('HELLO A2A');
    const card = {
      ...plain,
      capabilities: {
        ...(plain['capabilities'] as object),
        extensions: [
          { uri: BAID_EXTENSION_URI, params: { agent: hexOf(agent.agentKey), binding: b64u(agent.binding) } },
        ],
      },
    };
    served = await signCard(card, agent.agentSecret, agent.agentKey);
    const a = adapters({});
    expect(new TextDecoder().decode(await a.work('w', task('signed')))).toBe('SIGNED');
    expect(a.stats()[0]!.runs['ok']).toBe(1);
  });

  it('refuses a card with a bad signature or a binding for another key, sending nothing', async () => {
    const signed = await signCard(plain, agent.agentSecret, agent.agentKey);
    served = { ...signed, description: 'changed after signing' };
    const n = sends;
    const bad = await failure(adapters({}).work('w', task('x')));
    expect(bad.failure).toBe('malformed');
    expect(bad.message).toMatch(/card refused: bad signature/);
    const card = {
      ...plain,
      capabilities: {
        ...(plain['capabilities'] as object),
        extensions: [
          { uri: BAID_EXTENSION_URI, params: { agent: hexOf(agent.agentKey), binding: b64u(other.binding) } },
        ],
      },
    };
    served = await signCard(card, agent.agentSecret, agent.agentKey);
    const forOther = await failure(adapters({}).work('w', task('x')));
    expect(forOther.failure).toBe('malformed');
    expect(forOther.message).toMatch(/binding for another key/);
    served = plain;
    const noSkill = await failure(adapters({ skill: 'lower' }).work('w', task('x')));
    expect(noSkill.message).toMatch(/no skill "lower"/);
    expect(sends).toBe(n);
  });

  it('maps a FAILED task to tool_error, an unreachable URL to unreachable, a slow agent to timeout', async () => {
    served = plain;
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

  it('sends the bearer token; without it the agent answers 401 (status)', async () => {
    served = plain;
    requiredToken = 'sesame';
    try {
      expect(await failure(adapters({}).work('w', task('x')))).toMatchObject({ failure: 'status' });
      expect(new TextDecoder().decode(await adapters({ token: 'sesame' }).work('w', task('open')))).toBe('OPEN');
    } finally {
      requiredToken = undefined;
    }
  });
});
