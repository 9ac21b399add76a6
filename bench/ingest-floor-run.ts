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
import type { CryptoCost } from './ingest-crypto.js';
import { ANNOUNCE_PARTS, RECEIVE_PARTS, type AnnouncePart, type ReceivePart } from './ingest-floor.js';

export interface FloorProc {
  readonly child: ChildProcess;
  readonly part: ReceivePart | AnnouncePart;
  readonly db: string;
  /** The announce floor's API. */
  readonly api?: string;
}

export interface Floors {
  /** The floors (receive part `store`, announce part `publish`). */
  readonly receive: FloorProc;
  readonly announce: FloorProc;
  /** With parts: the processes that run each floor only up to a part (the floor's own parts left out). */
  readonly receiveParts: readonly FloorProc[];
  readonly announceParts: readonly FloorProc[];
  readonly dir: string;
}

function startFloor(
  o: { profile: string; floorBundle: string },
  part: ReceivePart | AnnouncePart,
  args: string[],
  db: string,
): Promise<FloorProc> {
  const p = loadProfile(o.profile);
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags(p),
      o.floorBundle,
      'bench',
      'ingest',
      ...args,
      '--floor-part',
      part,
      '--db',
      db,
      '--profile',
      o.profile,
    ],
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
      resolve({ child, part, db, ...(j.api ? { api: j.api } : {}) });
    });
  });
}

/** Starts both floors on `broker` (with `parts`, one more process per part of each); the receive floors subscribe
 *  to the MQTT topic `headerTopic`. */
export async function startFloors(
  o: { profile: string; floorBundle: string; parts?: boolean },
  broker: string,
  headerTopic: string,
): Promise<Floors> {
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-ingest-floor-'));
  const rx = o.parts ? RECEIVE_PARTS : (['store'] as const);
  const tx = o.parts ? ANNOUNCE_PARTS : (['publish'] as const);
  const [receive, announce] = await Promise.all([
    Promise.all(
      rx.map((part) =>
        startFloor(o, part, ['--floor-receive', headerTopic, '--broker', broker], join(dir, `receive-${part}.db`)),
      ),
    ),
    Promise.all(
      tx.map((part) => startFloor(o, part, ['--floor-announce', '--broker', broker], join(dir, `announce-${part}.db`))),
    ),
  ]);
  return {
    receive: receive.at(-1)!,
    announce: announce.at(-1)!,
    receiveParts: receive.slice(0, -1),
    announceParts: announce.slice(0, -1),
    dir,
  };
}

export const allFloors = (f: Floors): FloorProc[] => [f.receive, f.announce, ...f.receiveParts, ...f.announceParts];

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
  await Promise.all(allFloors(f).map((p) => stopProc(p.child)));
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

/** The floors' CPU in the same run (bench/ingest-floor.ts), and the ratios against them. */
export interface FloorResult {
  readonly receive: {
    readonly cpuMs: number;
    readonly stored: number;
    readonly cpuMsPerEntry: number;
    /** The floor's stored entries against the observer's stored `state` entries, by id. */
    readonly sameAsObserver: { floor: number; observer: number; missing: number; extra: number };
  };
  /** Driven at rate / publishers: the rate of one publisher. */
  readonly announce: { readonly cpuMs: number; readonly announced: number; readonly cpuMsPerEntry: number };
  /** With parts: CPU per entry of each process that runs a floor up to a part (the floor itself is the last). */
  readonly parts?: {
    readonly receive: ReadonlyArray<{ part: ReceivePart; cpuMsPerEntry: number }>;
    readonly announce: ReadonlyArray<{ part: AnnouncePart; cpuMsPerEntry: number }>;
  };
  readonly ratios: {
    readonly receiveOverVerifySingle: number;
    readonly observerOverFloor: number;
    readonly announceOverSignVerify: number;
    readonly publisherOverFloor: number;
  };
}

/** `cpu`: ms of CPU of each floor process over the stream, in the order of `allFloors(f)`. */
export function floorResult(
  f: Floors,
  cpu: readonly number[],
  stored: number,
  announced: number,
  same: FloorResult['receive']['sameAsObserver'],
  observerPer: number,
  publisherPer: number,
  c: CryptoCost,
): FloorResult {
  const per = (i: number, n: number) => +(cpu[i]! / Math.max(1, n)).toFixed(4);
  const rx = per(0, stored);
  const tx = per(1, announced);
  const nrx = f.receiveParts.length;
  return {
    receive: { cpuMs: cpu[0]!, stored, cpuMsPerEntry: rx, sameAsObserver: same },
    announce: { cpuMs: cpu[1]!, announced, cpuMsPerEntry: tx },
    ...(nrx || f.announceParts.length
      ? {
          parts: {
            receive: [
              ...f.receiveParts.map((p, i) => ({ part: p.part as ReceivePart, cpuMsPerEntry: per(2 + i, stored) })),
              { part: 'store' as const, cpuMsPerEntry: rx },
            ],
            announce: [
              ...f.announceParts.map((p, i) => ({
                part: p.part as AnnouncePart,
                cpuMsPerEntry: per(2 + nrx + i, announced),
              })),
              { part: 'publish' as const, cpuMsPerEntry: tx },
            ],
          },
        }
      : {}),
    ratios: {
      receiveOverVerifySingle: +(rx / c.verifySingleMs).toFixed(2),
      observerOverFloor: +(observerPer / rx).toFixed(2),
      announceOverSignVerify: +(tx / (c.signMs + c.verifySingleMs)).toFixed(2),
      publisherOverFloor: +(publisherPer / tx).toFixed(2),
    },
  };
}
