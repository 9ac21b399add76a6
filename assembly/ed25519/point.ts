// Points of edwards25519 (-x^2 + y^2 = 1 + d x^2 y^2, RFC 8032 §5.1) in ref10's coordinate systems:
//   P3     extended (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z        (Hisil-Wong-Carter-Dawson 2008)
//   P1P1   "completed" ((X:Z),(Y:T)): x = X/Z, y = Y/T; result of add/double before normalising
//   P2     projective (X:Y:Z); the first three fields of a P3, so a P3 pointer is also a P2
//   CACHED (Y+X, Y-X, Z, 2dT), the right operand of an addition
//   NIELS  affine cached (y+x, y-x, 2dxy) with Z = 1 (precomputed tables; one multiplication less)
// The unified addition law is complete on this curve (d is not a square), so identity and
// small-order points need no special cases. Memory layout: consecutive field elements of FE bytes.
import {
  FE, feAdd, feSub, feNeg, feMul, feSq, feSq2, feOne, feZero, feCopy, feFromBytes, feIsNonZero,
  feIsNegative, fePow22523, feInvert,
} from './field';

export const P3: usize = 4 * FE;
export const CACHED: usize = 4 * FE;
export const NIELS: usize = 3 * FE;
const X: usize = 0, Y: usize = FE, Z: usize = 2 * FE, T: usize = 3 * FE;

// Curve constants as canonical little-endian bytes (derived with exact modular arithmetic:
// d = -121665/121666, 2d, sqrt(-1) = 2^((p-1)/4)); decoded to limbs by initPoints().
const D_BYTES: usize = memory.data<u8>([163, 120, 89, 19, 202, 77, 235, 117, 171, 216, 65, 65, 77, 10, 112, 0,
  152, 232, 121, 119, 121, 64, 199, 140, 115, 254, 111, 43, 238, 108, 3, 82]);
const D2_BYTES: usize = memory.data<u8>([89, 241, 178, 38, 148, 155, 214, 235, 86, 177, 131, 130, 154, 20, 224, 0,
  48, 209, 243, 238, 242, 128, 142, 25, 231, 252, 223, 86, 220, 217, 6, 36]);
const SQRTM1_BYTES: usize = memory.data<u8>([176, 160, 14, 74, 39, 27, 238, 196, 120, 228, 47, 173, 6, 24, 67, 47,
  167, 215, 251, 61, 153, 0, 77, 43, 11, 223, 193, 79, 128, 36, 131, 43]);
export const FE_D: usize = memory.data(80, 16);
export const FE_D2: usize = memory.data(80, 16);
const FE_SQRTM1: usize = memory.data(80, 16);

// Scratch (not re-entrant).
const U: usize = memory.data(80, 16);
const V: usize = memory.data(80, 16);
const V3: usize = memory.data(80, 16);
const VXX: usize = memory.data(80, 16);
const CHK: usize = memory.data(80, 16);
const T0: usize = memory.data(80, 16);

export function initPoints(): void {
  feFromBytes(FE_D, D_BYTES); feFromBytes(FE_D2, D2_BYTES); feFromBytes(FE_SQRTM1, SQRTM1_BYTES);
}

export function geIdentity(p: usize): void {
  feZero(p + X); feOne(p + Y); feOne(p + Z); feZero(p + T);
}
export function geCachedIdentity(c: usize): void {
  feOne(c + X); feOne(c + Y); feOne(c + Z); feZero(c + T);
}

/**
 * Decode a 32-byte point encoding (RFC 8032 §5.1.3) into P3, with the project's canonical checks:
 * reject y >= p (step 1: "If the resulting value is >= p, decoding fails"), reject a non-square
 * x^2 (step 3), reject x = 0 with sign bit 1 (step 4). Returns false on any failure.
 */
export function geFromBytes(p: usize, s: usize): bool {
  // y >= p  <=>  y in [2^255 - 19, 2^255): bytes 31..1 are 0x7f,0xff..0xff and byte 0 >= 0xed.
  if ((load<u8>(s, 31) & 0x7f) == 0x7f && load<u8>(s) >= 0xed) {
    let all = true;
    for (let i: usize = 1; i < 31; i++) if (load<u8>(s + i) != 0xff) { all = false; break; }
    if (all) return false;
  }
  const sign = (load<u8>(s, 31) >> 7) != 0;
  feFromBytes(p + Y, s);
  feOne(p + Z);
  // u = y^2 - 1, v = d y^2 + 1; x = u v^3 (u v^7)^((p-5)/8)   (§5.1.3 step 2)
  feSq(U, p + Y);
  feMul(V, U, FE_D);
  feSub(U, U, p + Z);
  feAdd(V, V, p + Z);
  feSq(V3, V); feMul(V3, V3, V);        // v^3
  feSq(p + X, V3); feMul(p + X, p + X, V); feMul(p + X, p + X, U); // u v^7
  fePow22523(p + X, p + X);
  feMul(p + X, p + X, V3); feMul(p + X, p + X, U);
  // §5.1.3 step 3: v x^2 == u -> x; == -u -> x * sqrt(-1); else not a square.
  feSq(VXX, p + X); feMul(VXX, VXX, V);
  feSub(CHK, VXX, U);
  if (feIsNonZero(CHK)) {
    feAdd(CHK, VXX, U);
    if (feIsNonZero(CHK)) return false;
    feMul(p + X, p + X, FE_SQRTM1);
  }
  // §5.1.3 step 4: x = 0 with x_0 = 1 fails; otherwise pick the root whose parity is x_0.
  if (!feIsNonZero(p + X) && sign) return false;
  if (feIsNegative(p + X) != sign) feNeg(p + X, p + X);
  feMul(p + T, p + X, p + Y);
  return true;
}

