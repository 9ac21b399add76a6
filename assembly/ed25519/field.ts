// GF(2^255 - 19) arithmetic for the Ed25519 kernel.
//
// Representation (why): WASM has 64x64->64 multiplication but no 128-bit product, so a 5x51-bit
// radix (donna64) is out. We use ref10's radix 2^25.5: ten signed limbs f0..f9, even limbs 26 bits
// and odd limbs 25 bits, value = sum f_i * 2^ceil(25.5 i). A product of two limbs stays below 2^54,
// and with the 19x fold (2^255 = 19 mod p) and the 2x for odd*odd a column of ten products is below
// 2^62 even when inputs are sums of up to three carried elements, so everything fits a signed i64.
// Each limb is stored as an i64 (80 bytes per element) so the hot loops load with one i64.load.
// Carries are rounded (ref10), keeping carried limbs within +-2^25 (even) / +-2^24 (odd).
// The 100-term multiply and 55-term square were generated mechanically (column k collects
// f_i g_j with i + j = k, and with 19x when i + j = k + 10; odd*odd doubled).
//
// The SIMD build (asc --enable simd) computes feMul's products with i64x2.extmul: mulSimd at the end.
//
// All functions take pointers into linear memory; outputs may alias inputs.

export const FE: usize = 80;

// Scratch for inversion chains (not re-entrant; the kernel is single-threaded).
const T0: usize = memory.data(80, 16);
const T1: usize = memory.data(80, 16);
const T2: usize = memory.data(80, 16);
const T3: usize = memory.data(80, 16);
const TB: usize = memory.data(32, 16);

@inline function ld(p: usize, i: usize): i64 { return load<i64>(p + (i << 3)); }

export function feZero(h: usize): void { memory.fill(h, 0, FE); }
export function feOne(h: usize): void { memory.fill(h, 0, FE); store<i64>(h, 1); }
export function feCopy(h: usize, f: usize): void { memory.copy(h, f, FE); }

