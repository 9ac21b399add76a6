// The ingest floor (bench/ingest-floor.ts, docs/devices.md "Ingest"): the bare receiver stores exactly the entries
// that verify (a forged signature and a message that does not decode are refused), the bare announcer's entries are
// a valid signed log that such a receiver accepts, and the bench's /proc accounting reads real processes. The
// receive floor storing the same entries as a real observer is checked in test/multiprocess/bench-ingest.test.ts.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuMs } from '../../bench/ingest.js';
import { FLOOR_NETWORK, headerTopic, startAnnounceFloor, startReceiveFloor } from '../../bench/ingest-floor.js';
import { connectFloorMqtt } from '../../bench/ingest-floor-mqtt.js';
import { encodeBody } from '../../src/core/codec/body.js';
import { decodeEntry, encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { nodeSigner, randomSecret, sha256 } from '../../src/runtime/crypto-port.js';
import { loadProfile } from '../../src/runtime/profile.js';

const profile = loadProfile('generic-x64');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

/** A signed log of `n` state entries by one fresh author. */
function signedLog(n: number): Uint8Array[] {
  const secret = randomSecret();
  const author = nodeSigner.publicKey(secret);
  const out: Uint8Array[] = [];
  let prev: Uint8Array | undefined;
  for (let seq = 1; seq <= n; seq++) {
    const body = encodeBody({ kind: 'state', tags: ['reading'], text: `reading ${seq}` });
    const e: Entry = {
      author,
      topic: 'floor-test',
      epoch: 0,
      seq,
      ...(prev ? { prev } : {}),
      kind: 'state',
      ts: 1_000 + seq,
      expires: 10_000_000_000_000,
      bodyHash: sha256(body),
      bodyLen: body.length,
      sketch: new Uint8Array(32),
      tier: 0,
      key: 'k',
    };
    const bytes = encodeEntry(e, nodeSigner.sign(secret, entryToBeSigned(e)));
    out.push(bytes);
    prev = sha256(bytes);
  }
  return out;
}

const storedIds = (db: string): string[] => {
  const d = new Database(db, { readonly: true });
  const ids = (d.prepare('SELECT id FROM entries').all() as Array<{ id: Buffer }>).map((r) => hex(r.id)).sort();
  d.close();
  return ids;
};

describe('ingest floor', () => {
  let broker: EmbeddedBroker;
  let dir: string;
  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    dir = mkdtempSync(join(tmpdir(), 'agentnet-floor-test-'));
  });
  afterAll(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores exactly the entries that verify; a forged signature and a malformed message are refused', async () => {
    const topic = headerTopic('floor-rx', 'floor-test');
    const db = join(dir, 'rx.db');
    const rx = await startReceiveFloor({ broker: broker.url, topic, db, profile });
    const pub = await connectFloorMqtt(broker.url, 'floor-test-pub', () => undefined);
    const good = signedLog(5);
    const forged = Uint8Array.from(signedLog(1)[0]!);
    forged[forged.length - 1]! ^= 1; // last byte of the signature
    expect(decodeEntry(forged, profile.limits).entry.seq).toBe(1); // it still decodes: only the signature is bad
    for (const b of [...good.slice(0, 3), forged, new Uint8Array([1, 2, 3]), ...good.slice(3)]) pub.publish(topic, b);
    await until(() => rx.counts.stored + rx.counts.refused === 7, 'the floor to handle 7 messages');
    expect(rx.counts).toEqual({ stored: 5, refused: 2 });
    pub.publish(topic, good[0]!); // a duplicate is verified again but stored once
    await until(() => pub.stats.acked === 8, 'the PUBACKs');
    rx.close();
    expect(storedIds(db)).toEqual(good.map((b) => hex(sha256(b))).sort());
  });

  const partsName =
    'each receive part does the floor work up to it: read and window take every message, ' +
    'decode refuses the malformed one, verify the forged one too';
  it(partsName, async () => {
    const msgs = [...signedLog(3), new Uint8Array([9, 9])];
    const forged = Uint8Array.from(signedLog(1)[0]!);
    forged[forged.length - 1]! ^= 1;
    msgs.push(forged);
    const want = { read: [5, 0], window: [5, 0], decode: [4, 1], verify: [3, 2] } as const;
    for (const [part, [handled, refused]] of Object.entries(want)) {
      const topic = headerTopic('floor-parts', part);
      const rx = await startReceiveFloor({
        broker: broker.url,
        topic,
        db: join(dir, `${part}.db`),
        profile,
        upTo: part as 'read',
      });
      const pub = await connectFloorMqtt(broker.url, `floor-test-${part}`, () => undefined);
      for (const m of msgs) pub.publish(topic, m);
      await until(() => rx.counts.stored + rx.counts.refused === handled + refused, `the ${part} part`);
      expect(rx.counts, part).toEqual({ stored: handled, refused });
      pub.close();
      rx.close();
      expect(storedIds(join(dir, `${part}.db`)), part).toEqual([]); // no part before store writes an entry
    }
  });

  it('announces a signed, durable log that a receive floor accepts; a bad request is refused', async () => {
    const tx = await startAnnounceFloor({
      broker: broker.url,
      network: FLOOR_NETWORK,
      db: join(dir, 'tx.db'),
      profile,
    });
    const rxDb = join(dir, 'rx2.db');
    const rx = await startReceiveFloor({
      broker: broker.url,
      topic: headerTopic(FLOOR_NETWORK, 'floor-test'),
      db: rxDb,
      profile,
    });
    const post = (body: unknown) =>
      fetch(`${tx.api}/announce`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.status);
    const ann = (i: number) => post({ kind: 'state', topic: 'floor-test', text: `t${i}`, tags: ['reading'], key: 'k' });
    expect(await Promise.all([ann(1), ann(2), ann(3)])).toEqual([200, 200, 200]);
    expect(await post({ topic: 'floor-test', tags: 'reading' })).toBe(400);
    await until(() => rx.counts.stored === 3, 'the receive floor to store the 3 announced entries');
    expect(rx.counts.refused).toBe(0);
    expect(tx.counts.announced).toBe(3);
    await tx.close();
    rx.close();
    const d = new Database(join(dir, 'tx.db'), { readonly: true });
    const rows = d.prepare('SELECT id, seq, bytes FROM entries ORDER BY seq').all() as Array<{
      id: Buffer;
      seq: number;
      bytes: Buffer;
    }>;
    d.close();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    rows.forEach((r, i) => {
      const se = decodeEntry(new Uint8Array(r.bytes), profile.limits);
      expect(hex(sha256(r.bytes))).toBe(hex(r.id));
      expect(se.entry.prev && hex(se.entry.prev)).toBe(i === 0 ? undefined : hex(rows[i - 1]!.id));
    });
    expect(storedIds(rxDb)).toEqual(rows.map((r) => hex(r.id)).sort());
  });

  it("reads a real process's CPU from /proc and refuses a PID that does not exist", async () => {
    const child = spawn(process.execPath, [
      '-e',
      'let x = 0; for (let i = 0; i < 3e7; i++) x += i; setTimeout(() => {}, 5000)',
    ]);
    try {
      await new Promise((r) => child.once('spawn', r));
      const ms = cpuMs(child.pid!);
      expect(Number.isInteger(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(cpuMs(process.pid)).toBeGreaterThan(0); // this process has run the tests above
      expect(() => cpuMs(2 ** 22 + 1)).toThrow(); // above Linux's largest PID
    } finally {
      child.kill();
    }
  });
});
