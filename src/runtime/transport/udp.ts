// UDP LAN mesh transport (docs/architecture.md §5), for nodes on one LAN with no broker. `udp://HOST:PORT?peers=h:p,h:p`
// binds HOST:PORT; `peers` are seeds (any node of the mesh); more neighbours are learned from beacons.
//
// Semantics mirror the MQTT scheme so the core cannot tell them apart:
//  - publish, not retained (headers, direct): epidemic push. The origin sends to D neighbours; each node
//    forwards a message it has not seen (seen-cache by message id) to D neighbours while ttl > 0.
//    D is the firmware profile's gossipDegree (TransportOptions.degree, default 6); with at most Dhi = 2·D
//    neighbours a push goes to all of them (with D = 6, 2..20-node LANs are covered in one or two hops).
//  - publish, retained, small (births, frontiers): stored in the node's retained cache AND pushed like
//    a header, so every node holds them; new neighbours receive the publisher's own retained items, and
//    each heartbeat one neighbour in turn receives them again (anti-entropy for lost pushes).
//  - publish, retained, body: stored only (bodyless gossip: bodies travel on request, never pushed).
//  - subscribe: a local filter; it also sends a PULL for the key to the neighbours, and every node
//    holding matching retained items (its own, or copies it cached) answers: "from any holder".
// Frames are chunked under the MTU (1200-byte UDP payloads) and reassembled by message id. A message is
// at most `maxMessageBytes` (the profile's message limit) plus 512 bytes of framing (`?max=` overrides):
// a frame claiming more chunks is dropped before anything is buffered (reported through onOversize when
// it is the first chunk, which names channel and key), and messages being reassembled hold at most
// PARTIAL_BUDGET_MESSAGES such messages' worth of bytes (the oldest are dropped beyond it).
// Beacons every heartbeat (1 s) carry the sender's address, a sample of its neighbours and, when it
// has a last will, the will's name (`will=n/{agent}`: who this address is).
// Liveness (no broker to publish a Will): on close() a node pushes its will (the signed death) like a
// retained publish, so every node that holds its birth gets the death. A neighbour whose beacons stop
// for NEIGHBOUR_TIMEOUT_MS (5 beacon intervals) is dropped at the next heartbeat, so within 6 s of its
// last beacon; if no other live address carries its will name, onPeer reports that name unreachable
// (a local hint: the transport cannot sign a death), and reachable again when a beacon carries it.
//
// Address validation (no reflection): beacons and pulls are unauthenticated and their source address can
// be spoofed, so bulk data (greetings, anti-entropy, pull answers) goes only to a validated address: one
// that echoed a stateless cookie (T_CHALLENGE -> T_ECHO, an HMAC over address, port and a 60 s time
// bucket under a per-process secret) within VALIDATED_MS. To anything else a triggering frame gets at most
// one 30-byte challenge, at most 3x the smallest frame (14 bytes); its beacon sample is ignored and its
// pull is neither forwarded nor answered, only remembered (LEASE_MS) and answered once it echoes.
// Frame: u8 type | u8 ttl | 8-byte message id | u16 chunk index | u16 chunk count | payload chunk
// Message payload (after reassembly): u8 channel | u8 key length | key (utf8) | u32 expiryS | bytes

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { topicMatches } from '../../core/base/hub.js';
import type { Channel } from '../../core/types.js';
import { ERR } from '../errors.js';
import {
  CHANNEL_LETTER,
  DEFAULT_MAX_MESSAGE_BYTES,
  LETTER_CHANNEL,
  type PublishOptions,
  type Transport,
  type TransportOptions,
  type TransportState,
} from './types.js';

const T_BEACON = 1;
const T_PUSH = 2;
const T_PULL = 3;
const T_RETAINED = 4;
const T_CHALLENGE = 5;
const T_ECHO = 6;
/** Cookie: u32 time bucket | first 12 bytes of HMAC-SHA256(secret, "host:port" | bucket). */
const COOKIE = 16;
const COOKIE_BUCKET_MS = 60_000;
/** How long an echoed address stays validated; re-challenged in its last REVALIDATE_MS. */
const VALIDATED_MS = 5 * 60_000;
const REVALIDATE_MS = 60_000;
const MAX_VALIDATED = 4096;
const MTU = 1200;
const HEADER = 14;
const TTL = 4;
const HEARTBEAT_MS = 1000;
const NEIGHBOUR_TIMEOUT_MS = 5000;
const SEEN = 8192;
const LEASE_MS = 30_000;
/** Bytes held by messages being reassembled, in messages of the largest size. */
const PARTIAL_BUDGET_MESSAGES = 8;
const CHANNELS: Channel[] = ['header', 'body', 'birth', 'frontier', 'direct', 'fraud', 'revocation']; // index = wire byte: append only

