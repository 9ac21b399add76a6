// The UDP LAN mesh's gossip logic as a sans-I/O core (docs/conventions.md §2, docs/transports.md "The UDP mesh"):
// who gets a frame, what is new, what is kept and served, and which address may be sent bulk data. It owns no
// socket and no timer: datagrams come in through `handleDatagram(now, from, frame)`, the heartbeat through
// `heartbeat(now)` (due at `pollTimeout()`), the node's calls through `publish` / `subscribe` / `leave`; what to
// send is polled with `pollTransmit()` and what happened with `pollEvent()`. Randomness (message ids, fan-out)
// and the cookie MAC come through `MeshPorts`. The socket driver is src/runtime/transport/udp.ts.
//
// Semantics mirror the MQTT scheme so the core cannot tell them apart:
//  - publish, not retained (headers, direct): epidemic push. The origin sends to D neighbours; each node
//    forwards a message it has not seen (seen-cache by message id) to D neighbours while ttl > 0. With at most
//    Dhi = 2·D neighbours a push goes to all of them. A copy that reached the inbox it is addressed to (the
//    channel table's `addressed`, core/channels.ts) is not relayed further (docs/spec/channels.md "Behaviour").
//  - publish, retained and pushed (births, frontiers, proofs, revocations): kept in the node's retained cache
//    AND pushed, so every node holds them; new neighbours get the publisher's own retained items, and each
//    heartbeat one neighbour in turn gets them again (anti-entropy for lost pushes).
//  - publish, retained, not pushed (bodies): kept only; fetched by a pull (bodyless gossip).
//  - subscribe to a retained channel: a local filter, local copies handed over, and a PULL sent to the
//    neighbours; every node holding matching retained items answers ("from any holder").
// Address validation (no reflection, cookies.ts): bulk data (greetings, anti-entropy, pull answers) goes only to
// an address that echoed a cookie; anything else gets at most one 30-byte challenge, and its pull is only
// remembered (leases.ts) until it echoes. Liveness: silent neighbours are reported by will name (neighbours.ts).

import { CHANNEL, letterName, parseLetterName, type Channel } from '../channels.js';
import { topicMatches } from '../base/hub.js';
import { toHex } from '../base/bytes.js';
import { Cookies, REVALIDATE_MS } from './cookies.js';
import type { MeshEvent, MeshOptions, MeshPorts, MeshTransmit } from './types.js';
import { PullLeases } from './leases.js';
import { Neighbours } from './neighbours.js';
import {
  COOKIE,
  CHUNK,
  Reassembly,
  T_BEACON,
  T_CHALLENGE,
  T_ECHO,
  T_PULL,
  T_PUSH,
  T_RETAINED,
  decodeFrame,
  decodeMessage,
  encodeFrames,
  encodeMessage,
  utf8Text,
  type MeshMessage,
} from './wire.js';

export const TTL = 4;
export const HEARTBEAT_MS = 1000;
export { NEIGHBOUR_TIMEOUT_MS } from './neighbours.js';
const SEEN = 8192;
/** Bytes held by messages being reassembled, in messages of the largest size. */
const PARTIAL_BUDGET_MESSAGES = 8;
const ADDR_RE = /^[^:,]+:\d+$/;

export type { MeshEvent, MeshOptions, MeshPorts, MeshTransmit } from './types.js';

interface Retained {
  readonly bytes: Uint8Array;
  readonly expiresAt: number;
  readonly own: boolean;
}

export class MeshCore {
  private readonly D: number;
  private readonly dHi: number;
  private readonly table = new Neighbours();
  private readonly cookies: Cookies;
  private readonly greeted = new Set<string>(); // neighbours given our own retained items
  private readonly seen = new Map<string, true>();
  private readonly retained = new Map<string, Retained>();
  private readonly filters = new Set<string>();
  private readonly partial: Reassembly;
  private readonly willName: string | undefined;
  /** Retained items already handed to the core since its last subscribe (name -> content id). */
  private readonly delivered = new Map<string, string>();
  /** Pulls this node could not answer yet (leases.ts). */
  private readonly wanted = new PullLeases();
  private readonly out: MeshTransmit[] = [];
  private readonly events: MeshEvent[] = [];
  private refreshTurn = 0;
  private lastBeat: number | undefined;
  private self = '';

