// The task protocol of one agent, both roles, sans-I/O (docs/conventions.md §2): this base holds the records, timers,
// events and ledger access; requester.ts and worker.ts add the two roles' transitions,
// task-engine.ts (TaskEngine) dispatches between them.
// The runtime composes it with AgentCore (announce, direct messages, discovery) through TaskHost.
//
// Inputs carry `now`: handleMessage(now, bytes) for a task direct message, handleTimeout(now) when
// pollTimeout() has passed, and the agent layer's calls post / bidFor / deliver / rateFor. Outputs go
// out through the host (messages, announces, retained bodies) and pollEvent() (state changes,
// rejections, receipts). Transitions follow the table in protocol.ts. A transition's record and its
// ledger postings are written together (the runtime wraps each call in one store transaction).

import { compareText, fromHex, toHex } from '../base/bytes.js';
import type { Limits } from '../codec/limits.js';
import type { IdentityTiers } from '../identity/tiers.js';
import { DecodeError } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';
import type { Declaration } from '../types.js';
import { checkCarriedBinding, type Verdict } from './checks.js';
import { decodeTaskMsg, encodeTaskMsg, taskMsgToBeSigned, type TaskMsg } from '../codec/task.js';
import type { Mechanism } from '../market/mechanism.js';
import { decodeSignedMechanism } from '../market/signed.js';
import { agentAccount, ISSUANCE, type BadWork, type CreditLedger, type Posting } from './ledger.js';
import { allowed, isTerminal, TASK_REJECTS, type Input, type TaskReject, type TaskState } from './protocol.js';
import type { TaskRecord, TaskStore } from './store.js';

/** What the engine needs of the node around it (the runtime wires it to AgentCore and the store). */
export interface TaskHost {
  /** Appends a declaration to our log; returns its entry id and the signed entry and body bytes. */
  announce(now: number, d: Declaration): { id: string; entry: Uint8Array; body: Uint8Array };
  /** Sends a signed task message to an agent (a direct message). */
  sendTask(to: string, msg: Uint8Array): void;
  /** Stores a body by hash and publishes its retained copy until `expires`. */
  publishBody(hash: Uint8Array, bytes: Uint8Array, expires: number): void;
  /** Persists a binding that passed T2 (carried in an invite or bid), so a restart still knows the agent. */
  keepBinding(agentKey: Uint8Array, version: number, bytes: Uint8Array): void;
  /** Publishes a dispute proof (dispute.ts) against `requester` (hex) for every node; absent = kept local. */
  dispute?(requester: string, proof: Uint8Array): void;
  /** Publishes a bad-delivery proof (identity/bad-delivery.ts) against `worker` (hex) for all; absent = kept local. */
  badDelivery?(worker: string, proof: Uint8Array): void;
  /** Agents whose capability in `topic` covers `tags`, verified to at least `minTier`, best first. */
  candidates(topic: string, tags: readonly string[], minTier: number, now: number): string[];
}

/** Automatic decisions; undefined leaves the decision to the agent layer (local API). */
export interface TaskPolicy {
  /** Worker: the price (milli-credits) to bid on an invitation. */
  bid?: ((t: TaskView, now: number) => number | undefined) | undefined;
  /** Worker: the artefact for an awarded task. */
  deliver?: ((t: TaskView, now: number) => Uint8Array | undefined) | undefined;
  /** Requester: the outcome 0..1000 for a fetched artefact. */
  rate?: ((t: TaskView, artefact: Uint8Array, now: number) => number | undefined) | undefined;
}

export type TaskView = Omit<
  TaskRecord,
  'artefact' | 'entry' | 'body' | 'mechanism' | 'award' | 'delivery' | 'evidence' | 'requesterSig' | 'workerSig'
> & { readonly evidence: number };

export type TaskEvent =
  | {
      readonly type: 'task';
      readonly id: string;
      readonly role: TaskRecord['role'];
      readonly state: TaskState;
      readonly topic: string;
      readonly note?: string;
    }
  | {
      readonly type: 'taskRejected';
      readonly reason: TaskReject;
      readonly detail: string;
      readonly task?: string;
      readonly from?: string;
    }
  | {
      readonly type: 'receipt';
      readonly task: string;
      /** hex of the co-signed receipt (both parties emit it once their ledger settles) */
      readonly receipt: string;
      /** the requester's log entry that publishes it (absent on the worker's side) */
      readonly entry?: string;
    };

