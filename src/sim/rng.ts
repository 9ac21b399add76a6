// The one seeded PRNG of the simulator, the experiments and the benchmarks (src/sim may not use Math.random: a run
// must replay from its seed, docs/conventions.md §2).
//
// Generator: xoshiro128** 1.1 (Blackman & Vigna 2018, https://prng.di.unimi.it/xoshiro128starstar.c) on four u32
// words, seeded by expanding a 32-bit seed with splitmix32 (nearby seeds give unrelated streams and the state is never
// all zero). All arithmetic is 32-bit (Math.imul, >>> 0), so a seed gives the same stream on every platform.
//
// Two choices are fixed when a generator is made, because the experiments' figures (docs/results/, docs/mechanisms.md)
// are functions of the streams they produce:
//  - `bits`: a uniform draw `next()` takes 53 bits from two words (the default: trust experiment, benchmarks) or 32
//    bits from one word (`{ bits: 32 }`: the network simulator, discovery and scale experiments);
//  - the word generator: xoshiro128**, or sfc32 (`Rng.sfc32(seed)`, Chris Doty-Humphrey's PractRand sfc32, seeded
//    through splitmix32 with 12 discarded words) for the market populations behind docs/mechanisms.md.
// Every derived draw (int, range, normal, exp, sample, shuffle, ...) goes through `next()`.

export interface RngOptions {
  /** Bits of a uniform draw: 53 (two words, default) or 32 (one word). */
  readonly bits?: 32 | 53;
}

function splitmix32(x: number): [number, number] {
  x = (x + 0x9e3779b9) >>> 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [x, (z ^ (z >>> 16)) >>> 0];
}

/** FNV-1a of a label, to mix names into seeds. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  protected s0 = 0;
  protected s1 = 0;
  protected s2 = 0;
  protected s3 = 0;
  readonly bits: 32 | 53;

  constructor(
    readonly seed: number,
    opts: RngOptions = {},
  ) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed: ${seed} must be an integer`);
    this.bits = opts.bits ?? 53;
    if (this.bits !== 32 && this.bits !== 53) throw new RangeError(`bits: ${String(opts.bits)} must be 32 or 53`);
    this.seedWords(seed >>> 0);
  }

  /** The four state words from `x` through splitmix32 (nearby seeds give unrelated states, never all zero). */
  protected seedWords(x: number): void {
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

  /** A generator on sfc32 words with 32-bit draws (the market populations' streams). */
  static sfc32(seed: number): Rng {
    return new Sfc32(seed);
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

  /** Uniform in [0,1) with `bits` random bits. */
  next(): number {
    if (this.bits === 32) return this.u32() / 4294967296;
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in 0..n-1 (n a positive integer). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n: ${n} must be a positive integer`);
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** True with probability p; always draws one number, so the stream does not depend on p. */
  bool(p: number): boolean {
    return this.next() < p;
  }

  /** True with probability p; draws nothing when p ≤ 0 (an event switched off costs no randomness). */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Normal (Box–Muller; one value per call, the pair's second value is discarded for simplicity). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next(); // (0, 1]
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal with the given median and log-space standard deviation sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Pareto (type I) with scale xm and shape alpha: the heavy tail of a stalling Wi-Fi link. */
  pareto(xm: number, alpha: number): number {
    return xm / Math.pow(1 - this.next(), 1 / alpha);
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

  /** Fisher–Yates shuffle in place (from the last position down). */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }

  /**
   * A child generator with an independent stream and the same `bits`. With a label the stream depends only on
   * (seed, label), so adding a draw in one place does not shift the random choices of another purpose (links,
   * churn, workload); without one it is seeded by the next word of this stream (per-method or per-run streams).
   */
  fork(label?: string): Rng {
    if (label === undefined) return new Rng(this.u32(), { bits: this.bits });
    return new Rng((Math.imul(this.seed, 0x2545f491) ^ fnv1a(label)) | 0, { bits: this.bits });
  }
}

/** sfc32 words (a, b, c, d = s0..s3, d the counter); see the header. */
class Sfc32 extends Rng {
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed: ${seed} must be a safe integer`);
    super(seed, { bits: 32 });
    this.seedWords((seed ^ 0x9e3779b9) >>> 0);
    for (let i = 0; i < 12; i++) this.u32();
  }

  override u32(): number {
    const t = (((this.s0 + this.s1) >>> 0) + this.s3) >>> 0;
    this.s3 = (this.s3 + 1) >>> 0;
    this.s0 = this.s1 ^ (this.s1 >>> 9);
    this.s1 = (this.s2 + (this.s2 << 3)) >>> 0;
    this.s2 = ((this.s2 << 21) | (this.s2 >>> 11)) >>> 0;
    this.s2 = (this.s2 + t) >>> 0;
    return t;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
