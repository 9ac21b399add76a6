// Field tables: the one source of every limit a decoder enforces (docs/spec/README.md).
//
// Each wire object declares its CBOR map as a table of fields (key, name, type, optional, limits) next to
// its codec (entry.ts ENTRY, body.ts BODY, ...; every table is listed in core/wire-tables.ts). The decoder reads the
// map through `readObject`, so the table IS the decoder's rule; the request validator
// (core/api/requests.ts) reuses the same field types for what the local API, MCP and the config file
// accept before anything is signed; docs/spec/*.md shows the same tables (a test compares them).
//
// A limit is a number or the name of a `Limits` field: a firmware profile may lower those, and the
// decoder, the validator and the generated JSON Schemas read the value of the profile in force.

import { decodeError } from '../base/errors.js';
import type { CborMap, CborValue } from './cbor.js';
import { utf8Length } from './fields.js';
import type { Limits } from './limits.js';

/** A limit: a number, a `Limits` field, or a `Limits` field plus an offset (e.g. `['messageBytes', -64]`). */
export type Lim = number | keyof Limits | readonly [keyof Limits, number];

/** Named text patterns (one regular expression each, shown by name in errors, docs and JSON Schemas). */
export const PATTERNS = {
  /** Topic names: 1..64 of [a-z0-9_.-]; safe as an MQTT topic level. */
  topic: { re: /^[a-z0-9_.-]{1,64}$/, says: 'a topic name: 1 to 64 characters of a-z 0-9 _ . -' },
  /** Tags: dotted lowercase words, e.g. `code.review.security` (prefixes feed the sketch). */
  tag: {
    re: /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/,
    says: 'a tag: lowercase words of a-z 0-9 _ - joined by dots (e.g. code.review)',
  },
  /** Declaration keys (entry field 13): like a topic name. */
  key: { re: /^[a-z0-9_.-]{1,64}$/, says: 'a declaration key: 1 to 64 characters of a-z 0-9 _ . -' },
} as const;
export type PatternName = keyof typeof PATTERNS;

export type FieldType =
  /** Field 0 of every object: the payload version; anything else is BAD_VERSION. */
  | { readonly t: 'version'; readonly values: readonly number[] }
  | { readonly t: 'uint'; readonly min?: number; readonly max?: Lim }
  /** A uint on the wire that indexes `names` (from `first`, default 0); the name in JSON. */
  | { readonly t: 'enum'; readonly names: readonly string[]; readonly first?: number }
  | { readonly t: 'text'; readonly maxBytes: Lim; readonly minBytes?: number; readonly pattern?: PatternName }
  | { readonly t: 'bytes'; readonly len?: number; readonly minLen?: number; readonly maxLen?: Lim }
  | { readonly t: 'bool' }
  | { readonly t: 'list'; readonly of: FieldType; readonly maxItems: Lim; readonly minItems?: number }
  /** A fixed-length array of differently typed items (e.g. a mechanism's [condition, bp] pairs). */
  | { readonly t: 'tuple'; readonly items: readonly FieldType[] }
  | { readonly t: 'map'; readonly spec: ObjectSpec };

export interface FieldSpec {
  /** CBOR map key. */
  readonly key: number;
  readonly name: string;
  readonly type: FieldType;
  readonly optional?: boolean;
  /** One line for the specification and the API docs. */
  readonly doc: string;
}

export interface ObjectSpec {
  /** As errors and the specification name it, e.g. `entry`, `task msg bid`. */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
}

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export function limitOf(l: Lim, limits: Limits): number {
  return typeof l === 'number' ? l : typeof l === 'string' ? limits[l] : limits[l[0]] + l[1];
}

/** A limit as the specification shows it: the number, or the profile limit's name with its value. */
export function showLimit(l: Lim, limits: Limits): string {
  if (typeof l === 'number') return showNumber(l);
  if (typeof l === 'string') return `${l} (${limits[l]})`;
  return `${l[0]} ${l[1] < 0 ? '-' : '+'} ${Math.abs(l[1])} (${limitOf(l, limits)})`;
}