  constructor(
    private readonly o: MeshOptions,
    private readonly ports: MeshPorts,
  ) {
    if (!Number.isInteger(o.degree) || o.degree < 1 || o.degree > 64)
      throw new RangeError(`udp transport: degree ${o.degree} must be 1..64`);
    this.D = o.degree;
    this.dHi = 2 * o.degree;
    this.cookies = new Cookies(ports.cookieMac);
    this.partial = new Reassembly(PARTIAL_BUDGET_MESSAGES * o.maxMessage);
    this.willName = o.will ? letterName(o.will.channel, o.will.key) : undefined;
  }

  /** This node's own address, once bound: never sent to, and left out of beacons' samples. */
  bound(self: string): void {
    this.self = self;
  }

  pollTransmit(): MeshTransmit | undefined {
    return this.out.shift();
  }

  pollEvent(): MeshEvent | undefined {
    return this.events.shift();
  }

  /** When the next heartbeat is due (after the first one). */
  pollTimeout(): number | undefined {
    return this.lastBeat === undefined ? undefined : this.lastBeat + HEARTBEAT_MS;
  }

  neighbours(): string[] {
    return this.table.list();
  }

  stats(): { neighbours: number; retained: number; degree: number } {
    return { neighbours: this.table.size, retained: this.retained.size, degree: this.D };
  }

  // ---- the node's calls ------------------------------------------------------------------------------------------

  publish(now: number, channel: Channel, key: string, bytes: Uint8Array, retain: boolean, expiryMs?: number): void {
    const expiryS = expiryMs !== undefined ? Math.ceil(expiryMs / 1000) : 0;
    if (retain) this.keep(now, channel, key, bytes, expiryS, true);
    if (!(retain && !CHANNEL[channel].pushed)) this.push(T_PUSH, channel, key, bytes, expiryS);
  }

  /** Local retained copies become `message` events, then the mesh is asked (retained channels only). */
  subscribe(now: number, channel: Channel, key: string): void {
    const filter = letterName(channel, key);
    this.filters.add(filter);
    if (!CHANNEL[channel].retained) return; // live only: nothing is kept or pulled
    for (const n of [...this.delivered.keys()]) if (topicMatches(filter, n)) this.delivered.delete(n);
    for (const [n, r] of this.retained)
      if (r.expiresAt > now && topicMatches(filter, n) && !r.own) this.deliver(channel, n.slice(2), r.bytes, true);
    this.push(T_PULL, channel, key, new Uint8Array(0), 0);
  }

  unsubscribe(channel: Channel, key: string): void {
    this.filters.delete(letterName(channel, key));
  }

  /** Leaving: the will (a signed death) goes out as a retained publish of our own, since no broker sends it. */
  leave(now: number, bytes: Uint8Array): void {
    if (!this.o.will || !this.self) return;
    this.keep(now, this.o.will.channel, this.o.will.key, bytes, 0, true);
    this.push(T_PUSH, this.o.will.channel, this.o.will.key, bytes, 0);
  }

  // ---- input -----------------------------------------------------------------------------------------------------

  /** One datagram from `from` ("host:port"). */
  handleDatagram(now: number, from: string, f: Uint8Array): void {
    const fr = decodeFrame(f);
    if (!fr || fr.count === 0 || fr.idx >= fr.count) return;
    if ((fr.count - 1) * CHUNK >= this.o.maxMessage) return this.oversize(fr.type, fr.id, fr.idx, fr.count, fr.chunk);
    if (fr.count === 1) return this.onMessage(now, fr.type, fr.ttl, new Uint8Array(fr.id), fr.chunk, from);
    const whole = this.partial.add(now, `${from}/${toHex(fr.id)}`, fr.idx, fr.count, fr.chunk);
    if (whole) this.onMessage(now, fr.type, fr.ttl, new Uint8Array(fr.id), whole, from);
  }

