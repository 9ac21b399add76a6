// TaskEngine: the task protocol of one agent in both roles, sans-I/O (docs/conventions.md §2). The parts both roles
// share (records, timers, events, ledger access) are TaskEngineBase (engine.ts), the requester's transitions
// RequesterEngine (requester.ts), the worker's WorkerEngine (worker.ts); this class sends each input to the role
// that owns the task.

import type { TaskMsg } from '../codec/task.js';
import type { Input } from './protocol.js';
import type { TaskRecord } from './store.js';
import { WorkerEngine } from './worker.js';

export class TaskEngine extends WorkerEngine {
  protected override onMessage(now: number, r: TaskRecord, m: TaskMsg, tbs: Uint8Array, sig: Uint8Array): void {
    if (r.role === 'requester') return this.requesterMessage(now, r, m, tbs, sig);
    return this.workerMessage(now, r, m, tbs, sig);
  }

  protected override onTimer(now: number, r: TaskRecord, input: Input): void {
    if (r.role === 'requester') return this.requesterTimer(now, r, input);
    return this.workerTimer(now, r, input);
  }
}
