import fc from 'fast-check';
import { Decoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor, Tagged, type CborValue } from '../../src/core/codec/cbor.js';
import { DecodeError } from '../../src/core/base/errors.js';
import { hex, unhex } from '../helpers.js';

const LIM = { maxBytes: 1 << 20, tags: [18, 98] };
const dec = (h: string, lim = LIM) => decodeCbor(unhex(h), lim);
const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return (e as DecodeError).code;
  }
  throw new Error('expected a DecodeError');
};

describe('deterministic CBOR encoding (RFC 8949 §4.2.1)', () => {
  it.each<[CborValue, string]>([
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65536, '1a00010000'],
    [2 ** 32, '1b0000000100000000'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
    [-1, '20'],
    [-25, '3818'],
    [-(2 ** 32) - 1, '3b0000000100000000'],
    ['', '60'],
    ['ü', '62c3bc'],
    [new Uint8Array([1, 2]), '420102'],
    [[1, [2, 3]], '8201820203'],
    [true, 'f5'],
    [false, 'f4'],
    [null, 'f6'],
    [new Tagged(18, []), 'd280'],
  ])('%o -> %s', (v, h) => {
    expect(hex(encodeCbor(v))).toBe(h);
    expect(decodeCbor(unhex(h), LIM)).toEqual(v);
  });

  it('sorts map keys bytewise by their encoding (ints before text, shorter first)', () => {
    const m = new Map<number | string, CborValue>([
      ['a', 1],
      [100, 2],
      [-1, 3],
      [0, 4],
      [24, 5],
    ]);
    // 0 (00) < 24 (1818) < 100 (1864) < -1 (20) < "a" (6161)
    expect(hex(encodeCbor(m))).toBe('a50004181805186402200361' + '61' + '01');
  });

  it('refuses values outside the data model (API misuse throws RangeError/TypeError)', () => {
    expect(() => encodeCbor(1.5)).toThrow(RangeError);
    expect(() => encodeCbor(2 ** 53)).toThrow(RangeError);
    expect(() => encodeCbor(undefined as unknown as CborValue)).toThrow(TypeError);
  });
});

describe('strict decoding rejects every non-canonical or unsupported form with a typed code', () => {
  it.each([
    ['1817', 'NON_CANONICAL'], // 23 in two bytes
    ['190017', 'NON_CANONICAL'],
    ['1a0000ffff', 'NON_CANONICAL'],
    ['1b00000000ffffffff', 'NON_CANONICAL'],
    ['5801ff', 'NON_CANONICAL'], // 1-byte bstr with a 1-byte length argument
    ['a2616101616202'.replace('6161016162', '6162016161'), 'NON_CANONICAL'], // keys b, a
    ['a2010201 03'.replace(' ', ''), 'DUPLICATE_KEY'],
    ['5f4101ff', 'INDEFINITE'],
    ['9f01ff', 'INDEFINITE'],
    ['ff', 'INDEFINITE'],
    ['f93c00', 'UNSUPPORTED'], // half float
    ['fb3ff0000000000000', 'UNSUPPORTED'], // float64
    ['f7', 'UNSUPPORTED'], // undefined
    ['e0', 'UNSUPPORTED'], // simple(0)
    ['c1820102', 'UNSUPPORTED'], // tag 1 not allowed
    ['1c', 'UNSUPPORTED'], // reserved ai 28
    ['1b0020000000000000', 'UNSUPPORTED'], // 2^53
    ['62c328', 'BAD_UTF8'],
    ['4201', 'TRUNCATED'],
    ['83010203'.slice(0, 6), 'TRUNCATED'],
    ['9a7fffffff', 'TRUNCATED'], // huge declared array: refused before allocating
    ['bb0000000100000000', 'TRUNCATED'],
    ['0000', 'TRAILING'],
    ['a1f601', 'BAD_TYPE'], // null map key
  ])('%s -> %s', (h, c) => {
    expect(code(() => dec(h))).toBe(c);
  });

  it('enforces size and depth limits before work', () => {
    expect(code(() => decodeCbor(new Uint8Array(600), { maxBytes: 512 }))).toBe('TOO_LARGE');
    expect(code(() => decodeCbor(unhex('81'.repeat(40) + '00'), { maxBytes: 100, maxDepth: 16 }))).toBe('TOO_DEEP');
    expect(code(() => decodeCbor(unhex('81'.repeat(100000) + '00'), { maxBytes: 1 << 20, maxDepth: 1 << 20 }))).toMatch(
      /TOO_DEEP/,
    );
  });
});

const cborValue: fc.Arbitrary<CborValue> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.maxSafeInteger(),
    fc.string({ unit: 'grapheme' }),
    fc.uint8Array({ maxLength: 40 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 5 })), tie('v')), {
        maxLength: 4,
        selector: (t) => t[0],
      })
      .map((es) => new Map(es)),
    tie('v').map((x) => new Tagged(18, x as CborValue)),
  ),
})).v as fc.Arbitrary<CborValue>;

describe('properties (fast-check)', () => {
  it('decode(encode(v)) = v and re-encoding is byte-identical', () => {
    fc.assert(
      fc.property(cborValue, (v) => {
        const b = encodeCbor(v);
        const d = decodeCbor(b, { maxBytes: 1 << 20, maxDepth: 64, tags: [18] });
        expect(d).toEqual(v);
        expect(hex(encodeCbor(d))).toBe(hex(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('an independent decoder (cbor-x) reads what we encode the same way', () => {
    const x = new Decoder({ mapsAsObjects: false, useRecords: false, int64AsType: 'number' } as never);
    fc.assert(
      fc.property(
        cborValue.filter((v) => !(v instanceof Tagged)),
        (v) => {
          const norm = (y: unknown): unknown =>
            typeof y === 'bigint'
              ? Number(y)
              : y instanceof Uint8Array
                ? hex(y)
                : Array.isArray(y)
                  ? y.map(norm)
                  : y instanceof Map
                    ? [...y].map(([k, w]) => [k, norm(w)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))
                    : y instanceof Tagged
                      ? ['tag', y.tag, norm(y.value)]
                      : y && typeof y === 'object' && 'tag' in y
                        ? ['tag', (y as { tag: number }).tag, norm((y as unknown as { value: unknown }).value)]
                        : y;
          expect(norm(x.decode(encodeCbor(v)))).toEqual(norm(v));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('random bytes fail only with DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeCbor(b, LIM);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 20000 },
    );
  });
});
