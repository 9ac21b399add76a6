// `agentnet mcp`: the node's protocol adaptation layer as a Model Context Protocol server over stdio
// (official TypeScript SDK), so an MCP client (an LLM agent host) can announce, discover and check
// peers. It starts a node in this process or, with --api URL, attaches to a running node's local
// API. Either way every tool is one call of the local API (src/runtime/api/), so the MCP tools and
// the HTTP routes cannot drift apart, and the API's validation and error codes apply unchanged.
//
// stdout carries only MCP messages (JSON-RPC lines): node logs go to stderr in this mode.
// Tasks (post, list, bid, deliver, rate) and the ledger are tools. The input schemas of the tools that
// send a request body are generated from the API's request tables (core/api/requests.ts).
// The tools, resources and instructions are in mcp-tools.ts, the API client they call in mcp-api.ts.

import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { startNode, type AgentNode } from '../runtime/node.js';
import { str, UsageError } from './args.js';
import { ApiClient } from './mcp-api.js';
import { INSTRUCTIONS, RESOURCES, TOOLS } from './mcp-tools.js';

export const MCP_HELP = `Usage: agentnet mcp [--api URL] [--config FILE] [--data DIR] [--network NAME] [--broker URL]
                    [--profile NAME] [--follow TOPIC]... [--log-level L]

Serves the Model Context Protocol on stdin/stdout. Without --api it starts a node (same settings as
'agentnet run'; logs on stderr); with --api it attaches to a running node's local API (bearer token
from AGENTNET_API_TOKEN when that API needs one).

Tools: announce, withdraw, discover, verify_peer, list_peers, node_status, trust, follow_topic,
unfollow_topic, post_task, list_tasks, get_task, wait_task, bid_task, deliver_task, rate_task, ledger.
Resources: agentnet://declarations (this agent's declarations), agentnet://peers, agentnet://status.

MCP client configuration (e.g. Claude Desktop's mcpServers):
  { "mcpServers": { "agentnet": { "command": "agentnet", "args": ["mcp", "--data", "/home/me/.agentnet"] } } }
Attached to a node whose API needs a token, pass it in the environment (never in args: ps shows them):
  { "mcpServers": { "agentnet": { "command": "agentnet", "args": ["mcp", "--api", "http://10.0.0.5:8080"],
                                  "env": { "AGENTNET_API_TOKEN": "<the node's apiToken>" } } } }

Exit codes: 0 the client closed the session, 2 usage/config error, 3 runtime failure.
Example: agentnet mcp --api http://127.0.0.1:8080`;

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
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: Object.entries(TOOLS).map(([name, t]) => ({
      name,
      description: t.description,
      inputSchema: t.inputSchema as { type: 'object' },
      annotations: t.annotations,
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
