// An A2A agent built with the official SDK's server side (@a2a-js/sdk/server: DefaultRequestHandler,
// InMemoryTaskStore, JsonRpcTransportHandler) on a loopback HTTP server, for the tests of the `a2a` worker adapter
// (docs/adapters.md "A2A agents as workers"): it answers the uppercase of a message's text as an artifact.
// The card it serves can be replaced (a signed one, a tampered one); a bearer token can be required.

import { createServer, type IncomingMessage } from 'node:http';
import { AgentCard, Role, TaskState, type Task } from '@a2a-js/sdk';
import {
  AgentEvent,
  DefaultRequestHandler,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  ServerCallContext,
  type AgentExecutor,
} from '@a2a-js/sdk/server';

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

export interface UpperAgent {
  readonly url: string;
  /** The unsigned card the agent is built from. */
  readonly plain: Record<string, unknown>;
  /** The card served at /.well-known/agent-card.json (default: plain). */
  served: Record<string, unknown>;
  /** When set, every request without `Authorization: Bearer <token>` gets 401. */
  requiredToken: string | undefined;
  /** JSON-RPC requests received. */
  readonly sends: number;
  close(): Promise<void>;
}

export async function startUpperAgent(): Promise<UpperAgent> {
  let sends = 0;
  const server = createServer((req, res) => {
    void (async () => {
      if (agent.requiredToken && req.headers.authorization !== `Bearer ${agent.requiredToken}`) {
        res.writeHead(401).end();
        return;
      }
      if (req.method === 'GET' && req.url === '/.well-known/agent-card.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(agent.served));
        return;
      }
      if (req.method === 'POST' && req.url === '/a2a') {
        sends++;
        const handler = new DefaultRequestHandler(AgentCard.fromJSON(agent.plain), new InMemoryTaskStore(), executor);
        const ctx = new ServerCallContext({ requestedVersion: (req.headers['a2a-version'] as string) ?? '' });
        const out = await new JsonRpcTransportHandler(handler).handle(JSON.parse(await body(req)), ctx);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
        return;
      }
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const plain = {
    name: 'uppercase agent',
    description: 'answers the uppercase of the text',
    version: '1.0.0',
    supportedInterfaces: [{ url: `${url}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: false, pushNotifications: false, extensions: [] },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'upper', name: 'upper', description: 'uppercase', tags: ['text.upper'] }],
  };
  const agent: UpperAgent = {
    url,
    plain,
    served: plain,
    requiredToken: undefined,
    get sends() {
      return sends;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return agent;
}
