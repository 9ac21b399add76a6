// Deterministic CBOR (RFC 8949 §4.2.1 "core deterministic encoding"), the subset agentnet speaks.
//
// Encoding is canonical by construction: shortest argument forms, definite lengths, map keys sorted
// bytewise by their encoded form. Decoding is strict: it accepts exactly the bytes the encoder would
// produce and rejects everything else with a DecodeError (never another exception), checking every
// declared length against the bytes actually left before allocating anything.
//
// Data model: unsigned/negative integers within ±(2^53-1) (JS safe integers; all our counters, ms
// timestamps and sizes fit), byte strings, UTF-8 text, arrays, maps with integer or text keys, the
// simple values false/true/null, and the tags a caller allows (COSE_Sign1 = 18, COSE_Sign = 98).
// Floats, undefined, other simple values and bignums are UNSUPPORTED: no agentnet object uses them.
//
// Written in-house rather than on cbor-x because the core is dependency-free and sans-I/O
// (docs/architecture.md §2) and because cbor-x is a lenient, performance-first codec (e.g. it writes integers
// >= 2^32 as float64); the runtime uses cbor-x for lenient inspection and tests use it as an
// independent decoder (docs/decisions.md).

import { compareBytes } from '../base/bytes.js';
import { decodeError } from '../base/errors.js';

export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}
export type CborKey = number | string;
export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | CborMap | Tagged;
export type CborMap = Map<CborKey, CborValue>;

export interface DecodeLimits {
  /** Total input size in bytes. */
  readonly maxBytes: number;
  /** Nesting depth of arrays, maps and tags. */
  readonly maxDepth?: number;
  /** Tags the caller accepts; any other tag is UNSUPPORTED. */
  readonly tags?: readonly number[];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---------------------------------------------------------------- encoding

class Writer {
  private buf: Uint8Array;
  len = 0;
  /** Initial capacity, bytes (grows by doubling): 256 for a message, a few bytes for a map key. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** Major type + argument in the shortest form (RFC 8949 §4.2.1 rule 1). */
  head(major: number, arg: number): void {
    const m = major << 5;
    if (arg < 24) this.byte(m | arg);
    else if (arg <= 0xff) {
      this.byte(m | 24);
      this.byte(arg);
    } else if (arg <= 0xffff) {
      this.byte(m | 25);
      this.byte(arg >>> 8);
      this.byte(arg & 0xff);
    } else if (arg <= 0xffffffff) {
      this.byte(m | 26);
      for (let s = 24; s >= 0; s -= 8) this.byte((arg >>> s) & 0xff);
    } else {
      this.byte(m | 27);
      const hi = Math.floor(arg / 0x100000000);
      const lo = arg >>> 0;
      for (let s = 24; s >= 0; s -= 8) this.byte((hi >>> s) & 0xff);
      for (let s = 24; s >= 0; s -= 8) this.byte((lo >>> s) & 0xff);
    }
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const textEncoder = new TextEncoder();

function write(w: Writer, v: CborValue): void {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`cbor: ${v} is not a safe integer`);
    if (v >= 0) w.head(0, v);
    else w.head(1, -1 - v);
  } else if (typeof v === 'string') {
    const b = textEncoder.encode(v);
    w.head(3, b.length);
    w.bytes(b);
  } else if (typeof v === 'boolean') {
    w.byte(v ? 0xf5 : 0xf4);
  } else if (v === null) {
    w.byte(0xf6);
  } else if (v instanceof Uint8Array) {
    w.head(2, v.length);
    w.bytes(v);
  } else if (Array.isArray(v)) {
    w.head(4, v.length);
    for (const x of v) write(w, x);
  } else if (v instanceof Map) {
    // Sort entries by the bytewise order of their encoded keys (RFC 8949 §4.2.1 rule 3).
    // Keys are small (COSE labels, field names): a 16-byte writer each, not a message-sized one; a node
    // decoding 1,000 known bindings at start encodes thousands of them and the garbage drives the GC.
    const entries = [...v.entries()].map(([k, x]) => {
      const kw = new Writer(16);
      write(kw, k);
      return [kw.result(), x] as const;
    });
    entries.sort((a, b) => compareBytes(a[0], b[0]));
    for (let i = 1; i < entries.length; i++) {
      if (compareBytes(entries[i - 1]![0], entries[i]![0]) === 0) throw new RangeError('cbor: duplicate map key');
    }
    w.head(5, entries.length);
    for (const [k, x] of entries) {
      w.bytes(k);
      write(w, x);
    }
  } else if (v instanceof Tagged) {
    w.head(6, v.tag);
    write(w, v.value);
  } else {
    throw new TypeError(`cbor: cannot encode ${typeof v}`);
  }
}

/** Canonical encoding of `v`. Throws TypeError/RangeError on values outside the data model (misuse). */
export function encodeCbor(v: CborValue): Uint8Array {
  const w = new Writer();
  write(w, v);
  return w.result();
}

// ---------------------------------------------------------------- decoding

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  pos = 0;
  constructor(
    readonly b: Uint8Array,
    readonly maxDepth: number,
    readonly tags: ReadonlySet<number>,
  ) {}

