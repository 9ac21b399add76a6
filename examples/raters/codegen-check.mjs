#!/usr/bin/env node
// An exec rater (docs/adapters.md) for codegen.mjs artefacts: compiles the artefact in a fresh V8 context
// (no require, no process; 100 ms at most), calls parseRecord on a record built from the task's field list,
// and scores the share of fields that come back with the right value and type (x 1000); 0 if it does not
// compile or throws.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const { task, artefact } = JSON.parse(readFileSync(0, 'utf8'));
const m = /fields:\s*(.+)/i.exec(String(task.text));
const fields = (m ? m[1] : '').split(',').map((f) => f.trim().split(':'));
const sample = { int: ['42', 42], float: ['2.5', 2.5], string: [' abc ', 'abc'], bool: ['yes', true] };
let out;
try {
  const ctx = vm.createContext({});
  vm.runInContext(
    `${artefact}\nthis.result = parseRecord(${JSON.stringify(fields.map(([, t]) => sample[t]?.[0] ?? '').join(','))});`,
    ctx,
    { timeout: 100 },
  );
  out = ctx.result;
} catch {
  console.log(0);
  process.exit(0);
}
const right = fields.filter(([n, t]) => sample[t] && out?.[n] === sample[t][1]).length;
console.log(fields.length ? Math.round((1000 * right) / fields.length) : 0);
