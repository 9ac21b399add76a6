// Small protocol messages around the logs (docs/architecture.md §5):
//
// birth     COSE_Sign1 by the agent key, retained per author: announces (alive=true) the agent and
//           carries its binding, or (alive=false, a death: the MQTT Will, a mesh node's goodbye)
//           retires the incarnation, naming the binding it ends by hash instead of carrying it (the
//           receivers hold it already: a death is ~200 bytes, not ~700). Ordered by (epoch, ts) so a
//           late death never overrides a newer birth. Tables BIRTH_ALIVE and BIRTH_DEATH.
// frontier  COSE_Sign1 by the agent key, retained per (topic, author): the head of one log, so a
//           node that subscribes late learns what exists and repairs the gap from the author. Table FRONTIER.
// direct    request/reply between two nodes, one table per type (DIRECT_TABLES): 2 entries, 4 body,
//           5 task, 6 request. The map is unsigned: replies carry signed objects, a task message is
//           signed, and a request (6) carries a signed request (REQUEST_TABLES, COSE_Sign1
//           agentnet/request/1) by the requester's agent key, naming the node asked and a time, so a
//           node answers only the requester itself, once (docs/spec/protocol.md "Direct requests").
//           Types 1 getEntries and 3 getBody are the unsigned requests of earlier nodes: they decode,
//           and are refused unanswered (`unsigned_request`): their `from` is anybody's key.

import { decodeError } from '../base/errors.js';
import { decodeCbor, encodeCbor, type CborValue } from './cbor.js';
import { DECODE_COUNT } from './decode-count.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned } from './cose.js';
import { asMap, mapOf } from './fields.js';
import { CONTINUATION_MAX_BYTES } from './fork-proof.js';
import type { Limits } from './limits.js';
import { readObject, type FieldSpec, type ObjectSpec } from './schema.js';

// ---------------------------------------------------------------- birth

interface BirthCommon {
  readonly author: Uint8Array;
  readonly epoch: number;
  readonly ts: number;
  /** The operator-signed continuation record of `epoch` (epoch > 0). */
  readonly continuation?: Uint8Array;
}
/** An agent announcing itself: carries its binding. */
export interface Alive extends BirthCommon {
  readonly alive: true;
  readonly binding: Uint8Array;
}
/** A death: names, by its SHA-256, the binding of the incarnation it retires (receivers hold that binding). */
export interface Death extends BirthCommon {
  readonly alive: false;
  readonly bindingHash: Uint8Array;
}
export type Birth = Alive | Death;

const H32 = { t: 'bytes', len: 32 } as const;
const BIRTH_HEAD: readonly FieldSpec[] = [
  { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
  { key: 1, name: 'author', type: H32, doc: "the author's agent public key (the signer)" },
  { key: 2, name: 'epoch', type: { t: 'uint' }, doc: "the author's current log epoch" },
  {
    key: 3,
    name: 'ts',
    type: { t: 'uint' },
    doc: 'ms; births and deaths order by (epoch, ts), a tie going to the death',
  },
];
const CONTINUATION_FIELD: FieldSpec = {
  key: 6,
  name: 'continuation',
  type: { t: 'bytes', maxLen: CONTINUATION_MAX_BYTES },
  optional: true,
  doc: 'the operator-signed continuation record of the epoch; required when epoch > 0, absent at epoch 0',
};
export const BIRTH_ALIVE: ObjectSpec = {
  name: 'birth',
  fields: [
    ...BIRTH_HEAD,
    {
      key: 4,
      name: 'binding',
      type: { t: 'bytes', maxLen: 'bindingBytes' },
      doc: "the author's binding (COSE_Sign bytes)",
    },
    { key: 5, name: 'alive', type: { t: 'bool' }, doc: 'true' },
    CONTINUATION_FIELD,
  ],
};
export const BIRTH_DEATH: ObjectSpec = {
  name: 'death',
  fields: [
    ...BIRTH_HEAD,
    { key: 5, name: 'alive', type: { t: 'bool' }, doc: 'false' },
    CONTINUATION_FIELD,
    { key: 7, name: 'bindingHash', type: H32, doc: 'SHA-256 of the binding bytes of the births it retires' },
  ],
};

function birthPayload(b: Birth): Uint8Array {
  const binding = b.alive ? b.binding : undefined;
  const bindingHash = b.alive ? undefined : b.bindingHash;
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, b.author],
      [2, b.epoch],
      [3, b.ts],
      [4, binding],
      [5, b.alive],
      [6, b.continuation],
      [7, bindingHash],
    ]),
  );
}
export const birthToBeSigned = (b: Birth): Uint8Array =>
  sign1ToBeSigned(sign1Protected(CONTENT_TYPES.birth), birthPayload(b));
