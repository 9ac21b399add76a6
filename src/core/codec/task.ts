// Byte formats of the task protocol (docs/architecture.md §3, §8; docs/mechanisms.md "Task protocol"; docs/spec/tasks.md).
//
// 1. The task announce is an `intent` body in the requester's (agent, topic) log. Task id = entry id
//    (SHA-256 of the entry's COSE_Sign1 bytes). Its tags are what a worker must be able to do, its text
//    the specification, price the budget, deadline the bid deadline, requiredTier the tier a bidder must
//    reach, and constraints "agentnet/task/1:" + hex of the terms (table TASK_TERMS: the requester-signed
//    mechanism inline, deliverBy, settleBy).
// 2. Task messages travel as direct messages (codec/messages.ts type 5), each a COSE_Sign1 by its sender
//    with content type agentnet/task/1 over a map whose field 1 is the type, counted from 1 (MSG_TYPES);
//    one table per type (TASK_MSG_TABLES): invite, bid, award, delivery, fetch, artefact, rate, cosign.
//    A rate carries the requester's receipt signature (the receipt's ts is the message's ts), a cosign
//    the worker's.

import { fromHex, toHex } from '../base/bytes.js';
import type { Body } from './body.js';
import { decodeCbor, encodeCbor, type CborValue } from './cbor.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned } from './cose.js';
import { asMap, mapOf } from './fields.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { readObject, type FieldSpec, type ObjectSpec } from './schema.js';
import { decodeError } from '../base/errors.js';

export const TASK_PREFIX = 'agentnet/task/1:';
const CT = CONTENT_TYPES.task;

const H32 = { t: 'bytes', len: 32 } as const;

/** Kinds of acceptance check (core/codec/accept.ts), counted from 1. */
export const ACCEPT_KINDS = ['', 'sha256', 'json'] as const;
/** JSON types an acceptance check can ask of a member (their ECMAScript `JSON.parse` reading). */
export const JSON_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'null'] as const;
export type JsonType = (typeof JSON_TYPES)[number];
export const MAX_ACCEPT_MEMBERS = 16;

/**
 * What a delivered artefact must satisfy, checkable by any node from the artefact alone (core/codec/accept.ts):
 * `sha256` (the artefact is exactly the bytes of a digest), or `json` (a UTF-8 JSON object with these members of
 * these types). An artefact that fails it is provably bad work (identity/bad-delivery.ts).
 */
export const ACCEPT: ObjectSpec = {
  name: 'acceptance check',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    { key: 1, name: 'kind', type: { t: 'enum', names: ACCEPT_KINDS, first: 1 }, doc: 'the kind of check' },
    { key: 2, name: 'digest', type: H32, optional: true, doc: "sha256: the artefact's SHA-256 (required there)" },
    {
      key: 3,
      name: 'members',
      type: {
        t: 'list',
        of: {
          t: 'tuple',
          items: [
            { t: 'text', maxBytes: 32, minBytes: 1 },
            { t: 'enum', names: JSON_TYPES },
          ],
        },
        maxItems: MAX_ACCEPT_MEMBERS,
        minItems: 1,
      },
      optional: true,
      doc: 'json: [name, type] of each member the top-level object must have (required there)',
    },
  ],
};

export type AcceptCheck =
  | { readonly kind: 'sha256'; readonly digest: Uint8Array }
  | { readonly kind: 'json'; readonly members: readonly (readonly [string, JsonType])[] };

export const TASK_TERMS: ObjectSpec = {
  name: 'task terms',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    {
      key: 1,
      name: 'mechanism',
      type: { t: 'bytes', maxLen: 1024 },
      doc: 'the requester-signed mechanism (COSE_Sign1 agentnet/mechanism/1)',
    },
    {
      key: 2,
      name: 'deliverBy',
      type: { t: 'uint' },
      doc: "ms: the awarded worker's delivery deadline; > the body's deadline",
    },
    { key: 3, name: 'settleBy', type: { t: 'uint' }, doc: 'ms: rating and co-signature deadline; > deliverBy' },
    {
      key: 4,
      name: 'accept',
      type: { t: 'map', spec: ACCEPT },
      optional: true,
      doc: 'the acceptance check every delivered artefact must pass (absent: none)',
    },
  ],
};

export interface TaskTerms {
  /** The requester-signed mechanism, COSE_Sign1 bytes. */
  readonly mechanism: Uint8Array;
  readonly deliverBy: number;
  readonly settleBy: number;
  readonly accept?: AcceptCheck;
}