// Unrolled by hand: binaryen does not unroll these loops, and they sit inside every point formula.
// The SIMD build adds two limbs per i64x2 operation (same results, limb by limb).
@inline export function feAdd(h: usize, f: usize, g: usize): void {
  if (ASC_FEATURE_SIMD) {
    const a0 = i64x2.add(v128.load(f), v128.load(g)), a1 = i64x2.add(v128.load(f, 16), v128.load(g, 16));
    const a2 = i64x2.add(v128.load(f, 32), v128.load(g, 32)), a3 = i64x2.add(v128.load(f, 48), v128.load(g, 48));
    const a4 = i64x2.add(v128.load(f, 64), v128.load(g, 64));
    v128.store(h, a0); v128.store(h, a1, 16); v128.store(h, a2, 32); v128.store(h, a3, 48); v128.store(h, a4, 64);
    return;
  }
  const a0 = load<i64>(f, 0) + load<i64>(g, 0), a1 = load<i64>(f, 8) + load<i64>(g, 8), a2 = load<i64>(f, 16) + load<i64>(g, 16), a3 = load<i64>(f, 24) + load<i64>(g, 24), a4 = load<i64>(f, 32) + load<i64>(g, 32);
  const a5 = load<i64>(f, 40) + load<i64>(g, 40), a6 = load<i64>(f, 48) + load<i64>(g, 48), a7 = load<i64>(f, 56) + load<i64>(g, 56), a8 = load<i64>(f, 64) + load<i64>(g, 64), a9 = load<i64>(f, 72) + load<i64>(g, 72);
  store<i64>(h, a0, 0); store<i64>(h, a1, 8); store<i64>(h, a2, 16); store<i64>(h, a3, 24); store<i64>(h, a4, 32); store<i64>(h, a5, 40); store<i64>(h, a6, 48); store<i64>(h, a7, 56); store<i64>(h, a8, 64); store<i64>(h, a9, 72);
}
@inline export function feSub(h: usize, f: usize, g: usize): void {
  if (ASC_FEATURE_SIMD) {
    const a0 = i64x2.sub(v128.load(f), v128.load(g)), a1 = i64x2.sub(v128.load(f, 16), v128.load(g, 16));
    const a2 = i64x2.sub(v128.load(f, 32), v128.load(g, 32)), a3 = i64x2.sub(v128.load(f, 48), v128.load(g, 48));
    const a4 = i64x2.sub(v128.load(f, 64), v128.load(g, 64));
    v128.store(h, a0); v128.store(h, a1, 16); v128.store(h, a2, 32); v128.store(h, a3, 48); v128.store(h, a4, 64);
    return;
  }
  const a0 = load<i64>(f, 0) - load<i64>(g, 0), a1 = load<i64>(f, 8) - load<i64>(g, 8), a2 = load<i64>(f, 16) - load<i64>(g, 16), a3 = load<i64>(f, 24) - load<i64>(g, 24), a4 = load<i64>(f, 32) - load<i64>(g, 32);
  const a5 = load<i64>(f, 40) - load<i64>(g, 40), a6 = load<i64>(f, 48) - load<i64>(g, 48), a7 = load<i64>(f, 56) - load<i64>(g, 56), a8 = load<i64>(f, 64) - load<i64>(g, 64), a9 = load<i64>(f, 72) - load<i64>(g, 72);
  store<i64>(h, a0, 0); store<i64>(h, a1, 8); store<i64>(h, a2, 16); store<i64>(h, a3, 24); store<i64>(h, a4, 32); store<i64>(h, a5, 40); store<i64>(h, a6, 48); store<i64>(h, a7, 56); store<i64>(h, a8, 64); store<i64>(h, a9, 72);
}
@inline export function feNeg(h: usize, f: usize): void {
  if (ASC_FEATURE_SIMD) {
    const a0 = i64x2.neg(v128.load(f)), a1 = i64x2.neg(v128.load(f, 16)), a2 = i64x2.neg(v128.load(f, 32));
    const a3 = i64x2.neg(v128.load(f, 48)), a4 = i64x2.neg(v128.load(f, 64));
    v128.store(h, a0); v128.store(h, a1, 16); v128.store(h, a2, 32); v128.store(h, a3, 48); v128.store(h, a4, 64);
    return;
  }
  const a0 = -load<i64>(f, 0), a1 = -load<i64>(f, 8), a2 = -load<i64>(f, 16), a3 = -load<i64>(f, 24), a4 = -load<i64>(f, 32);
  const a5 = -load<i64>(f, 40), a6 = -load<i64>(f, 48), a7 = -load<i64>(f, 56), a8 = -load<i64>(f, 64), a9 = -load<i64>(f, 72);
  store<i64>(h, a0, 0); store<i64>(h, a1, 8); store<i64>(h, a2, 16); store<i64>(h, a3, 24); store<i64>(h, a4, 32);
  store<i64>(h, a5, 40); store<i64>(h, a6, 48); store<i64>(h, a7, 56); store<i64>(h, a8, 64); store<i64>(h, a9, 72);
}

// ref10 carry order (interleaved for instruction-level parallelism), rounded to signed limbs.
@inline function carryStore(h: usize, h0: i64, h1: i64, h2: i64, h3: i64, h4: i64,
  h5: i64, h6: i64, h7: i64, h8: i64, h9: i64): void {
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  store<i64>(h, h0); store<i64>(h, h1, 8); store<i64>(h, h2, 16); store<i64>(h, h3, 24);
  store<i64>(h, h4, 32); store<i64>(h, h5, 40); store<i64>(h, h6, 48); store<i64>(h, h7, 56);
  store<i64>(h, h8, 64); store<i64>(h, h9, 72);
}

export function feCarry(h: usize): void {
  carryStore(h, ld(h, 0), ld(h, 1), ld(h, 2), ld(h, 3), ld(h, 4), ld(h, 5), ld(h, 6), ld(h, 7), ld(h, 8), ld(h, 9));
}

