#!/usr/bin/env node
// An exec worker (docs/adapters.md): generates a JavaScript parser for one CSV record from a field list in
// the task's text, e.g. "fields: id:int, name:string, price:float, active:bool". The artefact is the source
// of `function parseRecord(line)` that splits the line at commas and converts each field to its type
// (int and float with checks: a bad number throws a RangeError naming the field). Exits 1 without fields.
import { readFileSync } from 'node:fs';

const task = JSON.parse(readFileSync(0, 'utf8'));
const m = /fields:\s*(.+)/i.exec(String(task.text));
const fields = (m ? m[1] : '')
  .split(',')
  .map((f) => f.trim().split(':'))
  .filter(([n, t]) => /^[A-Za-z_]\w*$/.test(n ?? '') && ['int', 'float', 'string', 'bool'].includes(t ?? ''));
if (fields.length === 0) {
  console.error('codegen: no "fields: name:type, ..." (types int, float, string, bool) in the task text');
  process.exit(1);
}
const conv = {
  int: (n, i) =>
    `  const ${n} = Number(v[${i}]);\n  if (!Number.isInteger(${n})) throw new RangeError('${n}: not an integer: ' + v[${i}]);`,
  float: (n, i) =>
    `  const ${n} = Number(v[${i}]);\n  if (v[${i}].trim() === '' || !Number.isFinite(${n})) throw new RangeError('${n}: not a number: ' + v[${i}]);`,
  string: (n, i) => `  const ${n} = v[${i}].trim();`,
  bool: (n, i) => `  const ${n} = /^(true|1|yes)$/i.test(v[${i}].trim());`,
};
const src = [
  `// Generated for task ${task.id.slice(0, 16)}: ${fields.map(([n, t]) => `${n}:${t}`).join(', ')}`,
  'function parseRecord(line) {',
  "  const v = line.split(',');",
  `  if (v.length !== ${fields.length}) throw new RangeError('expected ${fields.length} fields, got ' + v.length);`,
  ...fields.map(([n, t], i) => conv[t](n, i)),
  `  return { ${fields.map(([n]) => n).join(', ')} };`,
  '}',
].join('\n');
process.stdout.write(src + '\n');
