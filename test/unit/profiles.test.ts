// Every shipped firmware profile validates against both the loader (src/runtime/profile.ts) and the
// JSON Schema (firmware-profiles/schema.json, checked with Ajv), and the two agree on what they refuse.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../src/runtime/paths.js';
import { floodLimitsOf } from '../../src/core/gossip/gate.js';
import { INTEGER_FIELDS, loadProfile, parseProfile } from '../../src/runtime/profile.js';

const dir = projectPath('firmware-profiles');
const schema = JSON.parse(readFileSync(join(dir, 'schema.json'), 'utf8')) as {
  properties: Record<string, { minimum?: number; maximum?: number }>;
  required: string[];
};
const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
const validate = new (
  Ajv as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } }
)({ allErrors: true, strict: true }).compile(schema);
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'schema.json');
const raw = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;

describe('firmware profiles', () => {
  it('ships the six device classes', () => {
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([
      'cm4',
      'generic-x64',
      'rpi-zero2w',
      'rpi3bplus',
      'rpi4b',
      'rpi5',
    ]);
  });

  it.each(files)('%s validates against the loader and the schema, and its name is its file name', (f) => {
    const ok = validate(raw(f));
    expect(validate.errors ?? null, JSON.stringify(validate.errors)).toBeNull();
    expect(ok).toBe(true);
    const p = loadProfile(f.replace(/\.json$/, ''));
    expect(p.name).toBe(f.replace(/\.json$/, ''));
  });

  it('the schema and the loader have the same fields and integer ranges', () => {
    for (const [k, lo, hi] of INTEGER_FIELDS)
      expect([k, schema.properties[k]?.minimum, schema.properties[k]?.maximum]).toEqual([k, lo, hi]);
    expect(new Set(schema.required)).toEqual(new Set(Object.keys(raw('generic-x64.json'))));
  });

  const base = raw('rpi4b.json');
  const cases: Array<[string, Record<string, unknown>]> = [
    ...INTEGER_FIELDS.flatMap(([k, lo, hi]): Array<[string, Record<string, unknown>]> => [
      [`${k} below range`, { ...base, [k]: lo - 1 }],
      [`${k} above range`, { ...base, [k]: hi + 1 }],
      [`${k} not an integer`, { ...base, [k]: lo + 0.5 }],
    ]),
    ['unknown field', { ...base, gossipDegre: 6 }],
    ['missing field', Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'heartbeatMs'))],
    ['bad arch', { ...base, arch: 'armv7' }],
    ['bad synchronous mode', { ...base, sqliteSynchronous: 'OFF' }],
    ['bad wasm mode', { ...base, wasm: 'simd' }],
    ['unknown limit', { ...base, limits: { bogus: 1 } }],
    ['bad name', { ...base, name: 'Pi 4' }],
  ];
  it.each(cases)('%s: refused by the loader (PROFILE_INVALID) and by the schema', (_what, p) => {
    expect(() => parseProfile(p, 't')).toThrow(/PROFILE_INVALID/);
    expect(validate(p)).toBe(false);
  });

  it('cross-field rules: heap and SQLite cache fit the budget, the budget fits the board', () => {
    expect(() => parseProfile({ ...base, maxOldSpaceMiB: 500 }, 't')).toThrow(/maxOldSpaceMiB.*memoryBudgetMiB/);
    expect(() => parseProfile({ ...base, memoryBudgetMiB: 4096 }, 't')).toThrow(/exceeds "deviceRamMiB"/);
  });

  it("flood budgets: the shared request budget holds one requester's; the gate reads the profile's fields", () => {
    expect(() => parseProfile({ ...base, floodRequestsTotalPerSecond: 19 }, 't')).toThrow(
      /PROFILE_INVALID.*"floodRequestsTotalPerSecond" \(19\) must be >= "floodRequestsPerSecond" \(20\)/,
    );
    expect(() => parseProfile({ ...base, floodRequestsTotalBurst: 99 }, 't')).toThrow(
      /PROFILE_INVALID.*"floodRequestsTotalBurst" \(99\) must be >= "floodRequestsBurst" \(100\)/,
    );
    expect(() => parseProfile({ ...base, floodEntriesBurst: 63 }, 't')).toThrow(
      /PROFILE_INVALID.*"floodEntriesBurst" must be an integer in 64\.\.1000000, got 63/,
    );
    expect(floodLimitsOf(loadProfile('rpi3bplus'))).toEqual({
      entries: { perSecond: 20, burst: 256 },
      requests: { perSecond: 10, burst: 50 },
      requestsTotal: { perSecond: 200, burst: 400 },
      peers: 2048,
    });
    // Smaller boards get tighter budgets (CPU for signature checks, memory for the buckets).
    const order = ['rpi-zero2w', 'rpi3bplus', 'rpi4b', 'rpi5'].map((n) => loadProfile(n).floodEntriesPerSecond);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('a profile can only lower limits; unknown profiles are PROFILE_INVALID', () => {
    expect(parseProfile({ ...base, limits: { headerBytes: 100000 } }, 't').limits.headerBytes).toBe(512);
    expect(loadProfile('rpi-zero2w').limits.bodyBytes).toBe(32768);
    expect(() => loadProfile('no-such-device')).toThrow(/PROFILE_INVALID/);
    expect(() => loadProfile('../etc/passwd')).toThrow(/not a name/);
  });
});
