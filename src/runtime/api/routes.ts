// The local API's route table (docs/architecture.md §1: the protocol adaptation layer as HTTP/JSON). One row per
// (method, path); paths use OpenAPI's `{param}` templates so the table and openapi.json can be
// compared by test (test/integration/api.test.ts). Task and ledger routes are in task-routes.ts;
// reputation is GET /trust.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Limits } from '../../core/codec/limits.js';
import { ANNOUNCE, DISCOVER, FOLLOW, validate, WITHDRAW } from '../../core/api/requests.js';
import type { Declaration, DiscoverQuery, LogHeadInfo, OwnDeclaration, PeerInfo } from '../../core/types.js';
import type { Logger } from '../logger.js';
import { badRequest, HttpError, intParam, readJson, sendJson, sendText } from './http.js';
import {
  negotiate,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_TEXT_CONTENT_TYPE,
  renderMetrics,
  type MetricsSnapshot,
} from './metrics.js';
import { OPENAPI } from './openapi.js';
import type { EventHub } from './sse.js';
import { STATUS_PAGE } from './status-page.js';
import { TASK_ROUTES, type TaskApi } from './task-routes.js';
import { A2A_ROUTES } from '../a2a/routes.js';
import type { A2aHost } from '../a2a/host.js';

/** What the API needs of a node (AgentNode implements it). */
export interface ApiNode {
  readonly logger: Logger;
  /** The profile's size limits: requests are checked against them (core/api/requests.ts) before anything is signed. */
  readonly limits: Limits;
  status(): Record<string, unknown>;
  /** Concurrent announces share one store transaction (grouped commit); resolves once it is durable. */
  announceGrouped(d: Declaration): Promise<{ id: string; seq: number; bodyHash: string; reused: boolean }>;
  /** Withdraws the declarations with `key` in the topic (every kind), or all of them without a key. */
  withdraw(topic: string, text: string, key?: string): { id: string; seq: number; bodyHash: string };
  discover(q: DiscoverQuery): unknown[];
  discoverRanked(q: DiscoverQuery): Promise<{ candidates: unknown[]; ranking: unknown }>;
  peers(): PeerInfo[];
  logs(): LogHeadInfo[];
  declarations(): OwnDeclaration[];
  /** Tier this node verified the agent to now (0..3), and whether its binding is known at all. */
  verifiedTier(agentHex: string): { known: boolean; tier: number; quarantined: boolean };
  /** Checks and publishes an operator-signed revocation (AgentCore.publishRevocation). */
  publishRevocation(
    bytes: Uint8Array,
  ): { ok: false; reason: string; detail: string } | { ok: true; agent: string; at: number; fresh: boolean };
  /** MG-EigenTrust state; with a topic, every known agent's standing there. */
  trust(topic?: string): unknown;
  metrics(): MetricsSnapshot;
  readonly tasks: TaskApi;
  /** Follows (true) or stops following (false) a topic; the topics followed after. */
  follow(topic: string, on: boolean): { followed: string[]; changed: boolean };
  /** The topics this node follows. */
  followed(): string[];
  /** The A2A card, directory and gateway (src/runtime/a2a/), made at the first A2A request; absent: no A2A routes. */
  readonly a2a?: () => Promise<A2aHost>;
}

