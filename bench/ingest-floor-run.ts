// The bench's side of the ingest floor (bench/ingest-floor.ts): starts the receive and announce floor processes
// beside the nodes (same runtime, the profile's Node flags and environment, from the bench's own build), reads how
// many entries the receive floor stored from its database (the parent reads, so the floor pays nothing for it), and
// checks afterwards that it stored exactly the entries the observer stored.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { KINDS } from '../src/core/codec/entry.js';
import { nodeEnv, nodeFlags } from '../src/runtime/node-flags.js';
import { loadProfile } from '../src/runtime/profile.js';

export interface FloorProc {
  readonly child: ChildProcess;
  readonly db: string;
  /** The announce floor's API. */
  readonly api?: string;
}

export interface Floors {
  readonly receive: FloorProc;
  readonly announce: FloorProc;
  readonly dir: string;
}

function startFloor(o: { profile: string; floorBundle: string }, args: string[], db: string): Promise<FloorProc> {
  const p = loadProfile(o.profile);
  const child = spawn(
    process.execPath,
    [...nodeFlags(p), o.floorBundle, 'bench', 'ingest', ...args, '--db', db, '--profile', o.profile],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...nodeEnv(p) } },
  );
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => tail.push(l) > 20 && tail.shift());
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`floor ${args[0]} exited ${code} before ready\n${tail.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (!l.includes('"msg":"ready"')) return;
      child.removeAllListeners('exit');
      const j = JSON.parse(l) as { api?: string };
      resolve({ child, db, ...(j.api ? { api: j.api } : {}) });
    });
  });
}

/** Starts both floors on `broker`; the receive floor subscribes to the MQTT topic `headerTopic`. */
export async function startFloors(
  o: { profile: string; floorBundle: string },
  broker: string,
  headerTopic: string,
): Promise<Floors> {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-ingest-floor-'));
  const [receive, announce] = await Promise.all([
    startFloor(o, ['--floor-receive', headerTopic, '--broker', broker], join(dir, 'receive.db')),
    startFloor(o, ['--floor-announce', '--broker', broker], join(dir, 'announce.db')),
  ]);
  return { receive: receive!, announce: announce!, dir };
}

/** Entries the receive floor has committed (its database read by this process). */
export function floorStored(f: Floors): number {
  const d = new Database(f.receive.db, { readonly: true, fileMustExist: true });
  try {
    return (d.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
  } finally {
    d.close();
  }
}

const stopProc = async (c: ChildProcess): Promise<void> => {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const done = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await done;
};

export async function stopFloors(f: Floors): Promise<void> {
  await Promise.all([stopProc(f.receive.child), stopProc(f.announce.child)]);
}

export function removeFloors(f: Floors): void {
  rmSync(f.dir, { recursive: true, force: true });
}

/**
 * Compares the receive floor's stored entries with the observer's stored `state` entries (by id, the SHA-256 of the
 * bytes): how many each has, and how many of the observer's the floor lacks and the other way round.
 */
export function compareStored(
  floorDb: string,
  observerDb: string,
): { floor: number; observer: number; missing: number; extra: number } {
  const f = new Database(floorDb, { readonly: true, fileMustExist: true });
  const ids = new Set(
    (f.prepare('SELECT id FROM entries').all() as Array<{ id: Buffer }>).map((r) => r.id.toString('hex')),
  );
  f.close();
  const d = new Database(observerDb, { readonly: true, fileMustExist: true });
  const rows = d.prepare('SELECT bytes FROM entries WHERE kind = ?').all(KINDS.indexOf('state')) as Array<{
    bytes: Buffer;
  }>;
  d.close();
  const obs = new Set(rows.map((r) => createHash('sha256').update(r.bytes).digest('hex')));
  let missing = 0;
  for (const id of obs) if (!ids.has(id)) missing++;
  let extra = 0;
  for (const id of ids) if (!obs.has(id)) extra++;
  return { floor: ids.size, observer: obs.size, missing, extra };
}
