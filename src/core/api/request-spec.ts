// What a request table is and what is done with one (the tables themselves: ./requests.ts): the field types a
// local request takes (the wire's FieldTypes that JSON can carry, plus numbers and code-checked JSON values), the
// validator that checks a request against its table before anything is signed, and the JSON Schema of a table that
// the OpenAPI document and the MCP tools' input schemas are generated from.
//
// A refusal is a FieldError naming the field as the caller wrote it (`price`, `tags[3]`,
// `declarations[0].topic` in a config file) with the rule in words: `price: must be an integer 0..2^53-1`.

import { utf8Length } from '../codec/fields.js';
import type { Limits } from '../codec/limits.js';
import { FieldError, PATTERNS, limitOf, MAX_SAFE, showNumber, type FieldType } from '../codec/schema.js';

export type JsonType =
  | Exclude<FieldType, { t: 'version' | 'bytes' | 'map' | 'tuple' }>
  | { readonly t: 'number'; readonly min?: number }
  /** A JSON value checked by code (a mechanism spec): `check` returns why it is refused, or undefined. */
  | {
      readonly t: 'json';
      readonly check: (v: unknown) => string | undefined;
      readonly schema: Readonly<Record<string, unknown>>;
      /** Values `check` accepts, for generated requests (tests, examples); absent: `{}` is one. */
      readonly samples?: readonly unknown[];
    };

export interface RequestField {
  readonly name: string;
  readonly type: JsonType;
  readonly optional?: boolean;
  readonly default?: unknown;
  readonly doc: string;
}

export interface RequestSpec {
  /** As refusals name it: `is not a field of a declaration`. */
  readonly name: string;
  readonly fields: readonly RequestField[];
  /** Checks of the whole request once every field passed (sizes of what gets encoded). */
  readonly check?: (v: Record<string, unknown>, limits: Limits) => void;
}

// ---------------------------------------------------------------- validation

/** A lone UTF-16 surrogate cannot be encoded as UTF-8 (it would be replaced, and read back differently). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkValue(t: JsonType, v: unknown, limits: Limits, path: string): void {
  const no = (why: string): never => {
    throw new FieldError(path, why);
  };
  switch (t.t) {
    case 'uint': {
      const max = t.max === undefined ? MAX_SAFE : limitOf(t.max, limits);
      const min = t.min ?? 0;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
        no(`must be an integer ${min}..${showNumber(max)}`);
      return;
    }
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || v < (t.min ?? -Infinity))
        no(`must be a number${t.min !== undefined ? ` >= ${t.min}` : ''}`);
      return;
    case 'enum': {
      const names = enumNames(t);
      if (typeof v !== 'string' || !names.includes(v)) no(`must be one of ${names.join(', ')}`);
      return;
    }
    case 'text': {
      if (typeof v !== 'string') no('must be a string');
      const s = v as string;
      if (LONE_SURROGATE.test(s)) no('must be valid Unicode text (it has a lone surrogate)');
      const max = limitOf(t.maxBytes, limits);
      if (utf8Length(s) > max) no(`must be at most ${max} bytes of UTF-8`);
      if (utf8Length(s) < (t.minBytes ?? 0)) no(`must be at least ${t.minBytes} bytes`);
      if (t.pattern && !PATTERNS[t.pattern].re.test(s)) no(`must be ${PATTERNS[t.pattern].says}`);
      return;
    }
    case 'bool':
      if (typeof v !== 'boolean') no('must be true or false');
      return;
    case 'list': {
      if (!Array.isArray(v)) no('must be an array');
      const a = v as unknown[];
      const max = limitOf(t.maxItems, limits);
      if (a.length > max) no(`must have at most ${max} items`);
      if (a.length < (t.minItems ?? 0)) no(`must have at least ${t.minItems} item${t.minItems === 1 ? '' : 's'}`);
      a.forEach((x, i) => checkValue(t.of as JsonType, x, limits, `${path}[${i}]`));
      return;
    }
    case 'json': {
      const why = t.check(v);
      if (why) no(why);
      return;
    }
  }
}

const enumNames = (t: Extract<FieldType, { t: 'enum' }>): string[] =>
  t.names.filter((n, i) => n !== '' && i >= (t.first ?? 0));

/**
 * Checks a request against its table: every field known, present when required, of its type and within
 * its limits (those of `limits`: the profile in force). Returns the request with defaults filled in;
 * throws a FieldError naming the first bad field (`at` prefixes the name, e.g. `declarations[0].`).
 */
