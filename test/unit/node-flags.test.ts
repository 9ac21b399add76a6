// The Node flags a profile asks for (runtime/node-flags.ts) and the two places that apply them for
// users: the systemd drop-in (AGENTNET_NODE_FLAGS, expanded on ExecStart) and the packaged launcher
// bin/agentnet, run here for real (sh + this Node) in a scratch package layout.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dropIn, launcher, nodeFlagsFile } from '../../src/cli/deploy-files.js';
import { nodeEnv, nodeFlags, SMALL_V8_FLAGS } from '../../src/runtime/node-flags.js';
import { projectPath } from '../../src/runtime/paths.js';
import { loadProfile } from '../../src/runtime/profile.js';

const profiles = readdirSync(projectPath('firmware-profiles'))
  .filter((f) => f.endsWith('.json') && f !== 'schema.json')
  .map((f) => loadProfile(f.slice(0, -5)));

describe('nodeFlags', () => {
  it.each(profiles.map((p) => [p.name, p] as const))(
    '%s: heap limits always, the small-mode flags exactly when v8Mode is small',
    (_n, p) => {
      const f = nodeFlags(p);
      expect(f.slice(0, 2)).toEqual([
        `--max-old-space-size=${p.maxOldSpaceMiB}`,
        `--max-semi-space-size=${p.maxSemiSpaceMiB}`,
      ]);
      expect(f.slice(2)).toEqual(p.v8Mode === 'small' ? SMALL_V8_FLAGS : []);
    },
  );

  it('the small-mode flags are accepted by this Node on the command line and set the heap limit', () => {
    const p = loadProfile('rpi-zero2w');
    expect(p.v8Mode).toBe('small');
    const r = spawnSync(
      process.execPath,
      [...nodeFlags(p), '-e', 'console.log(require("node:v8").getHeapStatistics().heap_size_limit)'],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    // heap_size_limit = old space + young generation (3 x semi-space in V8 11-12).
    expect(Number(r.stdout) / 1048576).toBeGreaterThanOrEqual(p.maxOldSpaceMiB);
    expect(Number(r.stdout) / 1048576).toBeLessThanOrEqual(p.maxOldSpaceMiB + 4 * p.maxSemiSpaceMiB);
  });

  it('why they are not in NODE_OPTIONS: Node refuses V8 flags there', () => {
    const r = spawnSync(process.execPath, ['-e', '0'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: SMALL_V8_FLAGS[0] },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/is not allowed in NODE_OPTIONS/);
  });

  it.each(profiles.map((p) => [p.name, p] as const))('%s drop-in: AGENTNET_NODE_FLAGS and the environment', (_n, p) => {
    const d = dropIn(p);
    expect(d).toContain(`Environment="AGENTNET_NODE_FLAGS=${nodeFlags(p).join(' ')}"\n`);
    for (const [k, v] of Object.entries(nodeEnv(p))) expect(d).toContain(`Environment=${k}=${v}\n`);
    expect(d).not.toMatch(/^Environment="?NODE_OPTIONS/m);
  });

  it('the unit puts $AGENTNET_NODE_FLAGS unbraced (one argument per flag) before the bundle', () => {
    const unit = readFileSync(projectPath('deploy', 'agentnet.service'), 'utf8');
    expect(unit).toMatch(
      /^ExecStart=\/opt\/agentnet\/bin\/node \$AGENTNET_NODE_FLAGS \/opt\/agentnet\/dist\/agentnet\.mjs run /m,
    );
  });
});

describe('bin/agentnet (packaged launcher)', () => {
  /** A package layout whose bin/node is this Node and whose bundle prints what it was started with. */
  function pkg(defaultProfile: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-launcher-'));
    for (const d of ['bin', 'dist', 'systemd/profiles']) mkdirSync(join(dir, d), { recursive: true });
    symlinkSync(process.execPath, join(dir, 'bin', 'node'));
    writeFileSync(join(dir, 'bin', 'agentnet'), launcher());
    chmodSync(join(dir, 'bin', 'agentnet'), 0o755);
    writeFileSync(
      join(dir, 'dist', 'agentnet.mjs'),
      'console.log(JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2), arena: process.env.MALLOC_ARENA_MAX ?? null }));\n',
    );
    writeFileSync(join(dir, 'systemd', 'default-profile'), `${defaultProfile}\n`);
    for (const p of profiles) writeFileSync(join(dir, 'systemd', 'profiles', `${p.name}.node-flags`), nodeFlagsFile(p));
    return dir;
  }
  const run = (dir: string, args: string[], env: Record<string, string> = {}) => {
    const base = { ...process.env };
    for (const k of ['AGENTNET_PROFILE', 'AGENTNET_NODE_FLAGS', 'MALLOC_ARENA_MAX']) delete base[k];
    const r = spawnSync(join(dir, 'bin', 'agentnet'), args, { encoding: 'utf8', env: { ...base, ...env } });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { execArgv: string[]; argv: string[]; arena: string | null };
  };
  const zero = loadProfile('rpi-zero2w');
  const four = loadProfile('rpi4b');

  it('uses the package default profile, and passes the arguments through unchanged', () => {
    const out = run(pkg('rpi4b'), ['check', '--json']);
    expect(out).toEqual({ execArgv: nodeFlags(four), argv: ['check', '--json'], arena: '2' });
  });

  it("--profile NAME, --profile=NAME and AGENTNET_PROFILE pick that profile's flags", () => {
    const dir = pkg('rpi4b');
    expect(run(dir, ['run', '--profile', 'rpi-zero2w']).execArgv).toEqual(nodeFlags(zero));
    expect(run(dir, ['run', '--profile=rpi-zero2w']).execArgv).toEqual(nodeFlags(zero));
    expect(run(dir, ['run'], { AGENTNET_PROFILE: 'rpi-zero2w' }).execArgv).toEqual(nodeFlags(zero));
    // The flag on the command line wins over the environment, as in `agentnet run` itself.
    expect(run(dir, ['run', '--profile', 'rpi4b'], { AGENTNET_PROFILE: 'rpi-zero2w' }).execArgv).toEqual(
      nodeFlags(four),
    );
  });

  it("a profile given as a path gets the default profile's flags; AGENTNET_NODE_FLAGS and MALLOC_ARENA_MAX override", () => {
    const dir = pkg('rpi-zero2w');
    expect(run(dir, ['run', '--profile', '/etc/agentnet/mine.json']).execArgv).toEqual(nodeFlags(zero));
    expect(run(dir, ['run'], { AGENTNET_NODE_FLAGS: '--max-old-space-size=50' }).execArgv).toEqual([
      '--max-old-space-size=50',
    ]);
    expect(run(dir, ['run'], { AGENTNET_NODE_FLAGS: '' }).execArgv).toEqual([]);
    expect(run(dir, ['run'], { MALLOC_ARENA_MAX: '4' }).arena).toBe('4');
  });
});