  /** Larger than any message we accept: dropped unbuffered. The first chunk names channel and key. */
  private oversize(type: number, id: Uint8Array, idx: number, count: number, chunk: Uint8Array): void {
    const idHex = toHex(id);
    if (idx !== 0 || type === T_BEACON || this.seen.has(idHex)) return;
    this.markSeen(idHex);
    const m = decodeMessage(chunk);
    if (m) this.events.push({ type: 'oversize', channel: m.channel, key: m.key, bytes: count * CHUNK });
  }

  private onMessage(now: number, type: number, ttl: number, id: Uint8Array, payload: Uint8Array, from: string): void {
    if (type === T_CHALLENGE) {
      // Answered with the same bytes (1x): proves we receive at our address.
      if (payload.length === COOKIE) this.sendFrame(T_ECHO, 1, this.ports.randomBytes(8), payload, from);
      return;
    }
    if (type === T_ECHO) return this.onEcho(now, payload, from);
    if (type === T_BEACON) return this.onBeacon(now, payload, from);
    const idHex = toHex(id);
    if (this.seen.has(idHex)) return;
    this.markSeen(idHex);
    const m = decodeMessage(payload);
    if (!m) return;
    if (type === T_PUSH) this.onPush(now, ttl, id, payload, m, from);
    else if (type === T_PULL) this.onPull(now, ttl, id, m, from);
    else if (type === T_RETAINED) {
      this.keep(now, m.channel, m.key, m.bytes, m.expiryS, false); // a copy: this node can serve it too
      this.deliver(m.channel, m.key, m.bytes, true);
    }
  }

  private onEcho(now: number, payload: Uint8Array, from: string): void {
    if (!this.cookies.validate(now, payload, from)) return;
    // It speaks the mesh at that address: a neighbour now (not at its next beacon, a second later), greeted.
    this.table.heard(now, from);
    this.greet(now, from);
    this.answerWanted(now, from);
  }

  private onBeacon(now: number, payload: Uint8Array, from: string): void {
    const until = this.cookies.until(from);
    if (until <= now) return this.challenge(now, from); // nothing else until it echoes
    if (until - now < REVALIDATE_MS) this.challenge(now, from); // still valid: refresh before it lapses
    const items = utf8Text(payload).split(',');
    const will = items.find((x) => /^will=[a-z]\/[^,]{1,255}$/.test(x) && parseLetterName(x.slice(5)))?.slice(5);
    if (will) {
      if (this.table.carries(from, will)) this.reportPeer(will, true);
    }
    this.table.heard(now, from);
    for (const n of items.filter((x) => ADDR_RE.test(x)).slice(0, 32)) if (n !== this.self) this.table.learned(now, n);
    // Its first validated beacon: hand it our own births and frontiers, which it may have missed (pushes sent
    // before it was up are lost). Kept apart from the neighbour table: one known only from another node's sample
    // has never heard from us directly.
    this.greet(now, from);
  }

  private onPush(now: number, ttl: number, id: Uint8Array, payload: Uint8Array, m: MeshMessage, from: string): void {
    const row = CHANNEL[m.channel];
    if (row.retained) this.keep(now, m.channel, m.key, m.bytes, m.expiryS, false);
    this.deliver(m.channel, m.key, m.bytes, row.retained);
    // A message for this node's own inbox has arrived: relaying it further would only make every request to
    // this node cost it up to Dhi sends (docs/spec/channels.md, UDP "Behaviour").
    const mine = row.addressed && this.filters.has(letterName(m.channel, m.key));
    if (ttl > 1 && !mine) for (const n of this.fanout(from)) this.sendFrame(T_PUSH, ttl - 1, id, payload, n);
  }

