// What the task engine persists (so a node restarted mid-task resumes it): one record per task, written
// after every transition inside the same store transaction as the ledger postings it made. Byte fields
// are hex so a record is plain JSON. Implementations: MemoryTaskStore here, SqliteTaskStore in
// src/runtime/store/credit-ledger.ts.

import { fromHex } from '../base/bytes.js';
import type { AcceptJson } from '../codec/accept.js';
import type { Receipt } from '../codec/receipt.js';
import type { Role, TaskState } from './protocol.js';

export interface TaskRecord {
  readonly id: string;
  readonly role: Role;
  state: TaskState;
  readonly requester: string;
  readonly topic: string;
  readonly tags: readonly string[];
  readonly text: string;
  /** milli-credits */
  readonly budget: number;
  readonly requiredTier: number;
  readonly bidDeadline: number;
  readonly deliverBy: number;
  readonly settleBy: number;
  /** hex of the requester-signed mechanism (COSE_Sign1) */
  readonly mechanism: string;
  /** milli-credits the awarded worker posts (the mechanism's deposit) */
  readonly deposit: number;
  /** hex of the signed announce entry and its body (invites; evidence) */
  readonly entry: string;
  readonly body: string;
  readonly createdAt: number;
  /** requester: valid bids so far, one per bidder (a later bid replaces an earlier one); ts when it arrived,
   *  sent its signed time */
  bids: Array<{ agent: string; price: number; ts: number; sent?: number }>;
  /** worker: our bid (the latest, when revised) */
  myBid?: number;
  /** worker: every price we bid on this task; the requester may award any of them */
  myBids?: number[];
  worker?: string;
  price?: number;
  /** hex of the signed award */
  award?: string;
  deliveryHash?: string;
  deliveryLen?: number;
  /** requester: hex of the worker-signed delivery message (carried by a complaint, complaint.ts) */
  delivery?: string;
  /** The acceptance check of the task's terms (codec/accept.ts), if it names one. */
  accept?: AcceptJson;
  /** The check's verdict, `passed` or `failed: {which condition}`, on the artefact fetched (requester) or delivered
   *  (worker); a failure burns the mechanism's slash.bad_work share of the deposit on both ledgers (ledger.ts). */
  acceptance?: string;
  /** hex of the artefact (worker: what it serves; requester: what it fetched) */
  artefact?: string;
  outcome?: number;
  amount?: number;
  rateTs?: number;
  /** Worker: the signed ts of the last fetch answered with the artefact (a fetch not newer is a replay). */
  fetchTs?: number;
  requesterSig?: string;
  workerSig?: string;
  /** hex of the co-signed receipt */
  receipt?: string;
  /** next re-send of this state's message; absent when nothing is re-sent */
  nextRetry?: number | undefined;
  attempts: number;
  /** why the task ended where it did */
  note?: string;
  /** hex of conflicting signed awards (double award) */
  evidence?: string[];
}

export interface TaskStore {
  putTask(r: TaskRecord): void;
  deleteTask(id: string): void;
  tasks(): TaskRecord[];
}

export class MemoryTaskStore implements TaskStore {
  private readonly m = new Map<string, string>();
  putTask(r: TaskRecord): void {
    this.m.set(r.id, JSON.stringify(r));
  }
  deleteTask(id: string): void {
    this.m.delete(id);
  }
  tasks(): TaskRecord[] {
    return [...this.m.values()].map((s) => JSON.parse(s) as TaskRecord);
  }
}

/** The receipt of a rated task as both parties sign it (codec/receipt.ts), from the requester's record. */
export function receiptOfRecord(r: TaskRecord): Receipt {
  return {
    taskId: fromHex(r.id),
    topic: r.topic,
    requester: fromHex(r.requester),
    worker: fromHex(r.worker!),
    outcome: r.outcome!,
    ts: r.rateTs!,
    deliveryHash: fromHex(r.deliveryHash!),
    amount: r.amount!,
  };
}
