// The loader finds build/ed25519.wasm (and build/ed25519.simd.wasm) both from the source tree
// (../../../build) and from a bundle placed like dist/agentnet.mjs (../build), checks the kernel's ABI
// version, and selects the SIMD build when the engine has WASM SIMD and the file is there.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { findEd25519Wasm, instantiateEd25519, loadEd25519Verifier } from '../../src/runtime/wasm/ed25519.js';
import { chooseKernel, wasmSimdSupported } from '../../src/runtime/wasm/simd.js';
import { ED25519_ABI_VERSION } from '../../src/runtime/wasm/ed25519-abi.js';
import { checkAbi, compileKernel, findKernel, instantiateKernel } from '../../src/runtime/wasm/load.js';
import { createEigenTrust } from '../../src/runtime/wasm/eigentrust.js';
import { loadProbe } from '../../src/runtime/wasm/probe.js';
import { WasmLoadError } from '../../src/runtime/errors.js';
import { hex, root } from './helpers.js';

// RFC 8032 §7.1 TEST 2.
const pub = hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
const msg = hex('72');
const sig = hex(
  '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
);

describe('ed25519.wasm loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-loader-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves build/ed25519.wasm from the source tree and reports the expected ABI and sizes', () => {
    expect(findEd25519Wasm()).toBe(resolve(root, 'build/ed25519.wasm'));
    const k = instantiateEd25519(findEd25519Wasm());
    expect(k.abiVersion()).toBe(ED25519_ABI_VERSION);
    expect(k.maxBatch()).toBe(256);
    expect(k.arenaBytes()).toBe(256 * 1024);
    // Every region lies inside the fixed memory.
    const end = k.memory.buffer.byteLength;
    for (const [p, n] of [
      [k.pubsPtr(), 32 * 256],
      [k.sigsPtr(), 64 * 256],
      [k.lensPtr(), 4 * 256],
      [k.randPtr(), 16 * 256],
      [k.resultsPtr(), 256],
      [k.digestPtr(), 64],
      [k.arenaPtr(), k.arenaBytes()],
    ] as const)
      expect(p + n).toBeLessThanOrEqual(end);
  });

  it('both builds have the same ABI and regions; auto selects SIMD on this engine, baseline the scalar build', () => {
    expect(wasmSimdSupported()).toBe(true); // Node >= 16.4 validates SIMD modules
    expect(findEd25519Wasm('simd')).toBe(resolve(root, 'build/ed25519.simd.wasm'));
    const s = instantiateEd25519(findEd25519Wasm('scalar')),
      v = instantiateEd25519(findEd25519Wasm('simd'));
    for (const f of ['abiVersion', 'maxBatch', 'arenaBytes', 'pubsPtr', 'sigsPtr', 'arenaPtr'] as const)
      expect(v[f](), f).toBe(s[f]());
    expect(loadEd25519Verifier().kernel).toBe('simd');
    expect(loadEd25519Verifier({ kernel: 'scalar' }).kernel).toBe('scalar');
    expect(chooseKernel('auto').kernel).toBe('ed25519.simd');
    expect(chooseKernel('baseline').kernel).toBe('ed25519');
  });

  it('a missing or corrupt kernel throws WASM_LOAD_FAILED', () => {
    expect(() => instantiateEd25519(join(dir, 'nope.wasm'))).toThrow(
      expect.objectContaining({ code: 'WASM_LOAD_FAILED' }),
    );
  });

  it('resolves ../build/ed25519.wasm next to a bundle laid out like dist/agentnet.mjs', async () => {
    mkdirSync(join(dir, 'dist'));
    mkdirSync(join(dir, 'build'));
    copyFileSync(resolve(root, 'build/ed25519.wasm'), join(dir, 'build/ed25519.wasm'));
    const out = join(dir, 'dist', 'bundle.mjs');
    await build({
      entryPoints: [resolve(root, 'src/runtime/wasm/ed25519.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const mod = (await import(pathToFileURL(out).href)) as typeof import('../../src/runtime/wasm/ed25519.js');
    expect(mod.findEd25519Wasm()).toBe(join(dir, 'build', 'ed25519.wasm'));
    // Only the scalar build beside the bundle: auto falls back to it.
    const v = mod.loadEd25519Verifier();
    expect(v.name).toBe('wasm');
    expect(v.kernel).toBe('scalar');
    expect(() => mod.findEd25519Wasm('simd')).toThrow(expect.objectContaining({ code: 'WASM_LOAD_FAILED' }));
    // With the SIMD build beside it too, auto takes that one; both answer alike.
    copyFileSync(resolve(root, 'build/ed25519.simd.wasm'), join(dir, 'build/ed25519.simd.wasm'));
    const w = mod.loadEd25519Verifier();
    expect(w.kernel).toBe('simd');
    for (const k of [v, w]) {
      expect(k.verify(pub, msg, sig)).toBe(true);
      expect(
        k.verifyBatch([
          { pub, msg, sig },
          { pub, msg: hex('73'), sig },
        ]),
      ).toEqual([true, false]);
    }
  });
});

describe('one loader for every kernel (load.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-kernels-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every built kernel through the same lookup', () => {
    for (const k of ['ed25519', 'ed25519.simd', 'eigentrust', 'probe'])
      expect(findKernel(k)).toBe(resolve(root, 'build', `${k}.wasm`));
    expect(loadProbe().fletcher32(new Uint8Array([1, 2, 3]))).toBeGreaterThan(0);
    const iterate = createEigenTrust({ nodes: 2, topics: 1, nnz: 2 });
    expect(iterate.capacity.nodes).toBe(2);
  });

  it('names the kernel and the failed step in one error type with the code WASM_LOAD_FAILED', () => {
    const fail = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(WasmLoadError);
        expect((e as WasmLoadError).code).toBe('WASM_LOAD_FAILED');
        return e as WasmLoadError;
      }
      throw new Error('no error thrown');
    };
    expect(fail(() => findKernel('no-such-kernel'))).toMatchObject({ kernel: 'no-such-kernel', failure: 'missing' });
    const bad = join(dir, 'bad.wasm');
    writeFileSync(bad, new Uint8Array([0, 0x61, 0x73, 0x6d, 9, 9, 9, 9]));
    expect(fail(() => compileKernel('eigentrust', bad))).toMatchObject({ kernel: 'eigentrust', failure: 'invalid' });
    expect(fail(() => instantiateKernel('probe', 'release', bad))).toMatchObject({
      kernel: 'probe',
      failure: 'invalid',
    });
    expect(fail(() => instantiateEd25519(bad))).toMatchObject({ kernel: 'ed25519', failure: 'invalid' });
    expect(fail(() => checkAbi('probe', 2, 1))).toMatchObject({ kernel: 'probe', failure: 'abi' });
  });
});
