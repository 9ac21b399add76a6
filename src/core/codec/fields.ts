// Typed field access for decoded CBOR maps: every schema decoder reads through these so that a wrong
// type, a missing required field or an unknown field becomes a DecodeError with the field's name.

import { decodeError } from '../errors.js';
import type { CborMap, CborValue } from './cbor.js';

export function asMap(v: CborValue, what: string): CborMap {
  if (!(v instanceof Map)) throw decodeError('BAD_TYPE', `${what} must be a map`);
  return v;
}

/** Rejects keys outside `known` (v1 objects have no optional extensions). */
export function onlyKeys(m: CborMap, known: readonly number[], what: string): void {
  for (const k of m.keys()) {
    if (typeof k !== 'number' || !known.includes(k))
      throw decodeError('UNKNOWN_FIELD', `${what}: unknown field ${String(k)}`);
  }
}

function get(m: CborMap, k: number, what: string): CborValue {
  const v = m.get(k);
  if (v === undefined) throw decodeError('MISSING_FIELD', `${what}: field ${k} missing`);
  return v;
}

export function uint(m: CborMap, k: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = get(m, k, what);
  if (typeof v !== 'number' || v < 0) throw decodeError('BAD_TYPE', `${what}: field ${k} must be an unsigned integer`);
  if (v > max) throw decodeError('BAD_VALUE', `${what}: field ${k} = ${v} > ${max}`);
  return v;
}

export function optUint(m: CborMap, k: number, what: string, max?: number): number | undefined {
  return m.has(k) ? uint(m, k, what, max) : undefined;
}

export function bytes(m: CborMap, k: number, what: string, len?: number, maxLen = Infinity): Uint8Array {
  const v = get(m, k, what);
  if (!(v instanceof Uint8Array)) throw decodeError('BAD_TYPE', `${what}: field ${k} must be a byte string`);
  if (len !== undefined && v.length !== len) throw decodeError('BAD_VALUE', `${what}: field ${k} must be ${len} bytes`);
  if (v.length > maxLen) throw decodeError('BAD_VALUE', `${what}: field ${k} longer than ${maxLen} bytes`);
  return v;
}

export function optBytes(m: CborMap, k: number, what: string, len?: number, maxLen?: number): Uint8Array | undefined {
  return m.has(k) ? bytes(m, k, what, len, maxLen) : undefined;
}

export function text(m: CborMap, k: number, what: string, maxBytes: number, pattern?: RegExp): string {
  const v = get(m, k, what);
  if (typeof v !== 'string') throw decodeError('BAD_TYPE', `${what}: field ${k} must be text`);
  if (utf8Length(v) > maxBytes) throw decodeError('BAD_VALUE', `${what}: field ${k} longer than ${maxBytes} bytes`);
  if (pattern && !pattern.test(v)) throw decodeError('BAD_VALUE', `${what}: field ${k} does not match ${pattern}`);
  return v;
}

export function optText(m: CborMap, k: number, what: string, maxBytes: number, pattern?: RegExp): string | undefined {
  return m.has(k) ? text(m, k, what, maxBytes, pattern) : undefined;
}

export function textList(
  m: CborMap,
  k: number,
  what: string,
  maxItems: number,
  maxBytes: number,
  pattern?: RegExp,
): string[] {
  const v = get(m, k, what);
  if (!Array.isArray(v)) throw decodeError('BAD_TYPE', `${what}: field ${k} must be an array`);
  if (v.length > maxItems) throw decodeError('BAD_VALUE', `${what}: field ${k} has more than ${maxItems} items`);
  return v.map((x, i) => {
    if (typeof x !== 'string') throw decodeError('BAD_TYPE', `${what}: field ${k}[${i}] must be text`);
    if (utf8Length(x) > maxBytes)
      throw decodeError('BAD_VALUE', `${what}: field ${k}[${i}] longer than ${maxBytes} bytes`);
    if (pattern && !pattern.test(x))
      throw decodeError('BAD_VALUE', `${what}: field ${k}[${i}] does not match ${pattern}`);
    return x;
  });
}

export function optTextList(
  m: CborMap,
  k: number,
  what: string,
  maxItems: number,
  maxBytes: number,
  pattern?: RegExp,
): string[] | undefined {
  return m.has(k) ? textList(m, k, what, maxItems, maxBytes, pattern) : undefined;
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Builds a map from [key, value] pairs, dropping undefined values (optional fields absent). */
export function mapOf(pairs: ReadonlyArray<readonly [number, CborValue | undefined]>): CborMap {
  const m: CborMap = new Map();
  for (const [k, v] of pairs) if (v !== undefined) m.set(k, v);
  return m;
}