/** A limit as people read it: 2^53-1 for the largest safe integer. */
export function showNumber(n: number): string {
  return n === MAX_SAFE ? '2^53-1' : String(n);
}

/** A refused value of a local request (API, MCP, config, a core call), naming the field in the caller's terms. */
export class FieldError extends RangeError {
  override readonly name = 'FieldError';
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

// ---------------------------------------------------------------- reading decoded CBOR

const fail = (
  code: 'BAD_TYPE' | 'BAD_VALUE' | 'BAD_VERSION' | 'TOO_LARGE',
  what: string,
  f: string,
  why: string,
): never => {
  throw decodeError(code, `${what}: ${f} ${why}`, f);
};

/**
 * Reads `m` by `spec`: unknown keys, missing required fields, wrong types and out-of-range values are
 * DecodeErrors naming the field (`entry: field 2 (topic) does not match ...`). Enum fields come out as
 * their names, nested maps as records; absent optional fields are absent.
 */
export function readObject(m: CborMap, spec: ObjectSpec, limits: Limits, what = spec.name): Record<string, unknown> {
  for (const k of m.keys()) {
    if (typeof k !== 'number' || !spec.fields.some((f) => f.key === k))
      throw decodeError('UNKNOWN_FIELD', `${what}: unknown field ${String(k)}`);
  }
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) {
    const v = m.get(f.key);
    const label = `field ${f.key} (${f.name})`;
    if (v === undefined) {
      if (f.optional) continue;
      throw decodeError('MISSING_FIELD', `${what}: ${label} missing`, f.name);
    }
    out[f.name] = readValue(v, f.type, limits, what, label, f.name);
  }
  return out;
}

function readValue(v: CborValue, t: FieldType, limits: Limits, what: string, label: string, path: string): unknown {
  switch (t.t) {
    case 'version':
      if (typeof v !== 'number' || !t.values.includes(v)) fail('BAD_VERSION', what, label, `is not a known version`);
      return v;
    case 'uint': {
      if (typeof v !== 'number' || v < 0) fail('BAD_TYPE', what, label, 'must be an unsigned integer');
      const n = v as number;
      const max = t.max === undefined ? MAX_SAFE : limitOf(t.max, limits);
      if (n < (t.min ?? 0) || n > max) fail('BAD_VALUE', what, label, `= ${n} is outside ${t.min ?? 0}..${max}`);
      return n;
    }
    case 'enum': {
      if (typeof v !== 'number' || v < 0) fail('BAD_TYPE', what, label, 'must be an unsigned integer');
      const name = (v as number) >= (t.first ?? 0) ? t.names[v as number] : undefined;
      if (!name) fail('BAD_VALUE', what, label, `= ${String(v)} is not one of ${enumRange(t)}`);
      return name;
    }
    case 'text': {
      if (typeof v !== 'string') fail('BAD_TYPE', what, label, 'must be text');
      const s = v as string;
      const n = utf8Length(s);
      if (n > limitOf(t.maxBytes, limits))
        fail('BAD_VALUE', what, label, `longer than ${limitOf(t.maxBytes, limits)} bytes`);
      if (n < (t.minBytes ?? 0)) fail('BAD_VALUE', what, label, `shorter than ${t.minBytes} bytes`);
      if (t.pattern && !PATTERNS[t.pattern].re.test(s))
        fail('BAD_VALUE', what, label, `is not ${PATTERNS[t.pattern].says}`);
      return s;
    }
    case 'bytes': {
      if (!(v instanceof Uint8Array)) fail('BAD_TYPE', what, label, 'must be a byte string');
      const b = v as Uint8Array;
      if (t.len !== undefined && b.length !== t.len) fail('BAD_VALUE', what, label, `must be ${t.len} bytes`);
      if (t.minLen !== undefined && b.length < t.minLen)
        fail('BAD_VALUE', what, label, `shorter than ${t.minLen} bytes`);
      // An object carried as bytes beyond its limit is oversize (`TOO_LARGE`, counted `oversized`), not a bad value.
      if (t.maxLen !== undefined && b.length > limitOf(t.maxLen, limits))
        fail('TOO_LARGE', what, label, `longer than ${limitOf(t.maxLen, limits)} bytes`);
      return b;
    }
    case 'bool':
      if (typeof v !== 'boolean') fail('BAD_TYPE', what, label, 'must be a boolean');
      return v;
    case 'list': {
      if (!Array.isArray(v)) fail('BAD_TYPE', what, label, 'must be an array');
      const a = v as CborValue[];
      if (a.length > limitOf(t.maxItems, limits))
        fail('BAD_VALUE', what, label, `has more than ${limitOf(t.maxItems, limits)} items`);
      if (a.length < (t.minItems ?? 0)) fail('BAD_VALUE', what, label, `has fewer than ${t.minItems} items`);
      return a.map((x, i) => readValue(x, t.of, limits, what, `${label}[${i}]`, `${path}[${i}]`));
    }
    case 'tuple': {
      if (!Array.isArray(v) || v.length !== t.items.length)
        fail('BAD_TYPE', what, label, `must be an array of ${t.items.length} items`);
      return t.items.map((it, i) =>
        readValue((v as CborValue[])[i]!, it, limits, what, `${label}[${i}]`, `${path}[${i}]`),
      );
    }
    case 'map':
      if (!(v instanceof Map)) fail('BAD_TYPE', what, label, 'must be a map');
      return readObject(v as CborMap, t.spec, limits, `${what}.${path}`);
  }
}

