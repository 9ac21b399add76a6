// `entry`: the bodyless announcement (DESIGN §3). A COSE_Sign1 by the author's agent key over a
// canonical CBOR map. Field numbers are frozen by test/fixtures/golden.json (scripts/gen-fixtures.ts).
//
//  0 v        uint   1
//  1 author   bstr32 agent public key
//  2 topic    text   [a-z0-9_.-]{1,64}
//  3 epoch    uint   log epoch (DESIGN §4)
//  4 seq      uint   >= 1, position in the (author, topic, epoch) log
//  5 prev     bstr32 id of the previous entry; absent exactly when seq = 1
//  6 kind     uint   0 capability, 1 intent, 2 state, 3 constraint, 4 withdraw
//  7 ts       uint   ms since the Unix epoch, author's clock
//  8 expires  uint   ms since the Unix epoch; > ts
//  9 bodyHash bstr32 SHA-256 of the encoded body
// 10 bodyLen  uint   bytes of the encoded body, <= limits.bodyBytes
// 11 sketch   bstr32 256-bit Bloom filter of the body's tags and their dotted prefixes
// 12 tier     uint   0..4, highest verification tier the author offers (DESIGN §6)
//
// Entry id = SHA-256 of the whole COSE_Sign1 bytes (DESIGN §3).

import { decodeError } from '../errors.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned } from './cose.js';
import { asMap, bytes, mapOf, onlyKeys, optBytes, text, uint } from './fields.js';
import { TOPIC_RE, type Limits } from './limits.js';

export const KINDS = ['capability', 'intent', 'state', 'constraint', 'withdraw'] as const;
export type Kind = (typeof KINDS)[number];

export interface Entry {
  readonly author: Uint8Array;
  readonly topic: string;
  readonly epoch: number;
  readonly seq: number;
  readonly prev?: Uint8Array;
  readonly kind: Kind;
  readonly ts: number;
  readonly expires: number;
  readonly bodyHash: Uint8Array;
  readonly bodyLen: number;
  readonly sketch: Uint8Array;
  readonly tier: number;
}

export interface SignedEntry {
  readonly entry: Entry;
  /** The COSE_Sign1 bytes as sent; the entry id hashes these. */
  readonly bytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly toBeSigned: Uint8Array;
}

const FIELDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

export function entryPayload(e: Entry): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, e.author],
      [2, e.topic],
      [3, e.epoch],
      [4, e.seq],
      [5, e.prev],
      [6, KINDS.indexOf(e.kind)],
      [7, e.ts],
      [8, e.expires],
      [9, e.bodyHash],
      [10, e.bodyLen],
      [11, e.sketch],
      [12, e.tier],
    ]),
  );
}

/** The bytes the author signs (STYLE 4). */
export function entryToBeSigned(e: Entry): Uint8Array {
  return sign1ToBeSigned(sign1Protected(CONTENT_TYPES.entry), entryPayload(e));
}

export function encodeEntry(e: Entry, signature: Uint8Array): Uint8Array {
  return encodeSign1(CONTENT_TYPES.entry, entryPayload(e), signature);
}

export function decodeEntry(b: Uint8Array, limits: Limits): SignedEntry {
  const s = decodeSign1(b, CONTENT_TYPES.entry, limits.headerBytes);
  const m = asMap(decodeCbor(s.payload, { maxBytes: limits.headerBytes, maxDepth: 2 }), 'entry');
  onlyKeys(m, FIELDS, 'entry');
  if (uint(m, 0, 'entry') !== 1) throw decodeError('BAD_VERSION', 'entry: unknown version');
  const seq = uint(m, 4, 'entry');
  if (seq < 1) throw decodeError('BAD_VALUE', 'entry: seq must be >= 1');
  const prev = optBytes(m, 5, 'entry', 32);
  if ((seq === 1) !== (prev === undefined))
    throw decodeError('BAD_VALUE', 'entry: prev must be absent exactly at seq 1');
  const kind = KINDS[uint(m, 6, 'entry', KINDS.length - 1)]!;
  const ts = uint(m, 7, 'entry');
  const expires = uint(m, 8, 'entry');
  if (expires <= ts) throw decodeError('BAD_VALUE', 'entry: expires must be after ts');
  const entry: Entry = {
    author: bytes(m, 1, 'entry', 32),
    topic: text(m, 2, 'entry', limits.topicBytes, TOPIC_RE),
    epoch: uint(m, 3, 'entry'),
    seq,
    ...(prev ? { prev } : {}),
    kind,
    ts,
    expires,
    bodyHash: bytes(m, 9, 'entry', 32),
    bodyLen: uint(m, 10, 'entry', limits.bodyBytes),
    sketch: bytes(m, 11, 'entry', 32),
    tier: uint(m, 12, 'entry', 4),
  };
  return { entry, bytes: b, signature: s.signature, toBeSigned: s.toBeSigned };
}
