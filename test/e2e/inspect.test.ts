// `agentnet inspect` names what it is given: hex, a file path as positional, or --file; a receipt and a
// fork proof (golden fixtures) are recognised; something that is neither hex nor a file is a usage error
// (exit 2) with a message, never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');
const cli = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });
const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/golden.json'), 'utf8')) as Record<
  string,
  string
>;
const dir = mkdtempSync(join(tmpdir(), 'agentnet-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('agentnet inspect', () => {
  it('recognises a receipt from hex and a fork proof from a file path given as positional', () => {
    const r = cli('inspect', golden['receipt']!);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('agentnet receipt:');
    const f = join(dir, 'fork-proof.cbor');
    writeFileSync(f, Buffer.from(golden['forkProof']!, 'hex'));
    const p = cli('inspect', f);
    expect(p.status).toBe(0);
    expect(p.stdout).toContain('agentnet fork proof:');
  });

  it('neither hex nor a file: usage error without a stack trace', () => {
    const r = cli('inspect', join(dir, 'missing.cbor'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/neither hex nor an existing file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
