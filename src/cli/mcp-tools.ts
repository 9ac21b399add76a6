// The MCP server's tools and resources (./mcp.ts) and the instructions its host's model reads: each tool is one
// call of the local API (src/runtime/api/) through ./mcp-api.ts, so the tools and the HTTP routes cannot drift
// apart. The input schemas of the tools that send a request body are generated from the API's request tables
// (core/api/requests.ts).

import { DEFAULT_LIMITS } from '../core/codec/limits.js';
import {
  ANNOUNCE,
  BID,
  DELIVER,
  DISCOVER,
  FOLLOW,
  jsonSchemaOf,
  RATE,
  TASK_LIST,
  TASK_POST,
  TASK_WAIT,
  WITHDRAW,
  type RequestSpec,
} from '../core/api/requests.js';
import type { ApiClient } from './mcp-api.js';

const HEX64 = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Ed25519 agent public key, hex' } as const;
const TASK_ID = {
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  description: 'task id (its announce entry id), hex',
} as const;
/**
 * A tool's input: the local API's request table as JSON Schema (core/api/requests.ts), plus a task id where the
 * route has one.
 */
const input = (spec: RequestSpec, omit: readonly string[] = []) => jsonSchemaOf(spec, DEFAULT_LIMITS, omit);
function withTaskId(spec: RequestSpec, omit: readonly string[] = []): Record<string, unknown> {
  const s = input(spec, omit) as { required: string[]; properties: Record<string, unknown> };
  return { ...s, required: ['id', ...s.required], properties: { id: TASK_ID, ...s.properties } };
}
const taskPath = (a: Record<string, unknown>, step: string) => `/tasks/${encodeURIComponent(String(a['id']))}/${step}`;

const READ = { readOnlyHint: true, openWorldHint: false } as const;

/** A query string of the arguments a request table names (undefined ones left out). */
const qs = (a: Record<string, unknown>, names: readonly string[]) => {
  const q = new URLSearchParams();
  for (const k of names) if (a[k] !== undefined) q.set(k, String(a[k]));
  const t = q.toString();
  return t ? `?${t}` : '';
};

/** Tool name -> JSON Schema of its input and how it maps onto the local API. */
export const TOOLS: Record<
  string,
  {
    description: string;
    inputSchema: Record<string, unknown>;
    /** MCP tool annotations: hints for the host (read-only tools may run without asking, destructive ones not). */
    annotations: {
      readOnlyHint: boolean;
      destructiveHint?: boolean;
      idempotentHint?: boolean;
      openWorldHint?: boolean;
    };
    call: (api: ApiClient, a: Record<string, unknown>) => Promise<unknown>;
  }
