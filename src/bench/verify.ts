// Ed25519 verification benchmark: WASM single / batch, scalar kernel (wasm-*) and SIMD kernel
// (wasm-simd-*, when the engine supports WASM SIMD) side by side, vs node:crypto and noble, measured in
// one process and one run, rounds interleaved so machine noise hits every implementation alike.
// Run: `node bench/verify.run.mjs [--rounds 7] [--batch 64,16,256]` (bundles this file with esbuild).
import { createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { SigItem, SigVerifier } from '../core/base/ports.js';
import { loadEd25519Verifier, type Ed25519Verifier } from '../runtime/wasm/ed25519.js';
import { wasmSimdSupported } from '../runtime/wasm/simd.js';
import { nobleVerifier, nodeCryptoVerifier } from '../runtime/crypto/baselines.js';

export interface BenchResult {
  opsPerSec: number;
  min: number;
  max: number;
}
export interface BenchOptions {
  /** Batch sizes for wasm-batch-<n> (64 is always included). */
  batch: number[];
  /** Rounds per implementation; the median is reported (>= 5). */
  rounds: number;
  /** Pool size of distinct (key, ~200-byte message, signature) triples (default 1024). */
  pool?: number;
  /** Items per noble round (noble is ~100x slower; default 128). */
  nobleItems?: number;
  signal?: AbortSignal;
}

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function makePool(n: number): SigItem[] {
  const out: SigItem[] = [];
  for (let i = 0; i < n; i++) {
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, randomBytes(32)]), format: 'der', type: 'pkcs8' });
    const pub = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12));
    const msg = new Uint8Array(randomBytes(192 + (i % 17)));
    out.push({ pub, msg, sig: new Uint8Array(sign(null, msg, key)) });
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The machine's 1-minute load average at the start and the end of the measurement, and its cores. */
export interface BenchLoad {
  before: number;
  after: number;
}

export async function benchImplementations(opts: BenchOptions): Promise<Record<string, BenchResult>> {
  return (await benchVerify(opts)).results;
}

