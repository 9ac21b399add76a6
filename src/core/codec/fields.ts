// Small helpers for CBOR maps; the field rules themselves are the tables of schema.ts.

import { decodeError } from '../base/errors.js';
import type { CborMap, CborValue } from './cbor.js';

export function asMap(v: CborValue, what: string): CborMap {
  if (!(v instanceof Map)) throw decodeError('BAD_TYPE', `${what} must be a map`);
  return v;
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