export interface TaskEngineOptions {
  readonly crypto: CryptoPort;
  readonly agentSecret: Uint8Array;
  /** Our binding (COSE_Sign), carried in bids and invites so the other side can check it at T2. */
  readonly binding: Uint8Array;
  readonly verifier: IdentityTiers;
  readonly limits: Limits;
  readonly host: TaskHost;
  readonly store: TaskStore;
  readonly ledger: CreditLedger;
  readonly policy?: TaskPolicy;
  /** First re-send after this many ms, then 2x, 4x, 8x (default 1000). */
  readonly retryMs?: number;
  /** Allowance granted to an agent account the first time it is used, milli-credits (default 100 credits). */
  readonly grant?: number;
  /** Tier a requester must reach before we accept its award (docs/architecture.md §6 policy, default T2). */
  readonly awardTier?: number;
  /** Tasks not yet ended, at most (default 1024): invitations beyond it are refused. */
  readonly maxOpen?: number;
  /** Ended tasks kept (memory and store), newest first (default 256); older ones are forgotten: their
   *  ledger postings and published receipts stay. */
  readonly keepEnded?: number;
  /** Topic reputation for the `reputation` allocation rule (MG-EigenTrust); absent = all equal. */
  readonly score?: (agent: string, topic: string) => number;
  /**
   * The requester's own choice under the `reputation` rule: given the bids still valid at the deadline (agent hex,
   * best score first), the agent to award, or undefined to award none. Absent = the highest score wins. A node that
   * selects proportionally to its trust (trust/node-trust.ts `pick`) decides here.
   */
  readonly choose?: (task: TaskView, bidders: readonly string[], now: number) => string | undefined;
}

/**
 * A well-formed call that the task's role, state, deadline or our balance does not allow now (bidding on a task
 * that is not an invitation or whose bid window closed, delivering an unawarded task, rating twice, a budget
 * or deposit above our balance). The local API answers it 409 CONFLICT; malformed arguments stay RangeError (400).
 */
export class TaskConflictError extends Error {
  override readonly name = 'TaskConflictError';
}

export abstract class TaskEngineBase {
  readonly agentKey: Uint8Array;
  readonly agentHex: string;
  readonly rejected: Record<TaskReject, number> = Object.fromEntries(TASK_REJECTS.map((r) => [r, 0])) as Record<
    TaskReject,
    number
  >;
  readonly retryMs: number;
  readonly grant: number;
  readonly awardTier: number;
  readonly maxOpen: number;
  readonly keepEnded: number;
  protected readonly tasks = new Map<string, TaskRecord>();
  /**
   * The records of `tasks` not in a terminal state, in the same order: the only ones with timers, so a timer poll
   * reads the open tasks rather than every ended one kept (`keepEnded`).
   */
  private readonly open = new Map<string, TaskRecord>();
  private readonly events: TaskEvent[] = [];

  constructor(readonly o: TaskEngineOptions) {
    this.agentKey = o.crypto.signer.publicKey(o.agentSecret);
    this.agentHex = toHex(this.agentKey);
    this.retryMs = o.retryMs ?? 1000;
    this.grant = o.grant ?? 100_000;
    this.awardTier = o.awardTier ?? 2;
    this.maxOpen = o.maxOpen ?? 1024;
    this.keepEnded = o.keepEnded ?? 256;
    if (!Number.isInteger(this.retryMs) || this.retryMs < 1)
      throw new RangeError('TaskEngine: retryMs must be a positive integer');
    this.reload();
  }

  /**
   * (Re)reads every task from the store, dropping unreported events: at start (resume after a restart)
   * and after a store transaction around an engine call rolled back, so memory matches what is stored.
   */
  reload(): void {
    this.tasks.clear();
    this.open.clear();
    this.events.length = 0;
    for (const r of this.o.store.tasks()) this.index(r);
  }

  // ---------------------------------------------------------------- views

  list(): TaskView[] {
    return [...this.tasks.values()].sort((a, b) => a.createdAt - b.createdAt || compareText(a.id, b.id)).map(view);
  }
  get(id: string): TaskView | undefined {
    const r = this.tasks.get(id);
    return r && view(r);
  }
  /** The artefact we delivered (worker) or fetched and checked (requester). */
  artefactOf(id: string): Uint8Array | undefined {
    const a = this.tasks.get(id)?.artefact;
    return a === undefined ? undefined : fromHex(a);
  }