export const encodeBirth = (b: Birth, sig: Uint8Array): Uint8Array =>
  encodeSign1(CONTENT_TYPES.birth, birthPayload(b), sig);

export function decodeBirth(
  b: Uint8Array,
  limits: Limits,
): { birth: Birth; signature: Uint8Array; toBeSigned: Uint8Array } {
  const max = limits.bindingBytes + 256 + CONTINUATION_MAX_BYTES;
  const s = decodeSign1(b, CONTENT_TYPES.birth, max);
  const m = asMap(decodeCbor(s.payload, { maxBytes: max, maxDepth: 2 }), 'birth');
  const alive = m.get(5);
  if (typeof alive !== 'boolean') throw decodeError('BAD_TYPE', 'birth: field 5 (alive) must be a boolean', 'alive');
  // A birth carries the binding and no hash; a death the hash and no binding (never both: a death
  // carrying a binding would be the old ~700-byte form, which no receiver may need to accept).
  if (m.has(alive ? 7 : 4))
    throw decodeError(
      'UNKNOWN_FIELD',
      alive
        ? 'birth: field 7 (bindingHash) is for deaths only'
        : 'birth: a death (alive=false) must not carry field 4 (binding)',
    );
  const { v: _v, ...birth } = readObject(m, alive ? BIRTH_ALIVE : BIRTH_DEATH, limits, 'birth');
  return { birth: birth as unknown as Birth, signature: s.signature, toBeSigned: s.toBeSigned };
}

// ---------------------------------------------------------------- frontier

export interface Frontier {
  readonly author: Uint8Array;
  readonly topic: string;
  readonly epoch: number;
  readonly seq: number;
  readonly id: Uint8Array;
  readonly ts: number;
}

export const FRONTIER: ObjectSpec = {
  name: 'frontier',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    { key: 1, name: 'author', type: H32, doc: "the log's author (the signer)" },
    { key: 2, name: 'topic', type: { t: 'text', maxBytes: 'topicBytes', pattern: 'topic' }, doc: "the log's topic" },
    { key: 3, name: 'epoch', type: { t: 'uint' }, doc: "the head's epoch" },
    { key: 4, name: 'seq', type: { t: 'uint', min: 1 }, doc: "the head's seq" },
    { key: 5, name: 'id', type: H32, doc: "the head entry's id" },
    { key: 6, name: 'ts', type: { t: 'uint' }, doc: 'ms, when the author signed this frontier' },
  ],
};

function frontierPayload(f: Frontier): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, f.author],
      [2, f.topic],
      [3, f.epoch],
      [4, f.seq],
      [5, f.id],
      [6, f.ts],
    ]),
  );
}
export const frontierToBeSigned = (f: Frontier): Uint8Array =>
  sign1ToBeSigned(sign1Protected(CONTENT_TYPES.frontier), frontierPayload(f));
export const encodeFrontier = (f: Frontier, sig: Uint8Array): Uint8Array =>
  encodeSign1(CONTENT_TYPES.frontier, frontierPayload(f), sig);

export function decodeFrontier(b: Uint8Array, limits: Limits) {
  const s = decodeSign1(b, CONTENT_TYPES.frontier, limits.headerBytes);
  const m = asMap(decodeCbor(s.payload, { maxBytes: limits.headerBytes, maxDepth: 2 }), 'frontier');
  const { v: _v, ...frontier } = readObject(m, FRONTIER, limits);
  return { frontier: frontier as unknown as Frontier, signature: s.signature, toBeSigned: s.toBeSigned };
}

// ---------------------------------------------------------------- direct request/reply

export const MAX_RANGE = 64;

export type Direct =
  | {
      readonly type: 'getEntries';
      readonly from: Uint8Array;
      readonly author: Uint8Array;
      readonly topic: string;
      readonly epoch: number;
      readonly fromSeq: number;
      readonly toSeq: number;
    }
  | { readonly type: 'entries'; readonly from: Uint8Array; readonly entries: readonly Uint8Array[] }
  | { readonly type: 'getBody'; readonly from: Uint8Array; readonly bodyHash: Uint8Array }
  | { readonly type: 'body'; readonly from: Uint8Array; readonly body: Uint8Array }
  | { readonly type: 'task'; readonly from: Uint8Array; readonly msg: Uint8Array }
  | { readonly type: 'request'; readonly from: Uint8Array; readonly req: Uint8Array };