/** Every implementation in one run, and the machine's load around it. */
export async function benchVerify(
  opts: BenchOptions,
): Promise<{ results: Record<string, BenchResult>; paired: Record<string, number>; load: BenchLoad }> {
  if (!(opts.rounds >= 5)) throw new RangeError('rounds must be >= 5');
  const before = loadavg()[0]!;
  const pool = makePool(opts.pool ?? 1024);
  const nobleN = Math.min(pool.length, opts.nobleItems ?? 128);
  const wasm = loadEd25519Verifier({ kernel: 'scalar' });
  const simd = wasmSimdSupported() ? loadEd25519Verifier({ kernel: 'simd' }) : undefined;
  const nodeV = nodeCryptoVerifier();
  const noble = nobleVerifier();
  const sizes = [...new Set([64, ...opts.batch])].sort((a, b) => a - b);

  /** One round: verify `items` and return ops/s; throws if anything fails to verify (bench sanity). */
  const singleRound = (v: SigVerifier, items: readonly SigItem[]) => () => {
    const t = performance.now();
    let ok = 0;
    for (const it of items) if (v.verify(it.pub, it.msg, it.sig)) ok++;
    const dt = performance.now() - t;
    if (ok !== items.length) throw new Error(`${v.name}: ${items.length - ok} valid signatures rejected`);
    return (items.length / dt) * 1000;
  };
  const batchRound = (v: SigVerifier, n: number) => () => {
    const t = performance.now();
    let ok = 0;
    for (let i = 0; i + n <= pool.length; i += n) ok += v.verifyBatch(pool.slice(i, i + n)).filter(Boolean).length;
    const dt = performance.now() - t;
    const total = Math.floor(pool.length / n) * n;
    if (ok !== total) throw new Error(`batch-${n}: ${total - ok} valid signatures rejected`);
    return (total / dt) * 1000;
  };
  const kernelRows = (prefix: string, v: SigVerifier): [string, () => number][] => [
    [`${prefix}-single`, singleRound(v, pool)],
    ...sizes.map((n) => [`${prefix}-batch-${n}`, batchRound(v, n)] as [string, () => number]),
  ];
  const impls: [string, () => number][] = [
    ...kernelRows('wasm', wasm),
    ...(simd ? kernelRows('wasm-simd', simd) : []),
    // node:crypto with KeyObjects reused: warm the per-key cache once before timing.
    ['node-crypto', singleRound(nodeV, pool)],
    ['noble', singleRound(noble, pool.slice(0, nobleN))],
  ];
  for (const it of pool) nodeV.verify(it.pub, it.msg, it.sig);
  for (const [, run] of impls) run(); // warm-up round (JIT, caches), not recorded
  const samples = new Map<string, number[]>(impls.map(([k]) => [k, []]));
  for (let r = 0; r < opts.rounds; r++) {
    for (const [name, run] of impls) {
      if (opts.signal?.aborted) throw new Error('benchmark aborted');
      samples.get(name)!.push(run());
      await new Promise((res) => setImmediate(res));
    }
  }
  const out: Record<string, BenchResult> = {};
  for (const [name, xs] of samples) out[name] = { opsPerSec: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  const paired = pairedRatios(pool, nodeV, wasm, simd, opts.rounds, opts.signal);
  return { results: out, paired, load: { before, after: loadavg()[0]! } };
}

/**
 * Ratios measured chunk by chunk: for every chunk of 64 pool items, node:crypto (64 singles), each kernel's
 * 64 singles and each kernel's batch of 64 are timed back to back (order rotated per chunk), and each ratio
 * is taken within the chunk; the median over all chunks of all rounds is reported. On a shared machine a
 * burst of load then hits both sides of a ratio alike, where the per-implementation rounds above (each
 * ~0.1-0.5 s) catch it on one side only. The pool's keys stay in each kernel's decoded-key cache (as in
 * node:crypto's KeyObject cache) after the warm-up; the `(cold keys)` jobs empty that cache before the chunk, so
 * every one of their 64 keys is decoded, and `warm / cold keys` is what the cache buys within the same chunk.
 */
export function pairedRatios(
  pool: readonly SigItem[],
  nodeV: SigVerifier,
  scalar: Ed25519Verifier,
  simd: Ed25519Verifier | undefined,
  rounds: number,
  signal?: AbortSignal,
): Record<string, number> {
  const timeIt = (f: () => number, want: number, name: string): number => {
    const t = performance.now();
    const ok = f();
    const dt = performance.now() - t;
    if (ok !== want) throw new Error(`${name}: ${want - ok} valid signatures rejected`);
    return dt;
  };
  const singles = (v: SigVerifier, c: readonly SigItem[]) => () =>
    c.reduce((n, it) => n + (v.verify(it.pub, it.msg, it.sig) ? 1 : 0), 0);
  const batch = (v: SigVerifier, c: readonly SigItem[]) => () => v.verifyBatch(c).filter(Boolean).length;
  const cold = (v: Ed25519Verifier, f: () => number) => () => {
    v.clearKeyCache();
    return f();
  };
  const kernels: [string, Ed25519Verifier][] = [
    ['wasm', scalar],
    ...(simd ? [['wasm-simd', simd] as [string, Ed25519Verifier]] : []),
  ];
  const ratios = new Map<string, number[]>();
  const push = (k: string, x: number) => ratios.set(k, [...(ratios.get(k) ?? []), x]);
  let chunkNo = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i + 64 <= pool.length; i += 64) {
      if (signal?.aborted) throw new Error('benchmark aborted');
      const c = pool.slice(i, i + 64);
      const jobs: [string, () => number][] = [
        ['node-crypto', singles(nodeV, c)],
        ...kernels.flatMap(([k, v]): [string, () => number][] => [
          [`${k}-single`, singles(v, c)],
          [`${k}-batch-64`, batch(v, c)],
          [`${k}-single (cold keys)`, cold(v, singles(v, c))],
          [`${k}-batch-64 (cold keys)`, cold(v, batch(v, c))],
        ]),
      ];
      const rot = chunkNo++ % jobs.length;
      const t = new Map<string, number>();
      for (const [name, f] of [...jobs.slice(rot), ...jobs.slice(0, rot)]) t.set(name, timeIt(f, c.length, name));
      for (const [name] of jobs)
        if (name !== 'node-crypto') push(`${name} / node-crypto`, t.get('node-crypto')! / t.get(name)!);
      if (simd) {
        push('wasm-simd-single / wasm-single', t.get('wasm-single')! / t.get('wasm-simd-single')!);
        push('wasm-simd-batch-64 / wasm-batch-64', t.get('wasm-batch-64')! / t.get('wasm-simd-batch-64')!);
      }
      for (const [k] of kernels)
        for (const j of ['single', 'batch-64'])
          push(`${k}-${j} warm / cold keys`, t.get(`${k}-${j} (cold keys)`)! / t.get(`${k}-${j}`)!);
    }
  }
  return Object.fromEntries([...ratios].map(([k, xs]) => [k, median(xs)]));
}