> = {
  announce: {
    description:
      "Announce a declaration (capability, intent, state, constraint) in a topic: appended to this agent's signed " +
      'log and gossiped as a bodyless header.',
    inputSchema: input(ANNOUNCE),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    call: (api, a) => api.post('/announce', a),
  },
  withdraw: {
    description:
      "Withdraw this agent's declarations in a topic: those with a key (any kind), or all of them (peers drop its " +
      'candidates there).',
    inputSchema: input(WITHDRAW),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    call: (api, a) => api.post('/withdraw', a),
  },
  discover: {
    description:
      'Find agents whose verified declarations match tags (a tag matches itself and its dotted children), ranked by ' +
      'semantic match and topic trust; or search by free text alone (BM25 over the text and tags of what this node ' +
      'holds, combined with embedding similarity when the node has an embedder configured; `ranking` in the answer ' +
      'says which, and names the reason when the embedder failed and BM25 alone was used). A topic this node does ' +
      'not follow is an error that says so: follow_topic, or announce an intent there, first.',
    inputSchema: input(DISCOVER),
    annotations: READ,
    call: (api, a) => {
      const q = new URLSearchParams();
      if (a['tags'] !== undefined) q.set('tags', (a['tags'] as string[]).join(','));
      for (const k of ['topic', 'text', 'minTier', 'limit', 'minTrust']) if (a[k] !== undefined) q.set(k, String(a[k]));
      return api.get(`/discover?${q}`);
    },
  },
  verify_peer: {
    description:
      'The tier this node verified an agent to (2 = BAID binding checked, 3 = code attestation), and whether it ' +
      'meets a required tier.',
    inputSchema: {
      type: 'object',
      required: ['agentKey'],
      properties: { agentKey: HEX64, tier: { type: 'integer', minimum: 0, maximum: 4, default: 2 } },
      additionalProperties: false,
    },
    annotations: READ,
    call: (api, a) => api.get(`/verify/${encodeURIComponent(String(a['agentKey']))}?tier=${a['tier'] ?? 2}`),
  },
  list_peers: {
    description:
      'Agents this node has verified, with tier, liveness (online since its birth, left at its death, unreachable, ' +
      'unknown) and the time of its last message.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: READ,
    call: (api) => api.get('/peers'),
  },
  trust: {
    description:
      "MG-EigenTrust reputation: without a topic the kernel's state and counters; with a topic every known agent's " +
      'trust there (relative: 1 = an average identity), gate, stake and slashing.',
    inputSchema: {
      type: 'object',
      properties: { topic: { ...(input(FOLLOW) as { properties: { topic: object } }).properties.topic } },
      additionalProperties: false,
    },
    annotations: READ,
    call: (api, a) => api.get(`/trust${qs(a, ['topic'])}`),
  },
  follow_topic: {
    description:
      'Follow a topic from now on: its declarations become discoverable here and its receipts feed trust (until the ' +
      "node restarts; the config's follow list is permanent).",
    inputSchema: input(FOLLOW),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    call: (api, a) => api.post('/follow', a),
  },
  unfollow_topic: {
    description:
      'Stop following a topic (refused while an intent of this agent is live there). What was received stays.',
    inputSchema: input(FOLLOW),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    call: (api, a) => api.post('/unfollow', a),
  },
  node_status: {
    description: 'This node: agent key, followed topics, verification and rejection counters, broker link.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: READ,
    call: (api) => api.get('/status'),
  },
  post_task: {
    description:
      "Post a task as requester: announced in the topic with a budget (escrowed) and the node's default mechanism " +
      '(lowest bid wins, pay by outcome on delivery, deposit 10% of the budget); matching agents are invited. ' +
      'Windows default to minutes (bid 1 min, deliver 10 min, settle 10 min; set them per task). To read and rate ' +
      'the work yourself, set rater: manual, then wait_task, get_task and rate_task. To have the network hold the ' +
      'worker to an answer format, set accept (e.g. {kind: json, members: [[summary, string], [rows, number]]}): an ' +
      'artefact that fails it is rated 0 and proven bad to every node, and the worker loses its deposit.',
    inputSchema: input(TASK_POST, ['mechanism']),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    call: (api, a) => api.post('/tasks', a),
  },
  list_tasks: {
    description:
      'Tasks this node takes part in, as requester or worker, with their states (open, invited, bidding, awarded, ' +
      'delivering, delivered, rated, settled, expired, defaulted, unsigned, ...). Filter by state, role and topic; ' +
      'compact by default (view: full for every field).',
    inputSchema: input({
      ...TASK_LIST,
      fields: TASK_LIST.fields.map((f) => (f.name === 'view' ? { ...f, default: 'compact' } : f)),
    }),
    annotations: READ,
    call: (api, a) => api.get(`/tasks${qs({ view: 'compact', ...a }, ['state', 'role', 'topic', 'view'])}`),
  },
  get_task: {
    description:
      'One task with its state, bids, price, outcome, adapter run and its artefact (the delivered or fetched work, ' +
      'as text; base64 when it is not UTF-8). Use it to read what a worker delivered before rating.',
    inputSchema: {
      type: 'object',
      required: ['id'],
      properties: { id: TASK_ID },
      additionalProperties: false,
    },
    annotations: READ,
    call: async (api, a) => {
      const id = encodeURIComponent(String(a['id']));
      const task = (await api.get(`/tasks/${id}`)) as Record<string, unknown>;
      const bytes = await api.bytes(`/tasks/${id}/artefact`);
      if (!bytes) return { task, artefact: null };
      const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
      const utf8 = Buffer.from(text, 'utf8').equals(Buffer.from(bytes));
      return {
        task,
        ...(utf8 ? { artefact: text } : { artefactBase64: Buffer.from(bytes).toString('base64') }),
        artefactBytes: bytes.length,
      };
    },
  },
  wait_task: {
    description:
      "Wait until a task's state changes (long poll, at most timeoutMs, default 30 s): returns {changed, task}. " +
      'Call it again with after set to the state you saw to follow a task to its end. Windows default to minutes ' +
      '(bid 1 min, deliver 10 min, settle 10 min).',
    inputSchema: withTaskId(TASK_WAIT),
    annotations: READ,
    call: (api, a) => api.get(`/tasks/${encodeURIComponent(String(a['id']))}/next${qs(a, ['after', 'timeoutMs'])}`),
  },
  bid_task: {
    description:
      'Bid on a task this agent was invited to (worker), at a price up to its budget; bid again to revise it until ' +
      'the bid window closes (CONFLICT after).',
    inputSchema: withTaskId(BID),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    call: (api, a) => api.post(taskPath(a, 'bid'), { price: a['price'] }),
  },
  deliver_task: {
    description:
      'Deliver an awarded task (worker): the artefact text is published by hash and the requester fetches it.',
    inputSchema: withTaskId({ ...DELIVER, fields: DELIVER.fields.map((f) => ({ ...f, optional: false })) }, [
      'artefactBase64',
    ]),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    call: (api, a) => api.post(taskPath(a, 'deliver'), { artefact: a['artefact'] }),
  },
  rate_task: {
    description:
      'Rate a delivered task (requester), 0..1000: signs the receipt; the worker co-signs and both ledgers settle.',
    inputSchema: withTaskId(RATE),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    call: (api, a) => api.post(taskPath(a, 'rate'), { outcome: a['outcome'] }),
  },
  ledger: {
    description:
      "The local credit ledger: this agent's balance, every account and the conservation totals (milli-credits).",
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: READ,
    call: (api) => api.get('/ledger'),
  },
};

export const RESOURCES = [
  {
    uri: 'agentnet://declarations',
    name: 'declarations',
    description: "This agent's own unexpired declarations",
    path: '/declarations',
  },
  { uri: 'agentnet://peers', name: 'peers', description: 'Verified peers with tier and last seen', path: '/peers' },
  { uri: 'agentnet://status', name: 'status', description: 'Node status and counters', path: '/status' },
];

/** What the host's model reads first: how to use the tools together. */
export const INSTRUCTIONS = `agentnet: this agent's node in an open network of agents. Find agents with discover (tags, or free text),
check them with verify_peer and trust. To get work done: post_task (topic, tags, text, budget in milli-credits;
rater "manual" to judge the result yourself), then wait_task until the state is delivered, get_task to read the
artefact, and rate_task (0..1000) to settle; the worker is paid by the rating. Windows default to minutes (bid 1 min,
deliver 10 min, settle 10 min): a task not rated in time ends unsigned and nobody is paid. To work for others:
announce a capability, list_tasks with state invited, bid_task, then deliver_task once awarded. follow_topic to see
a topic's agents; ledger for credits.`;
