// Every wire object's field table, by the name the specification uses (docs/spec/*.md). Each table is
// declared next to its codec, which decodes through it (schema.ts readObject); this list is what the
// specification test (test/unit/spec-doc.test.ts) compares the documents' tables with, so a table and
// its description cannot drift apart.

import { MECHANISM } from './market/mechanism.js';
import { COMPLAINT } from './task/complaint.js';
import { TASK_MSG_TABLES, TASK_TERMS } from './codec/task.js';
import { DISPUTE_PROOF } from './identity/dispute.js';
import { BAD_DELIVERY_PROOF } from './identity/bad-delivery.js';
import { CHECKPOINT, CREDENTIAL, INCLUSION, REVOCATION } from './codec/attest.js';
import { BINDING, BINDING_CONFIG } from './codec/binding.js';
import { BODY } from './codec/body.js';
import { ENTRY } from './codec/entry.js';
import { CONTINUATION, FORK_PROOF } from './codec/fork-proof.js';
import { BIRTH_ALIVE, BIRTH_DEATH, DIRECT_TABLES, FRONTIER, REQUEST_TABLES } from './codec/messages.js';
import { RECEIPT } from './codec/receipt.js';
import type { FieldType, ObjectSpec } from './codec/schema.js';

/** Nested map tables (a field of type `map`) are listed as well, under their own names. */
function withNested(specs: readonly ObjectSpec[]): ObjectSpec[] {
  const out: ObjectSpec[] = [];
  const visit = (t: FieldType) => {
    if (t.t === 'map') add(t.spec);
    else if (t.t === 'list') visit(t.of);
    else if (t.t === 'tuple') t.items.forEach(visit);
  };
  const add = (s: ObjectSpec) => {
    if (out.some((x) => x.name === s.name)) return;
    out.push(s);
    for (const f of s.fields) visit(f.type);
  };
  specs.forEach(add);
  return out;
}

export const WIRE_TABLES: readonly ObjectSpec[] = withNested([
  ENTRY,
  BODY,
  BINDING,
  BINDING_CONFIG,
  BIRTH_ALIVE,
  BIRTH_DEATH,
  FRONTIER,
  ...Object.values(DIRECT_TABLES),
  ...Object.values(REQUEST_TABLES),
  RECEIPT,
  FORK_PROOF,
  CONTINUATION,
  REVOCATION,
  CHECKPOINT,
  INCLUSION,
  CREDENTIAL,
  TASK_TERMS,
  ...Object.values(TASK_MSG_TABLES),
  DISPUTE_PROOF,
  BAD_DELIVERY_PROOF,
  COMPLAINT,
  MECHANISM,
]);
