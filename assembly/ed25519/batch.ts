// Batch verification by random linear combination (the cofactored equation of verify.ts, summed):
//   accept the set iff [8]( [sum z_i S_i] B - sum [z_i] R_i - sum [z_i k_i] A_i ) = identity,
// with independent uniform 128-bit z_i from the host (crypto.getRandomValues; forced odd so z_i != 0
// mod L). Since every [8]P lies in the prime-order subgroup, a set containing an item that fails
// its own cofactored equation passes with probability <= 2^-127, and a set of items that each pass
// always passes. The left side is a multi-scalar multiplication over 2n + 1 points: Straus
// (interleaved wNAF) for up to STRAUS_MAX items, else Pippenger's bucket method with signed
// radix-2^c digits (digits in [-2^(c-1), 2^(c-1)), 2^(c-1) buckets per window). On failure the
// caller bisects (index.ts).
import {
  P3, NIELS, CACHED, geMadd, geAdd, geDbl, geToP2, geToP3, geToCached, geIdentity, geIsIdentity, geMul8, geNeg,
  geAffineToNiels,
} from './point';
import { BASE, B_TABLE, W_A, W_B, NA, oddMultiples, wnaf } from './verify';
import { WIDE, wideZero, wideMulAdd, wideReduce } from './scalar';

export const MAX_BATCH: i32 = 256;
const MAX_POINTS: i32 = 2 * MAX_BATCH + 1;
const MAX_C: i32 = 8;

// Per-item decoded state, filled by index.ts (itemPrepare) before any MSM. Decoded points have
// Z = 1, so their NIELS form costs one multiplication and every bucket addition is a mixed
// addition (7M instead of 8M). The P3 forms also serve the bisection leaves (checkDecoded).
export const ITEM_A: usize = memory.data(<i32>P3 * MAX_BATCH, 16);       // -A_i (P3, Z = 1)
export const ITEM_R: usize = memory.data(<i32>P3 * MAX_BATCH, 16);       // +R_i (P3, Z = 1)
const ITEM_NA: usize = memory.data(<i32>NIELS * MAX_BATCH, 16);          // -A_i (NIELS)
const ITEM_NR: usize = memory.data(<i32>NIELS * MAX_BATCH, 16);          // +R_i (NIELS)
export const ITEM_ZK: usize = memory.data(32 * MAX_BATCH, 16);           // z_i k_i mod L

const PN: usize = memory.data(4 * MAX_POINTS, 16);           // u32 pointers to NIELS points
const PP: usize = memory.data(4 * MAX_POINTS, 16);           // u32 pointers to the same points as P3
const SCS: usize = memory.data(4 * MAX_POINTS, 16);          // u32 pointers to 32-byte scalars
const DIG: usize = memory.data(MAX_POINTS * 128, 16);         // signed digits, 128 slots per point (c >= 3 needs <= 86)
const BUCKETS: usize = memory.data(<i32>P3 << (MAX_C - 1), 16);
const FILLED: usize = memory.data(1 << (MAX_C - 1), 16);      // bucket b holds a point (else identity)
const SB: usize = memory.data(32, 16);                        // sum z_i S_i mod L
const BASE_N: usize = memory.data(<i32>NIELS, 16);
const WX: usize = memory.data(<i32>WIDE, 16);
const ACC: usize = memory.data(<i32>P3, 16);
const RUN: usize = memory.data(<i32>P3, 16);
const SUM: usize = memory.data(<i32>P3, 16);
const TP: usize = memory.data(<i32>P3, 16);
const TC: usize = memory.data(<i32>P3, 16);
const Z32: usize = memory.data(32, 16);

/** Per-item MSM inputs from the decoded -A_i, R_i (index.ts has filled ITEM_A / ITEM_R). */
export function itemPrepare(i: usize): void {
  geAffineToNiels(ITEM_NA + i * NIELS, ITEM_A + i * P3);
  geAffineToNiels(ITEM_NR + i * NIELS, ITEM_R + i * P3);
}

export function initBatch(): void { geAffineToNiels(BASE_N, BASE); }

