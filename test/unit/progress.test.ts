import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

describe('progress bar', () => {
  it('draws the fraction done and clears itself', () => {
    const out: string[] = [];
    const p = createProgress(4, 'bench', { enabled: true, stream: { write: (s: string) => out.push(s) }, width: 8 });
    p.tick('wasm');
    p.tick('tiers', 2);
    p.done();
    expect(out[0]).toBe('\r\x1b[2Kbench [##......] 1/4 wasm');
    expect(out[1]).toBe('\r\x1b[2Kbench [######..] 3/4 tiers');
    expect(out[2]).toBe('\r\x1b[2K');
  });

  it('writes nothing when disabled, which is the default when stdout is not a TTY', () => {
    const out: string[] = [];
    const p = createProgress(2, 'x', { stream: { write: (s: string) => out.push(s) } });
    p.tick();
    p.done();
    // vitest's forks do not give the test a TTY stdout, so the default must be off here.
    expect(process.stdout.isTTY).toBeFalsy();
    expect(out).toEqual([]);
  });
});
