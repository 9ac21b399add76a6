// `agentnet mcp`: the node's protocol adaptation layer as a Model Context Protocol server over stdio
// (official TypeScript SDK), so an MCP client (an LLM agent host) can announce, discover and check
// peers. It starts a node in this process or, with --api URL, attaches to a running node's local
// API. Either way every tool is one call of the local API (src/runtime/api/), so the MCP tools and
// the HTTP routes cannot drift apart, and the API's validation and error codes apply unchanged.
//
// stdout carries only MCP messages (JSON-RPC lines): node logs go to stderr in this mode.
// Tasks (post, list, bid, deliver, rate) and the ledger are tools. The input schemas of the tools that
// send a request body are generated from the API's request tables (codec/requests.ts).

import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_LIMITS } from '../core/codec/limits.js';
import {
  ANNOUNCE,
  BID,
  DELIVER,
  DISCOVER,
  jsonSchemaOf,
  RATE,
  TASK_POST,
  WITHDRAW,
  type RequestSpec,
} from '../core/codec/requests.js';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { startNode, type AgentNode } from '../runtime/node.js';
import { str, UsageError } from './args.js';

export const MCP_HELP = `Usage: agentnet mcp [--api URL] [--config FILE] [--data DIR] [--network NAME] [--broker URL]
                    [--profile NAME] [--follow TOPIC]... [--log-level L]

Serves the Model Context Protocol on stdin/stdout. Without --api it starts a node (same settings as
'agentnet run'; logs on stderr); with --api it attaches to a running node's local API (bearer token
from AGENTNET_API_TOKEN when that API needs one).

Tools: announce, withdraw, discover, verify_peer, list_peers, node_status, post_task, list_tasks,
bid_task, deliver_task, rate_task, ledger.
Resources: agentnet://declarations (this agent's declarations), agentnet://peers, agentnet://status.

MCP client configuration (e.g. Claude Desktop's mcpServers):
  { "mcpServers": { "agentnet": { "command": "agentnet", "args": ["mcp", "--data", "/home/me/.agentnet"] } } }

Exit codes: 0 the client closed the session, 2 usage/config error, 3 runtime failure.
Example: agentnet mcp --api http://127.0.0.1:8080`;

const HEX64 = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Ed25519 agent public key, hex' } as const;
const TASK_ID = {
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  description: 'task id (its announce entry id), hex',
} as const;
/** A tool's input: the local API's request table as JSON Schema (codec/requests.ts), plus a task id where the route has one. */
const input = (spec: RequestSpec, omit: readonly string[] = []) => jsonSchemaOf(spec, DEFAULT_LIMITS, omit);
function withTaskId(spec: RequestSpec, omit: readonly string[] = []): Record<string, unknown> {
  const s = input(spec, omit) as { required: string[]; properties: Record<string, unknown> };
  return { ...s, required: ['id', ...s.required], properties: { id: TASK_ID, ...s.properties } };
}
const taskPath = (a: Record<string, unknown>, step: string) => `/tasks/${encodeURIComponent(String(a['id']))}/${step}`;

/** Tool name -> JSON Schema of its input and how it maps onto the local API. */
const TOOLS: Record<
  string,
  {
    description: string;
    inputSchema: Record<string, unknown>;
    call: (api: ApiClient, a: Record<string, unknown>) => Promise<unknown>;
  }
> = {
  announce: {
    description:
      "Announce a declaration (capability, intent, state, constraint) in a topic: appended to this agent's signed log and gossiped as a bodyless header.",
    inputSchema: input(ANNOUNCE),
    call: (api, a) => api.post('/announce', a),
  },
  withdraw: {
    description:
      "Withdraw this agent's declarations in a topic: those with a key (any kind), or all of them (peers drop its candidates there).",
    inputSchema: input(WITHDRAW),
    call: (api, a) => api.post('/withdraw', a),
  },
  discover: {
    description:
      'Find agents whose verified declarations match tags (a tag matches itself and its dotted children), ranked by semantic match.',
    inputSchema: input(DISCOVER),
    call: (api, a) => {
      const q = new URLSearchParams({ tags: (a['tags'] as string[]).join(',') });
      for (const k of ['topic', 'text', 'minTier', 'limit', 'minTrust']) if (a[k] !== undefined) q.set(k, String(a[k]));
      return api.get(`/discover?${q}`);
    },
  },
  verify_peer: {
    description:
      'The tier this node verified an agent to (2 = BAID binding checked, 3 = code attestation), and whether it meets a required tier.',
    inputSchema: {
      type: 'object',
      required: ['agentKey'],
      properties: { agentKey: HEX64, tier: { type: 'integer', minimum: 0, maximum: 4, default: 2 } },
      additionalProperties: false,
    },
    call: (api, a) => api.get(`/verify/${encodeURIComponent(String(a['agentKey']))}?tier=${a['tier'] ?? 2}`),
  },
  list_peers: {
    description: 'Agents this node has verified, with tier and last seen.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    call: (api) => api.get('/peers'),
  },
  node_status: {
    description: 'This node: agent key, followed topics, verification and rejection counters, broker link.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    call: (api) => api.get('/status'),
  },
  post_task: {
    description:
      "Post a task as requester: announced in the topic with a budget (escrowed), a bid window and the node's default mechanism (lowest bid wins, pay by outcome on delivery, deposit 10% of the budget); matching agents are invited.",
    inputSchema: input(TASK_POST, ['mechanism']),
    call: (api, a) => api.post('/tasks', a),
  },
  list_tasks: {
    description:
      'Tasks this node takes part in, as requester or worker, with their states (invited, bidding, awarded, delivering, settled, ...).',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    call: (api) => api.get('/tasks'),
  },
  bid_task: {
    description:
      'Bid on a task this agent was invited to (worker), at a price up to its budget; bid again to revise it until the bid window closes (CONFLICT after).',
    inputSchema: withTaskId(BID),
    call: (api, a) => api.post(taskPath(a, 'bid'), { price: a['price'] }),
  },
  deliver_task: {
    description:
      'Deliver an awarded task (worker): the artefact text is published by hash and the requester fetches it.',
    inputSchema: withTaskId({ ...DELIVER, fields: DELIVER.fields.map((f) => ({ ...f, optional: false })) }, [
      'artefactBase64',
    ]),
    call: (api, a) => api.post(taskPath(a, 'deliver'), { artefact: a['artefact'] }),
  },
  rate_task: {
    description:
      'Rate a delivered task (requester), 0..1000: signs the receipt; the worker co-signs and both ledgers settle.',
    inputSchema: withTaskId(RATE),
    call: (api, a) => api.post(taskPath(a, 'rate'), { outcome: a['outcome'] }),
  },
  ledger: {
    description:
      "The local credit ledger: this agent's balance, every account and the conservation totals (milli-credits).",
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    call: (api) => api.get('/ledger'),
  },
};