export function validate(spec: RequestSpec, v: unknown, limits: Limits, at = ''): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new FieldError(at ? at.replace(/\.$/, '') : '(body)', `must be a JSON object (a ${spec.name})`);
  const r = v as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!spec.fields.some((f) => f.name === k))
      throw new FieldError(
        `${at}${k}`,
        `is not a field of a ${spec.name} (fields: ${spec.fields.map((f) => f.name).join(', ')})`,
      );
  const out: Record<string, unknown> = { ...r };
  for (const f of spec.fields) {
    const x = r[f.name];
    if (x === undefined) {
      if (!f.optional) throw new FieldError(`${at}${f.name}`, 'is required');
      if (f.default !== undefined) out[f.name] = f.default;
      continue;
    }
    checkValue(f.type, x, limits, `${at}${f.name}`);
  }
  try {
    spec.check?.(out, limits);
  } catch (e) {
    if (e instanceof FieldError && at) throw new FieldError(`${at}${e.field}`, e.detail);
    throw e;
  }
  return out;
}

// ---------------------------------------------------------------- JSON Schema (OpenAPI, MCP)

function schemaOf(t: JsonType, limits: Limits): Record<string, unknown> {
  switch (t.t) {
    case 'uint': {
      const max = t.max === undefined ? MAX_SAFE : limitOf(t.max, limits);
      return { type: 'integer', minimum: t.min ?? 0, maximum: max };
    }
    case 'number':
      return { type: 'number', ...(t.min !== undefined ? { minimum: t.min } : {}) };
    case 'enum':
      return { enum: enumNames(t) };
    case 'text':
      return {
        type: 'string',
        ...(t.minBytes ? { minLength: 1 } : {}),
        // JSON Schema counts characters; the limit is UTF-8 bytes (at least one per character).
        maxLength: limitOf(t.maxBytes, limits),
        ...(t.pattern ? { pattern: PATTERNS[t.pattern].re.source } : {}),
      };
    case 'bool':
      return { type: 'boolean' };
    case 'list':
      return {
        type: 'array',
        items: schemaOf(t.of as JsonType, limits),
        ...(t.minItems ? { minItems: t.minItems } : {}),
        maxItems: limitOf(t.maxItems, limits),
      };
    case 'json':
      return { ...t.schema };
  }
}

/**
 * The JSON Schema (2020-12, OpenAPI 3.1's dialect) of a request table with the limits of `limits`.
 * `omit` leaves fields out (an MCP tool that does not offer them). Text limits are UTF-8 bytes: the
 * schema's maxLength (characters) is the bound they imply, the description says bytes.
 */
export function jsonSchemaOf(spec: RequestSpec, limits: Limits, omit: readonly string[] = []): Record<string, unknown> {
  const fields = spec.fields.filter((f) => !omit.includes(f.name));
  const properties: Record<string, unknown> = {};
  for (const f of fields) {
    const bytes = f.type.t === 'text' ? ` (at most ${limitOf(f.type.maxBytes, limits)} bytes of UTF-8)` : '';
    properties[f.name] = {
      ...schemaOf(f.type, limits),
      ...(f.default !== undefined ? { default: f.default } : {}),
      description: f.doc + bytes,
    };
  }
  return {
    type: 'object',
    required: fields.filter((f) => !f.optional).map((f) => f.name),
    properties,
    additionalProperties: false,
  };
}
