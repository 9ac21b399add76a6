// Loader of the multi-topic EigenTrust kernel (assembly/eigentrust.ts, docs/architecture.md §7). Exposes the same PowerIterate
// signature as the TS reference (src/core/trust/eigentrust.ts) so the trust owner and the simulator take either.
//
// Memory (docs/conventions.md §10): the kernel imports `env.memory`; each instance gets one fixed-size memory, sized up front for
// the largest problem it accepts (`capacity`). A call that does not fit throws RangeError; `loadEigenTrust()`
// without a capacity returns a function that re-instantiates with a larger memory when a bigger problem arrives
// (the compiled module is shared, instantiation is cheap) — memory is still never grown under live views.
import { checkPowerIterateInput } from '../../core/trust/eigentrust.js';
import type { PowerIterate, PowerIterateInput, PowerIterateOutput } from '../../core/trust/types.js';
import { compileKernel, findKernel, instantiateModule, Wasm } from './load.js';

/** The kernel's boundary: fixed buffers and numbers (one hand-written interface, docs/conventions.md §10). */
export interface EigenTrustExports {
  heapBase(): number;
  iterate(n: number, nTopics: number, hdr: number, resPtr: number, alpha: number, eps: number, maxIter: number): void;
}

/** Size of the largest problem an instance accepts. */
export interface EigenTrustCapacity {
  readonly nodes: number;
  readonly topics: number;
  /** Total non-zeros over all topics. */
  readonly nnz: number;
}

const PAGE = 65536;
const MAX_PAGES = 4096; // must equal memoryPages of the kernel in scripts/build.mjs
const HDR_WORDS = 8;

/** The kernel file (load.ts `findKernel`: beside the sources, the bundle or the project root). */
export const resolveKernelPath = (): string => findKernel('eigentrust');

let compiled: object | undefined;
function module(): object {
  compiled ??= compileKernel('eigentrust', resolveKernelPath());
  return compiled;
}

const align8 = (x: number): number => (x + 7) & ~7;

/** Bytes the layout of assembly/eigentrust.ts needs above heapBase for a problem of this size. */
export function bytesNeeded(c: EigenTrustCapacity): number {
  const { nodes: n, topics: k, nnz } = c;
  return (
    align8(k * HDR_WORDS * 4) +
    align8(k * 8) +
    k * (align8((n + 1) * 4) + 3 * n * 8) +
    align8(nnz * 4) +
    nnz * 8 +
    8 * k
  );
}

/** One instance with a fixed memory sized for `cap`. */
export function createEigenTrust(
  cap: EigenTrustCapacity,
): PowerIterate & { readonly capacity: EigenTrustCapacity; readonly pages: number } {
  const probe = instantiateModule('eigentrust', module(), { memory: new Wasm.Memory({ initial: 1, maximum: 1 }) });
  const base = (probe as unknown as EigenTrustExports).heapBase();
  const pages = Math.ceil((base + bytesNeeded(cap)) / PAGE);
  if (pages > MAX_PAGES) throw new RangeError(`capacity: needs ${pages} pages, kernel maximum is ${MAX_PAGES}`);
  const memory = new Wasm.Memory({ initial: pages, maximum: pages });
  const ex = instantiateModule('eigentrust', module(), { memory }) as unknown as EigenTrustExports;

  const run = (input: PowerIterateInput): PowerIterateOutput => {
    checkPowerIterateInput(input);
    const { n, topics, alpha, epsilon, maxIter } = input;
    const k = topics.length;
    const nnz = topics.reduce((s, tp) => s + tp.c.vals.length, 0);
    if (n > cap.nodes || k > cap.topics || nnz > cap.nnz) {
      throw new RangeError(`input: n=${n} topics=${k} nnz=${nnz} exceeds capacity ${JSON.stringify(cap)}`);
    }
    const buf = memory.buffer;
    const u32 = new Uint32Array(buf);
    const f64 = new Float64Array(buf);
    const i32 = new Int32Array(buf);
    const hdr = base;
    const resPtr = align8(hdr + k * HDR_WORDS * 4);
    let at = align8(resPtr + k * 8);
    const tPtrs: number[] = [];
    for (let q = 0; q < k; q++) {
      const { c, p } = topics[q] as PowerIterateInput['topics'][number];
      const m = c.vals.length;
      const rowPtr = at;
      at = align8(at + (n + 1) * 4);
      const colIdx = at;
      at = align8(at + m * 4);
      const vals = at;
      at += m * 8;
      const pp = at;
      at += n * 8;
      const tp = at;
      at += n * 8;
      const yp = at;
      at += n * 8;
      i32.set(c.rowPtr, rowPtr >> 2);
      i32.set(c.colIdx, colIdx >> 2);
      f64.set(c.vals, vals >> 3);
      f64.set(p, pp >> 3);
      u32.set([rowPtr, colIdx, vals, pp, tp, yp, 0, 0], (hdr >> 2) + q * HDR_WORDS);
      tPtrs.push(tp);
    }
    ex.iterate(n, k, hdr, resPtr, alpha, epsilon, maxIter);
    return {
      t: tPtrs.map((tp) => f64.slice(tp >> 3, (tp >> 3) + n)),
      iterations: topics.map((_, q) => u32[(hdr >> 2) + q * HDR_WORDS + 6] as number),
      residuals: topics.map((_, q) => f64[(resPtr >> 3) + q] as number),
    };
  };
  return Object.assign(run, { capacity: cap, pages });
}

/** A PowerIterate that keeps one instance and replaces it by a bigger one (doubling) when a problem does not fit. */
export function loadEigenTrust(initial: EigenTrustCapacity = { nodes: 1024, topics: 8, nnz: 32768 }): PowerIterate {
  let inst = createEigenTrust(initial);
  return (input) => {
    const nnz = input.topics.reduce((s, tp) => s + tp.c.vals.length, 0);
    const c = inst.capacity;
    if (input.n > c.nodes || input.topics.length > c.topics || nnz > c.nnz) {
      inst = createEigenTrust({
        nodes: Math.max(c.nodes, input.n),
        topics: Math.max(c.topics, input.topics.length),
        nnz: Math.max(c.nnz * 2, nnz),
      });
    }
    return inst(input);
  };
}