const RESOURCES = [
  {
    uri: 'agentnet://declarations',
    name: 'declarations',
    description: "This agent's own unexpired declarations",
    path: '/declarations',
  },
  { uri: 'agentnet://peers', name: 'peers', description: 'Verified peers with tier and last seen', path: '/peers' },
  { uri: 'agentnet://status', name: 'status', description: 'Node status and counters', path: '/status' },
];

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A client of the local API (the same one the HTTP routes serve). */
class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token: string | undefined,
  ) {}
  get(path: string): Promise<unknown> {
    return this.req('GET', path);
  }
  post(path: string, body: unknown): Promise<unknown> {
    return this.req('POST', path, body);
  }
  private async req(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    const res = await fetch(new URL(path, this.base), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as { error?: { code: string; message: string } };
    if (!res.ok) throw new ApiError(json.error?.code ?? `HTTP_${res.status}`, json.error?.message ?? res.statusText);
    return json;
  }
}

export async function cmdMcp(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string' },
      config: { type: 'string' },
      data: { type: 'string' },
      network: { type: 'string' },
      broker: { type: 'string' },
      profile: { type: 'string' },
      follow: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(MCP_HELP);
    return 0;
  }
  let node: AgentNode | undefined;
  let base: string;
  if (values.api) {
    try {
      base = new URL(values.api).toString();
    } catch {
      throw new UsageError(`--api: not a URL: ${values.api}`);
    }
  } else {
    const config = loadConfig({
      ...(values.config ? { file: values.config } : {}),
      flags: {
        dataDir: str(values.data),
        network: str(values.network),
        broker: str(values.broker),
        profile: str(values.profile),
        follow: values.follow,
        logLevel: str(values['log-level']),
        apiHost: '127.0.0.1',
      },
    });
    node = await startNode(config, {
      logger: createLogger({ level: config.logLevel, write: (l) => process.stderr.write(l + '\n') }),
    });
    base = `http://127.0.0.1:${node.apiPort}/`;
  }
  const api = new ApiClient(base, process.env['AGENTNET_API_TOKEN'] || node?.config.apiToken);

  const server = new Server(
    { name: 'agentnet', version: process.env['npm_package_version'] ?? '0.1.0' },
    { capabilities: { tools: {}, resources: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: Object.entries(TOOLS).map(([name, t]) => ({
      name,
      description: t.description,
      inputSchema: t.inputSchema as { type: 'object' },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    const tool = TOOLS[req.params.name];
    if (!tool) return { isError: true, content: [{ type: 'text' as const, text: `unknown tool ${req.params.name}` }] };
    try {
      const out = (await tool.call(api, req.params.arguments ?? {})) as Record<string, unknown>;
      return { content: [{ type: 'text' as const, text: JSON.stringify(out, null, 2) }], structuredContent: out };
    } catch (e) {
      // The API's stable code reaches the model as a tool error it can read and correct.
      return { isError: true, content: [{ type: 'text' as const, text: e instanceof Error ? e.message : String(e) }] };
    }
  });
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: RESOURCES.map(({ uri, name, description }) => ({
      uri,
      name,
      description,
      mimeType: 'application/json',
    })),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    const r = RESOURCES.find((x) => x.uri === req.params.uri);
    if (!r) throw new Error(`unknown resource ${req.params.uri}`);
    return {
      contents: [{ uri: r.uri, mimeType: 'application/json', text: JSON.stringify(await api.get(r.path), null, 2) }],
    };
  });

  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
    process.stdin.once('end', () => resolve()); // the client went away
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await server.connect(new StdioServerTransport());
  await closed;
  await server.close().catch(() => undefined);
  await node?.close();
  return 0;
}
