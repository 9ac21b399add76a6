// WASM SIMD probe and kernel choice (profile field `wasm`). Every kernel ships a baseline (non-SIMD)
// build, which is what runs today: no SIMD variant of the Ed25519 kernel exists yet. The probe is still
// made at start so that `agentnet check` and the `ready` log say what the device could run, and so that
// a future `build/<kernel>.simd.wasm` is picked up without a profile change.

import { existsSync } from 'node:fs';
import { kernelPath } from './load.js';

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
  if (!existsSync(kernelPath(`${name}.simd`)))
    return {
      simdSupported,
      kernel: name,
      reason: 'WASM SIMD supported; no SIMD build of the kernel exists yet: baseline kernel',
    };
  return { simdSupported, kernel: `${name}.simd`, reason: 'WASM SIMD supported: SIMD kernel' };
}
