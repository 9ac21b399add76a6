// Small protocol messages around the logs (DESIGN §5):
//
// birth     COSE_Sign1 by the agent key, retained per author: announces (alive=true) the agent and
//           carries its binding, or (alive=false, a death: the MQTT Will, a mesh node's goodbye)
//           retires the incarnation, naming the binding it ends by hash instead of carrying it (the
//           receivers hold it already: a death is ~200 bytes, not ~700). Ordered by (epoch, ts) so a
//           late death never overrides a newer birth.
//             0 v, 1 author bstr32, 2 epoch uint, 3 ts uint,
//             4 binding bstr (births only: required when alive, forbidden in a death),
//             5 alive bool,
//             6 continuation bstr (optional: the operator-signed record of epoch 2, codec/fork-proof.ts;
//               required by receivers when epoch > 0, in births and deaths alike; absent, the bytes are
//               those of the first v1),
//             7 bindingHash bstr32 (deaths only: SHA-256 of the binding bytes, field 4 of the births it
//               retires; required when alive=false, forbidden in a birth)
// frontier  COSE_Sign1 by the agent key, retained per (topic, author): the head of one log, so a
//           node that subscribes late learns what exists and repairs the gap from the author.
//             0 v, 1 author bstr32, 2 topic text, 3 epoch uint, 4 seq uint, 5 id bstr32, 6 ts uint
// direct    unsigned request/reply between two nodes (the data requested is itself signed):
//             0 v, 1 type, 2 from bstr32 (reply address), then per type:
//             1 GET_ENTRIES 3 author, 4 topic, 5 epoch, 6 fromSeq, 7 toSeq (inclusive, <= 64 entries)
//             2 ENTRIES     3 [entry bytes]
//             3 GET_BODY    3 bodyHash bstr32
//             4 BODY        3 body bytes
//             5 TASK        3 a signed task message (COSE_Sign1 agentnet/task/1, src/core/task/codec.ts)

import { decodeError } from '../errors.js';
import { decodeCbor, encodeCbor, type CborValue } from './cbor.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned } from './cose.js';
import { asMap, bytes, mapOf, onlyKeys, optBytes, text, uint } from './fields.js';
import { CONTINUATION_MAX_BYTES } from './fork-proof.js';
import { TOPIC_RE, type Limits } from './limits.js';

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
  onlyKeys(m, [0, 1, 2, 3, 4, 5, 6, 7], 'birth');
  if (uint(m, 0, 'birth') !== 1) throw decodeError('BAD_VERSION', 'birth: unknown version');
  const alive = m.get(5);
  if (typeof alive !== 'boolean') throw decodeError('BAD_TYPE', 'birth: field 5 must be a boolean');
  // A birth carries the binding and no hash; a death the hash and no binding (never both: a death
  // carrying a binding would be the old ~700-byte form, which no receiver may need to accept).
  if (m.has(alive ? 7 : 4))
    throw decodeError(
      'UNKNOWN_FIELD',
      alive
        ? 'birth: field 7 (bindingHash) is for deaths only'
        : 'birth: a death (alive=false) must not carry field 4 (binding)',
    );
  const continuation = optBytes(m, 6, 'birth', undefined, CONTINUATION_MAX_BYTES);
  const common = {
    author: bytes(m, 1, 'birth', 32),
    epoch: uint(m, 2, 'birth'),
    ts: uint(m, 3, 'birth'),
    ...(continuation ? { continuation } : {}),
  };
  const birth: Birth = alive
    ? { ...common, alive, binding: bytes(m, 4, 'birth', undefined, limits.bindingBytes) }
    : { ...common, alive, bindingHash: bytes(m, 7, 'birth', 32) };
  return { birth, signature: s.signature, toBeSigned: s.toBeSigned };
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
  onlyKeys(m, [0, 1, 2, 3, 4, 5, 6], 'frontier');
  if (uint(m, 0, 'frontier') !== 1) throw decodeError('BAD_VERSION', 'frontier: unknown version');
  const frontier: Frontier = {
    author: bytes(m, 1, 'frontier', 32),
    topic: text(m, 2, 'frontier', limits.topicBytes, TOPIC_RE),
    epoch: uint(m, 3, 'frontier'),
    seq: uint(m, 4, 'frontier'),
    id: bytes(m, 5, 'frontier', 32),
    ts: uint(m, 6, 'frontier'),
  };
  if (frontier.seq < 1) throw decodeError('BAD_VALUE', 'frontier: seq must be >= 1');
  return { frontier, signature: s.signature, toBeSigned: s.toBeSigned };
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
  | { readonly type: 'task'; readonly from: Uint8Array; readonly msg: Uint8Array };

const TYPES = ['', 'getEntries', 'entries', 'getBody', 'body', 'task'] as const;

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
  }
  return encodeCbor(mapOf(base));
}

export function decodeDirect(b: Uint8Array, limits: Limits): Direct {
  const m = asMap(decodeCbor(b, { maxBytes: limits.messageBytes, maxDepth: 3 }), 'direct');
  if (uint(m, 0, 'direct') !== 1) throw decodeError('BAD_VERSION', 'direct: unknown version');
  const type = TYPES[uint(m, 1, 'direct', TYPES.length - 1)];
  const from = bytes(m, 2, 'direct', 32);
  switch (type) {
    case 'getEntries': {
      onlyKeys(m, [0, 1, 2, 3, 4, 5, 6, 7], 'direct');
      const fromSeq = uint(m, 6, 'direct');
      const toSeq = uint(m, 7, 'direct');
      if (fromSeq < 1 || toSeq < fromSeq || toSeq - fromSeq >= MAX_RANGE)
        throw decodeError('BAD_VALUE', `direct: range must be 1..${MAX_RANGE} entries`);
      return {
        type,
        from,
        author: bytes(m, 3, 'direct', 32),
        topic: text(m, 4, 'direct', limits.topicBytes, TOPIC_RE),
        epoch: uint(m, 5, 'direct'),
        fromSeq,
        toSeq,
      };
    }
    case 'entries': {
      onlyKeys(m, [0, 1, 2, 3], 'direct');
      const list = m.get(3);
      if (!Array.isArray(list) || list.length > MAX_RANGE)
        throw decodeError('BAD_TYPE', `direct: entries must be an array of <= ${MAX_RANGE}`);
      const entries = list.map((x) => {
        if (!(x instanceof Uint8Array) || x.length > limits.headerBytes)
          throw decodeError('BAD_VALUE', 'direct: entry must be bytes <= headerBytes');
        return x;
      });
      return { type, from, entries };
    }
    case 'getBody':
      onlyKeys(m, [0, 1, 2, 3], 'direct');
      return { type, from, bodyHash: bytes(m, 3, 'direct', 32) };
    case 'body':
      onlyKeys(m, [0, 1, 2, 3], 'direct');
      return { type, from, body: bytes(m, 3, 'direct', undefined, limits.bodyBytes) };
    case 'task':
      onlyKeys(m, [0, 1, 2, 3], 'direct');
      return { type, from, msg: bytes(m, 3, 'direct', undefined, limits.messageBytes - 64) };
    default:
      throw decodeError('BAD_VALUE', 'direct: unknown type');
  }
}
