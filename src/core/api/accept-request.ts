// The `accept` field of a task request (POST /tasks, the MCP tool post_task): the acceptance check of the task's
// terms (core/codec/accept.ts, table `acceptance check` in docs/spec/tasks.md) as JSON:
//   {"kind": "sha256", "digest": "<64 hex digits>"}
//   {"kind": "json", "members": [["result", "string"], ["score", "number"], ...]}

import { FieldError } from '../codec/schema.js';
import { JSON_TYPES, MAX_ACCEPT_MEMBERS, type AcceptCheck, type JsonType } from '../codec/task.js';
import { acceptFromJson, type AcceptJson } from '../codec/accept.js';
import type { RequestField } from './request-spec.js';

const MEMBER_BYTES = 32;

/** Why `v` is not an acceptance check, or undefined when it is one. */
export function acceptProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an acceptance check (a JSON object)';
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['kind', 'digest', 'members'].includes(k));
  if (extra.length) return `has no field ${extra[0]}`;
  if (o['kind'] === 'sha256') {
    if (o['members'] !== undefined) return 'kind sha256 takes a digest, not members';
    return typeof o['digest'] === 'string' && /^[0-9a-f]{64}$/.test(o['digest'])
      ? undefined
      : 'digest must be 64 lowercase hex digits (the SHA-256 the artefact must have)';
  }
  if (o['kind'] !== 'json') return 'kind must be sha256 or json';
  if (o['digest'] !== undefined) return 'kind json takes members, not a digest';
  const ms = o['members'];
  if (!Array.isArray(ms) || ms.length < 1 || ms.length > MAX_ACCEPT_MEMBERS)
    return `members must be a list of 1..${MAX_ACCEPT_MEMBERS} [name, type] pairs`;
  const seen = new Set<string>();
  for (const [i, m] of ms.entries()) {
    if (!Array.isArray(m) || m.length !== 2 || typeof m[0] !== 'string')
      return `members[${i}] must be a [name, type] pair`;
    const n = Buffer.byteLength(m[0] as string);
    if (n < 1 || n > MEMBER_BYTES) return `members[${i}]: the name must be 1..${MEMBER_BYTES} bytes`;
    if (!JSON_TYPES.includes(m[1] as JsonType))
      return `members[${i}]: the type must be one of ${JSON_TYPES.join(', ')}`;
    if (seen.has(m[0] as string)) return `members[${i}]: ${JSON.stringify(m[0])} is named twice`;
    seen.add(m[0] as string);
  }
  return undefined;
}

/** A checked request value as the core's check. */
export function acceptOf(v: unknown): AcceptCheck {
  const p = acceptProblem(v);
  if (p) throw new FieldError('accept', p);
  return acceptFromJson(v as AcceptJson);
}

export const ACCEPT_FIELD: RequestField = {
  name: 'accept',
  type: {
    t: 'json',
    check: acceptProblem,
    schema: {
      type: 'object',
      properties: {
        kind: { enum: ['sha256', 'json'] },
        digest: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        members: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_ACCEPT_MEMBERS,
          items: {
            type: 'array',
            prefixItems: [{ type: 'string', minLength: 1 }, { enum: [...JSON_TYPES] }],
            minItems: 2,
            maxItems: 2,
          },
        },
      },
      required: ['kind'],
      additionalProperties: false,
    },
    samples: [
      { kind: 'json', members: [['result', 'string']] },
      {
        kind: 'json',
        members: [
          ['rows', 'number'],
          ['ok', 'boolean'],
          ['items', 'array'],
          ['meta', 'object'],
        ],
      },
      { kind: 'sha256', digest: 'ab'.repeat(32) },
    ],
  },
  optional: true,
  doc:
    'what every delivered artefact must pass, checkable by any node: {"kind":"sha256","digest":hex} or ' +
    '{"kind":"json","members":[[name, type], ...]}; an artefact that fails is rated 0 and proven bad to the ' +
    'network (the worker is slashed)',
};