export const DIRECT_TYPES = ['', 'getEntries', 'entries', 'getBody', 'body', 'task', 'request'] as const;
const TYPES = DIRECT_TYPES;

const DIRECT_HEAD: readonly FieldSpec[] = [
  { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
  { key: 1, name: 'type', type: { t: 'enum', names: DIRECT_TYPES, first: 1 }, doc: 'the message type' },
  { key: 2, name: 'from', type: H32, doc: "the sender's agent key: where the reply goes (d/{from})" },
];
const direct = (type: string, fields: FieldSpec[]): ObjectSpec => ({
  name: `direct ${type}`,
  fields: [...DIRECT_HEAD, ...fields],
});
/** One table per direct message type (field 1). */
export const DIRECT_TABLES = {
  getEntries: direct('getEntries', [
    // unsigned (earlier nodes): decoded, never answered
    { key: 3, name: 'author', type: H32, doc: "the log's author" },
    { key: 4, name: 'topic', type: { t: 'text', maxBytes: 'topicBytes', pattern: 'topic' }, doc: "the log's topic" },
    { key: 5, name: 'epoch', type: { t: 'uint' }, doc: 'the epoch' },
    { key: 6, name: 'fromSeq', type: { t: 'uint', min: 1 }, doc: 'first seq wanted' },
    {
      key: 7,
      name: 'toSeq',
      type: { t: 'uint', min: 1 },
      doc: `last seq wanted (inclusive); toSeq - fromSeq < ${MAX_RANGE}`,
    },
  ]),
  entries: direct('entries', [
    {
      key: 3,
      name: 'entries',
      type: { t: 'list', of: { t: 'bytes', maxLen: 'headerBytes' }, maxItems: MAX_RANGE },
      doc: 'entry bytes (COSE_Sign1), ascending seq',
    },
  ]),
  getBody: direct('getBody', [{ key: 3, name: 'bodyHash', type: H32, doc: 'SHA-256 of the body wanted' }]),
  body: direct('body', [{ key: 3, name: 'body', type: { t: 'bytes', maxLen: 'bodyBytes' }, doc: 'the body bytes' }]),
  task: direct('task', [
    {
      key: 3,
      name: 'msg',
      type: { t: 'bytes', maxLen: ['messageBytes', -64] },
      doc: 'a signed task message (COSE_Sign1 agentnet/task/1)',
    },
  ]),
  request: direct('request', [
    {
      key: 3,
      name: 'req',
      type: { t: 'bytes', maxLen: 'headerBytes' },
      doc: 'a signed request (COSE_Sign1 agentnet/request/1) whose `from` is field 2',
    },
  ]),
} as const satisfies Record<Exclude<(typeof DIRECT_TYPES)[number], ''>, ObjectSpec>;

export function encodeDirect(d: Direct): Uint8Array {
  const base: Array<[number, CborValue | undefined]> = [
    [0, 1],
    [1, TYPES.indexOf(d.type)],
    [2, d.from],
  ];
  switch (d.type) {
    case 'getEntries':
      base.push([3, d.author], [4, d.topic], [5, d.epoch], [6, d.fromSeq], [7, d.toSeq]);
      break;
    case 'entries':
      base.push([3, [...d.entries]]);
      break;
    case 'getBody':
      base.push([3, d.bodyHash]);
      break;
    case 'body':
      base.push([3, d.body]);
      break;
    case 'task':
      base.push([3, d.msg]);
      break;
    case 'request':
      base.push([3, d.req]);
      break;
  }
  return encodeCbor(mapOf(base));
}

export function decodeDirect(b: Uint8Array, limits: Limits): Direct {
  DECODE_COUNT.direct++;
  const m = asMap(decodeCbor(b, { maxBytes: limits.messageBytes, maxDepth: 3 }), 'direct');
  const head = readObject(
    new Map([...m].filter(([k]) => k === 0 || k === 1 || k === 2)),
    { name: 'direct', fields: DIRECT_HEAD },
    limits,
  ) as { type: Exclude<(typeof DIRECT_TYPES)[number], ''> };
  const spec = DIRECT_TABLES[head.type];
  const { v: _v, ...d } = readObject(m, spec, limits, 'direct');
  if (head.type === 'getEntries') checkRange(d as { fromSeq: number; toSeq: number }, 'direct');
  return d as unknown as Direct;
}

// ---------------------------------------------------------------- signed requests

/** What a signed request asks for. */
export type RequestQuery =
  | {
      readonly type: 'getEntries';
      readonly author: Uint8Array;
      readonly topic: string;
      readonly epoch: number;
      readonly fromSeq: number;
      readonly toSeq: number;
    }
  | { readonly type: 'getBody'; readonly bodyHash: Uint8Array };

/** A request signed by `from`: answered to `d/{from}` only by `to`, only while `ts` is fresh. */
export type SignedRequest = RequestQuery & {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  readonly ts: number;
};

export const REQUEST_TYPES = ['', 'getEntries', 'getBody'] as const;

const REQUEST_HEAD: readonly FieldSpec[] = [
  { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
  { key: 1, name: 'type', type: { t: 'enum', names: REQUEST_TYPES, first: 1 }, doc: 'what is asked' },
  {
    key: 2,
    name: 'from',
    type: H32,
    doc: "the requester's agent key (the signer): the reply goes to d/{from}, nowhere else",
  },
  { key: 3, name: 'to', type: H32, doc: 'the agent key of the node asked: any other node refuses the request' },
  {
    key: 4,
    name: 'ts',
    type: { t: 'uint' },
    doc: "ms, the requester's clock: within the asked node's clock tolerance, and above the last ts it answered for `from`",
  },
];
const request = (type: string, fields: FieldSpec[]): ObjectSpec => ({
  name: `request ${type}`,
  fields: [...REQUEST_HEAD, ...fields],
});
/** One table per signed request type (field 1), the payload of a COSE_Sign1 agentnet/request/1. */
export const REQUEST_TABLES = {
  getEntries: request('getEntries', [
    { key: 5, name: 'author', type: H32, doc: "the log's author" },
    { key: 6, name: 'topic', type: { t: 'text', maxBytes: 'topicBytes', pattern: 'topic' }, doc: "the log's topic" },
    { key: 7, name: 'epoch', type: { t: 'uint' }, doc: 'the epoch' },
    { key: 8, name: 'fromSeq', type: { t: 'uint', min: 1 }, doc: 'first seq wanted' },
    {
      key: 9,
      name: 'toSeq',
      type: { t: 'uint', min: 1 },
      doc: `last seq wanted (inclusive); toSeq - fromSeq < ${MAX_RANGE}`,
    },
  ]),
  getBody: request('getBody', [{ key: 5, name: 'bodyHash', type: H32, doc: 'SHA-256 of the body wanted' }]),
} as const satisfies Record<Exclude<(typeof REQUEST_TYPES)[number], ''>, ObjectSpec>;

function requestPayload(r: SignedRequest): Uint8Array {
  const base: Array<[number, CborValue | undefined]> = [
    [0, 1],
    [1, REQUEST_TYPES.indexOf(r.type)],
    [2, r.from],
    [3, r.to],
    [4, r.ts],
  ];
  if (r.type === 'getEntries') base.push([5, r.author], [6, r.topic], [7, r.epoch], [8, r.fromSeq], [9, r.toSeq]);
  else base.push([5, r.bodyHash]);
  return encodeCbor(mapOf(base));
}
export const requestToBeSigned = (r: SignedRequest): Uint8Array =>
  sign1ToBeSigned(sign1Protected(CONTENT_TYPES.request), requestPayload(r));
export const encodeRequest = (r: SignedRequest, sig: Uint8Array): Uint8Array =>
  encodeSign1(CONTENT_TYPES.request, requestPayload(r), sig);

/** Decodes a signed request (the signature is the caller's to verify, by `request.from`). */
export function decodeRequest(
  b: Uint8Array,
  limits: Limits,
): { request: SignedRequest; signature: Uint8Array; toBeSigned: Uint8Array } {
  const s = decodeSign1(b, CONTENT_TYPES.request, limits.headerBytes);
  const m = asMap(decodeCbor(s.payload, { maxBytes: limits.headerBytes, maxDepth: 2 }), 'request');
  const head = readObject(
    new Map([...m].filter(([k]) => typeof k === 'number' && k <= 4)),
    { name: 'request', fields: REQUEST_HEAD },
    limits,
  ) as { type: Exclude<(typeof REQUEST_TYPES)[number], ''> };
  const { v: _v, ...r } = readObject(m, REQUEST_TABLES[head.type], limits, 'request');
  if (head.type === 'getEntries') checkRange(r as { fromSeq: number; toSeq: number }, 'request');
  return { request: r as unknown as SignedRequest, signature: s.signature, toBeSigned: s.toBeSigned };
}

function checkRange(r: { fromSeq: number; toSeq: number }, what: string): void {
  if (r.toSeq < r.fromSeq || r.toSeq - r.fromSeq >= MAX_RANGE)
    throw decodeError('BAD_VALUE', `${what}: range must be 1..${MAX_RANGE} entries`, 'toSeq');
}
