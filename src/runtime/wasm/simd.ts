// WASM SIMD probe and kernel choice (profile field `wasm`). The Ed25519 kernel ships two builds of the
// same sources: build/ed25519.wasm (scalar, the baseline and the tests' oracle) and build/ed25519.simd.wasm
// (field products in i64x2.extmul, docs/verification.md). `auto` loads the SIMD build when the engine
// validates a SIMD module and the file is there; `baseline` always loads the scalar one. Both accept
// exactly the same set of signatures.

import { kernelPresent } from './load.js';

/**
 * The smallest module using a SIMD opcode: one function `() -> v128` whose body is
 * `v128.const 0` (0xfd 0x0c + 16 bytes). Same probe as wasm-feature-detect's `simd`.
 */
const SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version 1
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type section: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // function section: one function of type 0
  0x0a,
  0x16,
  0x01,
  0x14,
  0x00,
  0xfd,
  0x0c,
  ...new Array<number>(16).fill(0),
  0x0b, // code: v128.const 0; end
]);

export function wasmSimdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

export interface KernelChoice {
  readonly simdSupported: boolean;
  /** The build the runtime loads: `ed25519` (baseline) or `ed25519.simd`. */
  readonly kernel: string;
  /** Why that build, in words for logs and `agentnet check`. */
  readonly reason: string;
}

export function chooseKernel(mode: 'auto' | 'baseline', name = 'ed25519'): KernelChoice {
  const simdSupported = wasmSimdSupported();
  if (mode === 'baseline') return { simdSupported, kernel: name, reason: 'profile asks for the baseline kernel' };
  if (!simdSupported)
    return { simdSupported, kernel: name, reason: 'WASM SIMD not supported by this engine: baseline kernel' };
  if (!kernelPresent(`${name}.simd`))
    return {
      simdSupported,
      kernel: name,
      reason: `WASM SIMD supported; build/${name}.simd.wasm missing: baseline kernel`,
    };
  return { simdSupported, kernel: `${name}.simd`, reason: 'WASM SIMD supported: SIMD kernel' };
}
