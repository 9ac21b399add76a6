// The adapter runs of a node's tasks (docs/adapters.md): one run per task at a time (the latest is kept while the
// node runs, and shown on the task as `adapter`), its result applied to the task, its failure a typed outcome
// (AdapterFailure) that is logged and reported as a task event, never thrown.

import { FieldError } from '../core/codec/schema.js';
import type { TaskEvent, TaskView } from '../core/task/engine.js';
import type { Adapters, TaskInput } from './adapters/index.js';
import { AdapterError, type AdapterFailure } from './errors.js';
import type { Logger } from './logger.js';
import type { AdapterRun } from './task-defaults.js';

export class AdapterRuns {
  private readonly runs = new Map<string, AdapterRun>();
  private closed = false;

  constructor(
    private readonly adapters: Adapters,
    private readonly logger: Logger,
    /** Where a failed run is reported (as a `taskRejected` event of the task). */
    private readonly report: (e: TaskEvent) => void,
  ) {}

  /** The task's latest run, a copy. */
  get(id: string): AdapterRun | undefined {
    const r = this.runs.get(id);
    return r && { ...r };
  }

  running(id: string): boolean {
    return this.runs.get(id)?.state === 'running';
  }

  /** After close, a run that ends applies nothing (the node is going down). */
  close(): void {
    this.closed = true;
  }

  /** One adapter run: `run` does the work, `apply` hands its result to the task. */
  async run<T>(
    id: string,
    name: string,
    role: 'work' | 'rate',
    run: () => Promise<T>,
    apply: (r: T) => unknown,
    resumed = false,
  ): Promise<void> {
    const rec: AdapterRun = {
      adapter: name,
      kind: this.adapters.kind(name) ?? '?',
      role,
      state: 'running',
      ...(resumed ? { resumed } : {}),
    };
    this.runs.set(id, rec);
    const t0 = Date.now();
    const fail = (failure: AdapterFailure, error: string) => {
      rec.state = 'failed';
      rec.failure = failure;
      rec.error = error;
      rec.ms = Date.now() - t0;
      this.logger.log('warn', 'adapter failed', { task: id, adapter: name, role, failure, error });
      this.report({
        type: 'taskRejected',
        reason: 'unexpected',
        detail: `adapter ${name} (${role}) failed: ${failure}: ${error}`,
        task: id,
      });
    };
    let out: T;
    try {
      out = await run();
    } catch (e) {
      return fail(e instanceof AdapterError ? e.failure : 'malformed', e instanceof Error ? e.message : String(e));
    }
    if (this.closed) return;
    try {
      apply(out);
      rec.state = 'done';
      rec.ms = Date.now() - t0;
    } catch (e) {
      // An output the node refuses to sign (an artefact failing the task's acceptance check) is malformed; else
      // the window closed while it ran (the state moved on), or the store refused: nothing was applied.
      fail(e instanceof FieldError ? 'malformed' : 'late', e instanceof Error ? e.message : String(e));
    }
  }

  /** A run that was due when the node went down and whose window closed before it came back. */
  expired(id: string, name: string, role: 'work' | 'rate'): void {
    this.runs.set(id, {
      adapter: name,
      kind: this.adapters.kind(name) ?? '?',
      role,
      state: 'failed',
      failure: 'late',
      error: `the node restarted after the task's ${role === 'work' ? 'delivery' : 'settle'} deadline`,
      resumed: true,
    });
  }
}

/** What an adapter is given of a task (docs/adapters.md "Input"). */
export function taskInput(t: TaskView): TaskInput {
  return {
    id: t.id,
    topic: t.topic,
    tags: t.tags,
    text: t.text,
    budget: t.budget,
    requester: t.requester,
    deadline: t.deliverBy,
  };
}

/** A task's rater must be `auto`, `manual` or a configured adapter that can rate (not an MCP or A2A one). */
export function checkRater(r: string, adapters: Adapters): void {
  if (r === 'auto' || r === 'manual') return;
  if (!adapters.has(r))
    throw new FieldError(
      'rater',
      `no adapter named ${r} (auto, manual or one of: ${adapters.names().join(', ') || 'none'})`,
    );
  const rk = adapters.kind(r);
  if (rk === 'mcp' || rk === 'a2a') throw new FieldError('rater', `${r} is an ${rk} adapter, which cannot rate`);
}
