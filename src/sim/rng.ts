// Seeded PRNG for the simulator and for anything in core/sim that needs randomness (no Math.random, docs/conventions.md §2).
// Algorithm: xoshiro128** 1.1 (Blackman & Vigna 2018, https://prng.di.unimi.it/xoshiro128starstar.c) on four u32
// words, seeded by expanding a 32-bit seed with splitmix32 (so nearby seeds give unrelated streams and the state is
// never all zero). All arithmetic is 32-bit (Math.imul, >>> 0), so a seed gives the same stream on every platform.

function splitmix32(x: number): [number, number] {
  x = (x + 0x9e3779b9) >>> 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [x, (z ^ (z >>> 16)) >>> 0];
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed: ${seed} is not a finite number`);
    let x = seed >>> 0;
    let w: number;
    [x, w] = splitmix32(x);
    this.s0 = w;
    [x, w] = splitmix32(x);
    this.s1 = w;
    [x, w] = splitmix32(x);
    this.s2 = w;
    [, w] = splitmix32(x);
    this.s3 = w;
  }

  /** A generator with the raw xoshiro128** state (for the reference-vector test; state must not be all zero). */
  static fromState(s: readonly [number, number, number, number]): Rng {
    const r = new Rng(0);
    [r.s0, r.s1, r.s2, r.s3] = s.map((x) => x >>> 0) as [number, number, number, number];
    return r;
  }

  /** Next u32 (xoshiro128**: result = rotl(s1·5, 7)·9). */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    return r;
  }

  /** Uniform in [0,1) with 53 random bits. */
  next(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in 0..n-1 (n ≥ 1). */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`n: ${n} must be ≥ 1`);
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  bool(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box–Muller; one value per call, the pair's second value is discarded for simplicity). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** k distinct items of `xs` (k ≤ xs.length), partial Fisher–Yates on a copy. */
  sample<T>(xs: readonly T[], k: number): T[] {
    const a = xs.slice();
    const m = Math.min(k, a.length);
    for (let i = 0; i < m; i++) {
      const j = i + this.int(a.length - i);
      const tmp = a[i] as T;
      a[i] = a[j] as T;
      a[j] = tmp;
    }
    return a.slice(0, m);
  }

  /** A child generator with an independent stream (for per-method or per-run streams). */
  fork(): Rng {
    return new Rng(this.u32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