  private onPull(now: number, ttl: number, id: Uint8Array, m: MeshMessage, from: string): void {
    const filter = letterName(m.channel, m.key);
    const reply = m.bytes.length ? utf8Text(m.bytes) : from;
    if (!ADDR_RE.test(reply)) return;
    // A pull naming another address is only taken from a validated neighbour (it forwards for the requester);
    // the requester itself must be validated here before anything is sent to it.
    if (reply !== from && !this.cookies.isValidated(now, from)) return this.challenge(now, from);
    if (!this.cookies.isValidated(now, reply)) {
      this.wanted.want(now, filter, reply);
      return this.challenge(now, reply);
    }
    const answered = this.answer(now, filter, reply);
    if (!answered || filter.endsWith('/+')) this.wanted.want(now, filter, reply);
    if (ttl > 1) {
      const fwd = encodeMessage(m.channel, m.key, new TextEncoder().encode(reply), 0);
      for (const n of this.fanout(from)) this.sendFrame(T_PULL, ttl - 1, id, fwd, n);
    }
  }

  // ---- the heartbeat ---------------------------------------------------------------------------------------------

  /** Every HEARTBEAT_MS: drop silent neighbours, expire state, beacon, and refresh one neighbour's copies. */
  heartbeat(now: number): void {
    this.lastBeat = now;
    for (const w of this.table.dropSilent(now)) this.reportPeer(w, false);
    this.cookies.expire(now);
    for (const n of this.greeted) if (!this.table.has(n)) this.greeted.delete(n); // greeted again on return
    this.partial.expire(now, 10_000);
    this.wanted.expire(now);
    const sample = [...this.table.list().slice(0, 32), ...(this.willName ? [`will=${this.willName}`] : [])];
    const payload = new TextEncoder().encode(sample.join(','));
    for (const n of new Set([...this.table.list(), ...this.o.seeds]))
      if (n !== this.self) this.sendFrame(T_BEACON, 1, this.ports.randomBytes(8), payload, n);
    // Anti-entropy: each heartbeat, one neighbour in turn gets our own births and frontiers again, so a lost
    // push is repaired within (neighbours) heartbeats instead of waiting for our next change. The receiver hands
    // a version its core already has to it only once (`delivered`).
    const ns = this.neighbours().filter((n) => n !== this.self && this.cookies.isValidated(now, n));
    if (ns.length) {
      const to = ns[this.refreshTurn++ % ns.length]!;
      for (const [name, r] of this.retained)
        if (this.isGreeting(name, r) && r.expiresAt > now) this.sendRetained(now, name, r, to);
    }
  }

  // ---- parts -----------------------------------------------------------------------------------------------------

  private markSeen(id: string): void {
    this.seen.set(id, true);
    if (this.seen.size > SEEN) this.seen.delete(this.seen.keys().next().value!);
  }

  private reportPeer(name: string, reachable: boolean): void {
    const c = parseLetterName(name);
    if (c) this.events.push({ type: 'peer', channel: c.channel, key: c.key, reachable });
  }

  /** The only frame an unvalidated address can make this node send: 30 bytes. */
  private challenge(now: number, to: string): void {
    this.sendFrame(T_CHALLENGE, 1, this.ports.randomBytes(8), this.cookies.cookie(now, to), to);
  }

  private sendFrame(type: number, ttl: number, id: Uint8Array, payload: Uint8Array, to: string): void {
    for (const frame of encodeFrames(type, ttl, id, payload)) this.out.push({ to, frame });
  }

