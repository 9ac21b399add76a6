// The runtime's task defaults (docs/adapters.md, README "Configuration"): the `tasks` config section and its
// defaults, the mechanism a node posts under when a request names none, and the built-in `auto` worker and rater.

import { toHex, utf8 } from '../core/base/bytes.js';
import type { CryptoPort } from '../core/base/ports.js';
import { DEFAULT_WINDOWS } from '../core/api/requests.js';
import type { Mechanism } from '../core/market/mechanism.js';
import type { TaskView } from '../core/task/engine.js';
import type { AdapterFailure } from './errors.js';

export interface TaskConfig {
  /** "auto", "manual" or an adapter's name: for capabilities that name no adapter. */
  readonly worker: string;
  /** "auto", "manual" or an adapter's name: for tasks posted without a `rater`. */
  readonly rate: string;
  /** Default bid, milli-credits, when our capability names no price. */
  readonly price: number;
  /** Allowance of a new account, milli-credits. */
  readonly grant: number;
  readonly retryMs: number;
  /** Task windows when a request sets none, ms. */
  readonly bidWindowMs: number;
  readonly deliverWindowMs: number;
  readonly settleWindowMs: number;
}

export const DEFAULT_TASKS: TaskConfig = {
  worker: 'auto',
  rate: 'auto',
  price: 1000,
  grant: 100_000,
  retryMs: 1000,
  ...DEFAULT_WINDOWS,
};

/** An adapter run of a task, as the task's view shows it. */
export interface AdapterRun {
  readonly adapter: string;
  readonly kind: string;
  /** work: the worker's artefact; rate: the requester's score */
  readonly role: 'work' | 'rate';
  state: 'running' | 'done' | 'failed';
  failure?: AdapterFailure;
  error?: string;
  ms?: number;
  /** The run was started again after a restart of the node (docs/adapters.md "Decisions"). */
  resumed?: boolean;
}

/** A task as the local API shows it: the engine's view, the mechanism it runs under and its latest adapter run. */
export type TaskWithRun = TaskView & { readonly mechanism?: Mechanism; readonly adapter?: AdapterRun };

/**
 * The mechanism a node posts under when the caller names none: one worker, lowest bid, paid by outcome on delivery,
 * a deposit of a tenth of the budget, half of it burned for withheld delivery and all of it for a delivery that fails
 * the task's acceptance check.
 */
export function defaultMechanism(budget: number): Mechanism {
  return {
    version: 1,
    alloc: { rule: 'lowest_bid', teamSize: 1 },
    reward: { rule: 'fixed', basis: 'delivery', poolBp: 10_000 },
    deposit: Math.floor(budget / 10),
    slashing: { no_delivery: 5000, bad_work: 10_000 },
    audit: { rateBp: 0 },
    requiredTier: 2,
    dispute: { procedure: 'verified', bond: Math.floor(budget / 10) },
  };
}

export function defaultArtefact(t: TaskView, worker: string, c: CryptoPort): Uint8Array {
  return utf8(JSON.stringify({ task: t.id, worker, spec: toHex(c.sha256(utf8(t.text))), result: `done: ${t.text}` }));
}

/** The auto rater: 1000 for an artefact of the auto worker for this task, 200 for anything else. */
export function autoScore(t: TaskView, artefact: Uint8Array, c: CryptoPort): number {
  try {
    const j = JSON.parse(new TextDecoder().decode(artefact)) as Record<string, unknown>;
    return j['task'] === t.id && j['spec'] === toHex(c.sha256(utf8(t.text))) ? 1000 : 200;
  } catch {
    return 200;
  }
}
