// The local API's task and ledger routes (issue 6): an agent layer posts tasks, bids, delivers and
// rates through these; a node with the default policy (config `tasks`) does the worker's part alone.
// Money is milli-credits; an artefact is sent and returned as UTF-8 text (`artefact`) or base64
// (`artefactBase64`).

import { checkMechanism, type Mechanism } from '../../core/market/mechanism.js';
import type { TaskView } from '../../core/task/engine.js';
import type { TaskSpec } from '../../core/task/requester.js';
import type { LedgerTotals, Posting } from '../../core/task/ledger.js';
import { defaultMechanism } from '../tasks.js';
import { badRequest, HttpError, readJson, sendJson } from './http.js';
import type { Route, RouteContext } from './routes.js';

/** What the API needs of the node's task side (TaskRunner implements it). */
export interface TaskApi {
  post(s: TaskSpec): TaskView;
  list(): TaskView[];
  get(id: string): TaskView | undefined;
  bid(id: string, price: number): TaskView;
  deliver(id: string, artefact: Uint8Array): TaskView;
  rate(id: string, outcome: number): TaskView;
  artefact(id: string): Uint8Array | undefined;
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

async function object(c: RouteContext): Promise<Record<string, unknown>> {
  const b = await readJson(c.req);
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw badRequest('body must be a JSON object');
  return b as Record<string, unknown>;
}

function int(b: Record<string, unknown>, k: string, def: number | undefined, min: number, max: number): number {
  const v = b[k] ?? def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw badRequest(`${k} must be an integer ${min}..${max}`);
  return v;
}

function taskId(c: RouteContext): string {
  const id = c.params['id']!.toLowerCase();
  if (!HEX64.test(id)) throw badRequest('id must be 64 hex digits (the task announce entry id)');
  if (!c.node.tasks.get(id)) throw new HttpError('NOT_FOUND', `no task ${id}`);
  return id;
}

function artefactOf(b: Record<string, unknown>): Uint8Array {
  if (typeof b['artefact'] === 'string') return new TextEncoder().encode(b['artefact']);
  if (typeof b['artefactBase64'] === 'string') return new Uint8Array(Buffer.from(b['artefactBase64'], 'base64'));
  throw badRequest('artefact (text) or artefactBase64 is required');
}

export const TASK_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/tasks',
    handler: async (c) => {
      const b = await object(c);
      const { topic, tags, text = '' } = b;
      if (typeof topic !== 'string') throw badRequest('topic is required');
      if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))
        throw badRequest('tags must be an array of strings');
      if (typeof text !== 'string') throw badRequest('text must be a string');
      const budget = int(b, 'budget', undefined, 0, 1e9);
      const mechanism = (b['mechanism'] ?? defaultMechanism(budget)) as Mechanism;
      let why: string | undefined;
      try {
        why = checkMechanism(mechanism);
      } catch {
        why = 'not a mechanism spec';
      }
      if (why) throw badRequest(`mechanism: ${why}`);
      const spec: TaskSpec = {
        topic,
        tags: tags as string[],
        text,
        budget,
        mechanism,
        bidWindowMs: int(b, 'bidWindowMs', 2000, 1, 86_400_000),
        deliverWindowMs: int(b, 'deliverWindowMs', 10_000, 1, 86_400_000),
        settleWindowMs: int(b, 'settleWindowMs', 10_000, 1, 86_400_000),
        ...(b['requiredTier'] !== undefined ? { requiredTier: int(b, 'requiredTier', 0, 0, 4) } : {}),
      };
      sendJson(c.res, 200, c.node.tasks.post(spec));
    },
  },
  { method: 'GET', path: '/tasks', handler: (c) => sendJson(c.res, 200, { tasks: c.node.tasks.list() }) },
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
    handler: async (c) =>
      sendJson(c.res, 200, c.node.tasks.bid(taskId(c), int(await object(c), 'price', undefined, 0, 1e9))),
  },
  {
    method: 'POST',
    path: '/tasks/{id}/deliver',
    handler: async (c) => sendJson(c.res, 200, c.node.tasks.deliver(taskId(c), artefactOf(await object(c)))),
  },
  {
    method: 'POST',
    path: '/tasks/{id}/rate',
    handler: async (c) =>
      sendJson(c.res, 200, c.node.tasks.rate(taskId(c), int(await object(c), 'outcome', undefined, 0, 1000))),
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
