// Amplification and reflection through direct requests, and over-full interest sketches (docs/reliability.md
// items 10 and 11), against real `agentnet run` processes on a real Mosquitto (a private one on a free port, or
// MQTT_URL) and on the UDP LAN mesh. Hostile requests are published with mqtt.js and `mosquitto_pub`
// (MQTT) and with the mesh's own framing (UDP).
//
// Node A (profile rpi-zero2w, the smallest device) holds a 31-entry log; node B joins later and repairs
// it from A with signed requests (so the honest path works end to end), which an observer on `d/+`
// captures. Then an attacker sends A: unsigned getEntries and getBody naming B (reflection at B), signed
// requests claiming B but signed by another key, requests signed for another node, replays of B's real
// request, and requests outside the time window. The amplification factor is the bytes A sent in direct
// messages during that phase over the bytes of those requests (target: at most 3; measured 0), and every
// refusal must be counted with its reason in A's /status and /metrics. Then the attacker floods A with
// requests validly signed by its own key: answered only to its own inbox, at most within A's budget, the
// rest counted `rate_limited`. Figures are printed as one `[amplification]` JSON line (docs/reliability.md
// item 10). AGENTNET_AMP_N sets the number of requests per hostile class (default 200).

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentCore } from '../../src/core/agent.js';
import { fromHex, toHex } from '../../src/core/base/bytes.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../../src/core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../src/core/codec/limits.js';
import { decodeDirect, encodeDirect } from '../../src/core/codec/messages.js';
import { encodeBody } from '../../src/core/codec/body.js';
import { MemoryStore } from '../../src/core/log/memory-store.js';
import { crypto, directRequest, identity } from '../helpers.js';
import { startMosquitto, type Mosquitto } from './mosquitto.js';
import {
  freeUdpPort,
  getJson,
  hasBinary,
  killAll,
  postJson,
  startProc,
  until,
  type Proc,
  type ProcSpec,
} from './procs.js';

const N = Number(process.env['AGENTNET_AMP_N'] ?? 200);
const TOPIC = 'amp_test';
const LOG = 31; // entries in A's log: a getEntries for all of it is a ~9 KB reply
const MS = 90_000;

