// Loads build/ed25519.wasm (scalar) or build/ed25519.simd.wasm (the same kernel with WASM SIMD field
// products; both accept exactly the same set: docs/verification.md) and exposes it as a SigVerifier
// (src/core/base/ports.ts) named 'wasm'. Which one: `kernel` option, default 'auto' (SIMD when the engine
// validates SIMD and the build is present, else scalar).
// Boundary per docs/conventions.md §10: fixed regions in the kernel's memory (ed25519-abi.ts); the memory never
// grows, so the Uint8Array/DataView views made here stay valid for the module's lifetime.
// The file is found and loaded by load.ts; every load failure is a WasmLoadError (code WASM_LOAD_FAILED,
// docs/conventions.md §6).
import { createHash, randomFillSync } from 'node:crypto';
import type { SigItem, SigVerifier } from '../../core/base/ports.js';
import { ED25519_ABI_VERSION, type Ed25519Exports } from './ed25519-abi.js';
import { checkAbi, compileKernel, findKernel, instantiateModule } from './load.js';
import { wasmSimdSupported } from './simd.js';

/** The two builds of the kernel: `scalar` (build/ed25519.wasm) and `simd` (build/ed25519.simd.wasm). */
export type Ed25519Kernel = 'scalar' | 'simd';

export interface LoadEd25519Options {
  /** Explicit path to the .wasm file (default: the chosen kernel found next to the source or bundle). */
  readonly wasmPath?: string;
  /** Which build (ignored with wasmPath): 'auto' (default) is SIMD when supported and built, else scalar. */
  readonly kernel?: Ed25519Kernel | 'auto';
  /**
   * Source of the batch's random z_i (default crypto.randomFillSync: the same CSPRNG as
   * getRandomValues, which loads the WebCrypto modules to reach it: 0.1-0.3 MiB RSS); tests may inject.
   */
  readonly random?: (out: Uint8Array) => void;
  /** Largest batch per kernel call (<= the kernel's maxBatch()); default the kernel's maximum. */
  readonly maxChunk?: number;
}

const nameOf = (k: Ed25519Kernel): string => (k === 'simd' ? 'ed25519.simd' : 'ed25519');

/** The kernel file (load.ts `findKernel`: beside the sources, the bundle or the project root). */
export function findEd25519Wasm(kernel: Ed25519Kernel = 'scalar'): string {
  return findKernel(nameOf(kernel));
}

/**
 * The kernel 'auto' loads: SIMD when the engine validates a SIMD module (wasmSimdSupported) and
 * build/ed25519.simd.wasm exists, else the scalar build.
 */
export function autoEd25519Kernel(): Ed25519Kernel {
  if (!wasmSimdSupported()) return 'scalar';
  try {
    findEd25519Wasm('simd');
    return 'simd';
  } catch {
    return 'scalar';
  }
}

export function instantiateEd25519(wasmPath: string): Ed25519Exports {
  const kernel = wasmPath.endsWith('.simd.wasm') ? 'ed25519.simd' : 'ed25519';
  const e = instantiateModule(kernel, compileKernel(kernel, wasmPath)) as unknown as Ed25519Exports;
  checkAbi(kernel, e.abiVersion(), ED25519_ABI_VERSION);
  return e;
}

const okLengths = (it: SigItem): boolean =>
  it.pub instanceof Uint8Array &&
  it.sig instanceof Uint8Array &&
  it.msg instanceof Uint8Array &&
  it.pub.length === 32 &&
  it.sig.length === 64;

/** The WASM verifier and which build it runs. */
export interface Ed25519Verifier extends SigVerifier {
  readonly kernel: Ed25519Kernel;
  /** Empties the kernel's decoded-key cache (docs/verification.md §2); the bench measures cold keys with it. */
  clearKeyCache(): void;
}

export function loadEd25519Verifier(opts: LoadEd25519Options = {}): Ed25519Verifier {
  const kernel: Ed25519Kernel =
    opts.kernel === 'scalar' || opts.kernel === 'simd'
      ? opts.kernel
      : opts.wasmPath?.endsWith('.simd.wasm')
        ? 'simd'
        : opts.wasmPath
          ? 'scalar'
          : autoEd25519Kernel();
  const e = instantiateEd25519(opts.wasmPath ?? findEd25519Wasm(kernel));
  const random =
    opts.random ??
    ((out: Uint8Array) => {
      randomFillSync(out);
    });
  const maxBatch = e.maxBatch();
  const chunkMax = Math.min(maxBatch, opts.maxChunk ?? maxBatch);
  if (!(chunkMax >= 1)) throw new RangeError('maxChunk must be >= 1');
  const arenaBytes = e.arenaBytes();
  const mem = new Uint8Array(e.memory.buffer);
  const view = new DataView(e.memory.buffer);
  const pubs = e.pubsPtr(),
    sigs = e.sigsPtr(),
    lens = e.lensPtr(),
    rand = e.randPtr();
  const results = e.resultsPtr(),
    digest = e.digestPtr(),
    arena = e.arenaPtr();
  const randBuf = new Uint8Array(16 * maxBatch);

  function verifyOne(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
    mem.set(pub, pubs);
    mem.set(sig, sigs);
    if (msg.length <= arenaBytes) {
      mem.set(msg, arena);
      return e.verify(msg.length) === 1;
    }
    // Beyond the arena the host hashes (same bytes, same rule: only step 2 moves out).
    const h = createHash('sha512').update(sig.subarray(0, 32)).update(pub).update(msg).digest();
    mem.set(h, digest);
    return e.verifyDigest() === 1;
  }

  function verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
    if (!okLengths({ pub, msg, sig })) return false;
    return verifyOne(pub, msg, sig);
  }

  /** items[idx[k]] for k in [from, to): fits the chunk limits by construction. */
  function runChunk(items: readonly SigItem[], idx: number[], out: boolean[]): void {
    const n = idx.length;
    let off = 0;
    for (let j = 0; j < n; j++) {
      const it = items[idx[j]!]!;
      mem.set(it.pub, pubs + 32 * j);
      mem.set(it.sig, sigs + 64 * j);
      view.setUint32(lens + 4 * j, it.msg.length, true);
      mem.set(it.msg, arena + off);
      off += it.msg.length;
    }
    const r = randBuf.subarray(0, 16 * n);
    random(r);
    mem.set(r, rand);
    if (e.verifyBatch(n) < 0) throw new Error('ed25519.wasm rejected a batch the host sized');
    for (let j = 0; j < n; j++) out[idx[j]!] = mem[results + j] === 1;
  }

  function verifyBatch(items: readonly SigItem[]): boolean[] {
    const out = new Array<boolean>(items.length).fill(false);
    let idx: number[] = [];
    let bytes = 0;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (!okLengths(it)) continue;
      if (it.msg.length > arenaBytes) {
        out[i] = verifyOne(it.pub, it.msg, it.sig);
        continue;
      }
      if (idx.length === chunkMax || bytes + it.msg.length > arenaBytes) {
        runChunk(items, idx, out);
        idx = [];
        bytes = 0;
      }
      idx.push(i);
      bytes += it.msg.length;
    }
    if (idx.length > 0) runChunk(items, idx, out);
    return out;
  }

  return { name: 'wasm', kernel, verify, verifyBatch, clearKeyCache: () => e.keyCacheClear() };
}
