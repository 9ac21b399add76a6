// The local API's task and ledger routes (docs/mechanisms.md "The task protocol"): an agent layer posts tasks, bids, delivers and
// rates through these; a node with the default policy (config `tasks`) does the worker's part alone.
// Money is milli-credits; an artefact is sent and returned as UTF-8 text (`artefact`) or base64
// (`artefactBase64`).

import { acceptOf } from '../../core/api/accept-request.js';
import {
  BID,
  DELIVER,
  RATE,
  TASK_LIST,
  TASK_POST,
  TASK_WAIT,
  validate,
  type RequestSpec,
} from '../../core/api/requests.js';
import type { Mechanism } from '../../core/market/mechanism.js';
import type { TaskView } from '../../core/task/engine.js';
import type { TaskSpec } from '../../core/task/requester.js';
import type { LedgerTotals, Posting } from '../../core/task/ledger.js';
import { defaultMechanism } from '../task-defaults.js';
import { badRequest, HttpError, readJson, sendJson } from './http.js';
import type { Route, RouteContext } from './routes.js';

/** What the API needs of the node's task side (TaskRunner implements it). */
export interface TaskApi {
  /** `rater`: auto, manual or an adapter of the config (default the config's tasks.rate). */
  post(s: TaskSpec, rater?: string): TaskView;
  /** Windows of a task whose request sets none (config `tasks`). */
  readonly windows: { bidWindowMs: number; deliverWindowMs: number; settleWindowMs: number };
  list(): TaskView[];
  get(id: string): TaskView | undefined;
  bid(id: string, price: number): TaskView;
  deliver(id: string, artefact: Uint8Array): TaskView;
  rate(id: string, outcome: number): TaskView;
  artefact(id: string): Uint8Array | undefined;
  /** A long poll: the task once its state is another than `after`, or at the timeout (changed false). */
  waitNext(
    id: string,
    after: string | undefined,
    timeoutMs: number,
  ): Promise<{ changed: boolean; task: TaskView } | undefined>;
  ledgerView(): {
    self: string;
    balance: number;
    accounts: Array<{ account: string; balance: number }>;
    totals: LedgerTotals;
    postings: number;
  };
  postings(task: string): Posting[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The JSON request body checked against its request table (core/api/requests.ts), defaults filled in. */
async function body(c: RouteContext, spec: RequestSpec): Promise<Record<string, unknown>> {
  return validate(spec, await readJson(c.req), c.node.limits);
}

function taskId(c: RouteContext): string {
  const id = c.params['id']!.toLowerCase();
  if (!HEX64.test(id)) throw badRequest('id must be 64 hex digits (the task announce entry id)');
  if (!c.node.tasks.get(id)) throw new HttpError('NOT_FOUND', `no task ${id}`);
  return id;
}

function artefactOf(b: Record<string, unknown>): Uint8Array {
  if (typeof b['artefact'] === 'string') return new TextEncoder().encode(b['artefact']);
  return new Uint8Array(Buffer.from(b['artefactBase64'] as string, 'base64'));
}

/** A query string as JSON for a request table: numerals of `numbers` as numbers; an empty parameter is absent. */
function query(c: RouteContext, numbers: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of c.url.searchParams) {
    if (v === '') continue;
    if (k in out) throw badRequest(`${k}: given twice`);
    out[k] = numbers.includes(k) && /^\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}

/** A task in a line: what an LLM host needs to pick one (GET /tasks?view=compact). */
function compact(t: TaskView & { adapter?: unknown }): Record<string, unknown> {
  const text = t.text.length > 120 ? `${t.text.slice(0, 119)}…` : t.text;
  return {
    id: t.id,
    role: t.role,
    state: t.state,
    topic: t.topic,
    text,
    budget: t.budget,
    ...(t.price !== undefined ? { price: t.price } : {}),
    ...(t.outcome !== undefined ? { outcome: t.outcome } : {}),
    ...(t.worker !== undefined ? { worker: t.worker } : {}),
    ...(t.adapter !== undefined ? { adapter: t.adapter } : {}),
  };
}

export const TASK_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/tasks',
    handler: async (c) => {
      const b = await body(c, TASK_POST);
      const budget = b['budget'] as number;
      const spec: TaskSpec = {
        topic: b['topic'] as string,
        tags: b['tags'] as string[],
        text: b['text'] as string,
        budget,
        mechanism: (b['mechanism'] as Mechanism | undefined) ?? defaultMechanism(budget),
        ...c.node.tasks.windows,
        ...(b['bidWindowMs'] !== undefined ? { bidWindowMs: b['bidWindowMs'] as number } : {}),
        ...(b['deliverWindowMs'] !== undefined ? { deliverWindowMs: b['deliverWindowMs'] as number } : {}),
        ...(b['settleWindowMs'] !== undefined ? { settleWindowMs: b['settleWindowMs'] as number } : {}),
        ...(b['requiredTier'] !== undefined ? { requiredTier: b['requiredTier'] as number } : {}),
        ...(b['accept'] !== undefined ? { accept: acceptOf(b['accept']) } : {}),
      };
      sendJson(c.res, 200, c.node.tasks.post(spec, b['rater'] as string | undefined));
    },
  },
  {
    method: 'GET',
    path: '/tasks',
    handler: (c) => {
      const q = validate(TASK_LIST, query(c), c.node.limits);
      const tasks = c.node.tasks
        .list()
        .filter(
          (t) =>
            (q['state'] === undefined || t.state === q['state']) &&
            (q['role'] === undefined || t.role === q['role']) &&
            (q['topic'] === undefined || t.topic === q['topic']),
        );
      sendJson(c.res, 200, { tasks: q['view'] === 'compact' ? tasks.map(compact) : tasks });
    },
  },
  {
    method: 'GET',
    path: '/tasks/{id}/next',
    handler: async (c) => {
      const id = taskId(c);
      const q = validate(TASK_WAIT, query(c, ['timeoutMs']), c.node.limits);
      const r = await c.node.tasks.waitNext(id, q['after'] as string | undefined, q['timeoutMs'] as number);
      if (!r) throw new HttpError('NOT_FOUND', `no task ${id}`);
      sendJson(c.res, 200, r);
    },
  },
  { method: 'GET', path: '/tasks/{id}', handler: (c) => sendJson(c.res, 200, c.node.tasks.get(taskId(c))) },
  {
    method: 'GET',
    path: '/tasks/{id}/artefact',
    handler: (c) => {
      const a = c.node.tasks.artefact(taskId(c));
      if (!a) throw new HttpError('NOT_FOUND', 'no artefact for this task yet');
      c.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': a.length });
      c.res.end(a);
    },
  },
  {
    method: 'POST',
    path: '/tasks/{id}/bid',
    handler: async (c) => sendJson(c.res, 200, c.node.tasks.bid(taskId(c), (await body(c, BID))['price'] as number)),
  },
  {
    method: 'POST',
    path: '/tasks/{id}/deliver',
    handler: async (c) => sendJson(c.res, 200, c.node.tasks.deliver(taskId(c), artefactOf(await body(c, DELIVER)))),
  },
  {
    method: 'POST',
    path: '/tasks/{id}/rate',
    handler: async (c) =>
      sendJson(c.res, 200, c.node.tasks.rate(taskId(c), (await body(c, RATE))['outcome'] as number)),
  },
  {
    method: 'GET',
    path: '/ledger',
    handler: (c) => {
      const task = c.url.searchParams.get('task');
      if (task !== null && !HEX64.test(task)) throw badRequest('task must be 64 hex digits');
      sendJson(c.res, 200, {
        ...c.node.tasks.ledgerView(),
        ...(task !== null ? { entries: c.node.tasks.postings(task) } : {}),
      });
    },
  },
];
