// The probe kernel (assembly/probe.ts): proves the build-and-load path and the shared-memory boundary.

import { checkAbi, instantiateKernel } from './load.js';

/** Hand-written description of the probe kernel's exports (docs/conventions.md §10). */
interface ProbeExports {
  readonly memory: WebAssembly.Memory;
  readonly ABI_VERSION: WebAssembly.Global;
  fletcher32(ptr: number, len: number): number;
}

export const PROBE_ABI = 1;

/** The TypeScript reference of the kernel's checksum (Fletcher-32 over bytes, sums mod 0xffff). */
export function fletcher32Reference(d: Uint8Array): number {
  let a = 0xffff;
  let b = 0xffff;
  for (const x of d) {
    a = (a + x) % 0xffff;
    b = (b + a) % 0xffff;
  }
  return ((b << 16) | a) >>> 0;
}

export function loadProbe(variant: 'release' | 'debug' = 'release') {
  const x = instantiateKernel('probe', variant) as unknown as ProbeExports;
  const abi = x.ABI_VERSION.value as number;
  checkAbi('probe', abi, PROBE_ABI);
  const mem = new Uint8Array(x.memory.buffer);
  return {
    abi,
    memoryBytes: x.memory.buffer.byteLength,
    /** Copies `data` into linear memory at offset 0 and checksums it in WASM. */
    fletcher32(data: Uint8Array): number {
      if (data.length > mem.length)
        throw new RangeError(`fletcher32: ${data.length} bytes exceed kernel memory ${mem.length}`);
      mem.set(data, 0);
      return x.fletcher32(0, data.length) >>> 0;
    },
  };
}
