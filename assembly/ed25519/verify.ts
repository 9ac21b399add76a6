// Single Ed25519 verification: the project's one acceptance rule set.
//
// ACCEPTANCE RULE (identical on the single and batch paths; docs/verification.md):
//   A (32 B), R (first 32 B of the signature), S (last 32 B), message M; accept iff
//   1. lengths are 32 / 64 bytes                (host side: src/runtime/wasm/ed25519.ts)
//   2. S < L                                   (RFC 8032 §5.1.7 step 1; S = L, L+1, high bits: reject)
//   3. A and R decode per §5.1.3 with canonical checks: y < p, x^2 a square, and x = 0 with the
//      sign bit set is rejected (non-canonical encodings of x = 0 points);
//   4. A is not of small order ([8]A != identity): a small-order key makes [k]A vanish under the
//      cofactor, so one signature would verify for every message. Same policy as libsodium and as
//      noble's strict branch ({ zip215: false }), the project's fallback verifier;
//   5. k = SHA-512(R || A || M) mod L, hashing the bytes as received      (§5.1.7 step 2)
//   6. the COFACTORED equation [8][S]B = [8]R + [8][k]A holds              (§5.1.7 step 3, first form)
//   Small-order R and mixed-order A or R are NOT rejected as such: they pass or fail by equation 6.
//   Because [8] kills every torsion component, the check is independent of the representative of
//   k mod L, and the random-linear-combination batch check tests exactly the same equation.
//
// Implementation (checkDecoded): half-size scalars c0 = c1 k (mod L), c1 = +-m, both below 2^127
// (halfsize.ts); Q = [m S mod L]B + [m](-R) + [+-c0](-A) by Straus interleaving, width-5 wNAF over
// tables of 8 odd multiples of -A and of R (CACHED), width-8 wNAF for the two 128-bit halves of
// m S mod L over 64 odd multiples of B and of [2^128]B in affine NIELS form built once at
// instantiation; accept iff [8]Q is the identity.
import { FE } from './field';
import {
  P3, CACHED, NIELS, geFromBytes, geNeg, geToCached, geToNiels, geAdd, geMadd, geDbl, geToP2,
  geToP3, geIdentity, geIsIdentity, geMul8, initPoints,
} from './point';
import { scIsCanonical, scMul } from './scalar';
import { halfSize } from './halfsize';
import { decodeNegA } from './keycache';

export const W_A: i32 = 5;               // wNAF width for the variable point
export const W_B: i32 = 8;                     // wNAF width for the base point (table of 2^(W_B-2))
const NB: i32 = 1 << (W_B - 2);
export const NA: i32 = 1 << (W_A - 2);

export const B_TABLE: usize = memory.data(<i32>NIELS * NB, 16);
const A_TABLE: usize = memory.data(<i32>CACHED * NA, 16);
export const BASE: usize = memory.data(<i32>P3, 16);        // B as P3 (used by the batch MSM)
const NAF_A: usize = memory.data(256, 16);
const NAF_B: usize = memory.data(256, 16);
const SCALAR5: usize = memory.data(40, 16);                 // scalar + 8 zero bytes for windowing
const ACC: usize = memory.data(<i32>P3, 16);
const ACC2: usize = memory.data(<i32>P3, 16);
const TP: usize = memory.data(<i32>P3, 16);                 // P1P1 temporary
const TR: usize = memory.data(<i32>CACHED, 16);

// RFC 8032 §5.1: B = (x, 4/5) with x positive; its encoding.
const B_BYTES: usize = memory.data<u8>([0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66]);

/** Build B and the odd-multiple table B, 3B, ..., (2 NB - 1) B. Called once at instantiation. */
export function initVerify(): void {
  initPoints();
  geFromBytes(BASE, B_BYTES);
  // ACC2 = 2B (cached in TR), ACC runs over odd multiples.
  geDbl(TP, BASE); geToP3(ACC2, TP); geToCached(TR, ACC2);
  memory.copy(ACC, BASE, P3);
  for (let i = 0; i < NB; i++) {
    geToNiels(B_TABLE + <usize>i * NIELS, ACC);
    geAdd(TP, ACC, TR, false); geToP3(ACC, TP);
  }
  initB2();
}

/**
 * Width-w non-adjacent form of a 256-bit little-endian scalar < 2^255 (curve25519-dalek
 * `non_adjacent_form`): naf[i] odd in (-2^(w-1), 2^(w-1)) or 0, nonzero digits >= w apart.
 */
export function wnaf(naf: usize, s: usize, w: i32): void {
  memory.copy(SCALAR5, s, 32); store<u64>(SCALAR5, 0, 32);
  memory.fill(naf, 0, 256);
  const width: u64 = <u64>1 << <u64>w, mask = width - 1;
  let pos = 0; let carry: u64 = 0;
  while (pos < 256) {
    const idx = <usize>(pos >> 6), bit = <u64>(pos & 63);
    let buf = load<u64>(SCALAR5 + (idx << 3)) >> bit;
    if (bit + <u64>w > 64) buf |= load<u64>(SCALAR5 + ((idx + 1) << 3)) << (64 - bit);
    const window = carry + (buf & mask);
    if ((window & 1) == 0) { pos += 1; continue; }
    if (window < (width >> 1)) { carry = 0; store<i8>(naf + <usize>pos, <i8>window); }
    else { carry = 1; store<i8>(naf + <usize>pos, <i8>(<i64>window - <i64>width)); }
    pos += w;
  }
}