const dir = mkdtempSync(join(tmpdir(), 'agentnet-amp-'));
let mosq: Mosquitto | undefined;
afterAll(async () => {
  await killAll();
  await mosq?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Status {
  rejected: Record<string, number>;
  pulls: { requested: number };
}
const status = (p: Proc) => getJson<Status>(p, '/status');
const rejected = async (p: Proc) => (await status(p)).rejected;
/** `agentnet_rejections_total{reason="..."}` samples of a node's /metrics. */
async function metricRejections(p: Proc): Promise<Record<string, number>> {
  const text = await (await fetch(`${p.api}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^agentnet_rejections_total\{reason="([a-z_]+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}
async function directBytesOut(p: Proc): Promise<number> {
  const text = await (await fetch(`${p.api}/metrics`)).text();
  return Number(/^agentnet_direct_bytes_total\{direction="out"\} (\d+)/m.exec(text)![1]);
}
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0),
  );

const cap = (tag: string, text: string) => ({ kind: 'capability', topic: TOPIC, tags: [tag], text, ttlMs: 3_600_000 });
const want = { kind: 'intent', topic: TOPIC, tags: ['skill'], text: 'any skill', ttlMs: 3_600_000 };

/** Node A: a log of LOG entries in TOPIC. */
async function startA(broker: string, network: string, tag: string): Promise<Proc> {
  const spec: ProcSpec = {
    dir,
    name: `${tag}-a`,
    config: {
      dataDir: join(dir, `${tag}-a`),
      network,
      broker,
      profile: 'rpi-zero2w',
      declarations: [cap('skill.a0', 'a offers skill.a0')],
    },
  };
  const a = await startProc(spec);
  for (let i = 1; i < LOG; i++) await postJson(a, '/announce', cap(`skill.a${i}`, `a offers skill.a${i}`));
  return a;
}

/** True once `p` holds `author`'s log in TOPIC up to `seq`. */
async function headAt(p: Proc, author: string, seq: number): Promise<true | string> {
  const { logs } = await getJson<{ logs: Array<{ author: string; topic: string; seq: number }> }>(p, '/logs');
  const h = logs.find((l) => l.author === author && l.topic === TOPIC)?.seq ?? 0;
  return h >= seq || `head ${h} < ${seq}`;
}

/** A one-chunk mesh frame (docs/spec/channels.md, UDP): type, ttl, a random id, chunk 0 of 1. */
function frame(type: number, ttl: number, payload: Buffer): Buffer {
  const f = Buffer.alloc(14 + payload.length);
  f[0] = type;
  f[1] = ttl;
  randomBytes(8).copy(f, 2);
  f.writeUInt16BE(0, 10);
  f.writeUInt16BE(1, 12);
  payload.copy(f, 14);
  return f;
}
/** A mesh message: channel byte, key, expiry 0, the object's bytes. */
function message(channel: number, key: string, bytes: Uint8Array): Buffer {
  const k = Buffer.from(key, 'utf8');
  return Buffer.concat([Buffer.from([channel, k.length]), k, Buffer.alloc(4), Buffer.from(bytes)]);
}

describe('direct requests: no amplification, no reflection; over-full sketches refused (real Mosquitto)', () => {
  const url = process.env['MQTT_URL'];
  const skip = !url && !hasBinary('mosquitto');
  it.skipIf(skip)(
    'unauthenticated requests make A send nothing; signed ones are answered to the signer only, within budget',
    async () => {
      if (!url) mosq = await startMosquitto(dir, 'amp');
      const brokerUrl = url ?? mosq!.url;
      const network = `amp-${process.pid}-${Date.now().toString(36)}`;
      const root = `agentnet/v1/${network}/`;
      const a = await startA(brokerUrl, network, 'mqtt');

      // Everything on the direct channel, by topic, with the time it arrived.
      const seen: Array<{ to: string; bytes: Buffer; at: number }> = [];
      const observer = await mqtt.connectAsync(brokerUrl, { clientId: `amp-obs-${process.pid}` });
      observer.on('message', (topic, bytes) => seen.push({ to: topic.slice(root.length + 2), bytes, at: Date.now() }));
      await observer.subscribeAsync(`${root}d/+`, { qos: 1 });

      // B joins and repairs A's 31-entry log from A with signed getEntries.
      const b = await startProc({
        dir,
        name: 'mqtt-b',
        config: {
          dataDir: join(dir, 'mqtt-b'),
          network,
          broker: brokerUrl,
          profile: 'rpi-zero2w',
          declarations: [want],
        },
      });
      await until('B repaired A’s log', () => headAt(b, a.agent, LOG), MS);
      const honest = seen.filter((m) => m.to === a.agent).map((m) => ({ m, d: decodeDirect(m.bytes, DEFAULT_LIMITS) }));
      const real = honest.find((x) => x.d.type === 'request' && toHex(x.d.from) === b.agent);
      expect(real, 'B asked A with a signed request').toBeDefined();
      expect(honest.every((x) => x.d.type === 'request')).toBe(true); // nothing unsigned on the wire
      const bodyHash = (
        await postJson<{ bodyHash: string }>(a, '/announce', cap('skill.a0', 'a offers skill.a0 again'))
      ).bodyHash;
      await until('B has the next entry', () => headAt(b, a.agent, LOG + 1), MS);

      // ---- the hostile phase: unauthenticated requests only
      const attacker = identity('amp-attacker');
      const A = fromHex(a.agent);
      const B = fromHex(b.agent);
      const range = { type: 'getEntries', author: A, topic: TOPIC, epoch: 0, fromSeq: 1, toSeq: LOG } as const;
      let t = Date.now();
      const classes: Record<string, { reason: string; make: (i: number) => Uint8Array }> = {
        unsignedGetEntries: {
          reason: 'unsigned_request',
          make: () => encodeDirect({ ...range, from: B }),
        },
        unsignedGetBody: {
          reason: 'unsigned_request',
          make: () => encodeDirect({ type: 'getBody', from: B, bodyHash: fromHex(bodyHash) }),
        },
        forgedAsB: {
          reason: 'bad_signature',
          make: () => directRequest({ agentKey: B, agentSecret: attacker.agentSecret }, A, ++t, range),
        },
        forAnotherNode: { reason: 'misaddressed', make: () => directRequest(attacker, B, ++t, range) },
        replayOfB: { reason: 'replayed_request', make: () => real!.m.bytes },
        outOfWindow: { reason: 'expired', make: (i) => directRequest(attacker, A, Date.now() - 600_000 - i, range) },
      };
      const before = await rejected(a);
      const outBefore = await directBytesOut(a);
      const phaseStart = Date.now();
      const hostile = await mqtt.connectAsync(brokerUrl, { clientId: `amp-atk-${process.pid}` });
      let hostileBytes = 0;
      const expected: Record<string, number> = {};
      for (const [, c] of Object.entries(classes)) {
        for (let i = 0; i < N; i++) {
          const bytes = Buffer.from(c.make(i));
          hostileBytes += bytes.length;
          await hostile.publishAsync(`${root}d/${a.agent}`, bytes, { qos: 1 });
        }
        expected[c.reason] = (expected[c.reason] ?? 0) + N;
      }
      // Some through the real Mosquitto client as well (the campaign's tool): an unsigned and a forged one.
      if (hasBinary('mosquitto_pub')) {
        const port = new URL(brokerUrl).port || '1883';
        const host = new URL(brokerUrl).hostname;
        for (const [name, c] of [
          ['unsigned', classes['unsignedGetEntries']!],
          ['forged', classes['forgedAsB']!],
        ] as const) {
          const f = join(dir, `${name}.cbor`);
          const bytes = c.make(0);
          writeFileSync(f, bytes);
          for (let i = 0; i < 10; i++) {
            execFileSync('mosquitto_pub', ['-h', host, '-p', port, '-q', '1', '-t', `${root}d/${a.agent}`, '-f', f]);
            hostileBytes += bytes.length;
          }
          expected[c.reason] = (expected[c.reason] ?? 0) + 10;
        }
      }
      // Every refusal is counted with its reason (and nothing else is).
      await until(
        'A counted every hostile request',
        async () => {
          const d = delta(await rejected(a), before);
          return Object.entries(expected).every(([k, v]) => (d[k] ?? 0) >= v) || JSON.stringify(d);
        },
        MS,
      );
      await new Promise((r) => setTimeout(r, 1000)); // anything A would still send
      const d = delta(await rejected(a), before);
      expect(d).toEqual(expected);
      const m = await metricRejections(a);
      for (const k of Object.keys(expected)) expect(m[k], `/metrics ${k}`).toBe((await rejected(a))[k]);
      const replyBytes = seen
        .filter((x) => x.at >= phaseStart && x.to !== a.agent)
        .reduce((s, x) => s + x.bytes.length, 0);
      const countedOut = (await directBytesOut(a)) - outBefore;
      const factor = replyBytes / hostileBytes;
      expect(factor).toBeLessThanOrEqual(3);
      expect(countedOut / hostileBytes).toBeLessThanOrEqual(3);

      // ---- authenticated requests beyond the budget: answered to the signer only, within its budget
      const M = Math.max(N, 100);
      const before2 = await rejected(a);
      const authStart = Date.now();
      let authBytes = 0;
      for (let i = 0; i < M; i++) {
        const bytes = Buffer.from(directRequest(attacker, A, ++t, range));
        authBytes += bytes.length;
        await hostile.publishAsync(`${root}d/${a.agent}`, bytes, { qos: 1 });
      }
      const authSentMs = Date.now() - authStart;
      const me = toHex(attacker.agentKey);
      await until(
        'A answered or refused every signed request',
        async () => {
          const answered = seen.filter((x) => x.at >= authStart && x.to === me).length;
          const limited = delta(await rejected(a), before2)['rate_limited'] ?? 0;
          return answered + limited >= M || `${answered} answered + ${limited} rate_limited < ${M}`;
        },
        MS,
      );
      await new Promise((r) => setTimeout(r, 1000));
      const replies = seen.filter((x) => x.at >= authStart && x.to !== a.agent);
      expect(replies.every((x) => x.to === me)).toBe(true); // nothing reflected at B or anybody else
      const answered = replies.length;
      const d2 = delta(await rejected(a), before2);
      expect(d2).toEqual({ rate_limited: M - answered });
      // rpi-zero2w: 5 requests/s per requester, burst 32 (firmware-profiles/rpi-zero2w.json).
      expect(answered).toBeGreaterThanOrEqual(1);
      expect(answered).toBeLessThanOrEqual(32 + Math.ceil((5 * (Date.now() - authStart)) / 1000));
      const authReplyBytes = replies.reduce((s, x) => s + x.bytes.length, 0);

      console.log(
        `[amplification] ${JSON.stringify({
          transport: url ? `MQTT_URL ${url}` : 'private Mosquitto',
          unauthenticated: {
            requests: Object.values(expected).reduce((s, v) => s + v, 0),
            requestBytes: hostileBytes,
            directBytesSentByA: replyBytes,
            directBytesCountedByA: countedOut,
            factor,
            refusals: d,
          },
          authenticated: {
            requests: M,
            requestBytes: authBytes,
            sentInMs: authSentMs,
            answered,
            rateLimited: M - answered,
            replyBytesToSignerOnly: authReplyBytes,
            factor: authReplyBytes / authBytes,
          },
        })}`,
      );

      // ---- item 4: an all-ones sketch is refused, its body never pulled; a normal one from the same author is
      const s = identity('amp-sketcher');
      const sc = new AgentCore({ crypto, store: new MemoryStore(), agentSecret: s.agentSecret, binding: s.binding });
      sc.start(Date.now());
      const first = sc.announce(Date.now(), { kind: 'capability', topic: TOPIC, tags: ['skill.honest'], text: 'fine' });
      const retained: string[] = [];
      const publish = async (o: { channel: string; key: string; bytes: Uint8Array; retain: boolean }) => {
        const letter = { birth: 'n', header: 'h', body: 'b', frontier: 'f' }[o.channel];
        if (!letter) return;
        await hostile.publishAsync(`${root}${letter}/${o.key}`, Buffer.from(o.bytes), { qos: 1, retain: o.retain });
        if (o.retain) retained.push(`${root}${letter}/${o.key}`); // cleared at the end: MQTT_URL may be the system broker
      };
      for (let o = sc.pollTransmit(); o; o = sc.pollTransmit()) if (o.op === 'publish') await publish(o);
      await until(
        'B discovered the sketcher’s honest capability',
        async () => {
          const { candidates } = await getJson<{ candidates: Array<{ author: string }> }>(
            b,
            `/discover?tags=skill.honest`,
          );
          return candidates.some((c) => c.author === toHex(s.agentKey)) || 'not yet';
        },
        MS,
      );
      const bBefore = await status(b);
      const body = encodeBody({ kind: 'capability', tags: ['skill.everything'], text: 'pull me' });
      const now = Date.now();
      const e: Entry = {
        author: s.agentKey,
        topic: TOPIC,
        epoch: 0,
        seq: 2,
        prev: fromHex(first.id),
        kind: 'capability',
        ts: now,
        expires: now + 3_600_000,
        bodyHash: crypto.sha256(body),
        bodyLen: body.length,
        sketch: new Uint8Array(32).fill(0xff),
        tier: 2,
        key: 'skill.everything',
      };
      const header = encodeEntry(e, crypto.signer.sign(s.agentSecret, entryToBeSigned(e)));
      await hostile.publishAsync(`${root}b/${toHex(e.bodyHash)}`, Buffer.from(body), { qos: 1, retain: true });
      await hostile.publishAsync(`${root}h/${TOPIC}`, Buffer.from(header), { qos: 1 });
      await until(
        'B refused the all-ones sketch',
        async () => (delta((await status(b)).rejected, bBefore.rejected)['sketch_overfull'] ?? 0) >= 1 || 'not yet',
        MS,
      );
      const bAfter = await status(b);
      expect(delta(bAfter.rejected, bBefore.rejected)).toEqual({ sketch_overfull: 1 });
      expect((await metricRejections(b))['sketch_overfull']).toBe(bAfter.rejected['sketch_overfull']);
      expect(bAfter.pulls.requested).toBe(bBefore.pulls.requested); // the body was not pulled
      const { logs } = await getJson<{ logs: Array<{ author: string; seq: number }> }>(b, '/logs');
      expect(logs.find((l) => l.author === toHex(s.agentKey))?.seq).toBe(2); // the entry itself is in the log

      for (const topic of [...retained, `${root}b/${toHex(e.bodyHash)}`])
        await hostile.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true });
      await hostile.endAsync();
      await observer.endAsync();
    },
    300_000,
  );

  it('the UDP mesh: unauthenticated requests make A send nothing, and A does not relay requests addressed to it', async () => {
    const network = `amp-udp-${process.pid}`;
    const [pa, pb] = [await freeUdpPort(), await freeUdpPort()];
    const a = await startA(`udp://127.0.0.1:${pa}?peers=127.0.0.1:${pb}`, network, 'udp');
    const b = await startProc({
      dir,
      name: 'udp-b',
      config: {
        dataDir: join(dir, 'udp-b'),
        network,
        broker: `udp://127.0.0.1:${pb}?peers=127.0.0.1:${pa}`,
        profile: 'rpi-zero2w',
        declarations: [want],
      },
    });
    await until('B repaired A’s log over the mesh', () => headAt(b, a.agent, LOG), MS);
    // Two raw mesh sockets next to A, speaking the frames of docs/spec/channels.md: `obs` beacons to A and
    // echoes A's challenge (so A validates it, counts it as a neighbour and pushes to it) and counts the
    // direct-channel bytes A sends it; `atk` sends the requests and never echoes (A never pushes back to the
    // sender of a frame, so the observer is apart).
    const obs = createSocket('udp4');
    const atk = createSocket('udp4');
    await Promise.all([obs, atk].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
    let fromA = 0;
    const direct: Array<{ key: string; bytes: number }> = [];
    const toAtk = { bytes: 0, types: new Set<number>() };
    atk.on('message', (f, rinfo) => {
      if (rinfo.port !== pa) return;
      toAtk.bytes += f.length;
      toAtk.types.add(f[0]!);
    });
    obs.on('message', (f, rinfo) => {
      if (rinfo.port !== pa) return;
      if (f[0] === 5) obs.send(Buffer.concat([Buffer.from([6]), f.subarray(1)]), pa, '127.0.0.1'); // echo
      fromA += f.length;
      if (f[0] === 2 && f[14] === 4)
        direct.push({ key: f.subarray(16, 16 + f[15]!).toString('utf8'), bytes: f.length });
    });
    const beacon = setInterval(() => obs.send(frame(1, 1, Buffer.alloc(0)), pa, '127.0.0.1'), 500);
    try {
      await new Promise((r) => setTimeout(r, 2500)); // A knows the observer as a neighbour by now
      const attacker = identity('amp-udp-attacker');
      const A = fromHex(a.agent);
      const B = fromHex(b.agent);
      const range = { type: 'getEntries', author: A, topic: TOPIC, epoch: 0, fromSeq: 1, toSeq: LOG } as const;
      const before = await rejected(a);
      const outBefore = await directBytesOut(a);
      direct.length = 0;
      let t = Date.now();
      let bytes = 0;
      const n = Math.min(N, 100);
      for (let i = 0; i < n; i++) {
        for (const m of [
          encodeDirect({ ...range, from: B }),
          directRequest({ agentKey: B, agentSecret: attacker.agentSecret }, A, ++t, range),
        ]) {
          const f = frame(2, 4, message(4, a.agent, m));
          bytes += f.length;
          atk.send(f, pa, '127.0.0.1');
        }
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 50)); // datagrams: no flow control
      }
      await until(
        'A counted the hostile requests',
        async () => {
          const d = delta(await rejected(a), before);
          return ((d['unsigned_request'] ?? 0) >= n && (d['bad_signature'] ?? 0) >= n) || JSON.stringify(d);
        },
        MS,
      );
      await new Promise((r) => setTimeout(r, 1000));
      expect(delta(await rejected(a), before)).toEqual({ unsigned_request: n, bad_signature: n });
      const m = await metricRejections(a);
      expect(m['unsigned_request']).toBe((await rejected(a))['unsigned_request']);
      const sentByA = direct.reduce((s, x) => s + x.bytes, 0);
      const relayed = direct.filter((x) => x.key === a.agent).length;
      const countedOut = (await directBytesOut(a)) - outBefore;
      expect(sentByA / bytes).toBeLessThanOrEqual(3);
      expect(countedOut / bytes).toBeLessThanOrEqual(3);
      expect(relayed).toBe(0);
      console.log(
        `[amplification] ${JSON.stringify({ transport: 'udp mesh', requests: 2 * n, requestBytes: bytes, directBytesFromA: sentByA, directBytesCountedByA: countedOut, requestsRelayedByA: relayed, allBytesFromAToObserver: fromA, factor: sentByA / bytes })}`,
      );
      // The mesh's own unauthenticated requests (docs/spec/channels.md "Address validation"): beacons and
      // pulls for A's birth and frontiers from `atk`, which never echoes. A answers each with one challenge.
      expect(toAtk.bytes).toBe(0); // the pushed direct requests above got nothing back
      let meshBytes = 0;
      for (let i = 0; i < n; i++) {
        for (const f of [
          frame(1, 1, Buffer.alloc(0)),
          frame(3, 4, message(2, '+', new Uint8Array(0))),
          frame(3, 4, message(3, `${TOPIC}/+`, new Uint8Array(0))),
          frame(3, 4, message(2, '+', Buffer.from(`127.0.0.1:${obs.address().port}`))), // naming another address
        ]) {
          meshBytes += f.length;
          atk.send(f, pa, '127.0.0.1');
        }
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 2500)); // two heartbeats: nothing else follows
      expect([...toAtk.types]).toEqual([5]); // challenges only: no births, frontiers, beacons
      expect(toAtk.bytes / meshBytes).toBeLessThanOrEqual(3);
      console.log(
        `[amplification] ${JSON.stringify({ transport: 'udp mesh frames', requests: 4 * n, requestBytes: meshBytes, bytesFromAToSender: toAtk.bytes, factor: toAtk.bytes / meshBytes })}`,
      );
    } finally {
      clearInterval(beacon);
      obs.close();
      atk.close();
    }
  }, 300_000);
});