// Straus (interleaved wNAF, one shared doubling chain) for up to STRAUS_MAX items: per item a
// table of 8 odd multiples of -A_i and of R_i (~16 additions) plus ~42 + ~21 additions, against
// Pippenger's per-window bucket sums, which only amortise over more points (measured crossover:
// field-operation counts per signature: 1038 vs 1080 M at 48 items, 1031 vs 1028 at 64).
const STRAUS_MAX: i32 = 56;
const ST_TAB: usize = memory.data(<i32>CACHED * NA * 2 * STRAUS_MAX, 16);
const ST_NAF: usize = memory.data(256 * 2 * STRAUS_MAX, 16);
const NAF_SB: usize = memory.data(256, 16);

const ZW: usize = memory.data(32, 16);

/** [8](sum) == identity by Straus over B (SB, precomputed NIELS table), -A_i (z_i k_i), R_i (-z_i). */
function strausCheck(idx: usize, m: i32, z: usize): bool {
  const tabStride = <usize>NA * CACHED;
  wnaf(NAF_SB, SB, W_B);
  for (let j = 0; j < m; j++) {
    const i = <usize>load<u32>(idx + (<usize>j << 2));
    const t = ST_TAB + <usize>(2 * j) * tabStride;
    oddMultiples(t, ITEM_A + i * P3);
    oddMultiples(t + tabStride, ITEM_R + i * P3);
    wnaf(ST_NAF + <usize>(2 * j) * 256, ITEM_ZK + (i << 5), W_A);
    memory.copy(ZW, z + (i << 4), 16); memory.fill(ZW + 16, 0, 16);
    wnaf(ST_NAF + <usize>(2 * j + 1) * 256, ZW, W_A);
  }
  const np = 2 * m;
  let top = 255;
  for (; top >= 0; top--) {
    if (load<i8>(NAF_SB + <usize>top) != 0) break;
    let any = false;
    for (let j = 0; j < np; j++) if (load<i8>(ST_NAF + <usize>j * 256 + <usize>top) != 0) { any = true; break; }
    if (any) break;
  }
  geIdentity(ACC);
  for (let bit = top; bit >= 0; bit--) {
    geDbl(TP, ACC);
    const db = <i32>load<i8>(NAF_SB + <usize>bit);
    if (db != 0) { geToP3(ACC, TP); geMadd(TP, ACC, B_TABLE + <usize>((db < 0 ? -db : db) >> 1) * NIELS, db < 0); }
    for (let j = 0; j < np; j++) {
      let d = <i32>load<i8>(ST_NAF + <usize>j * 256 + <usize>bit);
      if (d == 0) continue;
      if (j & 1) d = -d; // the R_i term enters as -z_i R_i
      geToP3(ACC, TP);
      geAdd(TP, ACC, ST_TAB + <usize>j * tabStride + <usize>((d < 0 ? -d : d) >> 1) * CACHED, d < 0);
    }
    if (bit == 0) geToP3(ACC, TP); else geToP2(ACC, TP);
  }
  geMul8(ACC, ACC, TP);
  return geIsIdentity(ACC);
}

/** Window size by point count (measured: src/bench/verify.ts). */
function windowBits(n: i32): i32 {
  if (n < 12) return 3;
  if (n < 40) return 4;
  if (n < 200) return 5;
  if (n < 350) return 6;
  return 7;
}

/** Signed radix-2^c digits of a 32-byte scalar < 2^253 (dalek `as_radix_2w`). */
function radixDigits(out: usize, s: usize, c: i32, nd: i32): void {
  memory.copy(Z32, s, 32);
  const mask: u64 = (<u64>1 << <u64>c) - 1;
  let carry: i64 = 0;
  for (let i = 0; i < nd; i++) {
    const off = i * c, idx = off >> 6, bit = <u64>(off & 63);
    let buf: u64 = idx < 4 ? load<u64>(Z32 + (<usize>idx << 3)) >> bit : 0;
    if (idx < 3 && bit + <u64>c > 64) buf |= load<u64>(Z32 + (<usize>(idx + 1) << 3)) << (64 - bit);
    const coef = carry + <i64>(buf & mask);
    carry = (coef + (<i64>1 << (c - 1))) >> c;
    store<i8>(out + <usize>i, <i8>(coef - (carry << c)));
  }
}

/**
 * Random-linear-combination check over items idx[0..m) (u32 indices at `idx`), with z_i at
 * z + 16 i and S_i at sig + 64 i + 32. Returns true iff the combined cofactored equation holds.
 */