export const formatPaired = (p: Record<string, number>): string =>
  ['| paired ratio (median over chunks of 64) | value |', '|---|---:|']
    .concat(Object.entries(p).map(([k, v]) => `| ${k} | ${v.toFixed(2)}x |`))
    .join('\n');

/**
 * The target lines: each kernel's batch-64 and single against node:crypto of the same run, from the
 * medians of the rounds and (when given) the paired per-chunk ratios.
 */
export function targetLines(res: Record<string, BenchResult>, paired?: Record<string, number>): string[] {
  const r = (a: string, b: string) => res[a]!.opsPerSec / res[b]!.opsPerSec;
  const p = (k: string) => (paired?.[k] !== undefined ? `, paired ${paired[k]!.toFixed(2)}` : '');
  const lines: string[] = [];
  for (const k of ['wasm', 'wasm-simd']) {
    if (!res[`${k}-single`]) continue;
    const pad = k.padEnd(9);
    lines.push(
      `${pad} batch-64 / node-crypto = ${r(`${k}-batch-64`, 'node-crypto').toFixed(2)}${p(`${k}-batch-64 / node-crypto`)} (target >= 3)`,
    );
    lines.push(
      `${pad} single   / node-crypto = ${r(`${k}-single`, 'node-crypto').toFixed(2)}${p(`${k}-single / node-crypto`)} (target >= 1.2)`,
    );
  }
  if (res['wasm-simd-single'])
    lines.push(
      `simd / scalar: single ${r('wasm-simd-single', 'wasm-single').toFixed(2)}x${p('wasm-simd-single / wasm-single')}, batch-64 ${r('wasm-simd-batch-64', 'wasm-batch-64').toFixed(2)}x${p('wasm-simd-batch-64 / wasm-batch-64')}`,
    );
  lines.push(`wasm-batch-64 / noble = ${r('wasm-batch-64', 'noble').toFixed(1)} (target >= 20)`);
  return lines;
}

export const loadLine = (l: BenchLoad, cores: number): string =>
  `machine load (1-min average over ${cores} cores): ${l.before.toFixed(2)} at start, ${l.after.toFixed(2)} at end`;

export function formatTable(res: Record<string, BenchResult>): string {
  const nodeOps = res['node-crypto']?.opsPerSec ?? NaN;
  const lines = ['| implementation | ops/s (median) | min | max | vs node-crypto |', '|---|---:|---:|---:|---:|'];
  for (const [k, v] of Object.entries(res)) {
    lines.push(
      `| ${k} | ${v.opsPerSec.toFixed(0)} | ${v.min.toFixed(0)} | ${v.max.toFixed(0)} | ${(v.opsPerSec / nodeOps).toFixed(2)}x |`,
    );
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const rounds = Number(arg('--rounds') ?? 7);
  const batch = (arg('--batch') ?? '16,64,256')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const { results, paired, load } = await benchVerify({ rounds, batch, pool: Number(arg('--pool') ?? 1024) });
  console.log(formatTable(results));
  console.log('\n' + formatPaired(paired));
  console.log('\n' + targetLines(results, paired).join('\n'));
  console.log(loadLine(load, cpus().length));
}
