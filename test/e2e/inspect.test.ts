// `agentnet inspect` names what it is given: hex, a file path as positional, or --file; a receipt and a
// fork proof (golden fixtures) are recognised; every signature in every golden object is checked (nested
// ones too) and a flipped byte in one is named and exits 1; keys print as hex; something that is neither hex
// nor a file is a usage error (exit 2) with a message, never a stack trace.
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

  it('checks every signature of every golden object, nested ones included, and prints keys in hex', () => {
    const signed = ['entry1', 'binding', 'birth', 'frontier', 'receipt', 'taskBid', 'forkProof', 'complaint'];
    for (const name of [...signed, 'disputeProof', 'birthEpoch1', 'death', 'taskAward']) {
      const r = cli('inspect', '--json', golden[name]!);
      const j = JSON.parse(r.stdout) as { ok: boolean; signatures: Array<{ what: string; ok: boolean | null }> };
      expect([name, r.status, j.ok]).toEqual([name, 0, true]);
      expect(j.signatures.filter((x) => x.ok === true).length).toBeGreaterThan(0);
    }
    const b = JSON.parse(cli('inspect', '--json', golden['birth']!).stdout) as { signatures: Array<{ what: string }> };
    expect(b.signatures.map((x) => x.what)).toEqual([
      'author signature',
      'binding: operator signature',
      'binding: agent signature',
      'binding: baid commitment (code, config, operator, salt)',
    ]);
    const text = cli('inspect', golden['binding']!);
    expect(text.stdout).toMatch(/"agentKey": "[0-9a-f]{64}"/);
    expect(text.stdout).not.toMatch(/\[\s*\d+,\s*\d+,/); // no byte arrays printed as decimals
    expect(text.stdout).toMatch(/ok {3}operator signature \(key [0-9a-f]{64}\)/);
    expect(text.stdout).toMatch(/verdict: ok \(3 checks passed\)/);
    // A continuation names no key of its own: shown as not checkable, not as a failure.
    const cont = cli('inspect', golden['continuation']!);
    expect([cont.status, cont.stdout]).toEqual([0, expect.stringMatching(/\?\? {3}operator signature: not checkable/)]);
  });

  it('a flipped signature byte is named and exits 1, in a binding and nested in a birth', () => {
    const flip = (hex: string, fromEnd: number) => {
      const b = Buffer.from(hex, 'hex');
      b[b.length - fromEnd] = b[b.length - fromEnd]! ^ 0x01;
      return b.toString('hex');
    };
    const f = join(dir, 'flipped.cbor');
    writeFileSync(f, Buffer.from(flip(golden['binding']!, 1), 'hex')); // the last byte: the agent's signature
    const r = cli('inspect', '--file', f);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL agent signature \(key [0-9a-f]{64}\)/);
    expect(r.stdout).toMatch(/ok {3}operator signature/);
    expect(r.stdout).toMatch(/verdict: 1 of 3 checks FAILED: agent signature/);
    // The birth's own signature is its last 64 bytes; its binding sits inside the payload.
    const birth = Buffer.from(golden['birth']!, 'hex');
    const bindingAt = birth.indexOf(Buffer.from(golden['binding']!, 'hex'));
    expect(bindingAt).toBeGreaterThan(0);
    const at = bindingAt + Buffer.from(golden['binding']!, 'hex').length - 1;
    birth[at] = birth[at]! ^ 0x01;
    const j = JSON.parse(cli('inspect', '--json', birth.toString('hex')).stdout) as {
      ok: boolean;
      signatures: Array<{ what: string; ok: boolean }>;
    };
    expect(j.ok).toBe(false);
    expect(j.signatures.filter((x) => !x.ok).map((x) => x.what)).toEqual([
      'author signature',
      'binding: agent signature',
    ]); // the birth signs its payload, binding included
    const bad = cli('inspect', '--json', flip(golden['receipt']!, 10)); // inside the worker's signature (the last)
    expect([bad.status, JSON.parse(bad.stdout).signatures.map((x: { ok: boolean }) => x.ok)]).toEqual([
      1,
      [true, false],
    ]);
  });

  it('neither hex nor a file: usage error without a stack trace', () => {
    const r = cli('inspect', join(dir, 'missing.cbor'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/neither hex nor an existing file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