export interface RouteContext {
  readonly node: ApiNode;
  readonly hub: EventHub;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly handler: (c: RouteContext) => void | Promise<void>;
  /** Served without the bearer token (it holds nothing the node does not publish). */
  readonly open?: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;
const DISCOVER_LISTS = ['tags'];
const NUMERAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const DISCOVER_NUMBERS = ['minTier', 'limit', 'minTrust'];

/**
 * A query string as the JSON a request table checks: `lists` split at commas (an empty item stays, so
 * `tags=a,,b` is refused rather than read as `a,b`), `numbers` parsed when they are numerals (anything
 * else is left a string, which the table refuses by name). An empty parameter counts as absent.
 */
function queryOf(url: URL, lists: readonly string[], numbers: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) {
    if (v === '') continue;
    if (k in out) throw badRequest(`${k}: given twice`);
    out[k] = lists.includes(k) ? v.split(',') : numbers.includes(k) && NUMERAL.test(v) ? Number(v) : v;
  }
  return out;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/', handler: (c) => sendText(c.res, 'text/html; charset=utf-8', STATUS_PAGE) },
  { method: 'GET', path: '/status', handler: (c) => sendJson(c.res, 200, c.node.status()) },
  {
    method: 'POST',
    path: '/announce',
    handler: async (c) => {
      // The request table (core/api/requests.ts): the limits of the body and entry it lands in, the profile's values.
      const d = validate(ANNOUNCE, await readJson(c.req), c.node.limits) as unknown as Declaration;
      sendJson(c.res, 200, await c.node.announceGrouped(d));
    },
  },
  {
    method: 'POST',
    path: '/withdraw',
    handler: async (c) => {
      const w = validate(WITHDRAW, await readJson(c.req), c.node.limits) as {
        topic: string;
        text: string;
        key?: string;
      };
      sendJson(c.res, 200, c.node.withdraw(w.topic, w.text, w.key));
    },
  },
  {
    method: 'GET',
    path: '/discover',
    handler: async (c) => {
      const q = validate(DISCOVER, queryOf(c.url, DISCOVER_LISTS, DISCOVER_NUMBERS), c.node.limits);
      // A topic this node does not follow has no candidates here: say so rather than answer an empty list.
      const topic = q['topic'] as string | undefined;
      if (topic !== undefined && !c.node.followed().includes(topic))
        throw new HttpError(
          'NOT_FOUND',
          `this node does not follow topic ${topic}: follow it (POST /follow, MCP follow_topic) or announce an intent there, then ask again`,
          {},
          'topic',
        );
      // `ranking` says how: tags, bm25, embedding, or bm25 with the embedder's `fallback` reason (runtime/embedder.ts).
      sendJson(c.res, 200, await c.node.discoverRanked({ ...q, tags: q['tags'] ?? [] } as unknown as DiscoverQuery));
    },
  },
  { method: 'GET', path: '/peers', handler: (c) => sendJson(c.res, 200, { peers: c.node.peers() }) },
  { method: 'GET', path: '/logs', handler: (c) => sendJson(c.res, 200, { logs: c.node.logs() }) },
  {
    method: 'GET',
    path: '/declarations',
    handler: (c) => sendJson(c.res, 200, { declarations: c.node.declarations() }),
  },
  {
    method: 'GET',
    path: '/verify/{agentKey}',
    handler: (c) => {
      const agent = c.params['agentKey']!.toLowerCase();
      if (!HEX64.test(agent)) throw badRequest('agentKey must be 64 hex digits (an Ed25519 public key)');
      const required = intParam(c.url, 'tier', 2, 0, 4);
      const v = c.node.verifiedTier(agent);
      sendJson(c.res, 200, {
        agent,
        known: v.known,
        tier: v.tier,
        quarantined: v.quarantined,
        required,
        meets: v.tier >= required,
      });
    },
  },
  {
    method: 'POST',
    path: '/revocations',
    handler: async (c) => {
      const body = (await readJson(c.req)) as Record<string, unknown> | null;
      const hex = typeof body === 'object' && body !== null ? body['revocation'] : undefined;
      if (typeof hex !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(hex))
        throw badRequest('body must be {"revocation": "<hex of the revocation bytes>"}');
      const r = c.node.publishRevocation(new Uint8Array(Buffer.from(hex, 'hex')));
      if (!r.ok) throw badRequest(`revocation refused (${r.reason}): ${r.detail}`);
      sendJson(c.res, 200, { agent: r.agent, at: r.at, fresh: r.fresh });
    },
  },
  {
    method: 'GET',
    path: '/trust',
    handler: (c) => {
      const topic = c.url.searchParams.get('topic') ?? undefined;
      if (topic !== undefined && !/^[a-z0-9_.-]{1,64}$/.test(topic))
        throw badRequest('topic must match [a-z0-9_.-]{1,64}');
      sendJson(c.res, 200, c.node.trust(topic));
    },
  },
  {
    method: 'POST',
    path: '/follow',
    handler: async (c) =>
      sendJson(
        c.res,
        200,
        c.node.follow(validate(FOLLOW, await readJson(c.req), c.node.limits)['topic'] as string, true),
      ),
  },
  {
    method: 'POST',
    path: '/unfollow',
    handler: async (c) =>
      sendJson(
        c.res,
        200,
        c.node.follow(validate(FOLLOW, await readJson(c.req), c.node.limits)['topic'] as string, false),
      ),
  },
  { method: 'GET', path: '/events', handler: (c) => c.hub.open(c.res) },
  {
    method: 'GET',
    path: '/metrics',
    handler: (c) => {
      const format = negotiate(c.req.headers['accept']);
      sendText(
        c.res,
        format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_TEXT_CONTENT_TYPE,
        renderMetrics(c.node.metrics(), format),
      );
    },
  },
  { method: 'GET', path: '/openapi.json', handler: (c) => sendJson(c.res, 200, OPENAPI) },
  ...TASK_ROUTES,
  ...A2A_ROUTES,
];

const compiled = ROUTES.map((r) => ({
  route: r,
  names: [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
  re: new RegExp(`^${r.path.replace(/\{\w+\}/g, '([^/]+)')}$`),
}));

/**
 * The route for (method, path), or a NOT_FOUND / METHOD_NOT_ALLOWED error (with its Allow header). HEAD is
 * answered wherever GET is (RFC 9110 §9.3.2): the same handler, and Node's http server sends no body.
 */
export function match(method: string, pathname: string): { route: Route; params: Record<string, string> } {
  const allowed: string[] = [];
  const as = method === 'HEAD' ? 'GET' : method;
  for (const c of compiled) {
    const m = c.re.exec(pathname);
    if (!m) continue;
    if (c.route.method === as)
      return { route: c.route, params: Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    allowed.push(...(c.route.method === 'GET' ? ['GET', 'HEAD'] : [c.route.method]));
  }
  if (allowed.length)
    throw new HttpError('METHOD_NOT_ALLOWED', `${method} not allowed on ${pathname}`, { allow: allowed.join(', ') });
  throw new HttpError('NOT_FOUND', `no route ${pathname}`);
}
