// The floor of the receive and announce paths (docs/devices.md "Ingest", "The floor"): bare processes that do only
// what any node which verifies and durably stores each entry must do, run by `agentnet bench ingest --floor` beside
// the real nodes, with the same Node flags, on the same broker and stream, CPU from /proc like the nodes'.
//
// Receive floor: one MQTT connection (ingest-floor-mqtt.ts), subscribed at QoS 0 to the header topic the observer
// follows; per message it takes the payload, decodes the COSE/CBOR entry with the project's codec, hashes its id
// (SHA-256, the key a store deduplicates on) and verifies its signature with the kernel the profile selects; the
// messages are held by the driver's commit window rule (runtime/driver.ts: drained when the oldest has waited
// max(verifyFlushMs, commitWindowMs) or verifyBatchSize wait), verified as one batch and inserted into a SQLite WAL
// table at the profile's `synchronous`, one transaction per drained batch. Nothing else: no flood gate, no logs,
// heads or indexes beyond the id, no frontiers, births, events or API.
//
// Announce floor: an HTTP server taking kept-alive POST /announce with the body the bench sends a node; requests
// that arrive together share one transaction (as the node's announce API groups them); per request it encodes the
// body, hashes it, builds the tag sketch, signs the entry (node:crypto, as the node), appends entry and body in a
// FULL commit (an own log must be durable before it is published, or a restart would reuse a sequence number: a
// fork), publishes body (retained) and header at QoS 1 and answers. It publishes under another network than the
// nodes', so the observer never sees its entries.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { DecodeError } from '../src/core/base/errors.js';
import { toHex } from '../src/core/base/bytes.js';
import { encodeBody } from '../src/core/codec/body.js';
import { decodeEntry, encodeEntry, entryToBeSigned, type Entry, type SignedEntry } from '../src/core/codec/entry.js';
import { makeSketch } from '../src/core/gossip/sketch.js';
import { makeCryptoPort, randomSecret, sha256 } from '../src/runtime/crypto-port.js';
import type { Profile } from '../src/runtime/profile.js';
import { defaultVerifier } from '../src/runtime/verifier.js';
import { chooseKernel } from '../src/runtime/wasm/simd.js';
import { connectFloorMqtt, type FloorMqtt } from './ingest-floor-mqtt.js';

export const FLOOR_NETWORK = 'bench-ingest-floor';
export const headerTopic = (network: string, topic: string): string => `agentnet/v1/${network}/h/${topic}`;

const verifierOf = (p: Profile) => defaultVerifier(chooseKernel(p.wasm).kernel.endsWith('.simd') ? 'simd' : 'scalar');

function openDb(path: string, synchronous: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  return db;
}

/** How much of the receive floor runs (`--floor-parts` starts one process per part, docs/devices.md "Ingest"):
 *  `read` takes each message off the socket and drops it; `window` also holds it by the commit window rule and
 *  drops the drained batch; `decode` also decodes each entry and hashes its id; `verify` also verifies the batch's
 *  signatures; `store` (the floor) also stores the batch in one transaction. */
export const RECEIVE_PARTS = ['read', 'window', 'decode', 'verify', 'store'] as const;
/** The announce floor's parts: `http` answers each POST once its JSON is read; `encode` also encodes the body,
 *  hashes it, builds the sketch and encodes the entry (with an all-zero signature); `sign` signs it instead; `store`
 *  also appends it in a FULL commit; `publish` (the floor) also publishes it. */
export const ANNOUNCE_PARTS = ['http', 'encode', 'sign', 'store', 'publish'] as const;
export type ReceivePart = (typeof RECEIVE_PARTS)[number];
export type AnnouncePart = (typeof ANNOUNCE_PARTS)[number];

export interface ReceiveFloor {
  /** Entries stored (with `upTo` before `store`: messages read, or entries verified), and messages refused (not
   *  decoding, or a signature that does not verify). */
  readonly counts: { stored: number; refused: number };
  close(): void;
}

