// `body`: a semantic declaration (docs/architecture.md §3), pulled by hash and never signed itself: the author's
// signed entry commits to it through bodyHash and bodyLen. Its CBOR map is the table BODY below
// (docs/spec/objects.md shows it).

import { decodeCbor, encodeCbor } from './cbor.js';
import { KINDS, type Kind } from './entry.js';
import { asMap, mapOf } from './fields.js';
import type { Limits } from './limits.js';
import { readObject, type ObjectSpec } from './schema.js';

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

const WORDS = { t: 'list', of: { t: 'text', maxBytes: 128 }, maxItems: 64 } as const;

export const BODY: ObjectSpec = {
  name: 'body',
  fields: [
    { key: 0, name: 'v', type: { t: 'version', values: [1] }, doc: '1' },
    { key: 1, name: 'kind', type: { t: 'enum', names: KINDS }, doc: "as the entry's kind" },
    {
      key: 2,
      name: 'tags',
      type: { t: 'list', of: { t: 'text', maxBytes: 'tagBytes', pattern: 'tag' }, maxItems: 'maxTags' },
      doc: 'what is offered or needed; a tag matches itself and its dotted children',
    },
    { key: 3, name: 'text', type: { t: 'text', maxBytes: 'textBytes' }, doc: 'free description' },
    { key: 4, name: 'skills', type: WORDS, optional: true, doc: 'skills, free words' },
    { key: 5, name: 'tools', type: WORDS, optional: true, doc: 'tools, free words' },
    {
      key: 6,
      name: 'price',
      type: { t: 'uint' },
      optional: true,
      doc: 'price per task, milli-credits (a task: its budget)',
    },
    {
      key: 7,
      name: 'deadline',
      type: { t: 'uint' },
      optional: true,
      doc: 'ms since the Unix epoch (a task: its bid deadline)',
    },
    { key: 8, name: 'sla', type: { t: 'text', maxBytes: 1024 }, optional: true, doc: 'service level, free text' },
    {
      key: 9,
      name: 'requiredTier',
      type: { t: 'uint', max: 4 },
      optional: true,
      doc: 'tier a counterparty must reach',
    },
    {
      key: 10,
      name: 'constraints',
      type: { t: 'text', maxBytes: 4096 },
      optional: true,
      doc: 'cooperation constraints; `agentnet/<object>/1:` + hex carries a signed object (task terms, receipt, ...)',
    },
  ],
};

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
  const { v: _v, ...body } = readObject(m, BODY, limits);
  return body as unknown as Body;
}
