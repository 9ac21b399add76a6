// One source for every limit: the request tables (src/core/api/requests.ts) take their fields from the
// wire tables the decoders read through, the node checks every declaration against them before signing,
// and the OpenAPI document and the config file follow the same tables.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BODY, decodeBody } from '../../src/core/codec/body.js';
import { decodeEntry, ENTRY } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS, lowerLimits } from '../../src/core/codec/limits.js';
import { DECLARATION, DISCOVER, TASK_POST, validate, WITHDRAW, type RequestSpec } from '../../src/core/api/requests.js';
import { fieldOf, FieldError } from '../../src/core/codec/schema.js';
import type { Declaration } from '../../src/core/types.js';
import { generatedOpenApiParts } from '../../src/runtime/api/openapi-tables.js';
import { applyLayer, DEFAULT_CONFIG } from '../../src/runtime/config.js';
import { TestNet } from '../harness.js';
import { identity, T0 } from '../helpers.js';
import { invalidRequest, validRequest } from '../request-arb.js';

const refusal = (spec: RequestSpec, v: unknown, limits = DEFAULT_LIMITS): string => {
  try {
    validate(spec, v, limits);
  } catch (e) {
    if (e instanceof FieldError) return e.message;
    throw e;
  }
  return 'accepted';
};
const OK = { kind: 'capability', topic: 'data_analysis', tags: ['data.analysis.sql'], text: 'SQL' };

describe('request tables', () => {
  it('take the type and limits of every field that reaches the wire from the wire table it lands in', () => {
    for (const f of DECLARATION.fields) {
      const wire =
        BODY.fields.find((x) => x.name === f.name && x.key >= 2) ?? ENTRY.fields.find((x) => x.name === f.name);
      if (['kind', 'ttlMs'].includes(f.name)) expect(wire === undefined || f.name === 'kind').toBe(true);
      else expect(f.type, f.name).toBe(wire!.type);
    }
    expect(fieldOf(ENTRY, 'topic').type).toBe(WITHDRAW.fields[0]!.type);
    expect(TASK_POST.fields.find((f) => f.name === 'requiredTier')!.type).toBe(fieldOf(BODY, 'requiredTier').type);
  });

  it('refuse with the field named in the caller terms and the rule in words', () => {
    expect(refusal(DECLARATION, { ...OK, price: -5 })).toBe('price: must be an integer 0..2^53-1');
    expect(refusal(DECLARATION, { ...OK, requiredTier: 9 })).toBe('requiredTier: must be an integer 0..4');
    expect(refusal(DECLARATION, { ...OK, ttlMs: 1e300 })).toBe('ttlMs: must be an integer 1..315360000000');
    expect(refusal(DECLARATION, { ...OK, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) })).toBe(
      'tags: must have at most 32 items',
    );
    expect(refusal(DECLARATION, { ...OK, tags: ['ok', 'UPPER'] })).toMatch(/^tags\[1\]: must be a tag: /);
    expect(refusal(DECLARATION, { ...OK, topic: 'Bad Topic' })).toMatch(/^topic: must be a topic name/);
    expect(refusal(DECLARATION, { ...OK, kind: 'withdraw' })).toBe(
      'kind: must be one of capability, intent, state, constraint',
    );
    expect(refusal(DECLARATION, { ...OK, pirce: 5 })).toMatch(
      /^pirce: is not a field of a declaration \(fields: kind, /,
    );
    expect(refusal(DECLARATION, { ...OK, text: 'a\ud800' })).toMatch(/^text: must be valid Unicode/);
    expect(refusal(DECLARATION, { ...OK, text: 'é'.repeat(8193) })).toBe('text: must be at most 16384 bytes of UTF-8');
    expect(refusal(DECLARATION, [OK])).toBe('(body): must be a JSON object (a declaration)');
    // 32 tags below one root are 33 sketch items (the root counts once): one over the sketch's 32.
    const tags32 = Array.from({ length: 32 }, (_, i) => `root.t${i}`);
    expect(refusal(DECLARATION, { ...OK, tags: tags32.slice(0, 31) })).toBe('accepted');
    expect(refusal(DECLARATION, { ...OK, tags: tags32 })).toBe(
      'tags: the tags and their dotted prefixes make 33 distinct items, over the limit of 32 (the interest sketch, docs/spec/sketch.md)',
    );
    expect(refusal(DISCOVER, { tags: ['UPPER'] })).toMatch(/^tags\[0\]: must be a tag/);
    expect(refusal(TASK_POST, { topic: 't', tags: [], budget: 1 })).toBe('tags: must have at least 1 item');
    expect(refusal(TASK_POST, { topic: 't', tags: ['a'], budget: 1, mechanism: { version: 1 } })).toMatch(
      /^mechanism: must be a mechanism spec/,
    );
    // A profile's lower limits apply: 20 KB of skills fit the default 64 KiB body but not 16 KiB.
    const small = lowerLimits(DEFAULT_LIMITS, { bodyBytes: 16_384 });
    const big = { ...OK, text: 'x'.repeat(9000), skills: Array.from({ length: 64 }, () => 'y'.repeat(128)) };
    expect(refusal(DECLARATION, big)).toBe('accepted');
    expect(refusal(DECLARATION, big, small)).toMatch(
      /^text: the body would encode to \d+ bytes, over the limit of 16384/,
    );
  });

  it('are what the config file is checked with, naming the field in the file', () => {
    expect(() => applyLayer(DEFAULT_CONFIG, { declarations: [OK, { ...OK, price: 1.5 }] }, 'node.json')).toThrow(
      'CONFIG_INVALID: node.json: "declarations[1].price" must be an integer 0..2^53-1',
    );
    expect(() => applyLayer(DEFAULT_CONFIG, { declarations: [{ ...OK, tags: 'x' }] }, 'node.json')).toThrow(
      '"declarations[0].tags" must be an array',
    );
  });

  it('are what openapi.json says (node scripts/gen-openapi.mjs writes it)', () => {
    const doc = JSON.parse(readFileSync(join(import.meta.dirname, '../../src/runtime/api/openapi.json'), 'utf8'));
    const parts = generatedOpenApiParts();
    for (const [name, schema] of Object.entries(parts.schemas))
      expect(doc.components.schemas[name], `components.schemas.${name}`).toEqual(schema);
    expect(doc.paths['/discover'].get.parameters).toEqual(parts.discoverParameters);
    expect(doc.paths['/tasks'].get.parameters).toEqual(parts.taskListParameters);
    expect(doc.paths['/tasks/{id}/next'].get.parameters.slice(1)).toEqual(parts.taskWaitParameters);
    expect(doc.paths['/a2a/agents'].get.parameters).toEqual(parts.directoryParameters);
  });
});