  /** The mechanism the task runs under, as its requester signed it into the terms (both roles hold it). */
  mechanismOfTask(id: string): Mechanism | undefined {
    const r = this.tasks.get(id);
    return r && this.mechanismOf(r);
  }

  /** Counts of tasks per role and state. */
  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.tasks.values()) out[`${r.role}.${r.state}`] = (out[`${r.role}.${r.state}`] ?? 0) + 1;
    return out;
  }
  openCount(): number {
    return this.open.size;
  }

  // ---------------------------------------------------------------- inputs

  /** A task direct message (AgentCore event `task`). Bad input is a rejection event, never a throw. */
  handleMessage(now: number, bytes: Uint8Array): void {
    let d;
    try {
      d = decodeTaskMsg(bytes, this.o.limits);
    } catch (e) {
      if (e instanceof DecodeError) return this.reject('malformed', e.message);
      throw e;
    }
    const id = toHex(d.msg.task);
    const from = toHex(d.msg.signer);
    const rec = this.tasks.get(id);
    if (!rec) {
      if (d.msg.type === 'invite') return this.onNewInvite(now, d.msg, d.toBeSigned, d.signature);
      return this.reject('unknown_task', `${d.msg.type} for a task we do not know`, id, from);
    }
    if (rec.role === 'requester' && d.msg.type === 'bid' && rec.state !== 'open')
      return this.reject('late_bid', `bid in state ${rec.state}`, id, from);
    if (!allowed(rec.role, rec.state, d.msg.type))
      return this.reject('unexpected', `${d.msg.type} in ${rec.role} state ${rec.state}`, id, from);
    this.onMessage(now, rec, d.msg, d.toBeSigned, d.signature);
  }

  handleTimeout(now: number): void {
    for (const r of [...this.open.values()]) {
      for (let guard = 0; guard < 8; guard++) {
        const due = this.dueTimer(r);
        if (!due || due.at > now) break;
        this.onTimer(now, r, due.input);
      }
    }
  }

  pollTimeout(): number | undefined {
    let next: number | undefined;
    for (const r of this.open.values()) {
      const d = this.dueTimer(r);
      if (d && (next === undefined || d.at < next)) next = d.at;
    }
    return next;
  }

  pollEvent(): TaskEvent | undefined {
    return this.events.shift();
  }

  // ---------------------------------------------------------------- for the role handlers

  /** The earliest timer input the record's state listens to. */
  private dueTimer(r: TaskRecord): { at: number; input: Input } | undefined {
    if (isTerminal(r.role, r.state)) return undefined;
    const cands: Array<{ at: number; input: Input }> = [];
    if (r.nextRetry !== undefined && allowed(r.role, r.state, 'retry')) cands.push({ at: r.nextRetry, input: 'retry' });
    if (allowed(r.role, r.state, 'bidDeadline')) cands.push({ at: r.bidDeadline, input: 'bidDeadline' });
    if (allowed(r.role, r.state, 'deliverBy')) cands.push({ at: r.deliverBy, input: 'deliverBy' });
    if (allowed(r.role, r.state, 'settleBy')) cands.push({ at: r.settleBy, input: 'settleBy' });
    cands.sort((a, b) => a.at - b.at);
    return cands[0];
  }

  /** The role handlers: requester.ts, worker.ts (TaskEngine). */
  protected abstract onMessage(now: number, r: TaskRecord, m: TaskMsg, tbs: Uint8Array, sig: Uint8Array): void;
  protected abstract onNewInvite(now: number, m: TaskMsg, tbs: Uint8Array, sig: Uint8Array): void;
  protected abstract onTimer(now: number, r: TaskRecord, input: Input): void;

  /** Moves a record to `to` (checked against the table), persists it and reports it. */
  protected move(r: TaskRecord, input: Input, to: TaskState, now: number, note?: string): void {
    const ok = allowed(r.role, r.state, input);
    if (!ok || !ok.includes(to))
      throw new Error(`task protocol: ${r.role} ${r.state} --${input}--> ${to} is not in the table`);
    const changed = r.state !== to;
    r.state = to;
    if (note) r.note = note;
    if (changed) {
      r.attempts = 0;
      r.nextRetry = allowed(r.role, to, 'retry') ? now + this.retryMs : undefined;
    }
    this.save(r);
    if (changed)
      this.events.push({ type: 'task', id: r.id, role: r.role, state: to, topic: r.topic, ...(note ? { note } : {}) });
    if (changed && isTerminal(r.role, to)) this.forgetOldEnded();
  }

  /** Keeps the `keepEnded` most recent ended tasks; forgets older ones (memory and store). */
  private forgetOldEnded(): void {
    const ended = [...this.tasks.values()].filter((x) => isTerminal(x.role, x.state));
    if (ended.length <= this.keepEnded) return;
    ended.sort((a, b) => b.createdAt - a.createdAt || compareText(a.id, b.id));
    for (const x of ended.slice(this.keepEnded)) {
      this.tasks.delete(x.id);
      this.o.store.deleteTask(x.id);
    }
  }

  protected save(r: TaskRecord): void {
    this.index(r);
    this.o.store.putTask(r);
  }

  /** Holds a record in memory: in `tasks`, and in `open` while its state has a transition out. */
  private index(r: TaskRecord): void {
    this.tasks.set(r.id, r);
    if (isTerminal(r.role, r.state)) this.open.delete(r.id);
    else this.open.set(r.id, r);
  }

  /** Schedules the next re-send with backoff (1, 2, 4, 8 × retryMs). */
  protected backoff(r: TaskRecord, now: number): void {
    r.attempts++;
    r.nextRetry = now + this.retryMs * Math.min(8, 2 ** r.attempts);
    this.save(r);
  }

  protected signed(m: TaskMsg): Uint8Array {
    return encodeTaskMsg(m, this.o.crypto.signer.sign(this.o.agentSecret, taskMsgToBeSigned(m)));
  }

  protected send(to: string, m: TaskMsg): void {
    this.o.host.sendTask(to, this.signed(m));
  }

  /** Posts after granting the allowance to any agent account not seen before (ledger rule `grant`). */
  protected book(task: string, ps: readonly Posting[], now: number): void {
    for (const p of ps) {
      for (const acct of [p.from, p.to]) {
        if (acct.startsWith('agent:') && !this.o.ledger.has(acct) && this.grant > 0)
          this.o.ledger.post({ task, rule: 'grant', from: ISSUANCE, to: acct, amount: this.grant, ts: now });
      }
      this.o.ledger.post(p);
    }
  }

  protected balanceOf(agent: string): number {
    const a = agentAccount(agent);
    return this.o.ledger.has(a) ? this.o.ledger.balance(a) : this.grant;
  }

  /** T2 on a binding a message carries; on success it is kept (host.keepBinding) for after a restart. */
  protected acceptCarried(signer: Uint8Array, binding: Uint8Array, now: number): Verdict {
    const b = checkCarriedBinding(this.o.verifier, signer, binding, now);
    if (b.ok) {
      const known = this.o.verifier.bindingOf(toHex(signer))!;
      this.o.host.keepBinding(signer, known.version, this.o.verifier.bindingBytesOf(toHex(signer))!);
    }
    return b;
  }

  protected mechanismOf(r: TaskRecord): Mechanism {
    return decodeSignedMechanism(fromHex(r.mechanism)).mechanism;
  }

  /** The mechanism's slash.bad_work when the delivered artefact failed the task's acceptance check (both roles). */
  protected badWorkOf(r: TaskRecord): BadWork {
    return r.acceptance?.startsWith('failed') ? { badWorkBp: this.mechanismOf(r).slashing.bad_work ?? 0 } : {};
  }

  protected can(r: TaskRecord, input: Input): boolean {
    return !!allowed(r.role, r.state, input);
  }

  protected emit(e: TaskEvent): void {
    this.events.push(e);
  }

  protected reject(reason: TaskReject, detail: string, task?: string, from?: string): void {
    this.rejected[reason]++;
    this.events.push({ type: 'taskRejected', reason, detail, ...(task ? { task } : {}), ...(from ? { from } : {}) });
  }

  protected record(id: string): TaskRecord {
    const r = this.tasks.get(id);
    if (!r) throw new RangeError(`task ${id}: unknown task`);
    return r;
  }
}

export function view(r: TaskRecord): TaskView {
  const {
    artefact: _a,
    entry: _e,
    body: _b,
    mechanism: _m,
    award: _w,
    delivery: _d,
    evidence,
    requesterSig: _rs,
    workerSig: _ws,
    ...rest
  } = r;
  return { ...rest, bids: rest.bids.map((b) => ({ ...b })), evidence: evidence?.length ?? 0 };
}
