// Byte formats of the task protocol (DESIGN §3, §8; docs/mechanisms.md "Task protocol").
//
// 1. The task announce is an `intent` body in the requester's (agent, topic) log. Task id = entry id
//    (SHA-256 of the entry's COSE_Sign1 bytes). Its fields:
//      tags           what the worker must be able to do (matched against capability tags)
//      text           the task's specification
//      price          budget, milli-credits (the mechanism's money unit): the most the requester pays
//      deadline       bid deadline, ms since the Unix epoch: bids signed or received later are refused
//      requiredTier   tier a bidder must have reached at the requester (DESIGN §6), >= the mechanism's
//      constraints    "agentnet/task/1:" + hex of the CBOR map
//                       0 v 1
//                       1 mechanism   bstr  the requester-signed mechanism (COSE_Sign1
//                                           agentnet/mechanism/1, src/core/market/signed.ts) inline:
//                                           its id is SHA-256 of these bytes, its version is inside
//                       2 deliverBy   uint  ms: the awarded worker's delivery deadline (> deadline)
//                       3 settleBy    uint  ms: rating and co-signature deadline (> deliverBy)
//
// 2. Task messages travel as direct messages (codec/messages.ts type 5), each a COSE_Sign1 by its
//    sender with content type agentnet/task/1 over the CBOR map
//      0 v 1, 1 type (MSG_TYPES index), 2 task bstr32, 3 signer bstr32, 4 ts uint, then per type:
//      invite    requester -> candidate   5 entry bstr (the signed announce), 6 body bstr, 7 binding bstr
//      bid       bidder -> requester      5 price uint (milli-credits), 7 binding bstr (checked at T2)
//      award     requester -> winner      5 worker bstr32, 6 price uint
//      delivery  worker -> requester      5 artefact hash bstr32, 6 artefact length uint
//      fetch     requester -> worker      5 artefact hash bstr32
//      artefact  worker -> requester      5 artefact bytes (<= bodyBytes)
//      rate      requester -> worker      5 outcome 0..1000, 6 amount uint, 8 requester's receipt
//                                         signature (64 B); the receipt's ts is the message's ts
//      cosign    worker -> requester      8 worker's receipt signature (64 B)

import { fromHex, toHex } from '../bytes.js';
import type { Body } from '../codec/body.js';
import { decodeCbor, encodeCbor, type CborValue } from '../codec/cbor.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned } from '../codec/cose.js';
import { asMap, bytes, mapOf, onlyKeys, uint } from '../codec/fields.js';
import type { Limits } from '../codec/limits.js';
import { decodeError } from '../errors.js';

export const TASK_PREFIX = 'agentnet/task/1:';
const CT = CONTENT_TYPES.task;

export interface TaskTerms {
  /** The requester-signed mechanism, COSE_Sign1 bytes. */
  readonly mechanism: Uint8Array;
  readonly deliverBy: number;
  readonly settleBy: number;
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
  const m = asMap(decodeCbor(fromHex(hex), { maxBytes: 2048, maxDepth: 2 }), 'task terms');
  onlyKeys(m, [0, 1, 2, 3], 'task terms');
  if (uint(m, 0, 'task terms') !== 1) throw decodeError('BAD_VERSION', 'task terms: unknown version');
  const t = {
    mechanism: bytes(m, 1, 'task terms', undefined, 1024),
    deliverBy: uint(m, 2, 'task terms'),
    settleBy: uint(m, 3, 'task terms'),
  };
  if (!(b.deadline < t.deliverBy && t.deliverBy < t.settleBy))
    throw decodeError('BAD_VALUE', 'task terms: need deadline < deliverBy < settleBy');
  return t;
}

// ---------------------------------------------------------------- signed task messages

export const MSG_TYPES = ['', 'invite', 'bid', 'award', 'delivery', 'fetch', 'artefact', 'rate', 'cosign'] as const;
export type MsgType = Exclude<(typeof MSG_TYPES)[number], ''>;

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

/** What the sender signs (STYLE 4). */
export const taskMsgToBeSigned = (m: TaskMsg): Uint8Array => sign1ToBeSigned(sign1Protected(CT), taskMsgPayload(m));
export const encodeTaskMsg = (m: TaskMsg, sig: Uint8Array): Uint8Array => encodeSign1(CT, taskMsgPayload(m), sig);

/** Structure only; the caller checks `signature` over `toBeSigned` with `msg.signer` (T1 at T2-verified binding). */
export function decodeTaskMsg(
  b: Uint8Array,
  limits: Limits,
): { msg: TaskMsg; signature: Uint8Array; toBeSigned: Uint8Array } {
  const s = decodeSign1(b, CT, limits.messageBytes);
  const m = asMap(decodeCbor(s.payload, { maxBytes: limits.messageBytes, maxDepth: 2 }), 'task msg');
  if (uint(m, 0, 'task msg') !== 1) throw decodeError('BAD_VERSION', 'task msg: unknown version');
  const type = MSG_TYPES[uint(m, 1, 'task msg', MSG_TYPES.length - 1)];
  const head: Head = {
    task: bytes(m, 2, 'task msg', 32),
    signer: bytes(m, 3, 'task msg', 32),
    ts: uint(m, 4, 'task msg'),
  };
  const keys = (...k: number[]) => onlyKeys(m, [0, 1, 2, 3, 4, ...k], 'task msg');
  let msg: TaskMsg;
  switch (type) {
    case 'invite':
      keys(5, 6, 7);
      msg = {
        ...head,
        type,
        entry: bytes(m, 5, 'invite', undefined, limits.headerBytes),
        body: bytes(m, 6, 'invite', undefined, limits.bodyBytes),
        binding: bytes(m, 7, 'invite', undefined, limits.bindingBytes),
      };
      break;
    case 'bid':
      keys(5, 7);
      msg = { ...head, type, price: uint(m, 5, 'bid'), binding: bytes(m, 7, 'bid', undefined, limits.bindingBytes) };
      break;
    case 'award':
      keys(5, 6);
      msg = { ...head, type, worker: bytes(m, 5, 'award', 32), price: uint(m, 6, 'award') };
      break;
    case 'delivery':
      keys(5, 6);
      msg = { ...head, type, hash: bytes(m, 5, 'delivery', 32), length: uint(m, 6, 'delivery', limits.bodyBytes) };
      break;
    case 'fetch':
      keys(5);
      msg = { ...head, type, hash: bytes(m, 5, 'fetch', 32) };
      break;
    case 'artefact':
      keys(5);
      msg = { ...head, type, artefact: bytes(m, 5, 'artefact', undefined, limits.bodyBytes) };
      break;
    case 'rate':
      keys(5, 6, 8);
      msg = {
        ...head,
        type,
        outcome: uint(m, 5, 'rate', 1000),
        amount: uint(m, 6, 'rate'),
        sig: bytes(m, 8, 'rate', 64),
      };
      break;
    case 'cosign':
      keys(8);
      msg = { ...head, type, sig: bytes(m, 8, 'cosign', 64) };
      break;
    default:
      throw decodeError('BAD_VALUE', 'task msg: unknown type');
  }
  return { msg, signature: s.signature, toBeSigned: s.toBeSigned };
}
