// Every command of the built CLI answers --help with usage, at least one example and its exit codes,
// and exits 0; an unknown command exits 2 (usage error).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');
const cli = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });

const COMMANDS = [
  'run',
  'mcp',
  'demo',
  'keygen',
  'bind',
  'inspect',
  'continue',
  'rotate',
  'revoke',
  'registry',
  'credential',
  'verify',
  'bench verify',
];

describe('agentnet --help', () => {
  it('the top-level help lists every command and the exit codes', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`\n  ${c.split(' ')[0]!.padEnd(10)} `);
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 failed check, 2 usage\/config error, 3 runtime failure/);
  });

  it.each(COMMANDS)('%s --help shows usage, an example and exit codes', (c) => {
    const r = cli(...c.split(' '), '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: agentnet /);
    expect(r.stdout).toMatch(/Examples?: agentnet /);
    expect(r.stdout).toMatch(/Exit codes: 0 /);
  });

  it('an unknown command is a usage error (exit 2)', () => {
    expect(cli('nope').status).toBe(2);
  });
});
