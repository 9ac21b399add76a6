// Scalars mod L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1).
//
// Scalar work is a few microseconds per signature against ~100 us of curve arithmetic, so we use
// TweetNaCl's byte-limb reduction (modL): a number is 64 i64 limbs of nominally 8 bits each
// (little-endian), which also lets the batch path accumulate sum z_i * S_i (up to 2^389) without
// intermediate reductions. Scratch is static; not re-entrant.

// L as 32 little-endian bytes; the top byte 0x10 is 2^252.
const LB: usize = memory.data<u8>([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** Limb count of a wide accumulator (64 byte-limbs plus one for carry headroom). */
export const WIDE: usize = 65 * 8;

@inline function lx(x: usize, i: i32): i64 { return load<i64>(x + (<usize>i << 3)); }
@inline function sx(x: usize, i: i32, v: i64): void { store<i64>(x + (<usize>i << 3), v); }
@inline function lb(i: i32): i64 { return <i64>load<u8>(LB + <usize>i); }

/** RFC 8032 §5.1.7 step 1: S must be canonical, 0 <= S < L. Compared big-endian byte by byte. */
export function scIsCanonical(s: usize): bool {
  for (let i = 31; i >= 0; i--) {
    const a = load<u8>(s + <usize>i), b = load<u8>(LB + <usize>i);
    if (a < b) return true;
    if (a > b) return false;
  }
  return false; // S == L
}

export function wideZero(x: usize): void { memory.fill(x, 0, WIDE); }

/** x += bytes[0..len) (little-endian), len <= 64. */
export function wideAddBytes(x: usize, p: usize, len: i32): void {
  for (let i = 0; i < len; i++) sx(x, i, lx(x, i) + <i64>load<u8>(p + <usize>i));
}

/** x += a * b with a, b little-endian byte strings, alen + blen <= 64. */
export function wideMulAdd(x: usize, a: usize, alen: i32, b: usize, blen: i32): void {
  for (let i = 0; i < alen; i++) {
    const ai = <i64>load<u8>(a + <usize>i);
    if (ai == 0) continue;
    for (let j = 0; j < blen; j++) sx(x, i + j, lx(x, i + j) + ai * <i64>load<u8>(b + <usize>j));
  }
}

/**
 * r = x mod L as 32 canonical bytes; x is a non-negative wide value < 2^512 whose limbs may
 * exceed 8 bits (they are normalised first). Destroys x. TweetNaCl modL after normalisation:
 * limbs 63..32 are folded with 2^256 = 16 * 2^252 = -16 * (L - 2^252) (mod L), then the top
 * nibble once more, then a final conditional correction; every carry keeps limbs in bytes.
 */
export function wideReduce(r: usize, x: usize): void {
  let carry: i64 = 0;
  for (let i = 0; i < 64; i++) { const v = lx(x, i) + carry; carry = v >> 8; sx(x, i, v & 255); }
  for (let i = 63; i >= 32; i--) {
    carry = 0;
    const xi = lx(x, i);
    let j = i - 32;
    for (; j < i - 12; j++) {
      let v = lx(x, j) + carry - 16 * xi * lb(j - (i - 32));
      carry = (v + 128) >> 8;
      sx(x, j, v - (carry << 8));
    }
    sx(x, j, lx(x, j) + carry);
    sx(x, i, 0);
  }
  carry = 0;
  const top = lx(x, 31) >> 4;
  for (let j = 0; j < 32; j++) {
    const v = lx(x, j) + carry - top * lb(j);
    carry = v >> 8;
    sx(x, j, v & 255);
  }
  for (let j = 0; j < 32; j++) sx(x, j, lx(x, j) - carry * lb(j));
  for (let i = 0; i < 32; i++) {
    const v = lx(x, i);
    if (i < 31) sx(x, i + 1, lx(x, i + 1) + (v >> 8));
    store<u8>(r + <usize>i, <u8>(v & 255));
  }
}

const WX: usize = memory.data(65 * 8, 16);

/** r = bytes[0..len) mod L (len <= 64); used for k = SHA-512(R || A || M) mod L (§5.1.7 step 2). */
export function scReduceBytes(r: usize, p: usize, len: i32): void {
  wideZero(WX); wideAddBytes(WX, p, len); wideReduce(r, WX);
}

/** r = a * b mod L, a of alen bytes, b of blen bytes. */
export function scMul(r: usize, a: usize, alen: i32, b: usize, blen: i32): void {
  wideZero(WX); wideMulAdd(WX, a, alen, b, blen); wideReduce(r, WX);
}
