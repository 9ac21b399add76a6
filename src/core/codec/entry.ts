// `entry`: the bodyless announcement (docs/architecture.md §3). A COSE_Sign1 by the author's agent key over a
// canonical CBOR map whose fields are the table ENTRY below (docs/spec/objects.md shows it). Field
// numbers are frozen by test/fixtures/golden.json (scripts/gen-fixtures.mjs).
//
// Version 2 adds field 13, the declaration key: a declaration's identity is (author, topic, kind, key)
// (docs/decisions.md "Declaration identity"). A v1 entry has no key (the topic's keyless declaration).
//
// Entry id = SHA-256 of the whole COSE_Sign1 bytes, tag byte included (docs/architecture.md §3).

import { decodeError } from '../base/errors.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { DECODE_COUNT } from './decode-count.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned } from './cose.js';
import { asMap, mapOf } from './fields.js';
import type { Limits } from './limits.js';
import { readObject, type ObjectSpec } from './schema.js';

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
  /** The declaration key (v2 entries); absent: the topic's keyless declaration. */
  readonly key?: string;
}

export interface SignedEntry {
  readonly entry: Entry;
  /** The COSE_Sign1 bytes as sent; the entry id hashes these. */
  readonly bytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly toBeSigned: Uint8Array;
  /**
   * The entry id (SHA-256 of `bytes`) when whoever decoded it computed it (codec/parsed.ts, once per received
   * entry): the receive path and the batch signature check read it instead of hashing again.
   */
  readonly id?: Uint8Array;
}

const H32 = { t: 'bytes', len: 32 } as const;
const MS = { t: 'uint' } as const;

export const ENTRY: ObjectSpec = {
  name: 'entry',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1, 2] }, doc: '2 when field 13 is present, else 1' },
    { key: 1, name: 'author', type: H32, doc: "the author's Ed25519 agent public key" },
    { key: 2, name: 'topic', type: { t: 'text', maxBytes: 'topicBytes', pattern: 'topic' }, doc: "the log's topic" },
    { key: 3, name: 'epoch', type: MS, doc: 'log epoch; > 0 only with a continuation record in the birth' },
    { key: 4, name: 'seq', type: { t: 'uint', min: 1 }, doc: 'position in the (author, topic, epoch) log' },
    { key: 5, name: 'prev', type: H32, optional: true, doc: 'id of the entry at seq - 1; absent exactly at seq 1' },
    { key: 6, name: 'kind', type: { t: 'enum', names: KINDS }, doc: 'what the body declares' },
    { key: 7, name: 'ts', type: MS, doc: "ms since the Unix epoch, the author's clock; never decreases in a log" },
    { key: 8, name: 'expires', type: MS, doc: 'ms since the Unix epoch; > ts' },
    { key: 9, name: 'bodyHash', type: H32, doc: 'SHA-256 of the encoded body' },
    { key: 10, name: 'bodyLen', type: { t: 'uint', max: 'bodyBytes' }, doc: 'bytes of the encoded body' },
    { key: 11, name: 'sketch', type: H32, doc: "256-bit Bloom filter of the body's tags and their dotted prefixes" },
    { key: 12, name: 'tier', type: { t: 'uint', max: 4 }, doc: 'highest verification tier the author offers' },
    {
      key: 13,
      name: 'key',
      type: { t: 'text', maxBytes: 64, pattern: 'key' },
      optional: true,
      doc: 'declaration key (v2 only, required there): identity is (author, topic, kind, key)',
    },
  ],
};

export function entryPayload(e: Entry): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, e.key === undefined ? 1 : 2],
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
      [13, e.key],
    ]),
  );
}

/** The bytes the author signs (docs/conventions.md §4). */
export function entryToBeSigned(e: Entry): Uint8Array {
  return sign1ToBeSigned(sign1Protected(CONTENT_TYPES.entry), entryPayload(e));
}

export function encodeEntry(e: Entry, signature: Uint8Array): Uint8Array {
  return encodeSign1(CONTENT_TYPES.entry, entryPayload(e), signature);
}

export function decodeEntry(b: Uint8Array, limits: Limits): SignedEntry {
  DECODE_COUNT.entry++;
  const s = decodeSign1(b, CONTENT_TYPES.entry, limits.headerBytes);
  const m = asMap(decodeCbor(s.payload, { maxBytes: limits.headerBytes, maxDepth: 2 }), 'entry');
  const r = readObject(m, ENTRY, limits) as unknown as Entry & { v: number };
  if ((r.v === 2) !== (r.key !== undefined))
    throw decodeError('BAD_VALUE', 'entry: field 13 (key) must be present exactly in version 2', 'key');
  if ((r.seq === 1) !== (r.prev === undefined))
    throw decodeError('BAD_VALUE', 'entry: prev must be absent exactly at seq 1', 'prev');
  if (r.expires <= r.ts) throw decodeError('BAD_VALUE', 'entry: expires must be after ts', 'expires');
  const { v: _v, ...entry } = r;
  return { entry, bytes: b, signature: s.signature, toBeSigned: s.toBeSigned };
}
