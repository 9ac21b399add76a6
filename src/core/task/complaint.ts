// Complaints (docs/decisions.md "Task disputes"): a requester's signed rating of a worker for a
// task that ended without a co-signed receipt, because the worker withheld its co-signature (`unsigned`) or
// the artefact of a delivered hash (`defaulted`). Not a fraud proof: whether an artefact is good is the
// requester's judgement, so trust takes a complaint as a rating (like a receipt's outcome), never as
// slashing. What makes it more than anybody's word: it carries the worker-signed `delivery` message of the
// task, so it can only name a worker that took part in this requester's task, once per (task, requester,
// worker) like a receipt (a receipt and a complaint for one task count once).
//
// COSE_Sign1 by the requester, content type agentnet/complaint/1, over the map of the table COMPLAINT (its
// `delivery` is the worker's signed task message of type `delivery`, codec.ts).
// Published as a `state` declaration in the task topic's log of the requester: tags `receipt`,
// `receipt.complaint`, constraints `agentnet/complaint/1:` + hex (the receipt watch picks it up).

import { equalBytes, fromHex, toHex } from '../base/bytes.js';
import type { Body } from '../codec/body.js';
import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned } from '../codec/cose.js';
import { asMap, mapOf } from '../codec/fields.js';
import { DEFAULT_LIMITS, type Limits } from '../codec/limits.js';
import { readObject, type ObjectSpec } from '../codec/schema.js';
import { decodeError, type RejectReason } from '../base/errors.js';
import type { IdentityTiers } from '../identity/tiers.js';
import { decodeTaskMsg } from '../codec/task.js';
import type { TaskRecord } from './store.js';

export const COMPLAINT_PREFIX = 'agentnet/complaint/1:';
export const COMPLAINT_TAG = 'receipt.complaint';
export const MAX_COMPLAINT_BYTES = 1024;
const CT = CONTENT_TYPES.complaint;

const H32 = { t: 'bytes', len: 32 } as const;

export const COMPLAINT: ObjectSpec = {
  name: 'complaint',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    { key: 1, name: 'task', type: H32, doc: 'the task id' },
    { key: 2, name: 'topic', type: { t: 'text', maxBytes: 64, pattern: 'topic' }, doc: "the task's topic" },
    { key: 3, name: 'requester', type: H32, doc: 'the requester (the signer)' },
    { key: 4, name: 'worker', type: H32, doc: 'the worker; differs from requester' },
    { key: 5, name: 'outcome', type: { t: 'uint', max: 1000 }, doc: "the requester's rating" },
    { key: 6, name: 'ts', type: { t: 'uint' }, doc: 'ms' },
    { key: 7, name: 'delivery', type: { t: 'bytes', maxLen: 512 }, doc: "the worker's signed delivery message" },
  ],
};

export interface Complaint {
  readonly task: Uint8Array;
  readonly topic: string;
  readonly requester: Uint8Array;
  readonly worker: Uint8Array;
  readonly outcome: number;
  readonly ts: number;
  readonly delivery: Uint8Array;
}

/** The complaint a requester signs about a task that ended without a co-signed receipt (`outcome` its rating). */
export function complaintOf(r: TaskRecord, requester: Uint8Array, outcome: number, ts: number): Complaint {
  const worker = fromHex(r.worker!);
  return { task: fromHex(r.id), topic: r.topic, requester, worker, outcome, ts, delivery: fromHex(r.delivery!) };
}

function payload(c: Complaint): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, c.task],
      [2, c.topic],
      [3, c.requester],
      [4, c.worker],
      [5, c.outcome],
      [6, c.ts],
      [7, c.delivery],
    ]),
  );
}
/** What the requester signs (docs/conventions.md §4). */
export const complaintToBeSigned = (c: Complaint): Uint8Array => sign1ToBeSigned(sign1Protected(CT), payload(c));
export const encodeComplaint = (c: Complaint, sig: Uint8Array): Uint8Array => encodeSign1(CT, payload(c), sig);

export function decodeComplaint(b: Uint8Array): {
  complaint: Complaint;
  signature: Uint8Array;
  toBeSigned: Uint8Array;
} {
  const s = decodeSign1(b, CT, MAX_COMPLAINT_BYTES);
  const m = asMap(decodeCbor(s.payload, { maxBytes: MAX_COMPLAINT_BYTES, maxDepth: 1 }), 'complaint');
  const { v: _v, ...c } = readObject(m, COMPLAINT, DEFAULT_LIMITS);
  const complaint = c as unknown as Complaint;
  if (equalBytes(complaint.requester, complaint.worker))
    throw decodeError('BAD_VALUE', 'complaint: requester and worker are the same agent');
  return { complaint, signature: s.signature, toBeSigned: s.toBeSigned };
}

export function complaintBody(signed: Uint8Array): Body {
  return {
    kind: 'state',
    tags: ['receipt', COMPLAINT_TAG],
    text: 'task complaint',
    constraints: COMPLAINT_PREFIX + toHex(signed),
  };
}

export const isComplaintBody = (b: Body): boolean =>
  b.kind === 'state' && !!b.constraints?.startsWith(COMPLAINT_PREFIX);

/** The signed complaint bytes a body from complaintBody carries (typed DecodeError otherwise). */
export function complaintFromBody(b: Body): Uint8Array {
  if (!isComplaintBody(b)) throw decodeError('BAD_VALUE', 'body does not carry a complaint');
  const hex = b.constraints!.slice(COMPLAINT_PREFIX.length);
  if (hex.length > MAX_COMPLAINT_BYTES * 2 || !/^(?:[0-9a-f]{2})+$/.test(hex))
    throw decodeError('BAD_VALUE', 'complaint constraint is not hex of a complaint');
  return fromHex(hex);
}

export type ComplaintCheck =
  { readonly ok: true } | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

/**
 * A decoded complaint against what the verifier knows: the embedded delivery is a `delivery` for the same task,
 * signed by the named worker (T1 at its ts), and the complaint is signed by the requester (T1 at its ts).
 */
export function checkComplaint(
  v: IdentityTiers,
  limits: Limits,
  d: ReturnType<typeof decodeComplaint>,
): ComplaintCheck {
  const c = d.complaint;
  const dm = decodeTaskMsg(c.delivery, limits); // DecodeError: the caller's malformed
  if (dm.msg.type !== 'delivery')
    return { ok: false, reason: 'malformed', detail: 'complaint: the embedded message is not a delivery' };
  if (!equalBytes(dm.msg.task, c.task) || !equalBytes(dm.msg.signer, c.worker))
    return {
      ok: false,
      reason: 'malformed',
      detail: "complaint: the delivery is not the named worker's for this task",
    };
  const w = v.checkSigned(c.worker, dm.toBeSigned, dm.signature, dm.msg.ts);
  if (!w.ok) return { ok: false, reason: w.reason, detail: `complaint: worker's delivery: ${w.detail}` };
  const r = v.checkSigned(c.requester, d.toBeSigned, d.signature, c.ts, c.topic);
  if (!r.ok) return { ok: false, reason: r.reason, detail: `complaint: ${r.detail}` };
  return { ok: true };
}