  need(n: number): void {
    if (n > this.b.length - this.pos) throw decodeError('TRUNCATED', `need ${n} bytes at offset ${this.pos}`);
  }

  /** Reads the argument for additional info `ai`, enforcing the shortest form. */
  arg(ai: number): number {
    if (ai < 24) return ai;
    if (ai === 31) throw decodeError('INDEFINITE', `indefinite length at offset ${this.pos - 1}`);
    if (ai > 27) throw decodeError('UNSUPPORTED', `reserved additional info ${ai}`);
    const n = 1 << (ai - 24);
    this.need(n);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.b[this.pos++]!;
    const min = ai === 24 ? 24 : ai === 25 ? 0x100 : ai === 26 ? 0x10000 : 0x100000000;
    if (v < min) throw decodeError('NON_CANONICAL', `argument ${v} not in shortest form`);
    if (v > MAX_SAFE) throw decodeError('UNSUPPORTED', 'integer beyond 2^53-1');
    return v;
  }

  item(depth: number): CborValue {
    if (depth > this.maxDepth) throw decodeError('TOO_DEEP', `nesting beyond ${this.maxDepth}`);
    this.need(1);
    const ib = this.b[this.pos++]!;
    const major = ib >> 5;
    const ai = ib & 31;
    switch (major) {
      case 0:
        return this.arg(ai);
      case 1: {
        const a = this.arg(ai);
        if (a >= MAX_SAFE) throw decodeError('UNSUPPORTED', 'negative integer beyond -(2^53-1)');
        return -1 - a;
      }
      case 2: {
        const n = this.arg(ai);
        this.need(n);
        return this.b.slice(this.pos, (this.pos += n));
      }
      case 3: {
        const n = this.arg(ai);
        this.need(n);
        const raw = this.b.subarray(this.pos, (this.pos += n));
        try {
          return utf8.decode(raw);
        } catch {
          throw decodeError('BAD_UTF8', 'text string is not valid UTF-8');
        }
      }
      case 4: {
        const n = this.arg(ai);
        // Each item takes at least one byte: a declared count beyond what is left is a lie.
        this.need(n);
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: {
        const n = this.arg(ai);
        this.need(2 * n);
        const out: CborMap = new Map();
        let prevKey: Uint8Array | undefined;
        for (let i = 0; i < n; i++) {
          const start = this.pos;
          const k = this.item(depth + 1);
          if (typeof k !== 'number' && typeof k !== 'string')
            throw decodeError('BAD_TYPE', 'map key must be an integer or text');
          const keyBytes = this.b.subarray(start, this.pos);
          if (prevKey) {
            const c = compareBytes(prevKey, keyBytes);
            if (c === 0) throw decodeError('DUPLICATE_KEY', `duplicate map key ${String(k)}`);
            if (c > 0) throw decodeError('NON_CANONICAL', 'map keys not in bytewise order');
          }
          prevKey = keyBytes;
          out.set(k, this.item(depth + 1));
        }
        return out;
      }
      case 6: {
        const tag = this.arg(ai);
        if (!this.tags.has(tag)) throw decodeError('UNSUPPORTED', `tag ${tag} not allowed here`);
        return new Tagged(tag, this.item(depth + 1));
      }
      default: {
        // major 7: only false, true, null. Floats, undefined and other simple values are not in the model.
        if (ai === 20) return false;
        if (ai === 21) return true;
        if (ai === 22) return null;
        if (ai === 31) throw decodeError('INDEFINITE', 'unexpected break');
        throw decodeError('UNSUPPORTED', `simple/float value (additional info ${ai})`);
      }
    }
  }
}

/**
 * Strictly decodes one canonical CBOR item filling all of `bytes`.
 * Throws only DecodeError (any other failure would be a bug; it is wrapped as a last resort).
 */
export function decodeCbor(bytes: Uint8Array, limits: DecodeLimits): CborValue {
  if (!(bytes instanceof Uint8Array)) throw decodeError('BAD_TYPE', 'input is not bytes');
  if (bytes.length > limits.maxBytes)
    throw decodeError('TOO_LARGE', `${bytes.length} bytes > limit ${limits.maxBytes}`);
  const r = new Reader(bytes, limits.maxDepth ?? 16, new Set(limits.tags ?? []));
  let v: CborValue;
  try {
    v = r.item(0);
  } catch (e) {
    if (e instanceof Error && e.name === 'DecodeError') throw e;
    // Deep recursion or an engine limit: still a typed rejection, never a raw exception.
    throw decodeError('TOO_DEEP', `decoder failure: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (r.pos !== bytes.length) throw decodeError('TRAILING', `${bytes.length - r.pos} bytes after the item`);
  return v;
}