interface Retained {
  readonly bytes: Uint8Array;
  readonly expiresAt: number;
  readonly own: boolean;
}

function encodeMessage(channel: Channel, key: string, bytes: Uint8Array, expiryS: number): Buffer {
  const k = Buffer.from(key, 'utf8');
  if (k.length > 255) throw new RangeError('udp transport: key longer than 255 bytes');
  const b = Buffer.alloc(2 + k.length + 4 + bytes.length);
  b[0] = CHANNELS.indexOf(channel);
  b[1] = k.length;
  k.copy(b, 2);
  b.writeUInt32BE(Math.min(0xffffffff, Math.max(0, Math.floor(expiryS))), 2 + k.length);
  b.set(bytes, 6 + k.length);
  return b;
}

function decodeMessage(b: Buffer): { channel: Channel; key: string; bytes: Uint8Array; expiryS: number } | undefined {
  if (b.length < 6 || b[0]! >= CHANNELS.length) return undefined;
  const kl = b[1]!;
  if (b.length < 6 + kl) return undefined;
  return {
    channel: CHANNELS[b[0]!]!,
    key: b.subarray(2, 2 + kl).toString('utf8'),
    expiryS: b.readUInt32BE(2 + kl),
    bytes: new Uint8Array(b.subarray(6 + kl)),
  };
}

export interface UdpTransport extends Transport {
  neighbours(): string[];
  localAddress(): string;
}

