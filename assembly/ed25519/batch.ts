// Batch verification by random linear combination (the cofactored equation of verify.ts, summed):
//   accept the set iff [8]( [sum z_i S_i] B - sum [z_i] R_i - sum [z_i k_i] A_i ) = identity,
// with independent uniform 128-bit z_i from the host (crypto.getRandomValues; forced odd so z_i != 0
// mod L). Since every [8]P lies in the prime-order subgroup, a set containing an item that fails
// its own cofactored equation passes with probability <= 2^-127, and a set of items that each pass
// always passes. The left side is a multi-scalar multiplication over 2n + 1 points computed with
// Pippenger's bucket method using signed radix-2^c digits (digits in [-2^(c-1), 2^(c-1)), 2^(c-1)
// buckets per window). On failure the caller bisects (index.ts).
import {
  P3, CACHED, geAdd, geDbl, geToP2, geToP3, geToCached, geIdentity, geIsIdentity, geMul8,
} from './point';
import { BASE } from './verify';
import { WIDE, wideZero, wideMulAdd, wideReduce } from './scalar';

export const MAX_BATCH: i32 = 256;
const MAX_POINTS: i32 = 2 * MAX_BATCH + 1;
const MAX_C: i32 = 8;

/** Per-item decoded state, filled by index.ts before any MSM: cached -A_i, cached -R_i, z_i k_i. */
export const ITEM_NEG_A: usize = memory.data(<i32>CACHED * MAX_BATCH, 16);
export const ITEM_NEG_R: usize = memory.data(<i32>CACHED * MAX_BATCH, 16);
export const ITEM_ZK: usize = memory.data(32 * MAX_BATCH, 16);

const PTS: usize = memory.data(4 * MAX_POINTS, 16);          // u32 pointers to CACHED points
const SCS: usize = memory.data(4 * MAX_POINTS, 16);          // u32 pointers to 32-byte scalars
const DIG: usize = memory.data(MAX_POINTS * 128, 16);         // signed digits, 128 slots per point (c >= 3 needs <= 86)
const BUCKETS: usize = memory.data(<i32>P3 << (MAX_C - 1), 16);
const SB: usize = memory.data(32, 16);                        // sum z_i S_i mod L
const BASE_C: usize = memory.data(<i32>CACHED, 16);
const WX: usize = memory.data(<i32>WIDE, 16);
const ACC: usize = memory.data(<i32>P3, 16);
const RUN: usize = memory.data(<i32>P3, 16);
const SUM: usize = memory.data(<i32>P3, 16);
const TP: usize = memory.data(<i32>P3, 16);
const TC: usize = memory.data(<i32>CACHED, 16);
const Z32: usize = memory.data(32, 16);

export function initBatch(): void { geToCached(BASE_C, BASE); }

/** Window size by point count (measured: bench/verify.ts). */
function windowBits(n: i32): i32 {
  if (n < 12) return 3;
  if (n < 40) return 4;
  if (n < 120) return 5;
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
  // Point list: B, then (-R_i, z_i), (-A_i, z_i k_i).
  let n = 0;
  store<u32>(PTS, <u32>BASE_C); store<u32>(SCS, <u32>SB); n = 1;
  for (let j = 0; j < m; j++) {
    const i = <usize>load<u32>(idx + (<usize>j << 2));
    store<u32>(PTS + (<usize>n << 2), <u32>(ITEM_NEG_R + i * CACHED));
    store<u32>(SCS + (<usize>n << 2), <u32>(z + (i << 4)));
    n++;
    store<u32>(PTS + (<usize>n << 2), <u32>(ITEM_NEG_A + i * CACHED));
    store<u32>(SCS + (<usize>n << 2), <u32>(ITEM_ZK + (i << 5)));
    n++;
  }
  const c = windowBits(n);
  const nd = (253 + c - 1) / c + 1;
  const nb = 1 << (c - 1);
  for (let j = 0; j < n; j++) {
    const sp = <usize>load<u32>(SCS + (<usize>j << 2));
    // z_i are 16-byte values: widen to 32 with zeros so the digit extraction reads valid memory.
    if ((j & 1) == 1) { memory.copy(TC, sp, 16); memory.fill(TC + 16, 0, 16); radixDigits(DIG + (<usize>j << 7), TC, c, nd); }
    else radixDigits(DIG + (<usize>j << 7), sp, c, nd);
  }
  geIdentity(ACC);
  for (let w = nd - 1; w >= 0; w--) {
    if (w != nd - 1) {
      for (let d = 0; d < c; d++) { geDbl(TP, ACC); if (d == c - 1) geToP3(ACC, TP); else geToP2(ACC, TP); }
    }
    for (let b = 0; b < nb; b++) geIdentity(BUCKETS + <usize>b * P3);
    for (let j = 0; j < n; j++) {
      const d = <i32>load<i8>(DIG + (<usize>j << 7) + <usize>w);
      if (d == 0) continue;
      const bk = BUCKETS + <usize>((d < 0 ? -d : d) - 1) * P3;
      geAdd(TP, bk, <usize>load<u32>(PTS + (<usize>j << 2)), d < 0);
      geToP3(bk, TP);
    }
    // sum_b (b+1) * bucket_b by running sums from the top bucket down.
    geIdentity(RUN); geIdentity(SUM);
    for (let b = nb - 1; b >= 0; b--) {
      geToCached(TC, BUCKETS + <usize>b * P3); geAdd(TP, RUN, TC, false); geToP3(RUN, TP);
      geToCached(TC, RUN); geAdd(TP, SUM, TC, false); geToP3(SUM, TP);
    }
    geToCached(TC, SUM); geAdd(TP, ACC, TC, false); geToP3(ACC, TP);
  }
  geMul8(ACC, ACC, TP);
  return geIsIdentity(ACC);
}
