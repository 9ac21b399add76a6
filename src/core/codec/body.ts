// `body`: a semantic declaration (DESIGN §3), pulled by hash and never signed itself: the author's
// signed entry commits to it through bodyHash and bodyLen.
//
//  0 v            uint  1
//  1 kind         uint  as entry.kind
//  2 tags         [text] <= maxTags of <= tagBytes, dotted lowercase (TAG_RE)
//  3 text         text  free description, <= textBytes
//  4 skills       [text] optional
//  5 tools        [text] optional
//  6 price        uint  optional, credits per task
//  7 deadline     uint  optional, ms since the Unix epoch
//  8 sla          text  optional
//  9 requiredTier uint  optional 0..4, tier a counterparty must reach
// 10 constraints  text  optional cooperation constraints (a mechanism reference, later issues)

import { decodeError } from '../errors.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { KINDS, type Kind } from './entry.js';
import { asMap, mapOf, onlyKeys, optText, optTextList, optUint, text, textList, uint } from './fields.js';
import { TAG_RE, type Limits } from './limits.js';

export interface Body {
  readonly kind: Kind;
  readonly tags: readonly string[];
  readonly text: string;
  readonly skills?: readonly string[];
  readonly tools?: readonly string[];
  readonly price?: number;
  readonly deadline?: number;
  readonly sla?: string;
  readonly requiredTier?: number;
  readonly constraints?: string;
}

const FIELDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

export function encodeBody(b: Body): Uint8Array {
  return encodeCbor(
    mapOf([
      [0, 1],
      [1, KINDS.indexOf(b.kind)],
      [2, [...b.tags]],
      [3, b.text],
      [4, b.skills ? [...b.skills] : undefined],
      [5, b.tools ? [...b.tools] : undefined],
      [6, b.price],
      [7, b.deadline],
      [8, b.sla],
      [9, b.requiredTier],
      [10, b.constraints],
    ]),
  );
}

export function decodeBody(bytes: Uint8Array, limits: Limits): Body {
  const m = asMap(decodeCbor(bytes, { maxBytes: limits.bodyBytes, maxDepth: 3 }), 'body');
  onlyKeys(m, FIELDS, 'body');
  if (uint(m, 0, 'body') !== 1) throw decodeError('BAD_VERSION', 'body: unknown version');
  const out: {
    -readonly [K in keyof Body]: Body[K];
  } = {
    kind: KINDS[uint(m, 1, 'body', KINDS.length - 1)]!,
    tags: textList(m, 2, 'body', limits.maxTags, limits.tagBytes, TAG_RE),
    text: text(m, 3, 'body', limits.textBytes),
  };
  const skills = optTextList(m, 4, 'body', 64, 128);
  const tools = optTextList(m, 5, 'body', 64, 128);
  const price = optUint(m, 6, 'body');
  const deadline = optUint(m, 7, 'body');
  const sla = optText(m, 8, 'body', 1024);
  const requiredTier = optUint(m, 9, 'body', 4);
  const constraints = optText(m, 10, 'body', 4096);
  if (skills) out.skills = skills;
  if (tools) out.tools = tools;
  if (price !== undefined) out.price = price;
  if (deadline !== undefined) out.deadline = deadline;
  if (sla !== undefined) out.sla = sla;
  if (requiredTier !== undefined) out.requiredTier = requiredTier;
  if (constraints !== undefined) out.constraints = constraints;
  return out;
}