export function feMul(h: usize, f: usize, g: usize): void {
  if (ASC_FEATURE_SIMD) { mulSimd(h, f, g); return; }
  const f0 = ld(f, 0), f1 = ld(f, 1), f2 = ld(f, 2), f3 = ld(f, 3), f4 = ld(f, 4);
  const f5 = ld(f, 5), f6 = ld(f, 6), f7 = ld(f, 7), f8 = ld(f, 8), f9 = ld(f, 9);
  const g0 = ld(g, 0), g1 = ld(g, 1), g2 = ld(g, 2), g3 = ld(g, 3), g4 = ld(g, 4);
  const g5 = ld(g, 5), g6 = ld(g, 6), g7 = ld(g, 7), g8 = ld(g, 8), g9 = ld(g, 9);
  const g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19, g5_19 = g5 * 19;
  const g6_19 = g6 * 19, g7_19 = g7 * 19, g8_19 = g8 * 19, g9_19 = g9 * 19;
  const f1_2 = f1 << 1, f3_2 = f3 << 1, f5_2 = f5 << 1, f7_2 = f7 << 1, f9_2 = f9 << 1;
  const h0: i64 = f0 * g0 + f1_2 * g9_19 + f2 * g8_19 + f3_2 * g7_19 + f4 * g6_19 + f5_2 * g5_19 + f6 * g4_19 + f7_2 * g3_19 + f8 * g2_19 + f9_2 * g1_19;
  const h1: i64 = f0 * g1 + f1 * g0 + f2 * g9_19 + f3 * g8_19 + f4 * g7_19 + f5 * g6_19 + f6 * g5_19 + f7 * g4_19 + f8 * g3_19 + f9 * g2_19;
  const h2: i64 = f0 * g2 + f1_2 * g1 + f2 * g0 + f3_2 * g9_19 + f4 * g8_19 + f5_2 * g7_19 + f6 * g6_19 + f7_2 * g5_19 + f8 * g4_19 + f9_2 * g3_19;
  const h3: i64 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9_19 + f5 * g8_19 + f6 * g7_19 + f7 * g6_19 + f8 * g5_19 + f9 * g4_19;
  const h4: i64 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + f5_2 * g9_19 + f6 * g8_19 + f7_2 * g7_19 + f8 * g6_19 + f9_2 * g5_19;
  const h5: i64 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9_19 + f7 * g8_19 + f8 * g7_19 + f9 * g6_19;
  const h6: i64 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + f7_2 * g9_19 + f8 * g8_19 + f9_2 * g7_19;
  const h7: i64 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9_19 + f9 * g8_19;
  const h8: i64 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + f9_2 * g9_19;
  const h9: i64 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^2 (sq2 = true: h = 2 f^2, used by point doubling). */
@inline function sqInto(h: usize, f: usize, sq2: bool): void {
  const f0 = ld(f, 0), f1 = ld(f, 1), f2 = ld(f, 2), f3 = ld(f, 3), f4 = ld(f, 4);
  const f5 = ld(f, 5), f6 = ld(f, 6), f7 = ld(f, 7), f8 = ld(f, 8), f9 = ld(f, 9);
  let h0: i64 = f0 * f0 + f1 * (f9 * 76) + f2 * (f8 * 38) + f3 * (f7 * 76) + f4 * (f6 * 38) + f5 * (f5 * 38);
  let h1: i64 = f0 * (f1 * 2) + f2 * (f9 * 38) + f3 * (f8 * 38) + f4 * (f7 * 38) + f5 * (f6 * 38);
  let h2: i64 = f0 * (f2 * 2) + f1 * (f1 * 2) + f3 * (f9 * 76) + f4 * (f8 * 38) + f5 * (f7 * 76) + f6 * (f6 * 19);
  let h3: i64 = f0 * (f3 * 2) + f1 * (f2 * 2) + f4 * (f9 * 38) + f5 * (f8 * 38) + f6 * (f7 * 38);
  let h4: i64 = f0 * (f4 * 2) + f1 * (f3 * 4) + f2 * f2 + f5 * (f9 * 76) + f6 * (f8 * 38) + f7 * (f7 * 38);
  let h5: i64 = f0 * (f5 * 2) + f1 * (f4 * 2) + f2 * (f3 * 2) + f6 * (f9 * 38) + f7 * (f8 * 38);
  let h6: i64 = f0 * (f6 * 2) + f1 * (f5 * 4) + f2 * (f4 * 2) + f3 * (f3 * 2) + f7 * (f9 * 76) + f8 * (f8 * 19);
  let h7: i64 = f0 * (f7 * 2) + f1 * (f6 * 2) + f2 * (f5 * 2) + f3 * (f4 * 2) + f8 * (f9 * 38);
  let h8: i64 = f0 * (f8 * 2) + f1 * (f7 * 4) + f2 * (f6 * 2) + f3 * (f5 * 4) + f4 * f4 + f9 * (f9 * 38);
  let h9: i64 = f0 * (f9 * 2) + f1 * (f8 * 2) + f2 * (f7 * 2) + f3 * (f6 * 2) + f4 * (f5 * 2);
  if (sq2) {
    h0 <<= 1; h1 <<= 1; h2 <<= 1; h3 <<= 1; h4 <<= 1; h5 <<= 1; h6 <<= 1; h7 <<= 1; h8 <<= 1; h9 <<= 1;
  }
  carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}
export function feSq(h: usize, f: usize): void { sqInto(h, f, false); }
export function feSq2(h: usize, f: usize): void { sqInto(h, f, true); }
/** h = f^(2^n), n >= 1. */
export function feSqN(h: usize, f: usize, n: i32): void {
  sqInto(h, f, false);
  for (let i = 1; i < n; i++) sqInto(h, h, false);
}

// Bit offsets of the ten limbs: ceil(25.5 i).
@inline function limbShift(i: i32): i32 { return (i * 51 + 1) >> 1; }

/** Decode 32 little-endian bytes, ignoring bit 255 (RFC 8032 §5.1.3 step 1 takes the sign from it). */
export function feFromBytes(h: usize, s: usize): void {
  const w0 = load<u64>(s), w1 = load<u64>(s, 8), w2 = load<u64>(s, 16);
  const w3 = load<u64>(s, 24) & 0x7fffffffffffffff;
  for (let i = 0; i < 10; i++) {
    const off = limbShift(i);
    const width = (i & 1) ? 25 : 26;
    const wi = off >> 6, bi = <u64>(off & 63);
    const lo = wi == 0 ? w0 : wi == 1 ? w1 : wi == 2 ? w2 : w3;
    const hi = wi == 0 ? w1 : wi == 1 ? w2 : wi == 2 ? w3 : <u64>0;
    let v = lo >> bi;
    if (bi != 0) v |= hi << (64 - bi);
    store<i64>(h + (<usize>i << 3), <i64>(v & ((<u64>1 << <u64>width) - 1)));
  }
}

/** Canonical 32-byte encoding (fully reduced mod p), ref10 fe_tobytes. */
export function feToBytes(s: usize, f: usize): void {
  feCopy(T3, f);
  feCarry(T3);
  let h0 = ld(T3, 0), h1 = ld(T3, 1), h2 = ld(T3, 2), h3 = ld(T3, 3), h4 = ld(T3, 4);
  let h5 = ld(T3, 5), h6 = ld(T3, 6), h7 = ld(T3, 7), h8 = ld(T3, 8), h9 = ld(T3, 9);
  // q = floor(h / p) in {0, 1} (or -1 .. 0 for slightly negative h); subtract q*p.
  let q: i64 = (19 * h9 + (1 << 24)) >> 25;
  q = (h0 + q) >> 26; q = (h1 + q) >> 25; q = (h2 + q) >> 26; q = (h3 + q) >> 25; q = (h4 + q) >> 26;
  q = (h5 + q) >> 25; q = (h6 + q) >> 26; q = (h7 + q) >> 25; q = (h8 + q) >> 26; q = (h9 + q) >> 25;
  h0 += 19 * q;
  let c: i64;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  c = h9 >> 25; h9 -= c << 25; // c * 2^255 is the q*p term, dropped
  // Pack: limb i occupies bits [limbShift(i), limbShift(i+1)).
  let acc: u64 = 0; let bits: i32 = 0; let o: usize = 0;
  store<i64>(T3, h0); store<i64>(T3, h1, 8); store<i64>(T3, h2, 16); store<i64>(T3, h3, 24);
  store<i64>(T3, h4, 32); store<i64>(T3, h5, 40); store<i64>(T3, h6, 48); store<i64>(T3, h7, 56);
  store<i64>(T3, h8, 64); store<i64>(T3, h9, 72);
  for (let i = 0; i < 10; i++) {
    acc |= (<u64>ld(T3, <usize>i)) << <u64>bits;
    bits += (i & 1) ? 25 : 26;
    while (bits >= 8) { store<u8>(s + o, <u8>acc); o++; acc >>= 8; bits -= 8; }
  }
  if (o < 32) store<u8>(s + o, <u8>acc);
}

/** 1 if f is non-zero mod p. */
export function feIsNonZero(f: usize): bool {
  feToBytes(TB, f);
  return (load<u64>(TB) | load<u64>(TB, 8) | load<u64>(TB, 16) | load<u64>(TB, 24)) != 0;
}
/** RFC 8032 §5.1.2: x is "negative" iff its canonical encoding is odd. */
export function feIsNegative(f: usize): bool {
  feToBytes(TB, f);
  return (load<u8>(TB) & 1) != 0;
}

/** out = z^(p-2) = 1/z (ref10 addition chain: 254 squarings, 11 multiplications). */
export function feInvert(out: usize, z: usize): void {
  feSq(T0, z); feSqN(T1, T0, 2); feMul(T1, z, T1); feMul(T0, T0, T1);
  feSq(T2, T0); feMul(T1, T1, T2);
  feSqN(T2, T1, 5); feMul(T1, T2, T1);
  feSqN(T2, T1, 10); feMul(T2, T2, T1);
  feSqN(T3, T2, 20); feMul(T2, T3, T2);
  feSqN(T2, T2, 10); feMul(T1, T2, T1);
  feSqN(T2, T1, 50); feMul(T2, T2, T1);
  feSqN(T3, T2, 100); feMul(T2, T3, T2);
  feSqN(T2, T2, 50); feMul(T1, T2, T1);
  feSqN(T1, T1, 5); feMul(out, T1, T0);
}

/** out = z^((p-5)/8) = z^(2^252 - 3), for the square root in decompression (RFC 8032 §5.1.3 step 3). */
export function fePow22523(out: usize, z: usize): void {
  feSq(T0, z); feSqN(T1, T0, 2); feMul(T1, z, T1); feMul(T0, T0, T1);
  feSq(T0, T0); feMul(T0, T1, T0);
  feSqN(T1, T0, 5); feMul(T0, T1, T0);
  feSqN(T1, T0, 10); feMul(T1, T1, T0);
  feSqN(T2, T1, 20); feMul(T1, T2, T1);
  feSqN(T1, T1, 10); feMul(T0, T1, T0);
  feSqN(T1, T0, 50); feMul(T1, T1, T0);
  feSqN(T2, T1, 100); feMul(T1, T2, T1);
  feSqN(T1, T1, 50); feMul(T0, T1, T0);
  feSqN(T0, T0, 2); feMul(out, T0, z);
}

// ---- SIMD build (asc --enable simd; ASC_FEATURE_SIMD is a compile-time constant, so the scalar build
// contains none of this and the SIMD build none of the scalar products above) ----
//
// Same radix, same column sums, same carries as feMul: only the 100 limb products move into
// i64x2.extmul_{low,high}_i32x4_s, two columns per vector. Column c collects f_i g_j, j = c - i, with
// 19 g_(j+10) when j < 0, doubled when i and j are both odd. The g operands form one row of i32,
// gx[t] = 19 g_t (t < 10), g_(t-10) (10 <= t < 20), 0 above, so those of columns c..c+3 for one i are
// the four consecutive gx[10 + c - i ..]: the low half of that window gives columns (c, c+1), the high
// half (c+2, c+3), against f_i broadcast to every lane (v128.load32_splat of the limb's low word), with
// lanes 0 and 2 (the even columns) doubled for odd i. The row is kept in six registers V0..V5 (gx[4k ..
// 4k+3]) and each window is one i32x4.shuffle of two of them (no stores: a 16-byte load over narrower
// stores would miss store-to-load forwarding). The i32 operands hold: carried limbs and sums of up to
// three are below 3 * 2^25 in magnitude, so 19 g < 2^31 and 2 f < 2^28.
// Squaring (sqInto) stays scalar in this build: a SIMD square over the 55 distinct products measured
// slower than the scalar one on x86-64 (docs/verification.md, Kernel internals).
function mulSimd(h: usize, f: usize, g: usize): void {
  const l0 = v128.load(g), l1 = v128.load(g, 16), l2 = v128.load(g, 32), l3 = v128.load(g, 48), l4 = v128.load(g, 64);
  const p0 = i32x4.shuffle(l0, l1, 0, 2, 4, 6), p1 = i32x4.shuffle(l2, l3, 0, 2, 4, 6);
  const p2 = i32x4.shuffle(l4, l0, 0, 2, 4, 6);
  const K19 = i32x4.splat(19);
  const v0 = i32x4.mul(p0, K19), v1 = i32x4.mul(p1, K19);
  const v2 = i32x4.shuffle(i32x4.mul(p2, K19), p0, 0, 1, 4, 5);
  const v3 = i32x4.shuffle(p0, p1, 2, 3, 4, 5), v4 = i32x4.shuffle(p1, p2, 2, 3, 4, 5), v5 = i32x4.splat(0);
  const odd = i32x4(-1, 0, -1, 0);
  let c01: v128, c23: v128, c45: v128, c67: v128, c89: v128, fv: v128, w: v128;
  fv = v128.load32_splat(f, 0);
  w = i32x4.shuffle(v2, v3, 2, 3, 4, 5); c01 = i64x2.extmul_low_i32x4_s(fv, w); c23 = i64x2.extmul_high_i32x4_s(fv, w);
  w = i32x4.shuffle(v3, v4, 2, 3, 4, 5); c45 = i64x2.extmul_low_i32x4_s(fv, w); c67 = i64x2.extmul_high_i32x4_s(fv, w);
  w = i32x4.shuffle(v4, v5, 2, 3, 4, 5); c89 = i64x2.extmul_low_i32x4_s(fv, w);
  fv = v128.load32_splat(f, 8); fv = i32x4.add(fv, v128.and(fv, odd));
  w = i32x4.shuffle(v2, v3, 1, 2, 3, 4); c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v3, v4, 1, 2, 3, 4); c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v4, v5, 1, 2, 3, 4); c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  fv = v128.load32_splat(f, 16);
  w = v2; c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = v3; c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = v4; c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  fv = v128.load32_splat(f, 24); fv = i32x4.add(fv, v128.and(fv, odd));
  w = i32x4.shuffle(v1, v2, 3, 4, 5, 6); c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v2, v3, 3, 4, 5, 6); c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v3, v4, 3, 4, 5, 6); c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  fv = v128.load32_splat(f, 32);
  w = i32x4.shuffle(v1, v2, 2, 3, 4, 5); c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v2, v3, 2, 3, 4, 5); c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v3, v4, 2, 3, 4, 5); c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  fv = v128.load32_splat(f, 40); fv = i32x4.add(fv, v128.and(fv, odd));
  w = i32x4.shuffle(v1, v2, 1, 2, 3, 4); c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v2, v3, 1, 2, 3, 4); c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v3, v4, 1, 2, 3, 4); c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  fv = v128.load32_splat(f, 48);
  w = v1; c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = v2; c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = v3; c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  fv = v128.load32_splat(f, 56); fv = i32x4.add(fv, v128.and(fv, odd));
  w = i32x4.shuffle(v0, v1, 3, 4, 5, 6); c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v1, v2, 3, 4, 5, 6); c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v2, v3, 3, 4, 5, 6); c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  fv = v128.load32_splat(f, 64);
  w = i32x4.shuffle(v0, v1, 2, 3, 4, 5); c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v1, v2, 2, 3, 4, 5); c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v2, v3, 2, 3, 4, 5); c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  fv = v128.load32_splat(f, 72); fv = i32x4.add(fv, v128.and(fv, odd));
  w = i32x4.shuffle(v0, v1, 1, 2, 3, 4); c01 = i64x2.add(c01, i64x2.extmul_low_i32x4_s(fv, w)); c23 = i64x2.add(c23, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v1, v2, 1, 2, 3, 4); c45 = i64x2.add(c45, i64x2.extmul_low_i32x4_s(fv, w)); c67 = i64x2.add(c67, i64x2.extmul_high_i32x4_s(fv, w));
  w = i32x4.shuffle(v2, v3, 1, 2, 3, 4); c89 = i64x2.add(c89, i64x2.extmul_low_i32x4_s(fv, w));
  carryStore(h, i64x2.extract_lane(c01, 0), i64x2.extract_lane(c01, 1), i64x2.extract_lane(c23, 0),
    i64x2.extract_lane(c23, 1), i64x2.extract_lane(c45, 0), i64x2.extract_lane(c45, 1),
    i64x2.extract_lane(c67, 0), i64x2.extract_lane(c67, 1), i64x2.extract_lane(c89, 0),
    i64x2.extract_lane(c89, 1));
}

