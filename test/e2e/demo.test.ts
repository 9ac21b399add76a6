// End to end: the main job (`npm start` = `agentnet demo`) as real OS processes from the built bundle.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAgents, expectedPairs } from '../../src/cli/demo.js';

const bundle = join(import.meta.dirname, '../../dist/agentnet.mjs');

function demo(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-e2e-'));
  const out = join(dir, 'demo.json');
  const r = spawnSync(process.execPath, [bundle, 'demo', '--json', out, ...args], {
    encoding: 'utf8',
    timeout: 170_000,
  });
  const json = r.status !== null && r.status <= 1 ? JSON.parse(readFileSync(out, 'utf8')) : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { r, json };
}

describe('agentnet demo (separate node processes, embedded broker)', () => {
  it('default run: every agent discovers exactly the agents its intent matches; five tasks done by shipped workers', () => {
    const { r, json } = demo(['--timeout', '60000']);
    expect(r.stdout).toContain('expected 5, found 5, unexpected 0');
    expect(r.stdout).toContain('tasks: 5 posted, 5 settled, receipts 5, credits conserved, ledgers agree');
    expect(r.status).toBe(0);
    expect(json).toMatchObject({ agents: 5, expected: 5, found: 5, unexpected: 0 });
    expect(json.discoveries).toHaveLength(5);
    expect(json.headerBytes).toBeGreaterThan(0);
    expect(json.bodyBytes).toBeGreaterThan(0);
    expect(json.bodyBytes).toBeLessThan(json.headerBytes); // bodies pulled only where interest matched
    expect(json.verified.T1).toBeGreaterThan(0);
    expect(json.verified.T2).toBeGreaterThanOrEqual(10); // each node checks its own and its peers' bindings
    expect(json.tasks).toMatchObject({ posted: 5, settled: 5, receipts: 5, conserved: true, ledgersAgree: true });
    // agent i posts in the topic of its intent; the agent after it holds the matching capability and wins
    expect(
      json.tasks.tasks.map((t: { requester: string; worker: string }) => [
        t.requester.slice(0, 8),
        t.worker.slice(0, 8),
      ]),
    ).toEqual([
      ['agent-00', 'agent-01'],
      ['agent-01', 'agent-02'],
      ['agent-02', 'agent-03'],
      ['agent-03', 'agent-04'],
      ['agent-04', 'agent-00'],
    ]);
    // Each artefact is the shipped worker's real output, rated 1000 by the requester's rater on its content.
    for (const t of json.tasks.tasks)
      expect(t).toMatchObject({ state: 'settled', price: 1000, outcome: 1000, amount: 1000, receipt: true });
    const art = json.tasks.tasks.map((t: { artefact: string }) => t.artefact);
    expect(art[0]).toMatch(/^\{"lines":7,"findings":\[\{"line":2,"rule":"secret"/); // code review
    expect(art[1]).toMatch(/^\{"path":"\/tmp","filesystem":/); // df on /tmp
    expect(art[2]).toContain('"rows":4,"columns":{"hour":{"count":4,"sum":36,"mean":9'); // CSV statistics
    expect(art[3]).toMatch(/^A.* G.* E/); // the acrostic on "agents" (the excerpt holds its first lines)
    expect(art[4]).toContain('id:int, customer:string, total:float, paid:bool function'); // generated code
    for (const a of art) expect(r.stdout).toContain(`artefact: ${a}`);
  }, 120_000);

  it('--agents 12 scales it: the expected set comes from the declarations alone', () => {
    const { r, json } = demo(['--agents', '12', '--timeout', '90000']); // stops as soon as all are found
    expect(r.status).toBe(0);
    expect(json.expected).toBe(expectedPairs(demoAgents(12)).size);
    expect(json.found).toBe(json.expected);
    expect(json.unexpected).toBe(0);
    expect(json.tasks).toMatchObject({ posted: 5, settled: 5, conserved: true });
  }, 180_000);

  it('rejects bad flags with exit code 2', () => {
    const r = spawnSync(process.execPath, [bundle, 'demo', '--agents', 'many'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--agents');
  });
});
