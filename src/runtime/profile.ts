// Firmware profiles (firmware-profiles/*.json, DESIGN §9): per device class budgets and sizes.
// This loader validates the fields the runtime uses today; firmware-profiles/README.md explains them.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERR } from '../core/errors.js';
import { DEFAULT_LIMITS, lowerLimits, type Limits } from '../core/codec/limits.js';
import { projectPath } from './paths.js';

export interface Profile {
  readonly name: string;
  readonly description: string;
  readonly arch: string;
  readonly memoryBudgetMiB: number;
  readonly maxOldSpaceMiB: number;
  readonly t0CacheSize: number;
  readonly sqliteCacheKiB: number;
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
  readonly verifyBatchSize: number;
  readonly verifyFlushMs: number;
  readonly pullTimeoutMs: number;
  readonly limits: Limits;
}

const NUMERIC: ReadonlyArray<[keyof Profile, number, number]> = [
  ['memoryBudgetMiB', 64, 65536],
  ['maxOldSpaceMiB', 32, 65536],
  ['t0CacheSize', 64, 1 << 22],
  ['sqliteCacheKiB', 256, 1 << 20],
  ['verifyBatchSize', 1, 256],
  ['verifyFlushMs', 0, 1000],
  ['pullTimeoutMs', 100, 60000],
];

export function parseProfile(raw: unknown, source: string): Profile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw ERR.profileInvalid(`${source}: must be a JSON object`);
  const r = raw as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof r[k] !== 'string' || !(r[k] as string).length) throw ERR.profileInvalid(`${source}: "${k}" must be a non-empty string`);
    return r[k] as string;
  };
  const out: Record<string, unknown> = { name: str('name'), description: str('description'), arch: str('arch') };
  for (const [k, lo, hi] of NUMERIC) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw ERR.profileInvalid(`${source}: "${k}" must be an integer in ${lo}..${hi}`);
    out[k] = v;
  }
  const sync = r['sqliteSynchronous'];
  if (sync !== 'FULL' && sync !== 'NORMAL') throw ERR.profileInvalid(`${source}: "sqliteSynchronous" must be "FULL" or "NORMAL"`);
  out['sqliteSynchronous'] = sync;
  try {
    out['limits'] = lowerLimits(DEFAULT_LIMITS, (r['limits'] ?? {}) as Partial<Limits>);
  } catch (e) {
    throw ERR.profileInvalid(`${source}: limits: ${(e as Error).message}`);
  }
  return out as unknown as Profile;
}

export function loadProfile(nameOrPath: string): Profile {
  const file = nameOrPath.endsWith('.json') ? nameOrPath : join(projectPath('firmware-profiles'), `${nameOrPath}.json`);
  if (!/^[a-z0-9-]+$/.test(nameOrPath) && !nameOrPath.endsWith('.json')) throw ERR.profileInvalid(`profile name ${JSON.stringify(nameOrPath)} is not a name or a .json path`);
  if (!existsSync(file)) throw ERR.profileInvalid(`profile ${nameOrPath} not found at ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw ERR.profileInvalid(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseProfile(raw, file);
}
