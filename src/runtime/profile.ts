// Firmware profiles (firmware-profiles/*.json, docs/architecture.md §9): per device class budgets and sizes.
// Every field is validated here, with the same ranges as firmware-profiles/schema.json (a test keeps
// the two in step); firmware-profiles/README.md gives each field's unit, range, reason and reader.
// Unknown fields are refused, so a typo in a profile is an error rather than a silent default.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERR } from './errors.js';
import { DEFAULT_LIMITS, lowerLimits, type Limits } from '../core/codec/limits.js';
import { projectPath } from './paths.js';

export const ARCHES = ['arm64', 'x64'] as const;
export const SYNC_MODES = ['FULL', 'NORMAL'] as const;
/** `auto`: probe WASM SIMD at start and use a SIMD kernel when one is built; `baseline`: never. */
export const WASM_MODES = ['auto', 'baseline'] as const;
/** `throughput`: V8's defaults; `small`: flags that trade hot-JS speed for memory (runtime/node-flags.ts). */
export const V8_MODES = ['throughput', 'small'] as const;

export interface Profile {
  readonly name: string;
  readonly description: string;
  readonly arch: (typeof ARCHES)[number];
  readonly deviceRamMiB: number;
  readonly cpuCores: number;
  readonly memoryBudgetMiB: number;
  readonly maxOldSpaceMiB: number;
  readonly maxSemiSpaceMiB: number;
  readonly t0CacheSize: number;
  readonly bindingCacheSize: number;
  readonly storeQuotaMiB: number;
  readonly sqliteCacheKiB: number;
  readonly sqliteSynchronous: (typeof SYNC_MODES)[number];
  readonly gossipDegree: number;
  readonly heartbeatMs: number;
  readonly verifyBatchSize: number;
  readonly verifyFlushMs: number;
  readonly commitWindowMs: number;
  readonly pullTimeoutMs: number;
  readonly trustRecomputeMs: number;
  readonly journalMaxUseMiB: number;
  readonly logRetentionMs: number;
  readonly pruneIntervalMs: number;
  readonly floodEntriesPerSecond: number;
  readonly floodEntriesBurst: number;
  readonly floodRequestsPerSecond: number;
  readonly floodRequestsBurst: number;
  readonly floodRequestsTotalPerSecond: number;
  readonly floodRequestsTotalBurst: number;
  readonly floodPeers: number;
  readonly wasm: (typeof WASM_MODES)[number];
  readonly v8Mode: (typeof V8_MODES)[number];
  readonly limits: Limits;
}

/** [field, min, max] for the integer fields; units in the README and schema. */
export const INTEGER_FIELDS: ReadonlyArray<readonly [keyof Profile, number, number]> = [
  ['deviceRamMiB', 256, 1 << 20],
  ['cpuCores', 1, 256],
  ['memoryBudgetMiB', 64, 65536],
  ['maxOldSpaceMiB', 32, 65536],
  ['maxSemiSpaceMiB', 1, 64],
  ['t0CacheSize', 64, 1 << 22],
  ['bindingCacheSize', 64, 1 << 22],
  ['storeQuotaMiB', 16, 1 << 20],
  ['sqliteCacheKiB', 256, 1 << 20],
  ['gossipDegree', 2, 16],
  ['heartbeatMs', 100, 60_000],
  ['verifyBatchSize', 1, 256],
  ['verifyFlushMs', 0, 1000],
  ['commitWindowMs', 0, 1000], // received messages held to share one transaction (runtime/driver.ts)
  ['pullTimeoutMs', 100, 60_000],
  ['trustRecomputeMs', 1000, 3_600_000],
  ['journalMaxUseMiB', 8, 65536],
  ['logRetentionMs', 60_000, 2_592_000_000], // 1 min .. 30 days
  ['pruneIntervalMs', 1000, 3_600_000],
  // Flood budgets (core/gossip/gate.ts): token buckets per author / requester, and conduct in signed time.
  ['floodEntriesPerSecond', 1, 10_000], // new entries/s per author
  ['floodEntriesBurst', 64, 1_000_000], // >= MAX_RANGE (64): one gap-repair answer of one author always fits
  ['floodRequestsPerSecond', 1, 10_000], // getBody/getEntries per requester key
  ['floodRequestsBurst', 1, 1_000_000],
  ['floodRequestsTotalPerSecond', 1, 1_000_000], // all requesters together
  ['floodRequestsTotalBurst', 1, 1_000_000],
  ['floodPeers', 64, 1 << 20], // keys tracked per budget (~100 B each)
];
const ENUM_FIELDS: ReadonlyArray<readonly [keyof Profile, readonly string[]]> = [
  ['arch', ARCHES],
  ['sqliteSynchronous', SYNC_MODES],
  ['wasm', WASM_MODES],
  ['v8Mode', V8_MODES],
];
const KNOWN = new Set<string>([
  'name',
  'description',
  'limits',
  ...INTEGER_FIELDS.map((f) => f[0]),
  ...ENUM_FIELDS.map((f) => f[0]),
]);

