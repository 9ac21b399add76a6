// Acceptance checks (docs/spec/tasks.md "Acceptance checks"): the condition a task's terms put on every delivered
// artefact, decided from the artefact's bytes alone, so any node reaches the same answer. The requester's node
// runs it when the artefact arrives; a failed check rates the delivery 0 and becomes a bad-delivery proof
// (identity/bad-delivery.ts) that every node verifies by running the same check. A worker's runtime runs it
// before it delivers (runtime/tasks.ts), so an honest operator never signs an artefact that fails.
//
//   sha256  the artefact is exactly the bytes whose SHA-256 is `digest` (a known answer: a reproducible build,
//           a copy of a published file, a spot-check whose result the requester knows)
//   json    the artefact is UTF-8 JSON (RFC 8259) whose top-level value is an object with each listed member,
//           of the listed type. Parsed by ECMAScript `JSON.parse` (a duplicate member name: the last counts).

import { equalBytes, fromHex, toHex } from '../base/bytes.js';
import type { CryptoPort } from '../base/ports.js';
import type { AcceptCheck, JsonType } from './task.js';

export type AcceptVerdict = { readonly ok: true } | { readonly ok: false; readonly detail: string };

const PASS: AcceptVerdict = { ok: true };
const failed = (detail: string): AcceptVerdict => ({ ok: false, detail });

function jsonTypeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType; // string | number | boolean | object: what JSON.parse yields
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Whether `artefact` passes `check`; the detail says which condition it fails. */
export function checkAcceptance(
  c: Pick<CryptoPort, 'sha256'>,
  check: AcceptCheck,
  artefact: Uint8Array,
): AcceptVerdict {
  if (check.kind === 'sha256')
    return equalBytes(c.sha256(artefact), check.digest) ? PASS : failed('the artefact does not hash to the digest');
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(artefact));
  } catch {
    return failed('the artefact is not UTF-8 JSON');
  }
  if (jsonTypeOf(value) !== 'object') return failed(`the artefact is JSON ${jsonTypeOf(value)}, not an object`);
  const o = value as Record<string, unknown>;
  for (const [name, type] of check.members) {
    if (!Object.prototype.hasOwnProperty.call(o, name)) return failed(`member ${JSON.stringify(name)} is missing`);
    const t = jsonTypeOf(o[name]);
    if (t !== type) return failed(`member ${JSON.stringify(name)} is ${t}, not ${type}`);
  }
  return PASS;
}

/** An acceptance check as a task record and the API hold it (plain JSON: the digest in hex). */
export type AcceptJson =
  | { readonly kind: 'sha256'; readonly digest: string }
  | { readonly kind: 'json'; readonly members: readonly (readonly [string, JsonType])[] };

export const acceptToJson = (a: AcceptCheck): AcceptJson =>
  a.kind === 'sha256' ? { kind: 'sha256', digest: toHex(a.digest) } : { kind: 'json', members: a.members };

export const acceptFromJson = (a: AcceptJson): AcceptCheck =>
  a.kind === 'sha256' ? { kind: 'sha256', digest: fromHex(a.digest) } : { kind: 'json', members: a.members };