describe('property: the node signs only what it can decode, and refuses the rest naming the field', () => {
  const opts = { topics: ['prop_a', 'prop_b'], tagRoot: 'p' };

  for (const [label, limits] of [
    ['default limits', DEFAULT_LIMITS],
    ['a profile with 16 KiB bodies', lowerLimits(DEFAULT_LIMITS, { bodyBytes: 16_384 })],
  ] as const) {
    it(`valid declarations (${label}) are signed, stored and read back field for field`, () => {
      const net = new TestNet(T0);
      const alice = net.add(identity('alice'), { limits });
      fc.assert(
        fc.property(validRequest(DECLARATION, limits, opts), (req) => {
          let d: Record<string, unknown>;
          try {
            d = validate(DECLARATION, req, limits);
          } catch (e) {
            // Only the whole body's size, or tags too many for the sketch, can refuse a request whose every field is valid.
            expect((e as FieldError).detail).toMatch(
              /the body would encode to \d+ bytes|make \d+ distinct items, over the limit of 32/,
            );
            expect(() => alice.announce(net.now, req as unknown as Declaration)).toThrow(FieldError);
            return;
          }
          const a = alice.announce(net.now, d as unknown as Declaration);
          const own = alice.declarations(net.now).find((x) => x.id === a.id)!;
          const { ttlMs: _ttl, ...fields } = d;
          const { key, ...rest } = fields;
          expect(own).toMatchObject(rest);
          expect(own.key).toBe(key ?? (d['tags'] as string[])[0]); // the key defaults to the first tag
          const store = net.stores[0]!;
          const e = store.get(alice.agentKey, own.topic, own.epoch, own.seq)!;
          expect(
            decodeEntry(e.bytes, limits).entry.expires - decodeEntry(e.bytes, limits).entry.ts,
          ).toBeLessThanOrEqual(d['ttlMs'] as number);
          expect(decodeBody(store.getBody(e.bodyHash)!, limits)).toMatchObject({
            kind: d['kind'],
            tags: d['tags'],
            text: d['text'],
          });
        }),
        { numRuns: 150 },
      );
    });
  }

  it('a declaration with one defect is refused by the table and by the core alike, naming that field', () => {
    const net = new TestNet(T0);
    const alice = net.add(identity('alice'));
    fc.assert(
      fc.property(invalidRequest(DECLARATION, DEFAULT_LIMITS, opts), ({ request, field }) => {
        let named = '';
        try {
          validate(DECLARATION, request, DEFAULT_LIMITS);
        } catch (e) {
          named = (e as FieldError).field;
        }
        expect(named).toBe(field);
        if (request['kind'] === 'withdraw') return; // the core also signs its own withdraws
        let core = '';
        try {
          alice.announce(net.now, request as unknown as Declaration);
        } catch (e) {
          core = (e as FieldError).field;
        }
        expect(core).toBe(field);
      }),
      { numRuns: 400 },
    );
    expect(alice.logHeads()).toEqual([]); // nothing was signed
  });
});
