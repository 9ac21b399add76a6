// Summary statistics over seeds: mean and a 95% confidence interval from Student's t (two-sided,
// df = n − 1), and nearest-rank percentiles within one run.

// t_{0.975, df} for df = 1..30; beyond 30 the normal 1.96 is within 2%.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

/** Mean with a 95% t-interval; with one sample the interval is the point itself (no spread known). */
export function meanCi(xs: readonly number[]): Interval {
  if (!xs.length) return { mean: NaN, lo: NaN, hi: NaN };
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, lo: mean, hi: mean };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const h = (T975[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, lo: mean - h, hi: mean + h };
}

/** Nearest-rank percentile (p in (0, 100]); NaN for no data. */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