function acceptMap(a: AcceptCheck): CborValue {
  return a.kind === 'sha256'
    ? mapOf([
        [0, 1],
        [1, ACCEPT_KINDS.indexOf('sha256')],
        [2, a.digest],
      ])
    : mapOf([
        [0, 1],
        [1, ACCEPT_KINDS.indexOf('json')],
        [3, a.members.map(([n, t]) => [n, JSON_TYPES.indexOf(t)])],
      ]);
}

/** An acceptance check as read from the wire: the fields its kind needs, no other. */
function readAccept(r: Record<string, unknown>): AcceptCheck {
  const kind = r['kind'] as 'sha256' | 'json';
  const digest = r['digest'] as Uint8Array | undefined;
  const members = r['members'] as [string, JsonType][] | undefined;
  if (kind === 'sha256') {
    if (!digest || members) throw decodeError('BAD_VALUE', 'acceptance check sha256: needs digest and no members');
    return { kind, digest };
  }
  if (!members || digest) throw decodeError('BAD_VALUE', 'acceptance check json: needs members and no digest');
  if (new Set(members.map((m) => m[0])).size !== members.length)
    throw decodeError('BAD_VALUE', 'acceptance check json: a member is named twice');
  return { kind, members };
}

export function encodeTerms(t: TaskTerms): string {
  return (
    TASK_PREFIX +
    toHex(
      encodeCbor(
        mapOf([
          [0, 1],
          [1, t.mechanism],
          [2, t.deliverBy],
          [3, t.settleBy],
          [4, t.accept ? acceptMap(t.accept) : undefined],
        ]),
      ),
    )
  );
}

/** The terms of a task body; DecodeError when the body is not a well-formed task announce. */
export function decodeTerms(b: Body): TaskTerms {
  if (b.kind !== 'intent' || !b.constraints?.startsWith(TASK_PREFIX))
    throw decodeError('BAD_VALUE', 'body is not a task announce');
  if (b.price === undefined || b.deadline === undefined || b.requiredTier === undefined)
    throw decodeError('MISSING_FIELD', 'task: price, deadline and requiredTier are required');
  const hex = b.constraints.slice(TASK_PREFIX.length);
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw decodeError('BAD_VALUE', 'task terms are not hex');
  const m = asMap(decodeCbor(fromHex(hex), { maxBytes: 2048, maxDepth: 4 }), 'task terms');
  const {
    v: _v,
    accept,
    ...t
  } = readObject(m, TASK_TERMS, DEFAULT_LIMITS) as unknown as Omit<TaskTerms, 'accept'> & {
    v: number;
    accept?: Record<string, unknown>;
  };
  if (!(b.deadline < t.deliverBy && t.deliverBy < t.settleBy))
    throw decodeError('BAD_VALUE', 'task terms: need deadline < deliverBy < settleBy');
  return accept ? { ...t, accept: readAccept(accept) } : t;
}

// ---------------------------------------------------------------- signed task messages

export const MSG_TYPES = ['', 'invite', 'bid', 'award', 'delivery', 'fetch', 'artefact', 'rate', 'cosign'] as const;
export type MsgType = Exclude<(typeof MSG_TYPES)[number], ''>;

