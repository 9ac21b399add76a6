// The one loader of the built WASM kernels (build/<name>.wasm: ed25519, ed25519.simd, eigentrust, probe): one
// lookup of the file, beside the sources, the bundle or an unpacked package, and one error type, WasmLoadError
// (code WASM_LOAD_FAILED, with the kernel and the failed step). Kernels import nothing but `env.abort` and, where
// the host provides it, `env.memory` (docs/conventions.md §10).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmLoadError } from '../errors.js';

/** The slice of the WebAssembly JS API the loaders use (tsconfig has no DOM lib, so it is typed here). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
  Memory: new (d: { initial: number; maximum: number }) => WasmMemory;
}
export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The file name of a kernel: `<name>.wasm`, or `<name>.debug.wasm` for the debug build. */
export const kernelFile = (name: string, variant: 'release' | 'debug' = 'release'): string =>
  `${name}${variant === 'debug' ? '.debug' : ''}.wasm`;

/** Where a kernel file is looked for, in order: beside the sources (src/runtime/wasm -> build/) and beside the
 *  bundle or an unpacked package (dist/agentnet.mjs -> build/). Nothing else: a bundle never picks up the kernels
 *  of another checkout from the working directory. */
export function kernelCandidates(file: string): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [resolve(here, '../../../build', file), resolve(here, '../build', file)];
}

/** The kernel file's path, or WasmLoadError 'missing' naming where it was looked for. */
export function findKernel(name: string, variant: 'release' | 'debug' = 'release'): string {
  const file = kernelFile(name, variant);
  const candidates = kernelCandidates(file);
  for (const c of candidates) if (existsSync(c)) return c;
  throw new WasmLoadError(
    name,
    'missing',
    `${file} not found (tried ${candidates.join(', ')}); run npm run build:wasm`,
  );
}

/** Is the kernel file present (without throwing)? */
export const kernelPresent = (name: string, variant: 'release' | 'debug' = 'release'): boolean =>
  kernelCandidates(kernelFile(name, variant)).some((c) => existsSync(c));

/** Compiles the .wasm file at `path`; WasmLoadError 'missing' or 'invalid'. */
export function compileKernel(kernel: string, path: string): object {
  if (!existsSync(path)) throw new WasmLoadError(kernel, 'missing', `${path} not found: run npm run build:wasm`);
  try {
    return new Wasm.Module(readFileSync(path));
  } catch (e) {
    throw new WasmLoadError(kernel, 'invalid', `${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** The `env.abort` every kernel imports: AssemblyScript calls it on a failed assertion or a trap it raises. */
export const kernelAbort =
  (kernel: string) =>
  (_msg: number, _file: number, line: number, col: number): never => {
    throw new WasmLoadError(kernel, 'aborted', `kernel aborted at ${line}:${col}`);
  };

/** Instantiates a compiled kernel with `env.abort` (and the given extra `env` imports); WasmLoadError 'invalid'. */
export function instantiateModule(kernel: string, module: object, env: Record<string, unknown> = {}): object {
  try {
    return new Wasm.Instance(module, { env: { abort: kernelAbort(kernel), ...env } }).exports;
  } catch (e) {
    if (e instanceof WasmLoadError) throw e;
    throw new WasmLoadError(kernel, 'invalid', `instantiate: ${(e as Error).message}`, { cause: e });
  }
}

/** Finds, compiles and instantiates a kernel by name (`path` overrides the lookup). */
export function instantiateKernel(
  name: string,
  variant: 'release' | 'debug' = 'release',
  path: string = findKernel(name, variant),
): object {
  return instantiateModule(name, compileKernel(name, path));
}

/** WasmLoadError 'abi' unless the kernel's ABI version is the one its loader was written for. */
export function checkAbi(kernel: string, have: number, want: number): void {
  if (have !== want) throw new WasmLoadError(kernel, 'abi', `ABI ${have} != expected ${want}; rebuild`);
}