/** Subscribes to `topic` (an MQTT topic) on `broker` and stores every entry that verifies into `db`. */
export async function startReceiveFloor(o: {
  broker: string;
  topic: string;
  db: string;
  profile: Profile;
  upTo?: ReceivePart;
}): Promise<ReceiveFloor> {
  const p = o.profile;
  const upTo = o.upTo ?? 'store';
  const db = openDb(o.db, p.sqliteSynchronous);
  db.exec('CREATE TABLE IF NOT EXISTS entries (id BLOB PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID');
  const insert = db.prepare('INSERT OR IGNORE INTO entries (id, bytes) VALUES (?, ?)');
  const verifier = verifierOf(p);
  const counts = { stored: 0, refused: 0 };
  const wait = Math.max(p.verifyFlushMs, p.commitWindowMs);
  let queue: Buffer[] = [];
  let timer: NodeJS.Timeout | undefined;
  let soon = false;
  let closed = false;

  const store = db.transaction((rows: ReadonlyArray<readonly [Uint8Array, Uint8Array]>) => {
    for (const [id, bytes] of rows) counts.stored += insert.run(id, bytes).changes;
  });
  const drain = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    soon = false;
    const batch = queue;
    queue = [];
    if (!batch.length) return;
    if (upTo === 'window') return void (counts.stored += batch.length);
    const decoded: Array<{ se: SignedEntry; id: Uint8Array }> = [];
    for (const b of batch) {
      try {
        decoded.push({ se: decodeEntry(b, p.limits), id: sha256(b) });
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        counts.refused++;
      }
    }
    if (upTo === 'decode') return void (counts.stored += decoded.length);
    const ok = verifier.verifyBatch(
      decoded.map(({ se }) => ({ pub: se.entry.author, msg: se.toBeSigned, sig: se.signature })),
    );
    const rows: Array<readonly [Uint8Array, Uint8Array]> = [];
    decoded.forEach((d, i) => (ok[i] ? rows.push([d.id, d.se.bytes]) : counts.refused++));
    if (upTo === 'verify') counts.stored += rows.length;
    else if (rows.length) store(rows);
  };
  const onPublish = (_topic: string, payload: Buffer): void => {
    if (closed) return;
    if (upTo === 'read') return void counts.stored++;
    queue.push(payload);
    if (soon) return;
    if (queue.length >= p.verifyBatchSize || wait === 0) {
      soon = true;
      if (timer) clearTimeout(timer);
      setImmediate(drain);
    } else if (!timer) timer = setTimeout(drain, wait);
  };
  const mqtt = await connectFloorMqtt(o.broker, `floor-rx-${process.pid}`, onPublish);
  await mqtt.subscribe(o.topic);
  return {
    counts,
    close() {
      closed = true;
      mqtt.close();
      if (queue.length) drain();
      db.close();
    },
  };
}

export interface AnnounceFloor {
  /** `http://127.0.0.1:PORT`: POST /announce as to a node's API. */
  readonly api: string;
  readonly counts: { announced: number };
  close(): Promise<void>;
}

interface Pending {
  readonly req: { topic: string; text: string; tags: string[]; key: string };
  readonly res: ServerResponse;
}

