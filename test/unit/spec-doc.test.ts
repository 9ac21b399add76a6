// The wire specification (docs/spec/*.md) against the code: every field table in the documents is parsed
// and compared with the codec's table it describes (the tables the decoders read through), every codec
// table is documented, the sketch's worked example and the COSE headers are recomputed, the test vectors
// are the golden fixtures, and each document is what scripts/gen-spec.mjs would write.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../../src/core/base/bytes.js';
import { CONTENT_TYPES, sign1Protected } from '../../src/core/codec/cose.js';
import { decodeEntry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { describeType, PATTERNS } from '../../src/core/codec/schema.js';
import { WIRE_TABLES } from '../../src/core/wire-tables.js';
import { makeSketch } from '../../src/core/gossip/sketch.js';
import { crypto, unhex } from '../helpers.js';
import { renderSpec } from '../spec/generate.js';

const dir = join(import.meta.dirname, '../../docs/spec');
const docs = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
);
const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/golden.json'), 'utf8')) as Record<
  string,
  string
>;

/** The markdown table rows (cells, unescaped) of the generated block `name`, wherever it is. */
function block(name: string): string | undefined {
  for (const text of Object.values(docs)) {
    const m = new RegExp(
      `<!-- BEGIN generated:${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} -->\\n([\\s\\S]*?)<!-- END generated:`,
    ).exec(text);
    if (m) return m[1]!;
  }
  return undefined;
}
const rows = (md: string) =>
  md
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[-:| ]+\|$/.test(l))
    .slice(1)
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, '|')),
    );

describe('the wire specification (docs/spec)', () => {
  it('documents every codec table, each field as the decoder reads it', () => {
    for (const spec of WIRE_TABLES) {
      const md = block(`table ${spec.name}`);
      expect(md, `docs/spec has no table for ${spec.name}`).toBeDefined();
      const documented = rows(md!).map(([key, name, type, presence]) => ({ key: Number(key), name, type, presence }));
      expect(documented, spec.name).toEqual(
        spec.fields.map((f) => ({
          key: f.key,
          name: f.name,
          type: describeType(f.type, DEFAULT_LIMITS),
          presence: f.optional ? 'optional' : 'required',
        })),
      );
    }
  });

  it('documents the limits and patterns the codec uses', () => {
    expect(Object.fromEntries(rows(block('limits')!).map(([k, v]) => [k, Number(v)]))).toEqual(DEFAULT_LIMITS);
    expect(rows(block('patterns')!).map(([k, re]) => [k, re!.replace(/`/g, '')])).toEqual(
      Object.entries(PATTERNS).map(([k, p]) => [k, p.re.source]),
    );
  });

  it('gives the exact protected header of every COSE_Sign1 content type', () => {
    const cose = docs['cose.md']!;
    for (const ct of Object.values(CONTENT_TYPES)) {
      const row = cose.split('\n').find((l) => l.includes(`\`${ct}\``))!;
      if (row.includes('COSE_Sign1')) expect(row, ct).toContain(`\`${toHex(sign1Protected(ct))}\``);
    }
  });

  it("works the sketch example out as the code does, and it is entry1's sketch", () => {
    const md = block('sketch-example')!;
    for (const [item, first4, positions] of rows(md)) {
      const d = crypto.sha256(concatBytes(utf8('agentnet/sketch/1'), utf8(item!.replace(/`/g, ''))));
      expect(first4!.replace(/`/g, '')).toBe(toHex(d.slice(0, 4)));
      expect(positions).toBe([...d.slice(0, 4)].join(', '));
    }
    const hex = /Sketch \(32 bytes, hex\): `([0-9a-f]{64})`/.exec(md)![1]!;
    expect(hex).toBe(toHex(makeSketch(crypto, ['code.review.security', 'code.review.style'])));
    expect(hex).toBe(toHex(decodeEntry(unhex(golden['entry1']!), DEFAULT_LIMITS).entry.sketch));
  });

  it('lists every golden fixture as a test vector, byte for byte', () => {
    const md = block('vectors')!;
    const found = Object.fromEntries(
      [...md.matchAll(/### (\w+)\n\n[^\n]*\n\n```\n([0-9a-f\n]+)```/g)].map((m) => [m[1], m[2]!.replace(/\n/g, '')]),
    );
    expect(found).toEqual(golden);
  });

  it('is what scripts/gen-spec.mjs writes (run it after changing a table or a fixture)', () => {
    for (const [f, text] of Object.entries(docs)) expect(renderSpec(text, golden), `docs/spec/${f}`).toBe(text);
  });
});
