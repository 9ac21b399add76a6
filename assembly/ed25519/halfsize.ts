// Half-size scalars for the single check (the idea of Pornin, "Optimized lattice basis reduction in
// dimension 2", 2020, applied by Euclid's algorithm stopped halfway): from k < L find c0 >= 0 and
// c1 = eps * m (eps = +-1) with c0 = c1 k (mod L), c0 < 2^127 and m < 2^126. Multiplying the cofactored
// equation by c1 (invertible mod L, and [8] leaves only the prime-order component) gives the same verdict
// with 127-bit scalars on A and R, so the doubling chain halves (verify.ts checkDecoded).
//
// Euclid on (r0, r1) = (L, k) with t0 = 0, t1 = 1 keeps r_i = t_i k (mod L); the t_i alternate in sign
// with |t_{i+1}| = |t_{i-1}| + q |t_i|, and r_{i-1} |t_i| + r_i |t_{i-1}| = L. Stopping at the first
// r_i < 2^127 (so r_{i-1} >= 2^127) bounds |t_i| <= L / r_{i-1} < 2^126. Quotients are formed bit by
// bit (subtract r1 << s while it fits), so only shifts, compares and additions on 4 x u64 limbs are needed.

const R0: usize = memory.data(32, 16);
const R1: usize = memory.data(32, 16);
const T0: usize = memory.data(32, 16);
const T1: usize = memory.data(32, 16);
const SH: usize = memory.data(32, 16);
const LB: usize = memory.data<u8>([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

@inline function limb(x: usize, i: i32): u64 { return load<u64>(x + (<usize>i << 3)); }

function bitLen(x: usize): i32 {
  for (let i = 3; i >= 0; i--) {
    const v = limb(x, i);
    if (v != 0) return (i << 6) + 64 - <i32>clz<u64>(v);
  }
  return 0;
}

/** SH = x << s (the caller guarantees the result fits in 256 bits). */
function shl(x: usize, s: i32): void {
  const w = s >> 6, b = <u64>(s & 63);
  for (let i = 3; i >= 0; i--) {
    let v: u64 = 0;
    const j = i - w;
    if (j >= 0) {
      v = limb(x, j) << b;
      if (b != 0 && j >= 1) v |= limb(x, j - 1) >> (64 - b);
    }
    store<u64>(SH + (<usize>i << 3), v);
  }
}

/** SH <= x */
function shLe(x: usize): bool {
  for (let i = 3; i >= 0; i--) {
    const a = limb(SH, i), b = limb(x, i);
    if (a != b) return a < b;
  }
  return true;
}

/** x -= SH (x >= SH). */
function subSh(x: usize): void {
  let borrow: u64 = 0;
  for (let i = 0; i < 4; i++) {
    const a = limb(x, i), b = limb(SH, i);
    const d = a - b - borrow;
    borrow = (a < b || (a == b && borrow != 0)) ? 1 : 0;
    store<u64>(x + (<usize>i << 3), d);
  }
}

/** x += SH (no overflow: the sums stay below 2^126). */
function addSh(x: usize): void {
  let carry: u64 = 0;
  for (let i = 0; i < 4; i++) {
    const a = limb(x, i), b = limb(SH, i);
    const s = a + b + carry;
    carry = (s < a || (s == a && carry != 0)) ? 1 : 0;
    store<u64>(x + (<usize>i << 3), s);
  }
}

function swap(a: usize, b: usize): void {
  for (let i = 0; i < 4; i++) {
    const t = limb(a, i);
    store<u64>(a + (<usize>i << 3), limb(b, i));
    store<u64>(b + (<usize>i << 3), t);
  }
}

/**
 * c0 (32 bytes, < 2^127) and m = |c1| (32 bytes, < 2^126) for the 32-byte k < L; returns true when
 * c1 = -m (false: c1 = +m).
 */
export function halfSize(c0: usize, m: usize, k: usize): bool {
  memory.copy(R0, LB, 32); memory.copy(R1, k, 32);
  memory.fill(T0, 0, 32); memory.fill(T1, 0, 32); store<u64>(T1, 1);
  let n = 1;                                 // index of (R1, T1); t_n has sign (-1)^(n+1)
  while (bitLen(R1) > 127) {
    for (let s = bitLen(R0) - bitLen(R1); s >= 0; s--) {
      shl(R1, s);
      if (!shLe(R0)) continue;
      subSh(R0);
      shl(T1, s); addSh(T0);
    }
    swap(R0, R1); swap(T0, T1); n++;
  }
  memory.copy(c0, R1, 32); memory.copy(m, T1, 32);
  return (n & 1) == 0;
}