export function parseProfile(raw: unknown, source: string): Profile {
  const bad = (m: string): never => {
    throw ERR.profileInvalid(`${source}: ${m}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('must be a JSON object');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!KNOWN.has(k)) bad(`"${k}" is not a known profile field`);
  const out: Record<string, unknown> = {};
  for (const k of ['name', 'description']) {
    if (typeof r[k] !== 'string' || !(r[k] as string).length) bad(`"${k}" must be a non-empty string`);
    out[k] = r[k];
  }
  if (!/^[a-z0-9-]{1,64}$/.test(out['name'] as string)) bad('"name" must match [a-z0-9-]{1,64}');
  for (const [k, lo, hi] of INTEGER_FIELDS) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
      bad(`"${k}" must be an integer in ${lo}..${hi}, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  for (const [k, allowed] of ENUM_FIELDS) {
    if (!allowed.includes(r[k] as string))
      bad(`"${k}" must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(r[k])}`);
    out[k] = r[k];
  }
  // Cross-field rules: the shared request budget holds at least one requester's; the heap must leave room in the budget for the WASM kernels (1.3 MiB), the
  // SQLite page cache, native buffers and V8's own young generation and code space.
  const p = out as unknown as Profile;
  if (p.maxOldSpaceMiB + Math.ceil(p.sqliteCacheKiB / 1024) + 32 > p.memoryBudgetMiB)
    bad(
      `"maxOldSpaceMiB" (${p.maxOldSpaceMiB}) + sqlite cache (${Math.ceil(p.sqliteCacheKiB / 1024)} MiB) + 32 MiB must fit in "memoryBudgetMiB" (${p.memoryBudgetMiB})`,
    );
  if (p.floodRequestsTotalPerSecond < p.floodRequestsPerSecond)
    bad(
      `"floodRequestsTotalPerSecond" (${p.floodRequestsTotalPerSecond}) must be >= "floodRequestsPerSecond" (${p.floodRequestsPerSecond}): the shared budget cannot be smaller than one requester's`,
    );
  if (p.floodRequestsTotalBurst < p.floodRequestsBurst)
    bad(
      `"floodRequestsTotalBurst" (${p.floodRequestsTotalBurst}) must be >= "floodRequestsBurst" (${p.floodRequestsBurst})`,
    );
  if (p.memoryBudgetMiB > p.deviceRamMiB)
    bad(`"memoryBudgetMiB" (${p.memoryBudgetMiB}) exceeds "deviceRamMiB" (${p.deviceRamMiB})`);
  if (typeof r['limits'] !== 'object' || r['limits'] === null || Array.isArray(r['limits']))
    bad('"limits" must be an object (may be empty)');
  try {
    out['limits'] = lowerLimits(DEFAULT_LIMITS, r['limits'] as Partial<Limits>);
  } catch (e) {
    bad(`limits: ${(e as Error).message}`);
  }
  return out as unknown as Profile;
}

export function profilePath(nameOrPath: string): string {
  if (nameOrPath.endsWith('.json')) return nameOrPath;
  if (!/^[a-z0-9-]+$/.test(nameOrPath))
    throw ERR.profileInvalid(`profile name ${JSON.stringify(nameOrPath)} is not a name or a .json path`);
  return join(projectPath('firmware-profiles'), `${nameOrPath}.json`);
}

export function loadProfile(nameOrPath: string): Profile {
  const file = profilePath(nameOrPath);
  if (!existsSync(file)) throw ERR.profileInvalid(`profile ${nameOrPath} not found at ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw ERR.profileInvalid(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseProfile(raw, file);
}