export function createUdpTransport(url: string, o: TransportOptions): UdpTransport {
  const u = new URL(url);
  const host = u.hostname || '0.0.0.0';
  const port = Number(u.port || 0);
  const seeds = (u.searchParams.get('peers') ?? '').split(',').filter(Boolean);
  for (const s of seeds)
    if (!/^[^:]+:\d+$/.test(s)) throw new TypeError(`udp transport: peer ${JSON.stringify(s)} is not host:port`);
  const maxMessage = Number(u.searchParams.get('max') ?? (o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES) + 512);
  if (!Number.isSafeInteger(maxMessage) || maxMessage < MTU)
    throw new RangeError(`udp transport: max ${maxMessage} must be an integer >= ${MTU}`);
  const D = o.degree ?? 6;
  if (!Number.isInteger(D) || D < 1 || D > 64) throw new RangeError(`udp transport: degree ${D} must be 1..64`);
  const D_HI = 2 * D;
  const sock: Socket = createSocket({ type: 'udp4', reuseAddr: false });
  const neighbours = new Map<string, number>(); // "host:port" -> last seen
  const validated = new Map<string, number>(); // "host:port" -> validated until
  const secret = randomBytes(32);
  const greeted = new Set<string>(); // neighbours whose beacon we answered with our own retained items
  const seen = new Map<string, true>();
  const retained = new Map<string, Retained>();
  const filters = new Set<string>();
  const partial = new Map<string, { chunks: Buffer[]; got: number; at: number; bytes: number }>();
  let partialBytes = 0;
  const dropPartial = (k: string) => {
    partialBytes -= partial.get(k)?.bytes ?? 0;
    partial.delete(k);
  };
  const oversizeCbs: Array<(c: Channel, k: string, n: number) => void> = [];
  const msgCbs: Array<(c: Channel, k: string, b: Uint8Array) => void> = [];
  const stateCbs: Array<(s: TransportState) => void> = [];
  const peerCbs: Array<(c: Channel, k: string, reachable: boolean) => void> = [];
  const willName = o.will ? `${CHANNEL_LETTER[o.will.channel]}/${o.will.key}` : undefined;
  const peerWill = new Map<string, string>(); // neighbour address -> the will name its beacons carry
  const lost = new Set<string>(); // will names reported unreachable
  const reportPeer = (name: string, reachable: boolean) => {
    for (const cb of peerCbs) cb(LETTER_CHANNEL[name[0]!]!, name.slice(2), reachable);
  };
  let inflight = 0; // datagrams handed to the socket and not sent yet (close() waits for them)
  let drained: (() => void) | undefined;
  let self = '';
  let closed = false;
  let readyResolve: () => void;
  let readyReject: (e: unknown) => void;
  const readyP = new Promise<void>((res, rej) => ((readyResolve = res), (readyReject = rej)));

  const markSeen = (id: string) => {
    seen.set(id, true);
    if (seen.size > SEEN) seen.delete(seen.keys().next().value!);
  };

  const cookieMac = (addr: string, bucket: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(bucket >>> 0);
    return createHmac('sha256', secret)
      .update(addr, 'utf8')
      .update(b)
      .digest()
      .subarray(0, COOKIE - 4);
  };
  const isValidated = (addr: string): boolean => (validated.get(addr) ?? 0) > Date.now();
  /** The only frame an unvalidated address can make this node send: 30 bytes. */
  function challenge(to: string): void {
    const bucket = Math.floor(Date.now() / COOKIE_BUCKET_MS) >>> 0;
    const c = Buffer.alloc(COOKIE);
    c.writeUInt32BE(bucket);
    cookieMac(to, bucket).copy(c, 4);
    sendFrame(T_CHALLENGE, 1, randomBytes(8), c, to);
  }
  function checkEcho(payload: Buffer, from: string): boolean {
    if (payload.length !== COOKIE) return false;
    const bucket = payload.readUInt32BE(0);
    const now = Math.floor(Date.now() / COOKIE_BUCKET_MS) >>> 0;
    if (bucket !== now && bucket !== (now - 1) >>> 0) return false;
    return timingSafeEqual(payload.subarray(4), cookieMac(from, bucket));
  }

  function sendFrame(type: number, ttl: number, id: Buffer, payload: Buffer, to: string): void {
    const [h, p] = [to.slice(0, to.lastIndexOf(':')), Number(to.slice(to.lastIndexOf(':') + 1))];
    const per = MTU - HEADER;
    const count = Math.max(1, Math.ceil(payload.length / per));
    for (let i = 0; i < count; i++) {
      const f = Buffer.alloc(HEADER + Math.min(per, payload.length - i * per));
      f[0] = type;
      f[1] = ttl;
      id.copy(f, 2);
      f.writeUInt16BE(i, 10);
      f.writeUInt16BE(count, 12);
      payload.copy(f, HEADER, i * per, i * per + (f.length - HEADER));
      if (closed) continue;
      inflight++;
      sock.send(f, p, h, () => {
        if (--inflight === 0) drained?.();
      });
    }
  }

  /** D random neighbours, or all of them up to Dhi (small LANs). */
  function fanout(exclude?: string): string[] {
    const all = [...neighbours.keys(), ...seeds.filter((s) => !neighbours.has(s))].filter(
      (n) => n !== exclude && n !== self,
    );
    if (all.length <= D_HI) return all;
    for (let i = all.length - 1; i > 0; i--) {
      const j = randomBytes(2).readUInt16BE() % (i + 1);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, D);
  }

  /** Retained items already handed to the core since its last subscribe (name -> content id). */
  const delivered = new Map<string, string>();

  function deliver(channel: Channel, key: string, bytes: Uint8Array, retainedCopy = false): void {
    const name = `${CHANNEL_LETTER[channel]}/${key}`;
    if (![...filters].some((f) => topicMatches(f, name))) return;
    if (retainedCopy) {
      // Several holders answer a pull: hand each retained version over once, as a broker would.
      const cid = `${bytes.length}:${Buffer.from(bytes.subarray(0, 64)).toString('base64')}:${Buffer.from(bytes.subarray(-64)).toString('base64')}`;
      if (delivered.get(name) === cid) return;
      delivered.set(name, cid);
      if (delivered.size > 4096) delivered.delete(delivered.keys().next().value!);
    }
    for (const cb of msgCbs) cb(channel, key, bytes);
  }

  /** Pulls this node could not answer yet, kept for LEASE_MS: filter -> requester -> until. */
  const wanted = new Map<string, Map<string, number>>();

  function keep(channel: Channel, key: string, bytes: Uint8Array, expiryS: number, own: boolean): void {
    const name = `${CHANNEL_LETTER[channel]}/${key}`;
    // Only we publish our own names (our birth, our frontiers, what a bridge forwarded here): a copy
    // handed back by a neighbour, maybe an older version, must not replace ours or make it someone else's.
    if (!own && retained.get(name)?.own) return;
    if (bytes.length === 0) return void retained.delete(name);
    const r: Retained = { bytes, expiresAt: expiryS ? Date.now() + expiryS * 1000 : Infinity, own };
    retained.set(name, r);
    // Someone asked for this before it existed here (a subscribe that came first): answer now.
    const now = Date.now();
    for (const [filter, who] of wanted) {
      if (!topicMatches(filter, name)) continue;
      for (const [to, until] of who) {
        if (until <= now || !isValidated(to)) continue; // an unvalidated requester is answered when it echoes
        sendRetained(name, r, to);
        who.delete(to);
      }
      if (who.size === 0) wanted.delete(filter);
    }
  }

  /** Pulls `to` made before it was validated, answered now. */
  function answerWanted(to: string): void {
    const now = Date.now();
    for (const [filter, who] of wanted) {
      if (!who.has(to)) continue;
      let answered = false;
      for (const [name, r] of retained)
        if (r.expiresAt > now && topicMatches(filter, name)) {
          sendRetained(name, r, to);
          answered = true;
        }
      if (answered && !filter.endsWith('/+')) who.delete(to);
      if (who.size === 0) wanted.delete(filter);
    }
  }

  function want(filter: string, to: string): void {
    if (wanted.size >= 1024) wanted.delete(wanted.keys().next().value!);
    const who = wanted.get(filter) ?? new Map<string, number>();
    if (who.size >= 256 && !who.has(to)) who.delete(who.keys().next().value!);
    who.set(to, Date.now() + LEASE_MS);
    wanted.set(filter, who);
  }

  function greet(to: string): void {
    if (greeted.has(to)) return;
    greeted.add(to);
    for (const [name, r] of retained) if (r.own && !name.startsWith('b/')) sendRetained(name, r, to);
  }

  function onMessage(type: number, ttl: number, id: Buffer, payload: Buffer, from: string): void {
    if (type === T_CHALLENGE) {
      // Answered with the same bytes (1x): proves we receive at our address.
      if (payload.length === COOKIE) sendFrame(T_ECHO, 1, randomBytes(8), payload, from);
      return;
    }
    if (type === T_ECHO) {
      if (!checkEcho(payload, from)) return;
      if (validated.size >= MAX_VALIDATED && !validated.has(from)) {
        const now = Date.now();
        for (const [a, until] of validated) if (until <= now) validated.delete(a);
        if (validated.size >= MAX_VALIDATED) validated.delete(validated.keys().next().value!);
      }
      validated.delete(from); // re-inserted last: the oldest validation is dropped first
      validated.set(from, Date.now() + VALIDATED_MS);
      // It speaks the mesh at that address: a neighbour now (not at its next beacon, a second later), greeted.
      neighbours.set(from, Date.now());
      greet(from);
      answerWanted(from);
      return;
    }
    if (type === T_BEACON) {
      const until = validated.get(from) ?? 0;
      if (until <= Date.now()) return challenge(from); // nothing else until it echoes
      if (until - Date.now() < REVALIDATE_MS) challenge(from); // still valid: refresh before it lapses
      const items = payload.toString('utf8').split(',');
      const list = items.filter((x) => /^[^:,]+:\d+$/.test(x));
      const will = items
        .find((x) => /^will=[a-z]\/[^,]{1,255}$/.test(x) && LETTER_CHANNEL[x[5]!] !== undefined)
        ?.slice(5);
      if (will) {
        peerWill.set(from, will);
        if (lost.delete(will)) reportPeer(will, true);
      }
      neighbours.set(from, Date.now());
      for (const n of list.slice(0, 32))
        if (n !== self && !neighbours.has(n)) neighbours.set(n, Date.now() - NEIGHBOUR_TIMEOUT_MS / 2);
      // Its first validated beacon (or its echo): hand it our own births and frontiers, which it may have missed (pushes sent
      // before it was up are lost). Keyed apart from `neighbours`: one known only from another node's
      // sample has never heard from us directly.
      greet(from);
      return;
    }
    const idHex = id.toString('hex');
    if (seen.has(idHex)) return;
    markSeen(idHex);
    const m = decodeMessage(payload);
    if (!m) return;
    if (type === T_PUSH) {
      const isRetained = m.channel !== 'header' && m.channel !== 'direct';
      if (isRetained) keep(m.channel, m.key, m.bytes, m.expiryS, false);
      deliver(m.channel, m.key, m.bytes, isRetained);
      // A direct message for this node's own inbox has arrived: relaying it further would only make every
      // request to this node cost it up to Dhi sends (docs/spec/channels.md, UDP "Behaviour").
      const mine = m.channel === 'direct' && filters.has(`d/${m.key}`);
      if (ttl > 1 && !mine) for (const n of fanout(from)) sendFrame(T_PUSH, ttl - 1, id, payload, n);
    } else if (type === T_PULL) {
      const filter = `${CHANNEL_LETTER[m.channel]}/${m.key}`;
      const reply = m.bytes.length ? Buffer.from(m.bytes).toString('utf8') : from;
      if (!/^[^:,]+:\d+$/.test(reply)) return;
      // A pull naming another address is only taken from a validated neighbour (it forwards for the
      // requester); the requester itself must be validated here before anything is sent to it.
      if (reply !== from && !isValidated(from)) return challenge(from);
      if (!isValidated(reply)) {
        want(filter, reply);
        return challenge(reply);
      }
      const now = Date.now();
      let answered = false;
      for (const [name, r] of retained) {
        if (r.expiresAt > now && topicMatches(filter, name)) {
          sendRetained(name, r, reply);
          answered = true;
        }
      }
      if (!answered || filter.endsWith('/+')) want(filter, reply);
      if (ttl > 1)
        for (const n of fanout(from))
          sendFrame(T_PULL, ttl - 1, id, encodeMessage(m.channel, m.key, Buffer.from(reply), 0), n);
    } else if (type === T_RETAINED) {
      keep(m.channel, m.key, m.bytes, m.expiryS, false); // a copy: this node can serve it too
      deliver(m.channel, m.key, m.bytes, true);
    }
  }

  function sendRetained(name: string, r: Retained, to: string): void {
    const channel = LETTER_CHANNEL[name[0]!]!;
    const expiryS = r.expiresAt === Infinity ? 0 : Math.ceil((r.expiresAt - Date.now()) / 1000);
    sendFrame(T_RETAINED, 1, randomBytes(8), encodeMessage(channel, name.slice(2), r.bytes, expiryS), to);
  }

  sock.on('message', (f, rinfo) => {
    if (f.length < HEADER) return;
    const from = `${rinfo.address}:${rinfo.port}`;
    const [type, ttl, id, idx, count] = [f[0]!, f[1]!, f.subarray(2, 10), f.readUInt16BE(10), f.readUInt16BE(12)];
    if (count === 0 || idx >= count) return;
    if ((count - 1) * (MTU - HEADER) >= maxMessage) {
      // Larger than any message we accept: dropped unbuffered. The first chunk names channel and key.
      if (idx === 0 && type !== T_BEACON && !seen.has(id.toString('hex'))) {
        markSeen(id.toString('hex'));
        const m = decodeMessage(f.subarray(HEADER));
        if (m) for (const cb of oversizeCbs) cb(m.channel, m.key, count * (MTU - HEADER));
      }
      return;
    }
    if (count === 1) return onMessage(type, ttl, Buffer.from(id), f.subarray(HEADER), from);
    const key = `${from}/${id.toString('hex')}`;
    let p = partial.get(key);
    if (!p) {
      if (partial.size > 256) dropPartial(partial.keys().next().value!);
      partial.set(key, (p = { chunks: new Array(count), got: 0, at: Date.now(), bytes: 0 }));
    }
    if (p.chunks.length !== count || p.chunks[idx]) return;
    const chunk = Buffer.from(f.subarray(HEADER));
    p.chunks[idx] = chunk;
    p.bytes += chunk.length;
    partialBytes += chunk.length;
    while (partialBytes > PARTIAL_BUDGET_MESSAGES * maxMessage && partial.size > 1)
      dropPartial(partial.keys().next().value!); // the oldest first (never the one just grown)
    if (++p.got === count) {
      dropPartial(key);
      onMessage(type, ttl, Buffer.from(id), Buffer.concat(p.chunks), from);
    }
  });
  sock.on('error', (e) => {
    if (!self) readyReject(ERR.transportFailed(`udp transport: cannot bind ${host}:${port}`, e));
  });

  let refreshTurn = 0; // whose turn it is to get our own retained items again
  const beacon = () => {
    const now = Date.now();
    for (const [n, t] of neighbours) {
      if (now - t <= NEIGHBOUR_TIMEOUT_MS) continue;
      neighbours.delete(n);
      const w = peerWill.get(n);
      peerWill.delete(n);
      if (w && ![...peerWill.values()].includes(w) && !lost.has(w)) {
        if (lost.size >= 4096) lost.delete(lost.values().next().value!); // bounded: beacons are unsigned
        lost.add(w);
        reportPeer(w, false);
      }
    }
    for (const [a, until] of validated) if (until <= now) validated.delete(a);
    for (const n of greeted) if (!neighbours.has(n)) greeted.delete(n); // gone: greeted again when it comes back
    for (const [k, p] of partial) if (now - p.at > 10_000) dropPartial(k);
    for (const [f, who] of wanted) {
      for (const [to, until] of who) if (until <= now) who.delete(to);
      if (who.size === 0) wanted.delete(f);
    }
    const sample = Buffer.from(
      [...[...neighbours.keys()].slice(0, 32), ...(willName ? [`will=${willName}`] : [])].join(','),
      'utf8',
    );
    for (const n of new Set([...neighbours.keys(), ...seeds]))
      if (n !== self) sendFrame(T_BEACON, 1, randomBytes(8), sample, n);
    // Anti-entropy: each heartbeat, one neighbour in turn gets our own births and frontiers again, so
    // a lost push is repaired within (neighbours) heartbeats instead of waiting for our next change.
    // The receiver hands a version its core already has to it only once (`delivered`).
    const ns = [...neighbours.keys()].filter((n) => n !== self && isValidated(n));
    if (ns.length) {
      const to = ns[refreshTurn++ % ns.length]!;
      for (const [name, r] of retained)
        if (r.own && !name.startsWith('b/') && r.expiresAt > now) sendRetained(name, r, to);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  sock.bind(port, host, () => {
    const a = sock.address();
    self = `${host === '0.0.0.0' ? '127.0.0.1' : host}:${a.port}`;
    beacon();
    timer = setInterval(beacon, HEARTBEAT_MS);
    timer.unref();
    readyResolve();
    for (const cb of stateCbs) cb('up');
  });

  function push(type: number, channel: Channel, key: string, bytes: Uint8Array, expiryS: number): void {
    const id = randomBytes(8);
    markSeen(id.toString('hex'));
    const payload = encodeMessage(channel, key, bytes, expiryS);
    for (const n of fanout()) sendFrame(type, TTL, id, payload, n);
  }

  return {
    url,
    publish(channel, key, bytes, p: PublishOptions) {
      const expiryS = p.expiryMs !== undefined ? Math.ceil(p.expiryMs / 1000) : 0;
      if (p.retain) keep(channel, key, bytes, expiryS, true);
      if (!(p.retain && channel === 'body')) push(T_PUSH, channel, key, bytes, expiryS);
    },
    subscribe(channel, key) {
      filters.add(`${CHANNEL_LETTER[channel]}/${key}`);
      if (channel === 'header') return;
      // Retained copies held locally first, then ask the mesh.
      const name = `${CHANNEL_LETTER[channel]}/${key}`;
      for (const n of [...delivered.keys()]) if (topicMatches(name, n)) delivered.delete(n);
      for (const [n, r] of retained)
        if (r.expiresAt > Date.now() && topicMatches(name, n) && !r.own)
          queueMicrotask(() => deliver(channel, n.slice(2), r.bytes, true));
      if (channel !== 'direct') push(T_PULL, channel, key, new Uint8Array(0), 0);
    },
    unsubscribe(channel, key) {
      filters.delete(`${CHANNEL_LETTER[channel]}/${key}`);
    },
    onMessage(cb) {
      msgCbs.push(cb);
    },
    onPeer(cb) {
      peerCbs.push(cb);
    },
    onOversize(cb) {
      oversizeCbs.push(cb);
    },
    onState(cb) {
      stateCbs.push(cb);
      if (self) queueMicrotask(() => cb('up'));
    },
    ready: () => readyP,
    async close() {
      if (o.will && self && !closed) {
        // No broker will publish our Will: send the signed death ourselves, as a retained publish (every
        // node keeps a copy and serves it), and give the datagrams up to a second to leave.
        const bytes = typeof o.will.bytes === 'function' ? o.will.bytes() : o.will.bytes;
        keep(o.will.channel, o.will.key, bytes, 0, true);
        push(T_PUSH, o.will.channel, o.will.key, bytes, 0);
        if (inflight > 0) await new Promise<void>((r) => ((drained = r), setTimeout(r, 1000).unref()));
      }
      closed = true;
      if (timer) clearInterval(timer);
      await new Promise<void>((r) => sock.close(() => r()));
    },
    stats: () => ({ neighbours: neighbours.size, retained: retained.size, degree: D }),
    /** For tests and status: the current neighbour addresses and our own. */
    neighbours: () => [...neighbours.keys()],
    localAddress: () => self,
  } as UdpTransport;
}