const MSG_HEAD: readonly FieldSpec[] = [
  { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
  { key: 1, name: 'type', type: { t: 'enum', names: MSG_TYPES, first: 1 }, doc: 'the message type (from 1)' },
  { key: 2, name: 'task', type: H32, doc: "the task id (its announce entry's id)" },
  { key: 3, name: 'signer', type: H32, doc: "the sender's agent key (the signer)" },
  { key: 4, name: 'ts', type: { t: 'uint' }, doc: 'ms, when signed' },
];
const msg = (type: MsgType, fields: FieldSpec[]): ObjectSpec => ({
  name: `task msg ${type}`,
  fields: [...MSG_HEAD, ...fields],
});
const SIG: FieldSpec = {
  key: 8,
  name: 'sig',
  type: { t: 'bytes', len: 64 },
  doc: 'Ed25519 signature over the receipt',
};
/** One table per task message type (field 1). */
export const TASK_MSG_TABLES = {
  invite: msg('invite', [
    { key: 5, name: 'entry', type: { t: 'bytes', maxLen: 'headerBytes' }, doc: "the task's signed announce entry" },
    { key: 6, name: 'body', type: { t: 'bytes', maxLen: 'bodyBytes' }, doc: "the announce's body" },
    { key: 7, name: 'binding', type: { t: 'bytes', maxLen: 'bindingBytes' }, doc: "the requester's binding" },
  ]),
  bid: msg('bid', [
    { key: 5, name: 'price', type: { t: 'uint' }, doc: 'milli-credits, at most the budget' },
    {
      key: 7,
      name: 'binding',
      type: { t: 'bytes', maxLen: 'bindingBytes' },
      doc: "the bidder's binding (checked at T2)",
    },
  ]),
  award: msg('award', [
    { key: 5, name: 'worker', type: H32, doc: 'the winning bidder' },
    { key: 6, name: 'price', type: { t: 'uint' }, doc: "the winner's bid" },
  ]),
  delivery: msg('delivery', [
    { key: 5, name: 'hash', type: H32, doc: 'SHA-256 of the artefact' },
    { key: 6, name: 'length', type: { t: 'uint', max: 'bodyBytes' }, doc: 'bytes of the artefact' },
  ]),
  fetch: msg('fetch', [{ key: 5, name: 'hash', type: H32, doc: 'the delivered hash' }]),
  artefact: msg('artefact', [
    { key: 5, name: 'artefact', type: { t: 'bytes', maxLen: 'bodyBytes' }, doc: 'the artefact bytes' },
  ]),
  rate: msg('rate', [
    { key: 5, name: 'outcome', type: { t: 'uint', max: 1000 }, doc: 'the rating' },
    { key: 6, name: 'amount', type: { t: 'uint' }, doc: 'milli-credits due under the mechanism' },
    { ...SIG, doc: "the requester's signature over the receipt (whose ts is this message's ts)" },
  ]),
  cosign: msg('cosign', [{ ...SIG, doc: "the worker's signature over the receipt" }]),
} as const satisfies Record<MsgType, ObjectSpec>;

interface Head {
  readonly task: Uint8Array;
  readonly signer: Uint8Array;
  readonly ts: number;
}
export type TaskMsg = Head &
  (
    | { readonly type: 'invite'; readonly entry: Uint8Array; readonly body: Uint8Array; readonly binding: Uint8Array }
    | { readonly type: 'bid'; readonly price: number; readonly binding: Uint8Array }
    | { readonly type: 'award'; readonly worker: Uint8Array; readonly price: number }
    | { readonly type: 'delivery'; readonly hash: Uint8Array; readonly length: number }
    | { readonly type: 'fetch'; readonly hash: Uint8Array }
    | { readonly type: 'artefact'; readonly artefact: Uint8Array }
    | { readonly type: 'rate'; readonly outcome: number; readonly amount: number; readonly sig: Uint8Array }
    | { readonly type: 'cosign'; readonly sig: Uint8Array }
  );

export function taskMsgPayload(m: TaskMsg): Uint8Array {
  const p: Array<[number, CborValue | undefined]> = [
    [0, 1],
    [1, MSG_TYPES.indexOf(m.type)],
    [2, m.task],
    [3, m.signer],
    [4, m.ts],
  ];
  switch (m.type) {
    case 'invite':
      p.push([5, m.entry], [6, m.body], [7, m.binding]);
      break;
    case 'bid':
      p.push([5, m.price], [7, m.binding]);
      break;
    case 'award':
      p.push([5, m.worker], [6, m.price]);
      break;
    case 'delivery':
      p.push([5, m.hash], [6, m.length]);
      break;
    case 'fetch':
      p.push([5, m.hash]);
      break;
    case 'artefact':
      p.push([5, m.artefact]);
      break;
    case 'rate':
      p.push([5, m.outcome], [6, m.amount], [8, m.sig]);
      break;
    case 'cosign':
      p.push([8, m.sig]);
      break;
  }
  return encodeCbor(mapOf(p));
}

/** What the sender signs (docs/conventions.md §4). */
export const taskMsgToBeSigned = (m: TaskMsg): Uint8Array => sign1ToBeSigned(sign1Protected(CT), taskMsgPayload(m));
export const encodeTaskMsg = (m: TaskMsg, sig: Uint8Array): Uint8Array => encodeSign1(CT, taskMsgPayload(m), sig);

/** Structure only; the caller checks `signature` over `toBeSigned` with `msg.signer` (T1 at T2-verified binding). */
export function decodeTaskMsg(
  b: Uint8Array,
  limits: Limits,
): { msg: TaskMsg; signature: Uint8Array; toBeSigned: Uint8Array } {
  const s = decodeSign1(b, CT, limits.messageBytes);
  const m = asMap(decodeCbor(s.payload, { maxBytes: limits.messageBytes, maxDepth: 2 }), 'task msg');
  const head = readObject(
    new Map([...m].filter(([k]) => typeof k === 'number' && k <= 4)),
    { name: 'task msg', fields: MSG_HEAD },
    limits,
  ) as { type: MsgType };
  const { v: _v, ...msg } = readObject(m, TASK_MSG_TABLES[head.type], limits, 'task msg');
  return { msg: msg as unknown as TaskMsg, signature: s.signature, toBeSigned: s.toBeSigned };
}