export function batchCheck(idx: usize, m: i32, z: usize, sig: usize): bool {
  // Scalar of B: sum z_i S_i mod L, accumulated in byte limbs without intermediate reduction.
  wideZero(WX);
  for (let j = 0; j < m; j++) {
    const i = <usize>load<u32>(idx + (<usize>j << 2));
    wideMulAdd(WX, z + (i << 4), 16, sig + (i << 6) + 32, 32);
  }
  wideReduce(SB, WX);
  if (m <= STRAUS_MAX) return strausCheck(idx, m, z);
  // Point list: B with sum z_i S_i; R_i with digits of z_i negated (the term is -z_i R_i); -A_i
  // with z_i k_i. Odd j are the R points.
  store<u32>(PN, <u32>BASE_N); store<u32>(PP, <u32>BASE); store<u32>(SCS, <u32>SB);
  let n = 1;
  for (let j = 0; j < m; j++) {
    const i = <usize>load<u32>(idx + (<usize>j << 2));
    store<u32>(PN + (<usize>n << 2), <u32>(ITEM_NR + i * NIELS));
    store<u32>(PP + (<usize>n << 2), <u32>(ITEM_R + i * P3));
    store<u32>(SCS + (<usize>n << 2), <u32>(z + (i << 4)));
    n++;
    store<u32>(PN + (<usize>n << 2), <u32>(ITEM_NA + i * NIELS));
    store<u32>(PP + (<usize>n << 2), <u32>(ITEM_A + i * P3));
    store<u32>(SCS + (<usize>n << 2), <u32>(ITEM_ZK + (i << 5)));
    n++;
  }
  const c = windowBits(n);
  const nd = (253 + c - 1) / c + 1;
  const nb = 1 << (c - 1);
  for (let j = 0; j < n; j++) {
    const sp = <usize>load<u32>(SCS + (<usize>j << 2));
    const dj = DIG + (<usize>j << 7);
    if ((j & 1) == 1) {
      // z_i: 16 bytes, widened to 32; digits negated for the -z_i R_i term.
      memory.copy(TC, sp, 16); memory.fill(TC + 16, 0, 16);
      radixDigits(dj, TC, c, nd);
      for (let w = 0; w < nd; w++) store<i8>(dj + <usize>w, -load<i8>(dj + <usize>w));
    } else radixDigits(dj, sp, c, nd);
  }
  geIdentity(ACC);
  for (let w = nd - 1; w >= 0; w--) {
    if (w != nd - 1) {
      for (let d = 0; d < c; d++) { geDbl(TP, ACC); if (d == c - 1) geToP3(ACC, TP); else geToP2(ACC, TP); }
    }
    memory.fill(FILLED, 0, <usize>nb);
    for (let j = 0; j < n; j++) {
      const d = <i32>load<i8>(DIG + (<usize>j << 7) + <usize>w);
      if (d == 0) continue;
      const b = <usize>((d < 0 ? -d : d) - 1);
      const bk = BUCKETS + b * P3;
      if (load<u8>(FILLED + b) == 0) {
        // First point of the bucket: copy instead of adding to the identity.
        memory.copy(bk, <usize>load<u32>(PP + (<usize>j << 2)), P3);
        if (d < 0) geNeg(bk);
        store<u8>(FILLED + b, 1);
      } else {
        geMadd(TP, bk, <usize>load<u32>(PN + (<usize>j << 2)), d < 0);
        geToP3(bk, TP);
      }
    }
    // sum_b (b+1) * bucket_b by running sums from the top bucket down; empty buckets add nothing
    // to RUN, and SUM is skipped while RUN is still the identity.
    let started = false;
    for (let b = nb - 1; b >= 0; b--) {
      if (load<u8>(FILLED + <usize>b) != 0) {
        if (!started) { memory.copy(RUN, BUCKETS + <usize>b * P3, P3); }
        else { geToCached(TC, BUCKETS + <usize>b * P3); geAdd(TP, RUN, TC, false); geToP3(RUN, TP); }
      }
      if (!started && load<u8>(FILLED + <usize>b) != 0) {
        memory.copy(SUM, RUN, P3); started = true;
      } else if (started) {
        geToCached(TC, RUN); geAdd(TP, SUM, TC, false); geToP3(SUM, TP);
      }
    }
    if (started) { geToCached(TC, SUM); geAdd(TP, ACC, TC, false); geToP3(ACC, TP); }
  }
  geMul8(ACC, ACC, TP);
  return geIsIdentity(ACC);
}
