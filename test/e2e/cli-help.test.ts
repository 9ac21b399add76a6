// Every command of the built CLI answers --help with usage, at least one example and its exit codes, and exits
// 0 (README, CLI conventions). The commands are read from the top-level help, and the subcommands of a command
// from its usage line (`Usage: agentnet sim discovery|scale|trust`), so a new command cannot be left out.
// A missing or unknown command or subcommand is a usage error (exit 2), never a silent success.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');
const cli = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });

const top = cli('--help').stdout;
const commands = [...top.slice(top.indexOf('Commands:'), top.indexOf('Examples:')).matchAll(/^ {2}([a-z]+) /gm)]
  .map((m) => m[1]!)
  .filter((c) => c !== 'help');

/** `agentnet X` and, for a command whose usage names alternatives (`X a|b|c`) or several forms, `agentnet X a`. */
function withSubcommands(): string[][] {
  const out: string[][] = [];
  for (const c of commands) {
    out.push([c]);
    const help = cli(c, '--help').stdout;
    const alt = new RegExp(`^Usage: agentnet ${c} ([a-z]+(?:\\|[a-z]+)+)\\b`, 'm').exec(help);
    const forms = [...help.matchAll(new RegExp(`^(?:Usage:)? +agentnet ${c} ([a-z]+) `, 'gm'))].map((m) => m[1]!);
    const subs = new Set([...(alt ? alt[1]!.split('|') : []), ...forms]);
    for (const s of subs) out.push([c, s]);
  }
  return out;
}

describe('agentnet --help', () => {
  it('the top-level help lists the commands and the exit codes', () => {
    expect(commands.length).toBeGreaterThanOrEqual(17);
    for (const c of ['run', 'check', 'package', 'inspect', 'rotate', 'bench', 'sim', 'mechanism'])
      expect(commands).toContain(c);
    expect(top).toMatch(/Exit codes: 0 ok, 1 failed check, 2 usage\/config error, 3 runtime failure/);
  });

  const all = withSubcommands();
  it('finds the subcommands of bench, sim, mechanism and registry', () => {
    const names = all.map((a) => a.join(' '));
    for (const n of ['bench verify', 'bench trust', 'sim discovery', 'sim scale', 'sim trust', 'mechanism evolve'])
      expect(names).toContain(n);
    expect(names).toContain('registry checkpoint');
  });

  it.each(all.map((a) => [a.join(' '), a] as const))('%s --help shows usage, an example and exit codes', (_, a) => {
    const r = cli(...a, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: agentnet ${a[0]}`));
    expect(r.stdout).toMatch(new RegExp(`^Examples?: agentnet ${a[0]} `, 'm'));
    expect(r.stdout).toMatch(/^Exit codes: 0 /m);
  });

  it('no command, an unknown command, or a command group without its subcommand is a usage error (exit 2)', () => {
    for (const a of [[], ['nope'], ['bench'], ['sim'], ['mechanism'], ['registry'], ['bench', 'nope'], ['sim', 'x']]) {
      const r = cli(...a);
      expect([a.join(' '), r.status]).toEqual([a.join(' '), 2]);
      expect(r.stderr + r.stdout).toMatch(/Usage: agentnet/);
    }
    expect(cli('help').status).toBe(0);
  });
});