  /** D random neighbours, or all of them up to Dhi (small LANs). */
  private fanout(exclude?: string): string[] {
    const all = [...this.table.list(), ...this.o.seeds.filter((s) => !this.table.has(s))].filter(
      (n) => n !== exclude && n !== this.self,
    );
    if (all.length <= this.dHi) return all;
    for (let i = all.length - 1; i > 0; i--) {
      const r = this.ports.randomBytes(2);
      const j = ((r[0]! << 8) | r[1]!) % (i + 1);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, this.D);
  }

  private push(type: number, channel: Channel, key: string, bytes: Uint8Array, expiryS: number): void {
    const id = this.ports.randomBytes(8);
    this.markSeen(toHex(id));
    const payload = encodeMessage(channel, key, bytes, expiryS);
    for (const n of this.fanout()) this.sendFrame(type, TTL, id, payload, n);
  }

  private deliver(channel: Channel, key: string, bytes: Uint8Array, retainedCopy: boolean): void {
    const name = letterName(channel, key);
    if (![...this.filters].some((f) => topicMatches(f, name))) return;
    if (retainedCopy) {
      // Several holders answer a pull: hand each retained version over once, as a broker would.
      const cid = `${bytes.length}:${toHex(bytes.subarray(0, 64))}:${toHex(bytes.subarray(-64))}`;
      if (this.delivered.get(name) === cid) return;
      this.delivered.set(name, cid);
      if (this.delivered.size > 4096) this.delivered.delete(this.delivered.keys().next().value!);
    }
    this.events.push({ type: 'message', channel, key, bytes });
  }

  private keep(now: number, channel: Channel, key: string, bytes: Uint8Array, expiryS: number, own: boolean): void {
    const name = letterName(channel, key);
    // Only we publish our own names (our birth, our frontiers, what a bridge forwarded here): a copy handed back
    // by a neighbour, maybe an older version, must not replace ours or make it someone else's.
    if (!own && this.retained.get(name)?.own) return;
    if (bytes.length === 0) return void this.retained.delete(name);
    const r: Retained = { bytes, expiresAt: expiryS ? now + expiryS * 1000 : Infinity, own };
    this.retained.set(name, r);
    // Someone asked for this before it existed here (a subscribe that came first): answer now. An unvalidated
    // requester keeps its lease and is answered when it echoes.
    this.wanted.arrived(now, name, (to) => {
      if (!this.cookies.isValidated(now, to)) return false;
      this.sendRetained(now, name, r, to);
      return true;
    });
  }

  /** Sends `to` every live retained item matching `filter`; whether there was one. */
  private answer(now: number, filter: string, to: string): boolean {
    let answered = false;
    for (const [name, r] of this.retained)
      if (r.expiresAt > now && topicMatches(filter, name)) {
        this.sendRetained(now, name, r, to);
        answered = true;
      }
    return answered;
  }

  /** Pulls `to` made before it was validated, answered now (a one-level wildcard's lease stays for later items). */
  private answerWanted(now: number, to: string): void {
    this.wanted.validated(to, (filter) => this.answer(now, filter, to) && !filter.endsWith('/+'));
  }

  /** Our own retained items that are pushed (births, frontiers, proofs): what greetings and anti-entropy send. */
  private isGreeting(name: string, r: Retained): boolean {
    const c = parseLetterName(name);
    return r.own && c !== undefined && CHANNEL[c.channel].pushed;
  }

  private greet(now: number, to: string): void {
    if (this.greeted.has(to)) return;
    this.greeted.add(to);
    for (const [name, r] of this.retained) if (this.isGreeting(name, r)) this.sendRetained(now, name, r, to);
  }

  private sendRetained(now: number, name: string, r: Retained, to: string): void {
    const c = parseLetterName(name)!;
    const expiryS = r.expiresAt === Infinity ? 0 : Math.ceil((r.expiresAt - now) / 1000);
    this.sendFrame(T_RETAINED, 1, this.ports.randomBytes(8), encodeMessage(c.channel, c.key, r.bytes, expiryS), to);
  }
}
