#!/usr/bin/env node
// Writes the parts of src/runtime/api/openapi.json that come from the request tables
// (src/runtime/api/openapi-tables.ts): run it after changing a table; test/unit/requests.test.ts fails
// until the document matches. Only those values are replaced, in place: the rest of the file keeps its
// text (a JSON round trip would reorder the numeric response codes).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTs, root } from './import-ts.mjs';

const { generatedOpenApiParts } = await importTs('src/runtime/api/openapi-tables.ts', 'build/gen-openapi.mjs');

/** [start, end) of the value at `path` (object keys) in JSON `text`, found by scanning, not parsing. */
function span(text, path) {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i])) i++;
  };
  const str = () => {
    const s = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return JSON.parse(text.slice(s, ++i));
  };
  const skip = () => {
    ws();
    const c = text[i];
    if (c === '"') return void str();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          str();
          ws();
          i++; // ':'
        }
        skip();
        ws();
        if (text[i++] === close) return;
      }
    }
    while (i < text.length && !/[,}\]\s]/.test(text[i])) i++;
  };
  for (const key of path) {
    ws();
    if (text[i] !== '{') throw new Error(`not an object at ${key}`);
    i++;
    for (;;) {
      ws();
      if (text[i] === '}') throw new Error(`no key ${key}`);
      const k = str();
      ws();
      i++; // ':'
      ws();
      if (k === key) break;
      skip();
      ws();
      if (text[i] === ',') i++;
    }
  }
  ws();
  const start = i;
  skip();
  return [start, i];
}

function splice(text, path, value) {
  const [s, e] = span(text, path);
  const indent = ' '.repeat(text.slice(text.lastIndexOf('\n', s) + 1).search(/\S/));
  const json = JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
  return text.slice(0, s) + json + text.slice(e);
}

/** The task id of a /tasks/{id}/... route, as the document's other task routes name it. */
const TASK_ID_PARAM = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  description: 'task id: the id of its announce entry',
};

const file = join(root, 'src/runtime/api/openapi.json');
let text = readFileSync(file, 'utf8');
const parts = generatedOpenApiParts();
for (const [name, schema] of Object.entries(parts.schemas))
  text = splice(text, ['components', 'schemas', name], schema);
text = splice(text, ['paths', '/discover', 'get', 'parameters'], parts.discoverParameters);
text = splice(text, ['paths', '/tasks', 'get', 'parameters'], parts.taskListParameters);
text = splice(text, ['paths', '/tasks/{id}/next', 'get', 'parameters'], [TASK_ID_PARAM, ...parts.taskWaitParameters]);
text = splice(text, ['paths', '/a2a/agents', 'get', 'parameters'], parts.directoryParameters);
JSON.parse(text); // still JSON
writeFileSync(file, text);
console.log('wrote src/runtime/api/openapi.json');
