// Locates and instantiates a built WASM kernel (build/<name>.wasm) from the sources, the bundle or an
// unpacked package. Kernels import nothing but `env.abort` (runtime stub); memory is fixed in size.

import { existsSync, readFileSync } from 'node:fs';
import { ERR } from '../../core/errors.js';
import { projectPath } from '../paths.js';

export function kernelPath(name: string, variant: 'release' | 'debug' = 'release'): string {
  return projectPath('build', `${name}${variant === 'debug' ? '.debug' : ''}.wasm`);
}

export function instantiateKernel(name: string, variant: 'release' | 'debug' = 'release'): WebAssembly.Instance {
  const file = kernelPath(name, variant);
  if (!existsSync(file)) throw ERR.wasmLoadFailed(`${file} not found: run \`npm run build\``);
  try {
    const module = new WebAssembly.Module(readFileSync(file));
    return new WebAssembly.Instance(module, {
      env: {
        abort: (_msg: number, _file: number, line: number, col: number) => {
          throw ERR.wasmLoadFailed(`${name} kernel aborted at ${line}:${col}`);
        },
      },
    });
  } catch (e) {
    throw ERR.wasmLoadFailed(`${file}: ${(e as Error).message}`, e);
  }
}