/** p = -p (negate x, hence T). */
export function geNeg(p: usize): void { feNeg(p + X, p + X); feNeg(p + T, p + T); }

export function geToCached(c: usize, p: usize): void {
  feAdd(c + X, p + Y, p + X);
  feSub(c + Y, p + Y, p + X);
  feCopy(c + Z, p + Z);
  feMul(c + T, p + T, FE_D2);
}

/** NIELS form of a point known to have Z = 1 (freshly decoded): no inversion needed. */
export function geAffineToNiels(n: usize, p: usize): void {
  feAdd(n + X, p + Y, p + X);
  feSub(n + Y, p + Y, p + X);
  feMul(n + Z, p + T, FE_D2);
}

/** Affine NIELS form (one inversion; table setup only). */
export function geToNiels(n: usize, p: usize): void {
  feInvert(T0, p + Z);
  feMul(U, p + X, T0); feMul(V, p + Y, T0);
  feAdd(n + X, V, U); feSub(n + Y, V, U);
  feMul(n + Z, U, V); feMul(n + Z, n + Z, FE_D2);
}

/** r(P1P1) = p(P3) + q(CACHED), or p - q when sub (add-2008-hwcd-3, ref10 ge_add/ge_sub). */
export function geAdd(r: usize, p: usize, q: usize, sub: bool): void {
  feAdd(r + X, p + Y, p + X);
  feSub(r + Y, p + Y, p + X);
  feMul(r + Z, r + X, q + (sub ? Y : X));
  feMul(r + Y, r + Y, q + (sub ? X : Y));
  feMul(r + T, q + T, p + T);
  feMul(r + X, p + Z, q + Z);
  feAdd(T0, r + X, r + X);
  feSub(r + X, r + Z, r + Y);
  feAdd(r + Y, r + Z, r + Y);
  if (sub) { feSub(r + Z, T0, r + T); feAdd(r + T, T0, r + T); }
  else { feAdd(r + Z, T0, r + T); feSub(r + T, T0, r + T); }
}

/** r(P1P1) = p(P3) +- q(NIELS) (ref10 ge_madd/ge_msub). */
export function geMadd(r: usize, p: usize, q: usize, sub: bool): void {
  feAdd(r + X, p + Y, p + X);
  feSub(r + Y, p + Y, p + X);
  feMul(r + Z, r + X, q + (sub ? Y : X));
  feMul(r + Y, r + Y, q + (sub ? X : Y));
  feMul(r + T, q + Z, p + T);
  feAdd(T0, p + Z, p + Z);
  feSub(r + X, r + Z, r + Y);
  feAdd(r + Y, r + Z, r + Y);
  if (sub) { feSub(r + Z, T0, r + T); feAdd(r + T, T0, r + T); }
  else { feAdd(r + Z, T0, r + T); feSub(r + T, T0, r + T); }
}

/** r(P1P1) = 2 p(P2) (dbl-2008-hwcd, ref10 ge_p2_dbl). r must not alias p. */
export function geDbl(r: usize, p: usize): void {
  feSq(r + X, p + X);
  feSq(r + Z, p + Y);
  feSq2(r + T, p + Z);
  feAdd(r + Y, p + X, p + Y);
  feSq(T0, r + Y);
  feAdd(r + Y, r + Z, r + X);
  feSub(r + Z, r + Z, r + X);
  feSub(r + X, T0, r + Y);
  feSub(r + T, r + T, r + Z);
}

/** P1P1 -> P2 (3M). r may alias p. */
export function geToP2(r: usize, p: usize): void {
  feMul(U, p + X, p + T);
  feMul(r + Y, p + Y, p + Z);
  feMul(r + Z, p + Z, p + T);
  feCopy(r + X, U);
}
/** P1P1 -> P3 (4M). r may alias p. */
export function geToP3(r: usize, p: usize): void {
  feMul(U, p + X, p + T);
  feMul(V, p + Y, p + Z);
  feMul(r + Z, p + Z, p + T);
  feMul(r + T, p + X, p + Y);
  feCopy(r + X, U); feCopy(r + Y, V);
}

/** True iff the P2 point is the identity: X = 0 and Y = Z (mod p). */
export function geIsIdentity(p: usize): bool {
  if (feIsNonZero(p + X)) return false;
  feSub(T0, p + Y, p + Z);
  return !feIsNonZero(T0);
}

/** r(P2/P3 layout) = [8] p(P2): three doublings; clears the cofactor (§5.1.7 step 3). */
export function geMul8(r: usize, p: usize, tmp: usize): void {
  geDbl(tmp, p); geToP2(r, tmp);
  geDbl(tmp, r); geToP2(r, tmp);
  geDbl(tmp, r); geToP2(r, tmp);
}