/** tab[i] = (2i + 1) p in CACHED form, i < NA (p is a P3; clobbers ACC, ACC2, TP, TR). */
export function oddMultiples(tab: usize, p: usize): void {
  geToCached(tab, p);
  geDbl(TP, p); geToP3(ACC2, TP); geToCached(TR, ACC2);
  for (let i = 1; i < NA; i++) {
    geAdd(TP, i == 1 ? p : ACC, TR, false); geToP3(ACC, TP);
    geToCached(tab + <usize>i * CACHED, ACC);
  }
}

const R_TABLE: usize = memory.data(<i32>CACHED * NA, 16);
const B2_TABLE: usize = memory.data(<i32>NIELS * NB, 16);   // odd multiples of [2^128]B
const NAF_R: usize = memory.data(256, 16);
const NAF_B2: usize = memory.data(256, 16);
const C0: usize = memory.data(32, 16);
const M: usize = memory.data(32, 16);
const SP: usize = memory.data(32, 16);                      // m S mod L
const SHI: usize = memory.data(32, 16);                     // its high 128 bits

/** The B2_TABLE: odd multiples of [2^128]B (after initVerify has built BASE and B_TABLE). */
function initB2(): void {
  memory.copy(ACC, BASE, P3);
  for (let i = 0; i < 128; i++) { geDbl(TP, ACC); if (i == 127) geToP3(ACC, TP); else geToP2(ACC, TP); }
  memory.copy(ACC2, ACC, P3);                                 // ACC2 = [2^128]B
  geDbl(TP, ACC2); geToP3(ACC, TP); geToCached(TR, ACC);      // TR = 2 [2^128]B
  memory.copy(ACC, ACC2, P3);
  for (let i = 0; i < NB; i++) {
    geToNiels(B2_TABLE + <usize>i * NIELS, ACC);
    geAdd(TP, ACC, TR, false); geToP3(ACC, TP);
  }
}

@inline function absIdx(d: i32): usize { return <usize>((d < 0 ? -d : d) >> 1); }

/**
 * Core check shared by single verification and the batch path's leaves: a = -A (P3), r = R (P3),
 * k, s canonical scalars (32 B). Returns [8]([s]B + [k]a - R) == identity.
 * With c0 = c1 k (mod L), c1 = eps m (halfsize.ts) the verdict equals that of
 * [8]([m s mod L]B + [m](-R) + [eps c0]a) == identity: c1 is invertible mod L and [8] leaves only the
 * prime-order component. m s mod L is split at 2^128 over the tables of B and [2^128]B, so every scalar
 * of the Straus loop has at most 128 bits (128 doublings instead of 253).
 */
export function checkDecoded(negA: usize, r: usize, k: usize, s: usize): bool {
  const neg = halfSize(C0, M, k);
  scMul(SP, M, 16, s, 32);
  memory.copy(SHI, SP + 16, 16); memory.fill(SHI + 16, 0, 16); memory.fill(SP + 16, 0, 16);
  oddMultiples(A_TABLE, negA);
  oddMultiples(R_TABLE, r);
  wnaf(NAF_A, C0, W_A);
  wnaf(NAF_R, M, W_A);
  wnaf(NAF_B, SP, W_B);
  wnaf(NAF_B2, SHI, W_B);
  let i = 130;
  while (i >= 0 && load<i8>(NAF_A + <usize>i) == 0 && load<i8>(NAF_R + <usize>i) == 0 &&
    load<i8>(NAF_B + <usize>i) == 0 && load<i8>(NAF_B2 + <usize>i) == 0) i--;
  geIdentity(ACC);
  for (; i >= 0; i--) {
    geDbl(TP, ACC);
    const da = <i32>load<i8>(NAF_A + <usize>i), dr = <i32>load<i8>(NAF_R + <usize>i);
    const db = <i32>load<i8>(NAF_B + <usize>i), db2 = <i32>load<i8>(NAF_B2 + <usize>i);
    // The R term enters as [m](-R): its digits are subtracted; the A term's sign is eps.
    if (da != 0) { geToP3(ACC, TP); geAdd(TP, ACC, A_TABLE + absIdx(da) * CACHED, (da < 0) != neg); }
    if (dr != 0) { geToP3(ACC, TP); geAdd(TP, ACC, R_TABLE + absIdx(dr) * CACHED, dr > 0); }
    if (db != 0) { geToP3(ACC, TP); geMadd(TP, ACC, B_TABLE + absIdx(db) * NIELS, db < 0); }
    if (db2 != 0) { geToP3(ACC, TP); geMadd(TP, ACC, B2_TABLE + absIdx(db2) * NIELS, db2 < 0); }
    geToP2(ACC, TP);
  }
  // ACC = Q (P2): clear the cofactor, compare with the identity.
  geMul8(ACC, ACC, TP);
  return geIsIdentity(ACC);
}

const A_PT: usize = memory.data(<i32>P3, 16);
const SO: usize = memory.data(<i32>P3, 16);
const SO_TMP: usize = memory.data(<i32>P3, 16);

/** Rule steps 3 and 4 for A: canonical decoding into dst (P3) and not of small order. */
export function decodeA(dst: usize, pub: usize): bool {
  if (!geFromBytes(dst, pub)) return false;
  geMul8(SO, dst, SO_TMP);
  return !geIsIdentity(SO);
}
const R_PT: usize = memory.data(<i32>P3, 16);

/**
 * Steps 2-4 and 6 of the rule on raw bytes; the caller supplies k (already reduced) because hashing
 * streams the message from wherever the host placed it. Returns false on any decode failure.
 */
export function verifyRaw(pub: usize, sig: usize, k: usize): bool {
  if (!scIsCanonical(sig + 32)) return false;
  if (!decodeNegA(A_PT, pub)) return false;
  if (!geFromBytes(R_PT, sig)) return false;
  return checkDecoded(A_PT, R_PT, k, sig + 32);
}

export { FE };