/** An announce floor publishing under `network` on `broker`, its own log stored in `db`. */
export async function startAnnounceFloor(o: {
  broker: string;
  network: string;
  db: string;
  profile: Profile;
  upTo?: AnnouncePart;
}): Promise<AnnounceFloor> {
  const upTo = o.upTo ?? 'publish';
  const db = openDb(o.db, 'FULL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS entries (id BLOB PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, bytes BLOB NOT NULL) WITHOUT ROWID;' +
      'CREATE TABLE IF NOT EXISTS bodies (hash BLOB PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID',
  );
  const putEntry = db.prepare('INSERT INTO entries (id, seq, bytes) VALUES (?, ?, ?)');
  const putBody = db.prepare('INSERT OR IGNORE INTO bodies (hash, bytes) VALUES (?, ?)');
  const port = makeCryptoPort(verifierOf(o.profile));
  const secret = randomSecret();
  const author = port.signer.publicKey(secret);
  const mqtt: FloorMqtt = await connectFloorMqtt(o.broker, `floor-tx-${process.pid}`, () => undefined);
  const counts = { announced: 0 };
  let seq = 0;
  let prev: Uint8Array | undefined;
  let pending: Pending[] = [];

  type Out = { id: Uint8Array; bytes: Uint8Array; bodyHash: Uint8Array; body: Uint8Array; topic: string; seq: number };
  const make = (reqs: readonly Pending[]): Out[] =>
    reqs.map(({ req }) => {
      const body = encodeBody({ kind: 'state', tags: req.tags, text: req.text });
      const bodyHash = sha256(body);
      const ts = Date.now();
      const e: Entry = {
        author,
        topic: req.topic,
        epoch: 0,
        seq: seq + 1,
        ...(prev ? { prev } : {}),
        kind: 'state',
        ts,
        expires: ts + 3_600_000,
        bodyHash,
        bodyLen: body.length,
        sketch: makeSketch(port, req.tags),
        tier: 0,
        key: req.key,
      };
      const tbs = entryToBeSigned(e);
      const bytes = encodeEntry(e, upTo === 'encode' ? new Uint8Array(64) : port.signer.sign(secret, tbs));
      const id = sha256(bytes);
      seq = e.seq;
      prev = id;
      return { id, bytes, bodyHash, body, topic: req.topic, seq: e.seq };
    });
  const append = db.transaction((outs: readonly Out[]) => {
    for (const x of outs) {
      putEntry.run(x.id, x.seq, x.bytes);
      putBody.run(x.bodyHash, x.body);
    }
  });
  const flush = (): void => {
    const reqs = pending;
    pending = [];
    if (upTo === 'http') {
      for (const r of reqs) r.res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      counts.announced += reqs.length;
      return;
    }
    const s = seq;
    const p = prev;
    const out = make(reqs);
    try {
      if (upTo !== 'encode' && upTo !== 'sign') append(out);
    } catch (e) {
      seq = s; // nothing of a transaction that did not commit is published
      prev = p;
      for (const r of reqs) r.res.writeHead(500).end(String(e));
      return;
    }
    out.forEach((x, i) => {
      if (upTo === 'publish') {
        mqtt.publish(`agentnet/v1/${o.network}/b/${toHex(x.bodyHash)}`, x.body, true);
        mqtt.publish(headerTopic(o.network, x.topic), x.bytes);
      }
      counts.announced++;
      reqs[i]!.res.writeHead(200, { 'content-type': 'application/json' }).end(`{"id":"${toHex(x.id)}"}`);
    });
  };
  const server = createServer({ keepAlive: true }, (rq: IncomingMessage, res: ServerResponse) => {
    if (rq.method !== 'POST' || rq.url !== '/announce') return void res.writeHead(404).end();
    const parts: Buffer[] = [];
    rq.on('data', (c: Buffer) => parts.push(c));
    rq.on('end', () => {
      let req: Pending['req'];
      try {
        const j = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
        const tags = j['tags'];
        if (typeof j['topic'] !== 'string' || typeof j['text'] !== 'string' || typeof j['key'] !== 'string')
          throw new TypeError('topic, text and key must be strings');
        if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))
          throw new TypeError('tags must be strings');
        req = { topic: j['topic'], text: j['text'], tags, key: j['key'] };
      } catch (e) {
        return void res.writeHead(400).end(String(e));
      }
      if (pending.push({ req, res }) === 1) setImmediate(flush);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => {
          mqtt.close();
          db.close();
          r();
        });
      }),
  };
}

/** The child process's main (`agentnet bench ingest --floor-receive TOPIC|--floor-announce`): prints one ready
 *  line (JSON, with `api` for the announce floor), runs until SIGTERM. */
export async function floorMain(
  kind: 'receive' | 'announce',
  o: { broker: string; db: string; profile: Profile; topic: string; part?: ReceivePart | AnnouncePart },
): Promise<void> {
  const f =
    kind === 'receive'
      ? await startReceiveFloor({ ...o, upTo: (o.part ?? 'store') as ReceivePart })
      : await startAnnounceFloor({ ...o, network: FLOOR_NETWORK, upTo: (o.part ?? 'publish') as AnnouncePart });
  console.log(JSON.stringify({ msg: 'ready', ...('api' in f ? { api: f.api } : {}) }));
  await new Promise<void>((r) => process.once('SIGTERM', r));
  await f.close();
}
