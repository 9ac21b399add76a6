// Requests generated from a request table (src/core/api/requests.ts), for the property tests: valid
// ones within every limit of the table (boundaries included), and invalid ones that break exactly one
// field in one way, each with the field path a refusal must name.

import fc from 'fast-check';
import type { Limits } from '../src/core/codec/limits.js';
import type { JsonType, RequestField, RequestSpec } from '../src/core/api/requests.js';
import { limitOf, MAX_SAFE } from '../src/core/codec/schema.js';
import { SKETCH_ITEMS } from '../src/core/gossip/sketch.js';

export interface ArbOptions {
  /** Topics valid requests use (so a peer can follow them all). */
  readonly topics: readonly string[];
  /** First segment of every valid tag (so a peer's interest in it covers them all). */
  readonly tagRoot: string;
  /** Fields valid requests leave out (e.g. a mechanism). */
  readonly omit?: readonly string[];
  /** Fields with a fixed valid value (e.g. a budget the node's balance covers). */
  readonly fixed?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

const WORD = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
const CHARS = ['a', 'z', ' ', '0', 'é', '中', '😀', '\n', '"', '\\'];

function utf8Len(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** A string of at most `max` UTF-8 bytes: mostly short, sometimes exactly at the limit. */
function textUpTo(max: number): fc.Arbitrary<string> {
  const short = fc
    .array(fc.constantFrom(...CHARS), { maxLength: Math.min(max, 24) })
    .map((a) => a.join(''))
    .filter((s) => utf8Len(s) <= max);
  const full = fc.constantFrom('x'.repeat(max), 'é'.repeat(Math.floor(max / 2)), '😀'.repeat(Math.floor(max / 4)));
  return fc.oneof({ weight: 6, arbitrary: short }, { weight: 1, arbitrary: full });
}

function valid(f: RequestField, t: JsonType, limits: Limits, o: ArbOptions): fc.Arbitrary<unknown> {
  switch (t.t) {
    case 'uint': {
      const min = t.min ?? 0;
      const max = t.max === undefined ? MAX_SAFE : limitOf(t.max, limits);
      return fc.oneof(fc.integer({ min, max: Math.min(max, min + 5000) }), fc.constantFrom(min, max));
    }
    case 'number':
      return fc.double({ min: t.min ?? 0, max: 1e6, noNaN: true, noDefaultInfinity: true });
    case 'enum':
      return fc.constantFrom(...t.names.filter((n, i) => n !== '' && i >= (t.first ?? 0)));
    case 'text': {
      const max = limitOf(t.maxBytes, limits);
      if (t.pattern === 'topic') return fc.constantFrom(...o.topics);
      if (t.pattern === 'tag')
        return fc
          .array(WORD, { minLength: 1, maxLength: 3 })
          .map((w) => [o.tagRoot, ...w].join('.'))
          .filter((s) => s.length <= max);
      if (t.pattern === 'key') return fc.oneof(fc.stringMatching(/^[a-z0-9_.-]{1,12}$/), fc.constant('k'.repeat(max)));
      return textUpTo(max);
    }
    case 'bool':
      return fc.boolean();
    case 'list': {
      const max = limitOf(t.maxItems, limits);
      const item = valid(f, t.of as JsonType, limits, o);
      if (t.of.t === 'text' && t.of.pattern === 'tag') {
        // At most SKETCH_ITEMS tags-and-prefixes (core/api/requests.ts): a full list is the root and its children.
        const full = fc
          .uniqueArray(WORD, { minLength: max - 1, maxLength: max - 1 })
          .map((ws) => [o.tagRoot, ...ws.map((w) => `${o.tagRoot}.${w}`)]);
        return fc.oneof(
          { weight: 5, arbitrary: fc.array(item, { minLength: t.minItems ?? 0, maxLength: Math.min(max, 4) }) },
          { weight: 1, arbitrary: max <= SKETCH_ITEMS ? full : fc.constant([o.tagRoot]) },
        );
      }
      return fc.oneof(
        { weight: 5, arbitrary: fc.array(item, { minLength: t.minItems ?? 0, maxLength: Math.min(max, 4) }) },
        { weight: 1, arbitrary: fc.array(item, { minLength: max, maxLength: max }) },
      );
    }
    case 'json':
      return t.samples ? fc.constantFrom(...t.samples) : fc.constant({});
  }
}

/** A valid request of `spec`: required fields always, optional ones sometimes. */
export function validRequest(spec: RequestSpec, limits: Limits, o: ArbOptions): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  const optional: string[] = [];
  for (const f of spec.fields) {
    if (o.omit?.includes(f.name)) continue;
    parts[f.name] = o.fixed?.[f.name] ?? valid(f, f.type, limits, o);
    if (f.optional && !o.fixed?.[f.name]) optional.push(f.name);
  }
  return fc.record(parts, { requiredKeys: Object.keys(parts).filter((k) => !optional.includes(k)) }) as fc.Arbitrary<
    Record<string, unknown>
  >;
}

/** Values that break `t` in one way, each with the path suffix the refusal names (`[i]` for a list item). */
function invalid(t: JsonType, limits: Limits): Array<readonly [unknown, string]> {
  switch (t.t) {
    case 'uint': {
      const min = t.min ?? 0;
      const max = t.max === undefined ? MAX_SAFE : limitOf(t.max, limits);
      return [
        [min - 1, ''],
        [max + 1 > MAX_SAFE ? 1e300 : max + 1, ''],
        [1.5, ''],
        [String(min), ''],
        [null, ''],
        [-5, ''],
      ];
    }
    case 'number':
      return [
        ['1', ''],
        [-1, ''],
        [null, ''],
      ];
    case 'enum':
      return [
        ['CAPABILITY', ''],
        [1, ''],
        ['withdraw', ''],
      ];
    case 'text': {
      const max = limitOf(t.maxBytes, limits);
      const out: Array<readonly [unknown, string]> = [
        [42, ''],
        ['y'.repeat(max + 1), ''],
        ['a\ud800b', ''],
      ];
      if (t.pattern) out.push(['UPPER', ''], ['a b', ''], ['', '']);
      if (t.pattern === 'tag') out.push(['a..b', ''], ['.a', '']);
      return out;
    }
    case 'bool':
      return [['true', '']];
    case 'list': {
      const max = limitOf(t.maxItems, limits);
      const ok = t.of.t === 'text' && t.of.pattern === 'tag' ? 'p.ok' : 'ok';
      const out: Array<readonly [unknown, string]> = [
        ['x', ''],
        [Array.from({ length: max + 1 }, (_, i) => `${ok}${i}`), ''],
        ...invalid(t.of as JsonType, limits).map(([v]) => [[ok, v], '[1]'] as const),
      ];
      if (t.minItems) out.push([[], '']);
      return out;
    }
    case 'json':
      return [
        ['spec', ''],
        [{ version: 0 }, ''],
      ];
  }
}

/** A request of `spec` with exactly one defect, and the field path its refusal must name. */
export function invalidRequest(
  spec: RequestSpec,
  limits: Limits,
  o: ArbOptions,
): fc.Arbitrary<{ request: Record<string, unknown>; field: string }> {
  const defects: Array<{ apply: (r: Record<string, unknown>) => Record<string, unknown>; field: string }> = [
    { apply: (r) => ({ ...r, bogus: 1 }), field: 'bogus' },
  ];
  for (const f of spec.fields) {
    if (!f.optional) {
      defects.push({
        apply: (r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== f.name)),
        field: f.name,
      });
    }
    for (const [v, suffix] of invalid(f.type, limits))
      defects.push({ apply: (r) => ({ ...r, [f.name]: v }), field: `${f.name}${suffix}` });
  }
  return fc
    .tuple(validRequest(spec, limits, o), fc.constantFrom(...defects))
    .map(([r, d]) => ({ request: d.apply(r), field: d.field }));
}