function enumRange(t: Extract<FieldType, { t: 'enum' }>): string {
  return t.names
    .map((n, i) => [n, i] as const)
    .filter(([n, i]) => n && i >= (t.first ?? 0))
    .map(([n, i]) => `${i} ${n}`)
    .join(', ');
}

/** The field of `spec` named `name` (a table lookup the request validator and the docs use). */
export function fieldOf(spec: ObjectSpec, name: string): FieldSpec {
  const f = spec.fields.find((x) => x.name === name);
  if (!f) throw new RangeError(`schema: ${spec.name} has no field ${name}`);
  return f;
}

// ---------------------------------------------------------------- how a type reads to people

/** The type and limits of a field as one line of text (the specification's tables). */
export function describeType(t: FieldType, limits: Limits): string {
  switch (t.t) {
    case 'version':
      return `uint ${t.values.join(' or ')}`;
    case 'uint':
      return `uint ${t.min ?? 0}..${t.max === undefined ? showNumber(MAX_SAFE) : showLimit(t.max, limits)}`;
    case 'enum':
      return `uint: ${enumRange(t)}`;
    case 'text': {
      const n = `${t.minBytes ? `${t.minBytes}..` : '<= '}${showLimit(t.maxBytes, limits)} bytes`;
      return `text ${n}${t.pattern ? `, ${t.pattern} pattern` : ''}`;
    }
    case 'bytes':
      if (t.len !== undefined) return `bstr ${t.len} bytes`;
      if (t.maxLen === undefined) return `bstr${t.minLen ? ` >= ${t.minLen} bytes` : ''}`;
      return `bstr ${t.minLen ? `${t.minLen}..` : '<= '}${showLimit(t.maxLen, limits)} bytes`;
    case 'bool':
      return 'bool';
    case 'list':
      return `array of ${t.minItems ? `${t.minItems}..` : '<= '}${showLimit(t.maxItems, limits)} × ${describeType(t.of, limits)}`;
    case 'tuple':
      return `array [${t.items.map((i) => describeType(i, limits)).join(', ')}]`;
    case 'map':
      return `map (table ${t.spec.name})`;
  }
}
