// Smoke test of `agentnet bench ingest` (bench/ingest.ts): a 3-second trickle from two real publisher processes
// to a real observer over the embedded broker. Asserts the report's shape and that every answered announce
// reached the observer; no figure is compared with a time (the benchmark of record is run by hand,
// docs/devices.md "Ingest").

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE } from './procs.js';

describe('agentnet bench ingest', () => {
  it('reports CPU per entry of real nodes next to the crypto cost of the same entries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-bench-ingest-'));
    try {
      const json = join(dir, 'ingest.json');
      const svg = join(dir, 'ingest.svg');
      const r = spawnSync(
        process.execPath,
        [
          BUNDLE,
          'bench',
          'ingest',
          '--rate',
          '10',
          '--seconds',
          '3',
          '--publishers',
          '2',
          '--json',
          json,
          '--plot',
          svg,
        ],
        { encoding: 'utf8', timeout: 150_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('| 10/s trickle |');
      expect(r.stdout).toMatch(/load at start: .*load average/);
      const [res] = JSON.parse(readFileSync(json, 'utf8')) as Array<Record<string, any>>;
      expect(res!.stream).toMatchObject({
        rate: 10,
        pattern: 'trickle',
        seconds: 3,
        publishers: 2,
        broker: 'embedded',
      });
      expect(res!.announced + res!.failedRequests).toBe(30);
      expect(res!.announced).toBeGreaterThan(0);
      expect(res!.received).toBeGreaterThanOrEqual(res!.announced);
      expect(res!.crypto.entries).toBeGreaterThanOrEqual(res!.received);
      for (const v of [
        res!.observer.cpuMsPerEntry,
        res!.publisher.cpuMsPerEntry,
        res!.crypto.verifySingleMs,
        res!.crypto.verifyBatchMs,
        res!.crypto.signMs,
        res!.ratios.observerOverVerifySingle,
        res!.ratios.publisherOverSignVerify,
      ])
        expect(Number.isFinite(v) && v >= 0).toBe(true);
      expect(res!.crypto.verifySingleMs).toBeGreaterThan(0);
      expect(res!.load.start).toMatch(/load average/);
      expect(readFileSync(svg, 'utf8')).toContain('<svg');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('--floor runs a receive floor that stores exactly the entries the observer stored, and an announce floor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-bench-ingest-floor-'));
    try {
      const json = join(dir, 'ingest.json');
      const args = [
        'bench',
        'ingest',
        '--rate',
        '10',
        '--seconds',
        '3',
        '--publishers',
        '2',
        '--floor',
        '--json',
        json,
      ];
      const r = spawnSync(process.execPath, [BUNDLE, ...args], { encoding: 'utf8', timeout: 150_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('observer / floor');
      const [res] = JSON.parse(readFileSync(json, 'utf8')) as Array<Record<string, any>>;
      const same = res!.floor.receive.sameAsObserver;
      expect(same.observer).toBeGreaterThanOrEqual(res!.received);
      expect(same).toEqual({ floor: same.observer, observer: same.observer, missing: 0, extra: 0 });
      expect(res!.floor.receive.stored).toBe(res!.received);
      expect(res!.floor.announce.announced).toBe(15); // every second slot of 30: one publisher's share
      for (const v of Object.values(res!.floor.ratios) as number[]) expect(Number.isFinite(v) && v > 0).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('--keep-profile keeps the observer profile it split into stages, readable per function', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentnet-bench-ingest-prof-'));
    try {
      const json = join(dir, 'ingest.json');
      const args = ['bench', 'ingest', '--rate', '10', '--seconds', '2', '--publishers', '1', '--json', json];
      const r = spawnSync(process.execPath, [BUNDLE, ...args, '--keep-profile', dir], {
        encoding: 'utf8',
        timeout: 150_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const [res] = JSON.parse(readFileSync(json, 'utf8')) as Array<Record<string, any>>;
      expect(res!.observer.stages.sampledMs).toBeGreaterThan(0);
      const prof = JSON.parse(readFileSync(join(dir, 'observer-10.cpuprofile'), 'utf8')) as {
        nodes: Array<{ callFrame: { functionName: string } }>;
      };
      // The profile of a node that received entries: the driver's drain is in it.
      expect(prof.nodes.some((n) => n.callFrame.functionName === 'drain')).toBe(true);
      const bad = spawnSync(process.execPath, [BUNDLE, ...args, '--keep-profile', join(dir, 'missing')], {
        encoding: 'utf8',
      });
      expect(bad.status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
